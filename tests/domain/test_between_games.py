"""Whether a Games is live, read from its data, and how often a feed is polled when none is."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import msgspec
import pytest

from medalbot.domain.between_games import (
    NextGames,
    Phase,
    first_medal_start,
    games_phase,
    poll_interval,
)
from medalbot.domain.models import EventStatus
from tests.domain.factories import T0, G, event, result, snapshot

DAY = timedelta(days=1)
AFTER = timedelta(hours=24)
OFFICIAL, CANCELLED = EventStatus.OFFICIAL, EventStatus.CANCELLED
SCHEDULED, RUNNING = EventStatus.SCHEDULED, EventStatus.RUNNING


def games(*statuses: EventStatus):  # type: ignore[no-untyped-def]
    """A Games whose medal events (starting 10:00, 11:00, ...) have these statuses."""
    return snapshot(
        1,
        *(
            event(
                f"E{i}",
                result("A", medal=G) if s is OFFICIAL else result("A"),
                status=s,
                start_hour=10 + i,
            )
            for i, s in enumerate(statuses)
        ),
    )


# --- the phase --------------------------------------------------------------------------------


def test_a_games_with_every_medal_event_official_is_finished_a_day_after_the_last() -> None:
    snap = games(OFFICIAL, CANCELLED, OFFICIAL)
    last = T0.replace(hour=12)
    assert games_phase(snap, last + AFTER - timedelta(minutes=1), finished_after=AFTER) is (
        Phase.LIVE  # a late protest or correction is still followed at full speed
    )
    assert games_phase(snap, last + AFTER, finished_after=AFTER) is Phase.FINISHED


def test_one_event_still_to_decide_keeps_it_live_whatever_the_date() -> None:
    snap = games(OFFICIAL, RUNNING)
    assert games_phase(snap, T0 + 365 * DAY, finished_after=AFTER) is Phase.LIVE
    protested = games(OFFICIAL, EventStatus.PROTESTED)
    assert games_phase(protested, T0 + 365 * DAY, finished_after=AFTER) is Phase.LIVE


def test_a_feed_listing_only_decided_events_is_live_until_it_lists_them_all() -> None:
    # olympics.com's medals API lists only events with medals, and says how many there are
    decided = games(OFFICIAL, OFFICIAL)
    first_day = msgspec.structs.replace(decided, medal_events=116)
    assert games_phase(first_day, T0 + 365 * DAY, finished_after=AFTER) is Phase.LIVE
    last_day = msgspec.structs.replace(decided, medal_events=2)
    assert games_phase(last_day, T0 + 365 * DAY, finished_after=AFTER) is Phase.FINISHED


def test_a_games_before_its_first_medal_event_is_upcoming() -> None:
    snap = games(SCHEDULED, SCHEDULED)
    assert games_phase(snap, T0, finished_after=AFTER) is Phase.UPCOMING
    assert games_phase(snap, T0.replace(hour=10), finished_after=AFTER) is Phase.LIVE
    assert games_phase(snapshot(1), T0, finished_after=AFTER) is Phase.UPCOMING  # no events


def test_without_dates_the_feeds_own_clock_dates_the_end() -> None:
    snap = snapshot(
        5, event("E1", result("A", medal=G), status=OFFICIAL, start_hour=None)
    )  # generated at T0 + 5 minutes, as olympics.com's eventInfo dates its bodies
    assert first_medal_start(snap) is None
    assert games_phase(snap, snap.generated_at + AFTER, finished_after=AFTER) is Phase.FINISHED
    assert games_phase(snap, snap.generated_at, finished_after=AFTER) is Phase.LIVE


def test_other_events_than_medal_events_do_not_count() -> None:
    snap = snapshot(
        1,
        event("E1", result("A", medal=G), status=OFFICIAL, start_hour=10),
        event("H1", status=RUNNING, start_hour=11, medal_event=False),
    )
    assert games_phase(snap, T0 + 2 * DAY, finished_after=AFTER) is Phase.FINISHED


# --- the poll interval ------------------------------------------------------------------------

LIVE_S, OFF_S = 5.0, 3600.0
WAKE = timedelta(hours=48)
LA = NextGames(name="Los Angeles 2028", start=date(2028, 7, 14))
LA_START = datetime(2028, 7, 14, tzinfo=UTC)


def interval(phase: Phase | None, now: datetime, **kw: object) -> float:
    return poll_interval(
        phase,
        now,
        live_interval=LIVE_S,
        off_season_interval=OFF_S,
        wake_before=WAKE,
        **kw,  # type: ignore[arg-type]
    )


def test_a_live_games_is_polled_at_the_feeds_own_interval() -> None:
    assert interval(Phase.LIVE, T0) == LIVE_S
    assert interval(Phase.LIVE, T0, next_games=LA) == LIVE_S


def test_a_finished_games_is_polled_hourly() -> None:
    assert interval(Phase.FINISHED, T0) == OFF_S
    assert interval(Phase.FINISHED, T0, next_games=LA) == OFF_S


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (LA_START - WAKE - timedelta(hours=3), OFF_S),  # an hour at a time
        (LA_START - WAKE - timedelta(minutes=10), 600.0),  # wakes up on time
        (LA_START - WAKE, LIVE_S),
        (LA_START, LIVE_S),
        (LA_START + WAKE - timedelta(seconds=1), LIVE_S),
        (LA_START + WAKE, OFF_S),  # the feed still shows the old Games: the data rules
    ],
)
def test_the_next_games_wake_the_polls_up_before_their_start(
    now: datetime, expected: float
) -> None:
    assert interval(Phase.FINISHED, now, next_games=LA) == expected


def test_an_upcoming_games_wakes_up_before_its_first_medal_event() -> None:
    first = T0.replace(hour=10)
    assert interval(Phase.UPCOMING, first - 3 * DAY, first_medal_start=first) == OFF_S
    assert interval(Phase.UPCOMING, first - WAKE, first_medal_start=first) == LIVE_S
    # a feed that gives no dates may begin any moment
    assert interval(Phase.UPCOMING, first - 30 * DAY) == LIVE_S


def test_before_any_data_the_next_games_decide() -> None:
    assert interval(None, T0) == LIVE_S  # nothing known
    assert interval(None, LA_START - 30 * DAY, next_games=LA) == OFF_S
    assert interval(None, LA_START - DAY, next_games=LA) == LIVE_S


def test_never_faster_than_the_feeds_own_interval() -> None:
    slow = poll_interval(
        Phase.FINISHED,
        LA_START - WAKE - timedelta(seconds=1),
        live_interval=30.0,
        off_season_interval=OFF_S,
        wake_before=WAKE,
        next_games=LA,
    )
    assert slow == 30.0
