"""Digest jobs grouped by (local time, time zone): one scheduler job however many subscriptions
share a time, each of them posted once a day, jobs following moderators' changes.

The scheduler is APScheduler's own, started paused (jobs are real, with real triggers, and run
only when a test runs them as the scheduler would); the digests go through the real poster to
a fake Discord that keeps what each channel shows.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, time, timedelta

import pytest
from apscheduler.job import Job
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from medalbot.config import DeliverySettings
from medalbot.delivery.digest import DigestOutcome, DigestPoster
from medalbot.delivery.digest_schedule import (
    DIGEST_MISFIRE_GRACE,
    DigestSchedule,
)
from medalbot.delivery.sender import OutboxSender
from medalbot.domain.schedule import Schedule, next_digest_at
from medalbot.domain.subscriptions import Subscription
from medalbot.store.base import NewSubscription
from medalbot.store.memory import MemoryStore
from tests.delivery.fixtures import Clock, FakeDiscord

AMS, TOKYO = "Europe/Amsterdam", "Asia/Tokyo"
FAST = DeliverySettings(
    global_rate=1000, global_burst=1000, channel_rate=1000, retry_base=0.001, retry_cap=0.01
)


@pytest.fixture
async def scheduler() -> AsyncIterator[AsyncIOScheduler]:
    scheduler = AsyncIOScheduler(timezone=UTC)
    scheduler.start(paused=True)
    yield scheduler
    scheduler.shutdown(wait=False)


def digest_jobs(scheduler: AsyncIOScheduler) -> list[str]:
    return sorted(job.id for job in scheduler.get_jobs() if job.id.startswith("digest:"))


def sub(sub_id: int, at: time | None, tz: str = AMS) -> Subscription:
    return Subscription(id=sub_id, guild_id=1, channel_id=100 + sub_id, timezone=tz, digest_time=at)


async def never(subscription_id: int) -> DigestOutcome:
    raise AssertionError(f"subscription {subscription_id} posted: no job was to run")


class World:
    """A store, a fake Discord, a clock, the poster, and the schedule of one bot."""

    def __init__(self, scheduler: AsyncIOScheduler, now: datetime) -> None:
        self.store = MemoryStore()
        self.port = FakeDiscord()
        self.clock = Clock(now)
        sender = OutboxSender(self.store, self.port, FAST, clock=self.clock)
        self.poster = DigestPoster(self.store, sender, FAST, clock=self.clock)
        self.schedule = DigestSchedule(scheduler, self.poster.post_due, concurrency=4)
        self._channels = 0

    async def subscribe(self, at: time | None, tz: str = AMS, guild_id: int = 1) -> Subscription:
        self._channels += 1
        new = NewSubscription(guild_id=guild_id, channel_id=self._channels, noc="NED")
        added = await self.store.add_subscription(new, self.clock(), 25)
        saved = await self.store.update_schedule(
            guild_id, added.id, Schedule(timezone=tz, digest_time=at), self.clock()
        )
        assert saved is not None
        return saved

    def digests(self, channel_id: int) -> list[str]:
        return [str(p.message.embeds[0].title) for p in self.port.channel(channel_id)]


async def test_a_thousand_subscriptions_at_three_times_make_three_jobs(
    scheduler: AsyncIOScheduler,
) -> None:
    schedule = DigestSchedule(scheduler, never, concurrency=8)
    times = [(time(8), AMS), (time(20), AMS), (time(8), TOKYO)]
    subs = [sub(i, *times[i % 3]) for i in range(1, 1001)]
    subs += [sub(i, None) for i in range(1001, 1101)]  # no digest: no job
    scheduler.add_job(never, "interval", seconds=60, args=[0], id="poll:main")

    schedule.rebuild(subs)
    schedule.rebuild(subs)  # as at every start-up: anew, not doubled

    assert digest_jobs(scheduler) == [
        "digest:08:00:Asia/Tokyo",
        "digest:08:00:Europe/Amsterdam",
        "digest:20:00:Europe/Amsterdam",
    ]
    assert scheduler.get_job("poll:main") is not None  # other jobs are left alone
    assert len(schedule.subscriptions(time(20), AMS)) == 334  # 1, 4, ..., 1000
    assert schedule.subscriptions(time(8), TOKYO) == {i for i in range(1, 1001) if i % 3 == 2}
    job = schedule.job(time(8), TOKYO)
    assert job is not None
    assert (job.max_instances, job.coalesce, job.misfire_grace_time) == (1, True, 900)
    assert job.misfire_grace_time == DIGEST_MISFIRE_GRACE
    # it fires at 08:00 in Tokyo, whatever the scheduler's own time zone
    tokyo_8 = datetime(2026, 2, 10, 23, 0, tzinfo=UTC)
    assert job.trigger.get_next_fire_time(None, tokyo_8 - timedelta(hours=1)) == tokyo_8


async def test_the_last_subscription_at_a_time_takes_its_job_with_it(
    scheduler: AsyncIOScheduler,
) -> None:
    schedule = DigestSchedule(scheduler, never, concurrency=8)
    schedule.rebuild([sub(1, time(8)), sub(2, time(8)), sub(3, time(20))])

    # one of two at 08:00 moves to 21:00: 08:00 stays for the other, 21:00 appears
    assert schedule.update(sub(1, time(21))) is not None
    assert digest_jobs(scheduler) == [
        "digest:08:00:Europe/Amsterdam",
        "digest:20:00:Europe/Amsterdam",
        "digest:21:00:Europe/Amsterdam",
    ]
    # the last one at 08:00 turns its digest off; the one at 20:00 is unsubscribed
    assert schedule.update(sub(2, None)) is None
    schedule.forget(3)
    assert digest_jobs(scheduler) == ["digest:21:00:Europe/Amsterdam"]
    # a new time zone is a new time: the job follows it
    schedule.update(sub(1, time(21), TOKYO))
    assert digest_jobs(scheduler) == ["digest:21:00:Asia/Tokyo"]
    assert schedule.subscriptions(time(21), TOKYO) == {1}
    assert schedule.subscriptions(time(21), AMS) == frozenset()
    # unchanged settings (a new quiet hours, say) leave the job as it is
    job = schedule.job(time(21), TOKYO)
    assert job is not None
    before = job.next_run_time
    assert schedule.update(sub(1, time(21), TOKYO)) is not None
    assert digest_jobs(scheduler) == ["digest:21:00:Asia/Tokyo"]
    same = schedule.job(time(21), TOKYO)
    assert same is not None and same.next_run_time == before


async def test_two_subscriptions_at_the_same_time_each_get_their_digest_once(
    scheduler: AsyncIOScheduler,
) -> None:
    at_8 = datetime(2026, 2, 10, 7, 0, tzinfo=UTC)  # 08:00 in Amsterdam
    w = World(scheduler, at_8 - timedelta(hours=3))
    first, second = await w.subscribe(time(8)), await w.subscribe(time(8), guild_id=2)
    other = await w.subscribe(time(9))
    w.schedule.rebuild(await w.store.list_subscriptions())
    job = w.schedule.job(time(8), AMS)
    assert job is not None and digest_jobs(scheduler) == [
        "digest:08:00:Europe/Amsterdam",
        "digest:09:00:Europe/Amsterdam",
    ]

    w.clock.now = at_8 + timedelta(seconds=1)
    outcomes = await job.func(*job.args)

    assert outcomes == {first.id: DigestOutcome.POSTED, second.id: DigestOutcome.POSTED}
    title = "📰 Daily digest for 🇳🇱 Netherlands, Feb 10, 2026"
    assert w.digests(first.channel_id) == w.digests(second.channel_id) == [title]
    assert w.digests(other.channel_id) == []  # 09:00 is another job
    # run again (a restart's catch-up, a coalesced misfire): nothing more
    again = await job.func(*job.args)
    assert set(again.values()) == {DigestOutcome.ALREADY_POSTED}
    await w.schedule.catch_up(w.poster.is_recent)
    assert len(w.port.posted) == 2


async def fire(job: Job, clock: Clock, times: int) -> list[datetime]:
    """Run ``job`` ``times`` times at the moments its trigger gives, as the scheduler asks it
    (from the run before) and runs it (a little after); the moments, in UTC."""
    fired: list[datetime] = []
    previous = None
    for _ in range(times):
        previous = job.trigger.get_next_fire_time(previous, clock())
        assert previous is not None
        fired.append(previous.astimezone(UTC))
        clock.now = fired[-1] + timedelta(milliseconds=50)
        await job.func(*job.args)
    return fired


def days(titles: list[str]) -> list[str]:
    return [title.split(", ", 1)[1] for title in titles]  # "📰 Daily digest for …, Oct 25, 2026"


async def test_when_the_clocks_go_back_the_job_fires_once_that_day(
    scheduler: AsyncIOScheduler,
) -> None:
    # 02:30 happens twice in Amsterdam on 25 October 2026: summer time, then winter time
    w = World(scheduler, datetime(2026, 10, 23, 12, tzinfo=UTC))
    subs = [await w.subscribe(time(2, 30)), await w.subscribe(time(2, 30))]
    w.schedule.rebuild(await w.store.list_subscriptions())
    job = w.schedule.job(time(2, 30), AMS)
    assert job is not None

    fired = await fire(job, w.clock, 3)

    assert fired == [
        datetime(2026, 10, 24, 0, 30, tzinfo=UTC),
        datetime(2026, 10, 25, 0, 30, tzinfo=UTC),  # its first passing
        datetime(2026, 10, 26, 1, 30, tzinfo=UTC),
    ]
    for s in subs:
        assert days(w.digests(s.channel_id)) == ["Oct 24, 2026", "Oct 25, 2026", "Oct 26, 2026"]


async def test_a_bot_started_when_the_clocks_have_just_gone_forward_posts_that_days_digest(
    scheduler: AsyncIOScheduler,
) -> None:
    # 02:30 does not exist in Amsterdam on 29 March 2026 (02:00 CET is 03:00 CEST, 01:00 UTC);
    # the digest reads it as 02:30 CET, 01:30 UTC. A bot started at 01:10 UTC fires then.
    w = World(scheduler, datetime(2026, 3, 28, 12, tzinfo=UTC))
    sub = await w.subscribe(time(2, 30))
    w.clock.now = datetime(2026, 3, 29, 1, 10, tzinfo=UTC)
    w.schedule.rebuild(await w.store.list_subscriptions())
    await w.schedule.catch_up(w.poster.is_recent)  # yesterday's is a day old: not caught up
    assert w.digests(sub.channel_id) == []
    job = w.schedule.job(time(2, 30), AMS)
    assert job is not None

    assert await fire(job, w.clock, 2) == [
        datetime(2026, 3, 29, 1, 30, tzinfo=UTC),
        datetime(2026, 3, 30, 0, 30, tzinfo=UTC),
    ]
    assert days(w.digests(sub.channel_id)) == ["Mar 29, 2026", "Mar 30, 2026"]
    # a bot that ran all along fires at the same moments
    spring = Schedule(timezone=AMS, digest_time=time(2, 30))
    before = datetime(2026, 3, 28, 12, tzinfo=UTC)
    assert job.trigger.get_next_fire_time(None, before) == next_digest_at(spring, before)


async def test_a_run_drops_subscriptions_gone_without_word_and_then_its_job(
    scheduler: AsyncIOScheduler,
) -> None:
    at_8 = datetime(2026, 2, 10, 7, 0, tzinfo=UTC)
    w = World(scheduler, at_8)
    kept, removed = await w.subscribe(time(8)), await w.subscribe(time(8))
    w.schedule.rebuild(await w.store.list_subscriptions())
    await w.store.remove_subscription(removed.guild_id, removed.id)  # nobody told the schedule
    job = w.schedule.job(time(8), AMS)
    assert job is not None

    outcomes = await job.func(*job.args)

    assert outcomes == {kept.id: DigestOutcome.POSTED, removed.id: DigestOutcome.GONE}
    assert w.schedule.subscriptions(time(8), AMS) == {kept.id}
    assert digest_jobs(scheduler) == ["digest:08:00:Europe/Amsterdam"]
    await w.store.update_schedule(kept.guild_id, kept.id, Schedule(timezone=AMS), at_8)
    assert await job.func(*job.args) == {kept.id: DigestOutcome.NO_DIGEST}
    assert digest_jobs(scheduler) == []  # nobody left at 08:00


async def test_one_failing_digest_does_not_cost_the_others_theirs(
    scheduler: AsyncIOScheduler, caplog: pytest.LogCaptureFixture
) -> None:
    posted: list[int] = []
    running = 0
    most = 0

    async def post_due(subscription_id: int) -> DigestOutcome:
        nonlocal running, most
        running += 1
        most = max(most, running)
        try:
            await asyncio.sleep(0)  # a send: the other workers go on meanwhile
            if subscription_id == 13:
                raise RuntimeError("database is locked")
            posted.append(subscription_id)
            return DigestOutcome.POSTED
        finally:
            running -= 1

    schedule = DigestSchedule(scheduler, post_due, concurrency=8)
    schedule.rebuild([sub(i, time(8)) for i in range(1, 101)])

    with caplog.at_level(logging.ERROR, logger="medalbot.delivery.digest_schedule"):
        outcomes = await schedule.run(time(8), AMS)

    assert sorted(posted) == [i for i in range(1, 101) if i != 13]  # each once
    assert outcomes[13] == DigestOutcome.FAILED
    assert most == 8  # sent side by side, as many at once as configured and no more
    [record] = caplog.records
    assert "subscription 13" in record.getMessage() and record.exc_info is not None
    assert schedule.subscriptions(time(8), AMS) == set(range(1, 101))  # tried again tomorrow


async def test_the_catch_up_runs_only_the_times_missed_lately(
    scheduler: AsyncIOScheduler,
) -> None:
    # back at 09:15 in Amsterdam after a night down: 08:00 is 75 minutes late, 05:00 more than
    # the 3 hours of catch-up, 10:00 not due yet (yesterday's is long gone)
    w = World(scheduler, datetime(2026, 2, 10, 8, 15, tzinfo=UTC))
    missed, old, later = [await w.subscribe(time(h)) for h in (8, 5, 10)]
    w.schedule.rebuild(await w.store.list_subscriptions())

    await w.schedule.catch_up(w.poster.is_recent)

    assert w.digests(missed.channel_id) == ["📰 Daily digest for 🇳🇱 Netherlands, Feb 10, 2026"]
    assert w.digests(old.channel_id) == w.digests(later.channel_id) == []


async def test_a_time_zone_the_system_lost_costs_only_its_own_digests(
    scheduler: AsyncIOScheduler, caplog: pytest.LogCaptureFixture
) -> None:
    schedule = DigestSchedule(scheduler, never, concurrency=8)
    subs = [sub(1, time(8)), *(sub(i, time(8), "Mars/Olympus") for i in range(2, 6))]

    with caplog.at_level(logging.ERROR, logger="medalbot.delivery.digest_schedule"):
        schedule.rebuild(subs)

    assert digest_jobs(scheduler) == ["digest:08:00:Europe/Amsterdam"]
    [record] = caplog.records  # once, not once per subscription
    assert "Mars/Olympus" in record.getMessage()


async def test_a_digest_turned_off_and_on_while_its_job_runs_keeps_its_job(
    scheduler: AsyncIOScheduler,
) -> None:
    at = time(8, 0)
    schedule: DigestSchedule

    async def post_due(subscription_id: int) -> DigestOutcome:
        schedule.update(sub(1, None))  # a moderator, while the run reads the old settings
        schedule.update(sub(1, at))
        return DigestOutcome.NO_DIGEST

    schedule = DigestSchedule(scheduler, post_due, concurrency=1)
    schedule.update(sub(1, at))
    await schedule.run(at, AMS)
    assert schedule.subscriptions(at, AMS) == {1}
    assert schedule.job(at, AMS) is not None


async def test_a_digest_turned_off_behind_the_schedules_back_leaves_it(
    scheduler: AsyncIOScheduler,
) -> None:
    at = time(8, 0)

    async def post_due(subscription_id: int) -> DigestOutcome:
        return DigestOutcome.NO_DIGEST  # the database says: no digest any more

    schedule = DigestSchedule(scheduler, post_due, concurrency=1)
    schedule.update(sub(1, at))
    await schedule.run(at, AMS)
    assert schedule.subscriptions(at, AMS) == set()
    assert schedule.job(at, AMS) is None
