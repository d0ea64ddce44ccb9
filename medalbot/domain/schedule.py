"""A subscription's quiet hours and daily digest time, in its own time zone. Pure: no I/O.

Times are wall-clock times in an IANA time zone (``zoneinfo``), because that is what a
moderator means by "quiet from 23:00 to 07:00": the same local hours in summer and winter.

* Quiet hours are ``start <= local time < end``; ``start > end`` wraps midnight (23:00-07:00);
  ``start == end`` (or either unset) means none.
* A local time that does not exist (the hour skipped when clocks go forward) is read with
  ``fold=0`` (the offset before the change); the digest jobs take their firing times from here
  too (``delivery/digest_schedule.py``), so a digest and its schedule agree; quiet hours that
  should end inside that skipped hour end the moment the clocks jump past it.
* A digest at local time T on day D covers the day up to it: from T on the day before
  (exclusive) to T on D (inclusive). Consecutive digests so neither miss nor repeat an alert,
  and on a day the clocks change the "day" is 23 or 25 hours long.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from msgspec import Struct

from medalbot.domain.alerts import Alert, RecordAlert

DEFAULT_TIMEZONE: Final = "UTC"
_ONE_DAY: Final = timedelta(days=1)


class UnknownTimezone(ValueError):
    """Not an IANA time zone name this system knows."""


class Schedule(Struct, frozen=True):
    """When a subscription is quiet and when its digest posts (local times, no seconds)."""

    timezone: str = DEFAULT_TIMEZONE
    quiet_start: time | None = None
    quiet_end: time | None = None
    records_break_through: bool = False  # new records are posted even in quiet hours
    digest_time: time | None = None

    @property
    def has_quiet_hours(self) -> bool:
        return (
            self.quiet_start is not None
            and self.quiet_end is not None
            and self.quiet_start != self.quiet_end
        )


class DigestSlot(Struct, frozen=True):
    """One digest: the local day it is for and the instants (UTC) its period runs between."""

    day: date
    since: datetime  # exclusive: the previous digest's moment
    until: datetime  # inclusive: this digest's moment


@lru_cache(maxsize=256)
def zone(name: str) -> ZoneInfo:
    """The time zone called ``name``; raises UnknownTimezone for anything else."""
    if name not in _timezone_names():  # also refuses paths and odd spellings ZoneInfo accepts
        raise UnknownTimezone(f"unknown time zone {name!r}")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise UnknownTimezone(f"unknown time zone {name!r}: {exc}") from exc


@lru_cache(maxsize=1)
def _timezone_names() -> frozenset[str]:
    return frozenset(available_timezones() | {"UTC"})


def timezone_names() -> list[str]:
    """Every IANA time zone name this system knows, sorted."""
    return sorted(_timezone_names())


def at_local(day: date, wall: time, tz: str) -> datetime:
    """The instant (UTC) a local wall-clock time on ``day`` names (``fold=0`` in a gap)."""
    local = datetime.combine(day, wall.replace(tzinfo=None), tzinfo=zone(tz))
    return local.astimezone(UTC)


def local_now(schedule: Schedule, moment: datetime) -> datetime:
    return moment.astimezone(zone(schedule.timezone))


def in_quiet_hours(schedule: Schedule, moment: datetime) -> bool:
    if not schedule.has_quiet_hours:
        return False
    assert schedule.quiet_start is not None and schedule.quiet_end is not None
    wall = local_now(schedule, moment).time().replace(tzinfo=None)
    start, end = schedule.quiet_start, schedule.quiet_end
    if start < end:
        return start <= wall < end
    return wall >= start or wall < end  # wraps midnight


def quiet_hours_end(schedule: Schedule, moment: datetime) -> datetime | None:
    """When the quiet hours ``moment`` is in end (UTC, always after ``moment``); None if
    ``moment`` is not in quiet hours."""
    if not in_quiet_hours(schedule, moment):
        return None
    assert schedule.quiet_end is not None
    end = schedule.quiet_end
    local = local_now(schedule, moment)
    day = local.date() if local.time().replace(tzinfo=None) < end else local.date() + _ONE_DAY
    tz = zone(schedule.timezone)
    for candidate_day in (day, day + _ONE_DAY):
        wall = datetime.combine(candidate_day, end)
        # fold=0 then fold=1: a time the clocks pass twice ends quiet hours at its first
        # passing, or at its second if ``moment`` is already between the two.
        for fold in (0, 1):
            instant = wall.replace(tzinfo=tz, fold=fold).astimezone(UTC)
            if instant <= moment:
                continue
            if instant.astimezone(tz).replace(tzinfo=None) != wall:  # skipped by the clocks
                return _first_not_quiet(schedule, moment, instant)
            return instant
    raise AssertionError(f"no end of quiet hours after {moment.isoformat()}")  # pragma: no cover


def _first_not_quiet(schedule: Schedule, quiet: datetime, not_quiet: datetime) -> datetime:
    """The first whole second after ``quiet`` that is out of quiet hours, ``not_quiet`` being
    one: across a clock change local time only moves forward, so a bisection finds it."""
    lo = int(quiet.timestamp())
    hi = int(not_quiet.timestamp())
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if in_quiet_hours(schedule, datetime.fromtimestamp(mid, UTC)):
            lo = mid
        else:
            hi = mid
    return datetime.fromtimestamp(hi, UTC)


def held_in_quiet_hours(schedule: Schedule, alert: Alert, moment: datetime) -> bool:
    """Whether an alert due at ``moment`` waits for the end of quiet hours (a new record goes
    through anyway when the subscription allows it)."""
    if not in_quiet_hours(schedule, moment):
        return False
    return not (schedule.records_break_through and isinstance(alert, RecordAlert))


def digest_slot(schedule: Schedule, moment: datetime) -> DigestSlot | None:
    """The latest digest due at or before ``moment``; None without a digest time."""
    if schedule.digest_time is None:
        return None
    today = local_now(schedule, moment).date()
    day = today if at_local(today, schedule.digest_time, schedule.timezone) <= moment else None
    if day is None:
        day = today - _ONE_DAY
    return DigestSlot(
        day=day,
        since=at_local(day - _ONE_DAY, schedule.digest_time, schedule.timezone),
        until=at_local(day, schedule.digest_time, schedule.timezone),
    )


def next_digest_at(schedule: Schedule, moment: datetime) -> datetime | None:
    """The next digest strictly after ``moment`` (UTC)."""
    if schedule.digest_time is None:
        return None
    today = local_now(schedule, moment).date()
    for day in (today, today + _ONE_DAY, today + 2 * _ONE_DAY):
        instant = at_local(day, schedule.digest_time, schedule.timezone)
        if instant > moment:
            return instant
    raise AssertionError(f"no digest after {moment.isoformat()}")  # pragma: no cover


def parse_local_time(text: str) -> time:
    """ "7:00", "07:00", "23:30" or "23.30" (24-hour clock, as the Dutch also write it) as a
    time; ValueError otherwise."""
    hours, sep, minutes = text.strip().replace(".", ":", 1).partition(":")
    if not sep or not hours.isdigit() or not minutes.isdigit() or len(minutes) != 2:
        raise ValueError(f"{text!r} is not a time like 07:00 or 23:30")
    if len(hours) > 2:
        raise ValueError(f"{text!r} is not a time like 07:00 or 23:30")
    h, m = int(hours), int(minutes)
    if not (0 <= h <= 23 and 0 <= m <= 59):
        raise ValueError(f"{text!r} is not a time of day (00:00 to 23:59)")
    return time(h, m)


def minutes_of(moment: time) -> int:
    """A local time as minutes after midnight (how stores keep it)."""
    return moment.hour * 60 + moment.minute


def time_of(minutes: int) -> time:
    return time(minutes // 60, minutes % 60)
