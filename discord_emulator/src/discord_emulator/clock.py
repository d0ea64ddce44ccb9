"""Clocks the emulator reads, so rate limits and deadlines can be tested without sleeping."""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    """Where the emulator gets time from."""

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back (buckets, deadlines, latencies)."""
        ...

    def time(self) -> float:
        """Seconds since the Unix epoch (snowflakes, timestamps, X-RateLimit-Reset)."""
        ...


class SystemClock:
    """Real time; discord.py really sleeps `retry_after`, so this is the default."""

    def monotonic(self) -> float:
        return time.monotonic()

    def time(self) -> float:
        return time.time()


class ManualClock:
    """A clock that only moves when told to, for deterministic tests of time rules."""

    def __init__(
        self, start_monotonic: float = 1000.0, start_time: float = 1_750_000_000.0
    ) -> None:
        self._monotonic = start_monotonic
        self._time = start_time

    def monotonic(self) -> float:
        return self._monotonic

    def time(self) -> float:
        return self._time

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("a clock cannot go back")
        self._monotonic += seconds
        self._time += seconds
