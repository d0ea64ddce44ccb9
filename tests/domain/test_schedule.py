"""Quiet hours and digest times in a subscription's own time zone, DST included."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from apscheduler.triggers.cron import CronTrigger

from medalbot.domain.schedule import (
    Schedule,
    UnknownTimezone,
    at_local,
    digest_slot,
    held_in_quiet_hours,
    in_quiet_hours,
    next_digest_at,
    parse_local_time,
    quiet_hours_end,
    zone,
)
from tests.store.builders import medal_alert, record_alert

AMS = "Europe/Amsterdam"  # UTC+1, summer UTC+2; 2026: forward 29 Mar, back 25 Oct at 01:00 UTC
LA = "America/Los_Angeles"  # UTC-8, summer UTC-7; 2026: forward 8 Mar, back 1 Nov
NIGHT = Schedule(timezone=AMS, quiet_start=time(23), quiet_end=time(7))


def utc(year: int, month: int, day: int, hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


@pytest.mark.parametrize(
    ("moment", "quiet"),
    [
        (utc(2026, 2, 10, 21, 59), False),  # 22:59 in Amsterdam
        (utc(2026, 2, 10, 22, 0), True),  # 23:00: quiet hours start
        (utc(2026, 2, 10, 23, 30), True),  # past local midnight
        (utc(2026, 2, 11, 5, 59, 59), True),  # 06:59:59
        (utc(2026, 2, 11, 6, 0), False),  # 07:00: over
        (utc(2026, 2, 11, 12, 0), False),
    ],
)
def test_quiet_hours_wrap_midnight_in_local_time(moment: datetime, quiet: bool) -> None:
    assert in_quiet_hours(NIGHT, moment) is quiet


def test_quiet_hours_within_one_day() -> None:
    siesta = Schedule(timezone=LA, quiet_start=time(13), quiet_end=time(15))
    assert not in_quiet_hours(siesta, utc(2026, 2, 10, 20, 59))  # 12:59 PST
    assert in_quiet_hours(siesta, utc(2026, 2, 10, 21, 0))  # 13:00
    assert not in_quiet_hours(siesta, utc(2026, 2, 10, 23, 0))  # 15:00
    assert quiet_hours_end(siesta, utc(2026, 2, 10, 21, 30)) == utc(2026, 2, 10, 23, 0)


def test_the_same_local_hours_in_winter_and_summer() -> None:
    late = Schedule(timezone=LA, quiet_start=time(22), quiet_end=time(6))
    assert not in_quiet_hours(late, utc(2026, 1, 15, 5, 30))  # 21:30 PST
    assert in_quiet_hours(late, utc(2026, 7, 1, 5, 30))  # 22:30 PDT
    assert quiet_hours_end(late, utc(2026, 7, 1, 5, 30)) == utc(2026, 7, 1, 13, 0)  # 06:00 PDT
    assert quiet_hours_end(late, utc(2026, 1, 15, 7, 0)) == utc(2026, 1, 15, 14, 0)  # 06:00 PST


@pytest.mark.parametrize(
    ("moment", "end"),
    [
        (utc(2026, 2, 10, 22, 30), utc(2026, 2, 11, 6, 0)),  # evening: ends tomorrow
        (utc(2026, 2, 11, 3, 0), utc(2026, 2, 11, 6, 0)),  # after midnight: ends today
        # the clocks go forward in the night: 07:00 CEST comes an hour early in UTC
        (utc(2026, 3, 28, 23, 0), utc(2026, 3, 29, 5, 0)),
        # the clocks go back in the night: 07:00 CET comes an hour late
        (utc(2026, 10, 24, 22, 0), utc(2026, 10, 25, 6, 0)),
    ],
)
def test_quiet_hours_end_at_the_local_end_time(moment: datetime, end: datetime) -> None:
    assert quiet_hours_end(NIGHT, moment) == end
    assert in_quiet_hours(NIGHT, end - timedelta(seconds=1))
    assert not in_quiet_hours(NIGHT, end)


def test_no_end_outside_quiet_hours_and_none_without_them() -> None:
    assert quiet_hours_end(NIGHT, utc(2026, 2, 11, 12, 0)) is None
    assert not in_quiet_hours(Schedule(timezone=AMS), utc(2026, 2, 11, 3, 0))
    same = Schedule(timezone=AMS, quiet_start=time(7), quiet_end=time(7))
    assert not same.has_quiet_hours and not in_quiet_hours(same, utc(2026, 2, 11, 6, 0))


def test_quiet_hours_ending_in_the_skipped_hour_end_when_the_clocks_jump() -> None:
    # 02:30 does not exist in Amsterdam on 29 March 2026: at 01:00 UTC it goes 02:00 -> 03:00.
    early = Schedule(timezone=AMS, quiet_start=time(22), quiet_end=time(2, 30))
    assert quiet_hours_end(early, utc(2026, 3, 28, 23, 30)) == utc(2026, 3, 29, 1, 0)
    assert in_quiet_hours(early, utc(2026, 3, 29, 0, 59, 59))
    assert not in_quiet_hours(early, utc(2026, 3, 29, 1, 0))


def test_quiet_hours_ending_in_the_repeated_hour_end_after_moment_each_time() -> None:
    # 02:00-03:00 happens twice in Amsterdam on 25 October 2026 (CEST, then CET).
    early = Schedule(timezone=AMS, quiet_start=time(22), quiet_end=time(2, 30))
    assert quiet_hours_end(early, utc(2026, 10, 24, 23, 0)) == utc(2026, 10, 25, 0, 30)
    # Local time falls back to 02:00: quiet again until 02:30 comes round the second time.
    second_pass = utc(2026, 10, 25, 1, 10)  # 02:10 CET
    assert in_quiet_hours(early, second_pass)
    assert quiet_hours_end(early, second_pass) == utc(2026, 10, 25, 1, 30)


def test_records_break_through_only_when_allowed_and_only_records() -> None:
    record, medal = record_alert("r"), medal_alert("m")
    night, day = utc(2026, 2, 11, 3, 0), utc(2026, 2, 11, 12, 0)
    through = Schedule(
        timezone=AMS, quiet_start=time(23), quiet_end=time(7), records_break_through=True
    )
    assert held_in_quiet_hours(through, medal, night)
    assert not held_in_quiet_hours(through, record, night)
    assert held_in_quiet_hours(NIGHT, record, night)  # break-through is off by default
    assert not held_in_quiet_hours(NIGHT, medal, day)


def test_a_digest_covers_the_day_up_to_its_time() -> None:
    morning = Schedule(timezone=AMS, digest_time=time(8))
    slot = digest_slot(morning, utc(2026, 2, 10, 7, 0, 5))  # 08:00:05 local
    assert slot is not None
    assert (slot.day, slot.since, slot.until) == (
        date(2026, 2, 10),
        utc(2026, 2, 9, 7, 0),
        utc(2026, 2, 10, 7, 0),
    )
    before = digest_slot(morning, utc(2026, 2, 10, 6, 59))  # not yet: yesterday's is the latest
    assert before is not None and before.day == date(2026, 2, 9)
    assert digest_slot(Schedule(timezone=AMS), utc(2026, 2, 10, 7, 0)) is None


def test_a_digest_day_is_23_or_25_hours_when_the_clocks_change() -> None:
    spring = digest_slot(Schedule(timezone=AMS, digest_time=time(8)), utc(2026, 3, 29, 6, 0))
    assert spring is not None and spring.day == date(2026, 3, 29)
    assert spring.until - spring.since == timedelta(hours=23)
    autumn = digest_slot(Schedule(timezone=LA, digest_time=time(21)), utc(2026, 11, 2, 5, 0))
    assert autumn is not None and autumn.day == date(2026, 11, 1)
    assert (autumn.since, autumn.until) == (utc(2026, 11, 1, 4, 0), utc(2026, 11, 2, 5, 0))


@pytest.mark.parametrize(
    ("tz", "wall", "after"),
    [
        (AMS, time(8), utc(2026, 2, 10, 12, 0)),
        (AMS, time(2, 30), utc(2026, 3, 28, 12, 0)),  # a time the clocks skip that night
        (AMS, time(2, 30), utc(2026, 10, 24, 12, 0)),  # a time the clocks pass twice
        (LA, time(21), utc(2026, 10, 31, 12, 0)),
        (LA, time(1, 30), utc(2026, 10, 31, 20, 0)),
    ],
)
def test_digest_times_agree_with_apschedulers_cron_trigger(
    tz: str, wall: time, after: datetime
) -> None:
    schedule = Schedule(timezone=tz, digest_time=wall)
    trigger = CronTrigger(hour=wall.hour, minute=wall.minute, timezone=zone(tz))
    fires = trigger.get_next_fire_time(None, after)
    assert fires is not None
    assert next_digest_at(schedule, after) == fires.astimezone(UTC)
    slot = digest_slot(schedule, fires.astimezone(UTC))
    assert slot is not None and slot.until == fires.astimezone(UTC)


def test_local_times_name_instants_as_cron_does() -> None:
    assert at_local(date(2026, 2, 10), time(8), AMS) == utc(2026, 2, 10, 7, 0)
    assert at_local(date(2026, 7, 10), time(8), AMS) == utc(2026, 7, 10, 6, 0)
    assert at_local(date(2026, 3, 29), time(2, 30), AMS) == utc(2026, 3, 29, 1, 30)


@pytest.mark.parametrize(
    ("text", "parsed"),
    [("7:00", time(7)), ("07:05", time(7, 5)), ("23:59", time(23, 59)), ("23.30", time(23, 30))],
)
def test_local_times_are_read_on_a_24_hour_clock(text: str, parsed: time) -> None:
    assert parse_local_time(text) == parsed


@pytest.mark.parametrize("text", ["7", "7pm", "24:00", "12:60", "12:5", "-1:00", "123:00", ""])
def test_other_text_is_not_a_local_time(text: str) -> None:
    with pytest.raises(ValueError):
        parse_local_time(text)


@pytest.mark.parametrize("name", ["Mars/Olympus", "europe/amsterdam", "../etc/passwd", ""])
def test_unknown_time_zones_are_refused(name: str) -> None:
    with pytest.raises(UnknownTimezone):
        zone(name)
