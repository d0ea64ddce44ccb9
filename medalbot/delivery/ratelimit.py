"""Our own pacing, below Discord's limits, so the fan-out does not collect 429s.

discord.py only reacts to a 429 after the fact and has no global limiter (see
shared/discord-limits.md §2); every 429 counts towards Discord's invalid-request ban.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable

Monotonic = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


class TokenBucket:
    """``rate`` requests per second on average, bursts of at most ``burst``; fair (FIFO)."""

    def __init__(
        self,
        rate: float,
        burst: int,
        *,
        monotonic: Monotonic = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be positive and burst at least 1")
        self.rate = rate
        self.burst = burst
        self._tokens = float(burst)
        self._monotonic = monotonic
        self._sleep = sleep
        self._updated = monotonic()
        self._lock = asyncio.Lock()

    def _refill(self) -> None:
        now = self._monotonic()
        self._tokens = min(self.burst, self._tokens + (now - self._updated) * self.rate)
        self._updated = now

    async def acquire(self) -> None:
        async with self._lock:  # one waiter at a time keeps the order fair
            self._refill()
            if self._tokens < 1:
                await self._sleep((1 - self._tokens) / self.rate)
                self._refill()
            self._tokens -= 1


class WindowPacer:
    """At most ``limit`` requests per ``period`` seconds for one key (a channel), like
    Discord's per-channel message bucket (about 5 per 5 s)."""

    def __init__(
        self,
        limit: int,
        period: float,
        *,
        monotonic: Monotonic = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.limit = limit
        self.period = period
        self._monotonic = monotonic
        self._sleep = sleep
        self._sent: dict[int, deque[float]] = {}

    def delay(self, key: int) -> float:
        """How long the next request for ``key`` must wait (0 when it may go now)."""
        window = self._sent.get(key)
        if window is None:
            return 0.0
        now = self._monotonic()
        while window and window[0] <= now - self.period:
            window.popleft()
        if not window:
            del self._sent[key]
            return 0.0
        if len(window) < self.limit:
            return 0.0
        return window[0] + self.period - now

    async def acquire(self, key: int) -> None:
        while (wait := self.delay(key)) > 0:
            await self._sleep(wait)
        self._sent.setdefault(key, deque()).append(self._monotonic())

    def penalise(self, key: int, retry_after: float) -> None:
        """Discord said 429 for this channel: hold it for ``retry_after`` seconds."""
        until = self._monotonic() + retry_after - self.period
        self._sent[key] = deque([until] * self.limit)
