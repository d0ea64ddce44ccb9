"""Our own pacing, below Discord's limits, so the fan-out does not collect 429s.

discord.py only reacts to a 429 after the fact and has no global limiter (see
shared/discord-limits.md §2); every 429 counts towards Discord's invalid-request ban.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable
from enum import IntEnum
from typing import Protocol

Monotonic = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]

SECOND = 1.0  # the window of Discord's global limit (50 requests per second)


class Priority(IntEnum):
    """Who goes first in the global bucket: lower first, arrival order within a level."""

    POST = 0  # a new message: an alert people are waiting for
    EDIT = 1  # touching up a message already seen ("Official", a correction)


class GlobalLimiter(Protocol):
    """What the sender paces every request with: the local TokenBucket, or the limit shared
    by several processes (medalbot.cluster.ratelimit.SharedRateLimiter)."""

    async def acquire(self, priority: int = Priority.POST) -> None: ...


class _PriorityLock:
    """A lock handed to its waiters best priority first, then in arrival order."""

    def __init__(self) -> None:
        self._held = False
        self._waiters: list[tuple[int, int, asyncio.Future[None]]] = []
        self._arrival = itertools.count()

    async def acquire(self, priority: int) -> None:
        if not self._held and not self._waiters:
            self._held = True
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiters, (priority, next(self._arrival), future))
        try:
            await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():
                self.release()  # handed the lock just as we were cancelled: pass it on
            raise  # else our cancelled future stays in the heap; release() skips it

    def release(self) -> None:
        while self._waiters:
            _, _, future = heapq.heappop(self._waiters)
            if not future.done():
                future.set_result(None)  # handed over: the lock stays held
                return
        self._held = False


class TokenBucket:
    """``rate`` requests per second on average, bursts of at most ``burst``; FIFO within a
    priority, and a waiting new post goes before every waiting edit (``acquire(priority)``), so
    that a wave of "Official" edits to thousands of channels cannot delay a new alert's posts.
    A post waits for at most the one request already holding the bucket.

    A burst is also taken out of its second's ``rate``: never more than ``rate`` requests (at
    least one) in any one second. A full burst on top of a second's rate (10 + 40 = 50) would
    use up all the headroom Discord's global limit of 50/s leaves above ``rate`` for the bot's
    other requests (start-up, command sync), and the next one was a global 429
    (bench/fanout_limits.py).
    """

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
        self._turn = _PriorityLock()
        self._per_second = max(1, math.floor(rate))
        self._last_second: deque[float] = deque()  # when the requests of the last second went

    def _refill(self) -> None:
        now = self._monotonic()
        self._tokens = min(self.burst, self._tokens + (now - self._updated) * self.rate)
        self._updated = now

    async def acquire(self, priority: int = Priority.POST) -> None:
        await self._turn.acquire(priority)  # one waiter at a time, in priority order
        try:
            self._refill()
            if self._tokens < 1:
                await self._sleep((1 - self._tokens) / self.rate)
                self._refill()
            await self._second_not_full()
            self._tokens -= 1
            self._last_second.append(self._monotonic())
        finally:
            self._turn.release()

    async def _second_not_full(self) -> None:
        window, now = self._last_second, self._monotonic()
        while window and window[0] <= now - SECOND:
            window.popleft()
        if len(window) >= self._per_second:
            await self._sleep(window[0] + SECOND - now)
            window.popleft()  # waited until the oldest left the window
            self._refill()


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
        await self.wait_turn(key)
        self.record(key)

    async def wait_turn(self, key: int) -> None:
        """Until ``key`` may send again; nothing is recorded (``record`` does)."""
        while (wait := self.delay(key)) > 0:
            await self._sleep(wait)

    def record(self, key: int) -> None:
        """``key`` sends now."""
        self._sent.setdefault(key, deque()).append(self._monotonic())

    def penalise(self, key: int, retry_after: float) -> None:
        """Discord said 429 for this channel: hold it for ``retry_after`` seconds."""
        until = self._monotonic() + retry_after - self.period
        self._sent[key] = deque([until] * self.limit)
