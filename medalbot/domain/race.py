"""The medal race: how many medals each nation had at the end of each day of the Games.

What ``/medals race`` draws, computed here so it can be tested as numbers, not pixels. A medal
counts on the local day (the Games' own time zone) its event ended by the feed's clock; when the
feed gives no end time (olympics.com), on the day of the first snapshot that showed that medal
(the feed's clock too), so a boxing bronze decided in the semi-final counts days before the
gold. Medals are counted as the table counts them: medal events only, a team medal once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta, tzinfo
from typing import Final
from zoneinfo import ZoneInfo

from msgspec import Struct

from medalbot.domain.awards import medal_key, medal_results
from medalbot.domain.models import Event
from medalbot.domain.state import AnnouncedMedal, EventLedger, GamesState
from medalbot.domain.table import medal_table

# The host city's time zone of the Games we know: a "day of the Games" is a local day there.
GAMES_TIME_ZONES: Final[dict[str, str]] = {
    "OWG2022": "Asia/Shanghai",
    "OG2024": "Europe/Paris",
    "OWG2026": "Europe/Rome",
    "OG2028": "America/Los_Angeles",
    "OWG2030": "Europe/Paris",
}
LEADERS: Final = 8  # nations drawn when none are asked for
MAX_NATIONS: Final = 10  # lines a phone screen can still tell apart


def games_time_zone(games_code: str) -> tzinfo:
    """The Games' local time zone; UTC for Games we do not know."""
    return ZoneInfo(GAMES_TIME_ZONES.get(games_code.strip().upper(), "UTC"))


class RaceSeries(Struct, frozen=True):
    noc: str
    daily: tuple[int, ...]  # medals won on each day of ``MedalRace.days``
    cumulative: tuple[int, ...]  # medals at the end of each day

    @property
    def total(self) -> int:
        return self.cumulative[-1] if self.cumulative else 0


class MedalRace(Struct, frozen=True):
    games: str  # the Games' code
    days: tuple[date, ...]  # every local day from the first medal to the last, none skipped
    series: tuple[RaceSeries, ...]  # most medals first (then by NOC)


def medal_day(
    event: Event, announced: AnnouncedMedal | None, ledger: EventLedger | None, tz: tzinfo
) -> date | None:
    """The local day a medal counts on (see the module's docstring); None if unknown."""
    moment: datetime | None = (
        event.end
        or (announced.seen_at if announced is not None else None)
        or event.start
        or (ledger.status_since if ledger is not None else None)
    )
    return moment.astimezone(tz).date() if moment is not None else None


def daily_medals(state: GamesState, tz: tzinfo) -> dict[str, dict[date, int]]:
    """Medals won per NOC per local day, every NOC (unranked ones too)."""
    counts: dict[str, dict[date, int]] = {}
    for event in state.snapshot.events:
        if not event.medal_event:
            continue
        ledger = state.ledger.get(event.code)
        announced = {medal_key(a.medal): a for a in ledger.medals} if ledger else {}
        for result, medal in medal_results(event):
            noc = result.competitor.noc
            seen = announced.get((medal, noc, result.competitor.name))
            day = medal_day(event, seen, ledger, tz)
            if day is None:
                continue
            per_day = counts.setdefault(noc, {})
            per_day[day] = per_day.get(day, 0) + 1
    return counts


def leading_nocs(state: GamesState, limit: int = LEADERS) -> list[str]:
    """The nations with the most medals (the table by total, unranked teams left out)."""
    return [row.noc for row in medal_table(state.snapshot, "total")[:limit]]


def medal_race(state: GamesState, nocs: Iterable[str] = (), *, tz: tzinfo) -> MedalRace:
    """The race of ``nocs`` (at most :data:`MAX_NATIONS`), or of the leaders if none are given.

    The days run from the first medal day of the Games to the last, so every nation's line
    starts and ends at the same place; a nation without medals is a flat line at zero.
    """
    counts = daily_medals(state, tz)
    wanted = list(dict.fromkeys(n.strip().upper() for n in nocs))[:MAX_NATIONS]
    chosen = wanted or leading_nocs(state)
    days = _days({day for per_day in counts.values() for day in per_day})
    series = [_series(noc, counts.get(noc, {}), days) for noc in chosen]
    series.sort(key=lambda s: (-s.total, s.noc))
    return MedalRace(games=state.snapshot.games.code, days=days, series=tuple(series))


def _days(seen: set[date]) -> tuple[date, ...]:
    if not seen:
        return ()
    first, last = min(seen), max(seen)
    return tuple(first + timedelta(days=n) for n in range((last - first).days + 1))


def _series(noc: str, per_day: dict[date, int], days: Sequence[date]) -> RaceSeries:
    daily = tuple(per_day.get(day, 0) for day in days)
    running, cumulative = 0, []
    for won in daily:
        running += won
        cumulative.append(running)
    return RaceSeries(noc=noc, daily=daily, cumulative=tuple(cumulative))
