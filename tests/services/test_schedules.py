"""Setting quiet hours and the digest as a moderator types them, and the refusals they get."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import TypedDict

import pytest
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from medalbot.delivery.digest import DigestOutcome
from medalbot.delivery.digest_schedule import DigestSchedule
from medalbot.domain.schedule import Schedule
from medalbot.domain.subscriptions import Subscription
from medalbot.services.errors import UserError
from medalbot.services.schedules import ScheduleService, timezone_choices
from medalbot.store.base import NewSubscription
from medalbot.store.memory import MemoryStore

NOW = datetime(2026, 2, 10, 12, 0, tzinfo=UTC)
GUILD = 1


class QuietHoursOptions(TypedDict):
    timezone: str
    start: str | None
    end: str | None


async def never(subscription_id: int) -> DigestOutcome:
    raise AssertionError(f"subscription {subscription_id} posted: no job was to run")


def digest_schedule() -> DigestSchedule:
    """Digest jobs on a scheduler that is never started: they are kept, never run."""
    return DigestSchedule(AsyncIOScheduler(timezone=UTC), never, concurrency=1)


async def service(
    digests: DigestSchedule | None = None,
) -> tuple[ScheduleService, MemoryStore, Subscription]:
    store = MemoryStore()
    sub = await store.add_subscription(
        NewSubscription(guild_id=GUILD, channel_id=10, noc="NED"), NOW, 25
    )
    jobs = digests or digest_schedule()
    return ScheduleService(store, digests=jobs, clock=lambda: NOW), store, sub


async def test_quiet_hours_are_set_in_a_time_zone_however_it_is_typed() -> None:
    schedules, _store, sub = await service()

    saved = await schedules.set_quiet_hours(
        GUILD, sub.id, timezone=" europe/amsterdam ", start="23:00", end="7:00"
    )

    assert saved.schedule == Schedule("Europe/Amsterdam", time(23), time(7), False, None)
    through = await schedules.set_quiet_hours(
        GUILD,
        sub.id,
        timezone="America/Los Angeles",
        start="22:30",
        end="06:15",
        records_break_through=True,
    )
    assert through.schedule == Schedule("America/Los_Angeles", time(22, 30), time(6, 15), True)


async def test_quiet_hours_off_keep_the_time_zone_and_the_other_settings() -> None:
    schedules, _store, sub = await service()
    await schedules.set_quiet_hours(
        GUILD, sub.id, timezone="Asia/Tokyo", start="23:00", end="07:00", records_break_through=True
    )
    await schedules.set_digest(GUILD, sub.id, at="08:00")

    off = await schedules.set_quiet_hours(
        GUILD, sub.id, timezone="Asia/Tokyo", start="off", end=None
    )

    assert off.schedule == Schedule("Asia/Tokyo", None, None, True, time(8))


@pytest.mark.parametrize(
    ("options", "says"),
    [
        ({"timezone": "Mars/Olympus", "start": "23:00", "end": "07:00"}, "not a time zone I know"),
        ({"timezone": "UTC", "start": "23:00", "end": None}, "both the start and the end"),
        ({"timezone": "UTC", "start": None, "end": "07:00"}, "both the start and the end"),
        ({"timezone": "UTC", "start": "11pm", "end": "07:00"}, "“11pm” is not a time of day"),
        ({"timezone": "UTC", "start": "23:00", "end": "24:00"}, "“24:00” is not a time of day"),
        ({"timezone": "UTC", "start": "07:00", "end": "07:00"}, "different times"),
    ],
)
async def test_what_cannot_be_quiet_hours_is_refused_saying_why(
    options: QuietHoursOptions, says: str
) -> None:
    schedules, store, sub = await service()

    with pytest.raises(UserError) as refused:
        await schedules.set_quiet_hours(GUILD, sub.id, **options)

    assert says in refused.value.message
    [unchanged] = await store.list_subscriptions(GUILD)
    assert unchanged.schedule == Schedule()


async def test_a_digest_is_set_at_a_local_time_and_turned_off() -> None:
    schedules, _store, sub = await service()

    saved = await schedules.set_digest(GUILD, sub.id, at="21:30", timezone="America/New_York")
    assert saved.schedule == Schedule(timezone="America/New_York", digest_time=time(21, 30))
    moved = await schedules.set_digest(GUILD, sub.id, at="08:00")  # same time zone
    assert moved.schedule == Schedule(timezone="America/New_York", digest_time=time(8))
    off = await schedules.set_digest(GUILD, sub.id, at="off")
    assert off.schedule == Schedule(timezone="America/New_York")


async def test_the_digest_jobs_follow_each_change_at_once() -> None:
    digests = digest_schedule()
    schedules, _store, sub = await service(digests)

    await schedules.set_digest(GUILD, sub.id, at="21:30", timezone="America/New_York")
    assert digests.keys() == [(time(21, 30), "America/New_York")]
    assert digests.subscriptions(time(21, 30), "America/New_York") == {sub.id}
    # quiet hours in another time zone move the digest with them
    await schedules.set_quiet_hours(GUILD, sub.id, timezone="Asia/Tokyo", start="23:00", end="7:00")
    assert digests.keys() == [(time(21, 30), "Asia/Tokyo")]
    assert digests.job(time(21, 30), "America/New_York") is None
    assert digests.job(time(21, 30), "Asia/Tokyo") is not None
    await schedules.set_digest(GUILD, sub.id, at="off")
    assert digests.keys() == []
    assert digests.job(time(21, 30), "Asia/Tokyo") is None


async def test_a_refused_change_leaves_the_digest_jobs_as_they_were() -> None:
    digests = digest_schedule()
    schedules, _store, sub = await service(digests)
    await schedules.set_digest(GUILD, sub.id, at="08:00", timezone="Europe/Amsterdam")

    with pytest.raises(UserError):
        await schedules.set_digest(GUILD, sub.id, at="8 uur")

    assert digests.keys() == [(time(8), "Europe/Amsterdam")]


@pytest.mark.parametrize("word", ["off", "uit", "aus", "désactivé", "non", "no", "não", "オフ"])
async def test_a_digest_is_turned_off_in_the_moderators_own_words(word: str) -> None:
    schedules, _store, sub = await service()
    await schedules.set_digest(GUILD, sub.id, at="08:00", timezone="Europe/Berlin")

    off = await schedules.set_digest(GUILD, sub.id, at=f" {word.upper()} ")
    assert off.schedule == Schedule(timezone="Europe/Berlin")


async def test_another_servers_subscription_cannot_be_changed() -> None:
    schedules, _store, sub = await service()

    with pytest.raises(UserError) as refused:
        await schedules.set_digest(GUILD + 1, sub.id, at="08:00")

    assert "does not exist on this server" in refused.value.message


async def test_refusals_are_told_in_dutch() -> None:
    schedules, _store, sub = await service()

    with pytest.raises(UserError) as refused:
        await schedules.set_digest(GUILD, sub.id, at="8 uur")

    assert refused.value.text("nl").startswith("“8 uur” is geen tijdstip")


def test_time_zone_choices_find_a_city_from_a_few_letters() -> None:
    assert timezone_choices("amster")[0] == "Europe/Amsterdam"
    assert timezone_choices("Europe/Ams")[0] == "Europe/Amsterdam"
    assert "America/Los_Angeles" in timezone_choices("los ang")
    assert "America/Argentina/Buenos_Aires" in timezone_choices("buenos")
    assert len(timezone_choices("")) == 25 and len(timezone_choices("a")) == 25
    assert timezone_choices("no such place") == []
