"""Whether a Games is live, and how often a feed is worth polling when none is.

"Live" is read from the data, never from a calendar kept by hand:

- **finished**: every medal event of the Games is decided for good (official or cancelled)
  and listed (a feed that lists only the events decided so far says how many the Games has in
  all, ``Snapshot.medal_events``), and ``finished_after`` has passed since its last medal event
  (its end, else its start; a feed without dates, such as olympics.com's medals API, counts from
  the snapshot's own clock, ``generated_at``). Until then a late protest or a correction is
  still followed at full speed.
- **upcoming**: every medal event is still scheduled, none has a result yet (a start list is
  none) and the first has not reached its start time; or the feed lists no medal event at all.
- **live**: anything else.

The poll interval (``poll_interval``) is the feed's own while a Games is live, and within
``wake_before`` of the next Games' start (``[games]`` in the configuration) or of an upcoming
Games' first medal event, either side of it (after that the data says whether it is live: a
configuration naming Games long past does not keep the polls fast); otherwise the off-season
interval (an hour by default), cut short so as to wake up at the start of such a window, and
never faster than the feed's own. Before any snapshot has been read, and for an upcoming Games
whose feed gives no dates, nothing is known, so the feed's own interval applies unless the
configured next Games are still far off.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from enum import Enum

from msgspec import Struct

from medalbot.domain.models import Event, EventStatus, Snapshot

_SETTLED = frozenset({EventStatus.OFFICIAL, EventStatus.CANCELLED})


class Phase(Enum):
    UPCOMING = "upcoming"
    LIVE = "live"
    FINISHED = "finished"


class NextGames(Struct, frozen=True):
    """The next Games as the configuration names them (``[games]``)."""

    name: str
    start: date

    @property
    def starts_at(self) -> datetime:
        """The start date's first moment, in UTC (a margin covers the time zones)."""
        return datetime.combine(self.start, time(0, 0), tzinfo=UTC)


def _medal_events(snapshot: Snapshot) -> list[Event]:
    return [e for e in snapshot.events if e.medal_event]


def last_medal_moment(snapshot: Snapshot) -> datetime:
    """When the Games' last medal event ended (or started), as far as the feed says."""
    moments = [m for e in _medal_events(snapshot) if (m := e.end or e.start) is not None]
    return max(moments, default=snapshot.generated_at)


def games_phase(snapshot: Snapshot, now: datetime, *, finished_after: timedelta) -> Phase:
    events = _medal_events(snapshot)
    all_listed = snapshot.medal_events is None or len(events) >= snapshot.medal_events
    if events and all_listed and all(e.status in _SETTLED for e in events):
        if now >= last_medal_moment(snapshot) + finished_after:
            return Phase.FINISHED
        return Phase.LIVE
    if not events or _not_begun(events, now):
        return Phase.UPCOMING
    return Phase.LIVE


def _not_begun(events: Sequence[Event], now: datetime) -> bool:
    if any(e.status is not EventStatus.SCHEDULED or _has_results(e) for e in events):
        return False
    starts = [e.start for e in events if e.start is not None]
    return bool(starts) and now < min(starts)


def _has_results(event: Event) -> bool:
    """A rank, a mark or a medal: a start list alone is no result."""
    return any(r.rank is not None or r.mark or r.medal for r in event.results)


def next_games_ahead(next_games: NextGames | None, now: datetime) -> NextGames | None:
    """The configured next Games if they have not started yet."""
    if next_games is None or now >= next_games.starts_at:
        return None
    return next_games


def poll_interval(
    phase: Phase | None,
    now: datetime,
    *,
    live_interval: float,
    off_season_interval: float,
    wake_before: timedelta,
    next_games: NextGames | None = None,
    first_medal_start: datetime | None = None,
) -> float:
    """Seconds until the next poll: the feed's ``live_interval`` while anything may happen
    soon, else up to ``off_season_interval``. ``phase`` None: no snapshot read yet.
    ``first_medal_start``: an upcoming Games' first medal event, if the feed gives it."""
    if phase is Phase.LIVE:
        return live_interval
    if phase is None and next_games is None:
        return live_interval  # nothing known: keep looking
    if phase is Phase.UPCOMING and first_medal_start is None and next_games is None:
        return live_interval  # a feed listing no dates may start any moment
    starts = [next_games.starts_at] if next_games is not None else []
    if phase is Phase.UPCOMING and first_medal_start is not None:
        starts.append(first_medal_start)
    if any(s - wake_before <= now < s + wake_before for s in starts):
        return live_interval
    ahead = [(s - wake_before - now).total_seconds() for s in starts if s - wake_before > now]
    return max(live_interval, min([off_season_interval, *ahead]))


def first_medal_start(snapshot: Snapshot) -> datetime | None:
    starts = [e.start for e in _medal_events(snapshot) if e.start is not None]
    return min(starts, default=None)
