"""Measure event loop lag: how late a timer fires tells how long something blocked the loop.

Everything in the bot shares one event loop; a blocking call (a slow parse, a synchronous file
read) delays the gateway heartbeat, interaction replies and every send at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

log = logging.getLogger(__name__)

LagObserver = Callable[[float], None]


class LoopLagMonitor:
    def __init__(
        self, observe: LagObserver, *, interval: float = 0.5, warn_after: float = 1.0
    ) -> None:
        if interval <= 0:
            raise ValueError("interval must be positive")
        self._observe = observe
        self._interval = interval
        self._warn_after = warn_after
        self._task: asyncio.Task[None] | None = None
        self._measured = asyncio.Condition()
        self._count = 0
        self._last = 0.0

    @property
    def last_lag(self) -> float | None:
        """The last measurement in seconds; None before the first."""
        return self._last if self._count else None

    def start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(
                self._run(), name="loop-lag-monitor"
            )

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def next_measurement(self) -> float:
        """Wait for the next measurement and return it (for tests and diagnostics)."""
        async with self._measured:
            before = self._count
            await self._measured.wait_for(lambda: self._count > before)
            return self._last

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            due = loop.time() + self._interval
            await asyncio.sleep(self._interval)
            lag = max(0.0, loop.time() - due)
            self._record(lag)
            async with self._measured:
                self._measured.notify_all()

    def _record(self, lag: float) -> None:
        self._last = lag
        self._count += 1
        self._observe(lag)
        if lag >= self._warn_after:
            log.warning("event loop blocked: a timer fired %.2f s late", lag)
