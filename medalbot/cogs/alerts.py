"""Alerts cog: schedules one poll job per feed and one digest job per subscription with a daily
digest, and runs the outbox sender.

APScheduler 3.x ``AsyncIOScheduler`` with the in-memory job store (jobs are rebuilt from the
settings and the database at start-up, nothing pickled): ``max_instances=1`` so a slow run is
never doubled, ``coalesce`` so a backlog of missed runs becomes one, and an explicit
``misfire_grace_time`` (the 1 s default drops runs on a busy loop). APScheduler itself logs a
missed or skipped run (WARNING) and a job that raised (ERROR, with the traceback), naming the
job ("poll main", "digest 12"); ``medalbot.logs`` keeps its per-run INFO lines out.

A digest job is a ``CronTrigger`` at the subscription's local digest time in its own time zone;
moderators' changes reschedule it at once (``schedule_digest``). The job only asks the digest
poster to post the latest digest if it was not posted yet, so a run twice on the same day (a
clock change, a restart, the start-up catch-up for digests missed while the bot was down) posts
nothing more.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Final

from apscheduler.job import Job
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger
from discord.ext import commands

from medalbot.delivery.digest import DigestOutcome, DigestPoster
from medalbot.domain.schedule import zone
from medalbot.logs import log_context
from medalbot.store.base import Subscription

if TYPE_CHECKING:
    from medalbot.bot import Feed, MedalBot

log = logging.getLogger(__name__)

# A digest run that starts this late (a busy or suspended process) still runs; the digest
# poster itself refuses digests older than its catch-up window.
DIGEST_MISFIRE_GRACE: Final = 15 * 60  # seconds
DIGEST_JOB_PREFIX: Final = "digest:"


def digest_job_id(subscription_id: int) -> str:
    return f"{DIGEST_JOB_PREFIX}{subscription_id}"


class Alerts(commands.Cog):
    def __init__(self, bot: MedalBot) -> None:
        self.bot = bot
        self.scheduler = AsyncIOScheduler(timezone=UTC)
        self._sender_task: asyncio.Task[None] | None = None
        self.digests = DigestPoster(
            bot.services.store, bot.sender, bot.settings.delivery, clock=bot.clock
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
        """(Re)schedule a subscription's digest job as its settings say; None if it has none."""
        job_id = digest_job_id(sub.id)
        if sub.digest_time is None:
            if self.scheduler.get_job(job_id) is not None:
                self.scheduler.remove_job(job_id)
                log.info("subscription %d: daily digest unscheduled", sub.id)
            return None
        trigger = CronTrigger(
            hour=sub.digest_time.hour, minute=sub.digest_time.minute, timezone=zone(sub.timezone)
        )
        job: Job = self.scheduler.add_job(
            self.post_digest,
            trigger,
            args=[sub.id],
            id=job_id,
            name=f"digest {sub.id}",
            max_instances=1,
            coalesce=True,
            misfire_grace_time=DIGEST_MISFIRE_GRACE,
            replace_existing=True,
        )
        log.info(
            "subscription %d: daily digest at %s %s",
            sub.id,
            sub.digest_time.strftime("%H:%M"),
            sub.timezone,
        )
        return job

    async def rebuild_digest_jobs(self) -> None:
        """One digest job per subscription with a digest time, as the database says."""
        for job in self.scheduler.get_jobs():
            if job.id.startswith(DIGEST_JOB_PREFIX):
                job.remove()
        for sub in await self.bot.services.store.list_subscriptions():
            self.schedule_digest(sub)

    async def post_digest(self, subscription_id: int) -> DigestOutcome:
        """The digest job: post the subscription's latest digest unless it was posted."""
        outcome = await self.digests.post_due(subscription_id)
        if outcome in (DigestOutcome.GONE, DigestOutcome.NO_DIGEST):
            job = self.scheduler.get_job(digest_job_id(subscription_id))
            if job is not None:  # unsubscribed or turned off meanwhile
                job.remove()
        log.info("subscription %d: digest job: %s", subscription_id, outcome.value)
        return outcome

    async def catch_up_digests(self) -> None:
        try:
            for sub in await self.bot.services.store.list_subscriptions():
                if sub.digest_time is not None:
                    await self.post_digest(sub.id)
        finally:
            self.digests_caught_up.set()


async def setup(bot: MedalBot) -> None:
    await bot.add_cog(Alerts(bot))
