"""The database as a dependency that fails: one watch of whether it answers, shared by the
background work (the poll jobs, the sender's claims, the digest jobs, the instance heartbeat).

The first of them to meet ``StoreUnavailable`` reports it (``lost``): the outage is logged
once, the poll jobs skip their runs (the feed keeps the snapshot; nothing was read), the
sender stops claiming, the digest jobs wait, and ``/healthz`` says failing with the reason.
Fans' commands answer from memory all along. One probe asks the database again, with
exponential backoff (``first_retry`` doubling up to ``max_retry``, full jitter), and when it
answers the outage ends (one log line) and everyone waiting on ``wait_up`` resumes.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from medalbot.store.base import StoreError

log = logging.getLogger(__name__)

Probe = Callable[[], Awaitable[object]]
Clock = Callable[[], datetime]
Sleep = Callable[[float], Awaitable[None]]


class StoreOutage:
    def __init__(
        self,
        probe: Probe,
        *,
        first_retry: float = 0.25,
        max_retry: float = 5.0,
        probe_timeout: float = 5.0,
        clock: Clock | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._probe = probe  # a cheap read of the store
        self._first_retry = first_retry
        self._max_retry = max_retry
        self._probe_timeout = probe_timeout
        self._clock = clock or (lambda: datetime.now(UTC))
        self._monotonic = monotonic
        self._sleep = sleep
        self._up = asyncio.Event()
        self._up.set()
        self._probing: asyncio.Task[None] | None = None
        self._started = 0.0  # monotonic
        self.since: datetime | None = None  # when the current outage began
        self.reason: str | None = None  # what failed first, and why
        self.outages = 0  # since start-up
        self.probes = 0  # tries of the database during outages, since start-up

    @property
    def down(self) -> bool:
        return not self._up.is_set()

    def lost(self, exc: BaseException, doing: str) -> None:
        """``doing`` met ``exc`` (a StoreUnavailable): the database is out of reach. Only the
        first report of an outage counts; the others are already told."""
        if self.down:
            return
        self._up.clear()
        self._started = self._monotonic()
        self.since = self._clock()
        self.reason = f"{doing}: {exc}"
        self.outages += 1
        log.error(
            "the database is not answering (%s); polling and sending paused, fans answered "
            "from memory; trying it again every %g s at most",
            self.reason,
            self._max_retry,
        )
        self._probing = asyncio.create_task(self._probe_until_back(), name="store-probe")

    async def wait_up(self) -> None:
        """Return at once when the database answers, else when it answers again."""
        await self._up.wait()

    async def _probe_until_back(self) -> None:
        delay = self._first_retry
        while True:
            await self._sleep(random.uniform(delay / 2, delay))  # full jitter, never zero
            self.probes += 1
            try:
                async with asyncio.timeout(self._probe_timeout):
                    await self._probe()
            except (StoreError, TimeoutError) as exc:  # still out of reach: already said
                log.debug("the database is still not answering: %s", exc)
                delay = min(delay * 2, self._max_retry)
                continue
            break
        log.warning(
            "the database answers again after %.1f s; polling and sending resume",
            self._monotonic() - self._started,
        )
        self.since = self.reason = None
        self._probing = None
        self._up.set()

    async def close(self) -> None:
        task, self._probing = self._probing, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
