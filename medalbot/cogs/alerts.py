"""Alerts cog: schedules one poll job per feed and runs the outbox sender.

APScheduler 3.x ``AsyncIOScheduler`` with the in-memory job store (jobs are rebuilt from the
settings at start-up, nothing pickled): ``max_instances=1`` so a slow poll is never doubled,
``coalesce`` so a backlog of missed runs becomes one, an explicit ``misfire_grace_time`` (the
1 s default drops polls on a busy loop), and a listener that logs what was skipped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MAX_INSTANCES, EVENT_JOB_MISSED, JobEvent
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger
from discord.ext import commands

if TYPE_CHECKING:
    from medalbot.bot import Feed, MedalBot

log = logging.getLogger(__name__)


class Alerts(commands.Cog):
    def __init__(self, bot: MedalBot) -> None:
        self.bot = bot
        self.scheduler = AsyncIOScheduler(timezone=UTC)
        self._sender_task: asyncio.Task[None] | None = None

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
        self.scheduler.add_listener(
            self._job_event, EVENT_JOB_MISSED | EVENT_JOB_MAX_INSTANCES | EVENT_JOB_ERROR
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
        report = await self.bot.services.polling.poll(feed.source)
        if self.bot.ops is not None:
            self.bot.ops.metrics.observe_poll(report, self.bot.clock())

    def _job_event(self, event: JobEvent) -> None:
        if event.code == EVENT_JOB_MISSED:
            log.warning(
                "job %s missed its run at %s (loop busy?)", event.job_id, event.scheduled_run_time
            )
        elif event.code == EVENT_JOB_MAX_INSTANCES:
            log.warning("job %s skipped: the previous poll is still running", event.job_id)
        else:
            log.error("job %s failed", event.job_id, exc_info=getattr(event, "exception", None))


async def setup(bot: MedalBot) -> None:
    await bot.add_cog(Alerts(bot))
