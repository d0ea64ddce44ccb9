"""Alerts cog: schedules one poll job per feed and one digest job per distinct (local time, time
zone) of the subscriptions' daily digests, and runs the outbox sender.

APScheduler 3.x ``AsyncIOScheduler`` with the in-memory job store (jobs are rebuilt from the
settings and the database at start-up, nothing pickled): ``max_instances=1`` so a slow run is
never doubled, ``coalesce`` so a backlog of missed runs becomes one, and an explicit
``misfire_grace_time`` (the 1 s default drops runs on a busy loop). APScheduler itself logs a
missed or skipped run (WARNING) and a job that raised (ERROR, with the traceback), naming the
job ("poll main", "digest 08:00 Europe/Amsterdam"); ``medalbot.logs`` keeps its per-run INFO
lines out.

A digest job fires at a local digest time in its time zone (``DigestTrigger``), shared by every
subscription with that time and zone (``medalbot.delivery.digest_schedule``); moderators'
changes move a subscription between jobs at once (``schedule_digest``, ``forget_digest``). The
job only asks the digest poster to post each one's latest digest if it was not posted yet, so a
run twice on the same day (a clock change, a restart, the start-up catch-up for digests missed
while the bot was down) posts nothing more.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from apscheduler.job import Job
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger
from discord.ext import commands

from medalbot.delivery.digest import DigestPoster
from medalbot.delivery.digest_schedule import DigestSchedule
from medalbot.domain.subscriptions import Subscription
from medalbot.logs import log_context

if TYPE_CHECKING:
    from medalbot.bot import Feed, MedalBot

log = logging.getLogger(__name__)


class Alerts(commands.Cog):
    def __init__(self, bot: MedalBot) -> None:
        self.bot = bot
        self.scheduler = AsyncIOScheduler(timezone=UTC)
        self._sender_task: asyncio.Task[None] | None = None
        self.digests = DigestPoster(
            bot.services.store, bot.sender, bot.settings.delivery, clock=bot.clock
        )
        self.digest_schedule = DigestSchedule(
            self.scheduler, self.digests.post_due, concurrency=bot.settings.delivery.workers
        )
        self.digests_caught_up = asyncio.Event()  # set once the start-up catch-up is done

    async def cog_load(self) -> None:
        now = datetime.now(UTC)  # the scheduler runs on real time, whatever clock alerts use
        for feed in self.bot.services.feeds:
            self.scheduler.add_job(
                self.poll,
                IntervalTrigger(seconds=feed.settings.interval, jitter=feed.settings.jitter),
                args=[feed],
                id=f"poll:{feed.settings.name}",
                name=f"poll {feed.settings.name}",
                max_instances=1,
                coalesce=True,
                misfire_grace_time=feed.settings.misfire_grace_time,
                replace_existing=True,
                next_run_time=now,  # poll at once on start-up, then on the interval
            )
        await self.rebuild_digest_jobs()
        # Digests whose time came while the bot was down, if recent and not posted yet.
        self.scheduler.add_job(
            self.catch_up_digests,
            DateTrigger(run_date=now, timezone=UTC),
            id="digests:catch-up",
            name="digest catch-up",
            misfire_grace_time=None,
        )
        self.scheduler.start()
        self._sender_task = asyncio.create_task(self.bot.sender.run(), name="outbox-sender")

    async def cog_unload(self) -> None:
        self.scheduler.shutdown(wait=False)
        if self._sender_task is not None:
            self._sender_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sender_task
        for feed in self.bot.services.feeds:
            await feed.source.close()

    async def poll(self, feed: Feed) -> None:
        with log_context(feed=feed.settings.name):
            report = await self.bot.services.polling.poll(feed.source)
        if self.bot.ops is not None:
            self.bot.ops.metrics.observe_poll(report, self.bot.clock())

    def schedule_digest(self, sub: Subscription) -> Job | None:
        """Follow a subscription's new digest settings at once: its digest job (shared with
        every subscription at that time in that zone), None if it has no digest."""
        return self.digest_schedule.update(sub)

    def forget_digest(self, subscription_id: int) -> None:
        """A removed subscription; its digest job goes if nobody else needs it."""
        self.digest_schedule.forget(subscription_id)

    async def rebuild_digest_jobs(self) -> None:
        """One digest job per (local time, time zone) of a digest, as the database says."""
        self.digest_schedule.rebuild(await self.bot.services.store.list_subscriptions())

    async def catch_up_digests(self) -> None:
        try:
            await self.digest_schedule.catch_up(self.digests.is_recent)
        finally:
            self.digests_caught_up.set()


async def setup(bot: MedalBot) -> None:
    await bot.add_cog(Alerts(bot))
