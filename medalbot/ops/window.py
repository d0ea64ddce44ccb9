"""A count of events over a sliding time window, for rates Discord enforces per window."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

MonotonicClock = Callable[[], float]


class _Bucket:
    __slots__ = ("count", "start")

    def __init__(self, start: float, count: int) -> None:
        self.start = start
        self.count = count


class SlidingWindowCounter:
    """How many events happened in the last ``window`` seconds.

    Events are kept in one-second buckets so a storm of thousands costs a few hundred entries;
    the count is therefore exact to within one bucket at the window's trailing edge.
    """

    def __init__(
        self,
        window: float,
        *,
        clock: MonotonicClock = time.monotonic,
        resolution: float = 1.0,
    ) -> None:
        if window <= 0 or resolution <= 0:
            raise ValueError("window and resolution must be positive")
        self._window = window
        self._resolution = resolution
        self._clock = clock
        self._buckets: deque[_Bucket] = deque()  # oldest first
        self._total = 0

    def add(self, count: int = 1) -> int:
        """Record ``count`` events now; returns the count in the window including them."""
        now = self._clock()
        self._expire(now)
        start = now - now % self._resolution
        if self._buckets and self._buckets[-1].start == start:
            self._buckets[-1].count += count
        else:
            self._buckets.append(_Bucket(start, count))
        self._total += count
        return self._total

    def count(self) -> int:
        self._expire(self._clock())
        return self._total

    def _expire(self, now: float) -> None:
        # A bucket leaves the window once all of it is older than the window.
        horizon = now - self._window
        while self._buckets and self._buckets[0].start + self._resolution <= horizon:
            self._total -= self._buckets.popleft().count
