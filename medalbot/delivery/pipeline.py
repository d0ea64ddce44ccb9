"""The outbox sender's run loop: claims feed a queue of channel jobs that a bounded pool of
workers sends, and a new claim is made as soon as the queue runs low, so that a channel
Discord answers slowly holds up only itself (and one worker), never the other channels.

Per-channel FIFO comes from the store: a claim never returns a channel's rows while an earlier
row of it is leased. Locally, a channel is sent by one job at a time: rows a claim returns for a
channel already being sent here (its lease ran out mid-send) are not sent beside it (see
``_take``), and a queued job is replaced by a fresher claim of its channel.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from medalbot.domain.alerts import Alert
from medalbot.domain.subscriptions import Subscription
from medalbot.store.base import Delivery, GuildSettings

log = logging.getLogger(__name__)


@dataclass
class Claim:
    """What one claim loaded for its rows, shared by its channels' jobs."""

    alerts: dict[str, Alert]
    subs: dict[int, Subscription]
    guilds: dict[int, GuildSettings]
    leased_at: float  # monotonic time just before the claim: its lease runs from then


@dataclass
class ChannelJob:
    """One channel's claimed rows, in id order, sent by one worker."""

    rows: list[Delivery]
    claim: Claim
    # Claim again when it ends: it put rows back, or rows may be waiting behind it (its
    # channel was cut by the claim limit, or new rows came while it was sending).
    recheck: bool = False
    rank: int = 0  # its place in its claim, which is in the store's order
    wakes: int = field(default=0, repr=False)  # the sender's wake count when it was claimed
    claim_number: int = field(default=0, repr=False)  # claims made by this pipeline before it

    @property
    def channel_id(self) -> int:
        return self.rows[0].channel_id

    @property
    def urgency(self) -> tuple[int, int, int]:
        """The most urgent row first, then claim after claim in the store's order. Not the
        oldest row across claims: rows taken back from a dead sender come in a later claim,
        first in it, and would wait behind every older row claimed meanwhile (seconds, at the
        tail of a fan-out)."""
        return min(r.priority for r in self.rows), self.claim_number, self.rank


ClaimJobs = Callable[[], Awaitable[list[ChannelJob]]]
SendJob = Callable[[ChannelJob], Awaitable[None]]
PutBack = Callable[[list[Delivery]], Awaitable[None]]


class Pipeline:
    def __init__(
        self,
        *,
        claim: ClaimJobs,
        send: SendJob,
        put_back: PutBack,
        workers: int,
        idle_check: float,
    ) -> None:
        self._claim = claim
        self._send = send
        self._put_back = put_back  # rows claimed but not to be sent by us now: due again
        self._workers = workers
        self._idle_check = idle_check
        self._queue: dict[int, ChannelJob] = {}  # by channel, in claim order
        self._active: dict[int, ChannelJob] = {}  # by channel: being sent
        self._tasks: set[asyncio.Task[None]] = set()
        self._stir = asyncio.Event()  # a wake, or a job ended
        self._want = True  # rows may be due: claim when the queue has room
        self._wakes = 0
        self._claims = 0
        self._failure: BaseException | None = None
        self.idle = asyncio.Event()

    def wake(self) -> None:
        self._wakes += 1
        self._want = True
        self._stir.set()

    async def run(self) -> None:
        cancelled = False
        self.idle.clear()  # idle again only once this run's claim finds nothing
        try:
            while True:
                self._start()
                if self._failure is not None:
                    raise self._failure
                if self._want and len(self._queue) < self._workers:
                    found = await self._claim_more()
                    if found:
                        continue  # there may be more
                    if found is not None and not self._queue and not self._active:
                        self.idle.set()
                # not asyncio.wait_for: on Python 3.11 it can swallow a cancel that comes as
                # the event is set (a job ending at shutdown), and run() would never end
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self._idle_check):
                        await self._stir.wait()
                if not self._stir.is_set():
                    self._want = True  # retries whose time came; other senders' channels
                self._stir.clear()
        except asyncio.CancelledError:
            cancelled = True
            raise
        finally:
            await self._stop(put_back=cancelled)

    async def _claim_more(self) -> bool | None:
        """Claim due rows into the queue: whether it found any (None: the claim failed)."""
        self._want = False
        wakes = self._wakes
        try:
            jobs = await self._claim()
        except Exception:
            # A database hiccup must not end delivery for good; the next try comes with the
            # idle check (or a wake). Rows it may have claimed come back with their lease.
            log.exception("outbox claim failed; trying again in %.1f s", self._idle_check)
            return None
        if not jobs:
            return False
        self.idle.clear()
        self._want = True
        try:
            await self._take(jobs, wakes)
        except Exception:
            log.exception("outbox: putting rows back failed; they come back with their lease")
        return True

    async def _take(self, jobs: list[ChannelJob], wakes: int) -> None:
        self._claims += 1
        for job in jobs:
            job.wakes = wakes
            job.claim_number = self._claims
            running = self._active.get(job.channel_id)
            if running is None:
                self._queue[job.channel_id] = job  # a queued job of its channel is superseded
                continue
            # Its lease ran out while it was being sent here, so the claim took its rows again
            # (renewing their lease). Only its job sends them; later rows of the channel go
            # back, behind them in the channel's FIFO, and are claimed once it ends.
            sending = {r.id for r in running.rows}
            later = [r for r in job.rows if r.id not in sending]
            running.recheck = True
            if later:
                await self._put_back(later)

    def _start(self) -> None:
        while self._queue and len(self._active) < self._workers:
            channel_id = min(self._queue, key=lambda c: self._queue[c].urgency)
            job = self._queue.pop(channel_id)
            self._active[channel_id] = job
            task = asyncio.create_task(self._work(job), name=f"outbox-channel-{channel_id}")
            self._tasks.add(task)
            task.add_done_callback(self._ended)

    async def _work(self, job: ChannelJob) -> None:
        try:
            await self._send(job)
        except asyncio.CancelledError:
            raise
        except Exception:
            # One channel's failure neither stops the others nor goes unseen; its rows come
            # back when their lease runs out.
            log.exception(
                "channel %d: sending alerts %s failed",
                job.channel_id,
                ",".join(r.alert_id for r in job.rows),
            )
        finally:
            self._active.pop(job.channel_id, None)
            if job.recheck or job.wakes != self._wakes:
                self._want = True
            self._stir.set()

    def _ended(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            # not an Exception (those are logged): e.g. a test's simulated crash, which
            # ends run() like it would end the process
            self._failure = task.exception()
            self._stir.set()

    async def _stop(self, *, put_back: bool) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        queued = [r for job in self._queue.values() for r in job.rows]
        self._queue.clear()
        if put_back and queued:
            # A clean shutdown: rows claimed but never started are due again at once, rather
            # than when their lease runs out. (Rows cut off mid-send wait for their lease;
            # those pinned to a message go again with its nonce.)
            try:
                await self._put_back(queued)
            except Exception:
                log.exception("putting %d unsent claimed rows back failed", len(queued))
