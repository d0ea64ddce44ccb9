"""Answers to what users ask (podiums, records, a nation's medals, what's next), read from a
snapshot or a state. Pure: the caller passes the clock (``now``) where time matters."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Final, Literal

from msgspec import Struct

from medalbot.domain.alerts import RecordSet
from medalbot.domain.awards import medal_results
from medalbot.domain.models import (
    Competitor,
    Event,
    EventStatus,
    Gender,
    Medal,
    RecordFlag,
    Result,
    Snapshot,
)
from medalbot.domain.search import AthleteMatch, find_athletes, find_events, normalize
from medalbot.domain.state import EventLedger, GamesState

__all__ = [
    "AthleteMatch",
    "AthleteSummary",
    "EventInfo",
    "GamesRecord",
    "NationMedal",
    "Podium",
    "PodiumPlace",
    "StatusTime",
    "athlete_summary",
    "event_info",
    "find_athletes",
    "find_events",
    "games_records",
    "nation_medals",
    "podium",
    "status_time",
    "upcoming_medal_events",
]


class EventInfo(Struct, frozen=True):
    """An event without its results: what a reply needs to name it."""

    code: str
    sport: str
    name: str
    gender: Gender
    status: EventStatus
    medal_event: bool = True
    start: datetime | None = None
    end: datetime | None = None


def event_info(event: Event) -> EventInfo:
    return EventInfo(
        code=event.code,
        sport=event.sport,
        name=event.name,
        gender=event.gender,
        status=event.status,
        medal_event=event.medal_event,
        start=event.start,
        end=event.end,
    )


# Podium --------------------------------------------------------------------------------------


class PodiumPlace(Struct, frozen=True):
    medal: Medal
    name: str
    noc: str
    members: tuple[str, ...] = ()
    mark: str | None = None
    rank: int | None = None
    records: tuple[RecordFlag, ...] = ()


class Podium(Struct, frozen=True):
    event: EventInfo
    places: tuple[PodiumPlace, ...]  # gold first; empty until medals are awarded


def _find_event(snapshot: Snapshot, event_code: str) -> Event | None:
    return snapshot.event(event_code) or snapshot.event(event_code.strip().upper())


def podium(snapshot: Snapshot, event_code: str) -> Podium | None:
    """The medals of an event so far, gold first, with marks and record flags; None if the
    snapshot has no such event."""
    event = _find_event(snapshot, event_code)
    if event is None:
        return None
    places = sorted(
        (
            PodiumPlace(
                medal=medal,
                name=r.competitor.name,
                noc=r.competitor.noc,
                members=r.competitor.members,
                mark=r.mark,
                rank=r.rank,
                records=r.records,
            )
            for r, medal in medal_results(event)
        ),
        key=lambda place: place.medal.order,  # stable: tied medals keep the results' order
    )
    return Podium(event=event_info(event), places=tuple(places))


class StatusTime(Struct, frozen=True):
    """Since when an event has its status, and where that time comes from: ``seen`` when the
    bot saw the status change (the feed's clock of the snapshot that first showed it), ``feed``
    when the feed's own start or end time says it, ``first_read`` when the event already had it
    in the first snapshot the bot read (a bot started late: not when it changed)."""

    at: datetime
    source: Literal["seen", "feed", "first_read"]
    feed_field: Literal["start", "end"] | None = None


_FEED_TIME: Final[dict[EventStatus, Literal["start", "end"]]] = {
    EventStatus.RUNNING: "start",
    EventStatus.UNOFFICIAL: "end",
    EventStatus.OFFICIAL: "end",
}


def status_time(event: Event, ledger: EventLedger | None) -> StatusTime | None:
    """The best "since when" for the event's status (see :class:`StatusTime`); None if none."""
    since = None
    if ledger is not None and ledger.status is event.status:
        since = ledger.status_since
    if since is not None and ledger is not None and ledger.status_change_seen:
        return StatusTime(since, "seen")
    field = _FEED_TIME.get(event.status)
    feed_time = event.start if field == "start" else event.end if field == "end" else None
    if feed_time is not None:
        return StatusTime(feed_time, "feed", field)
    return StatusTime(since, "first_read") if since is not None else None


# Records -------------------------------------------------------------------------------------


class GamesRecord(Struct, frozen=True):
    """A record set at these Games, as announced, with what became of it."""

    event: str  # event code
    sport: str
    event_name: str
    record: RecordSet  # its ``beats`` names the mark it beat
    alert_id: str
    set_at: datetime
    sequence: int
    superseded_at: datetime | None = None
    withdrawn: bool = False


def games_records(
    state: GamesState, *, record_type: str | None = None, include_withdrawn: bool = True
) -> list[GamesRecord]:
    """Every record set at these Games in the order they were set (by snapshot, then in the
    announcement order of events), superseded and withdrawn ones included unless filtered."""
    events = {event.code: event for event in state.snapshot.events}
    found: list[tuple[tuple[int, int, float, str, int], GamesRecord]] = []
    for code, ledger in state.ledger.items():
        event = events.get(code)
        start = event.start.timestamp() if event and event.start else None
        for index, entry in enumerate(ledger.records):
            if record_type is not None and entry.record.type != record_type.upper():
                continue
            if entry.withdrawn and not include_withdrawn:
                continue
            order = (entry.sequence, start is None, start or 0.0, code, index)
            found.append(
                (
                    order,
                    GamesRecord(
                        event=code,
                        sport=event.sport if event else "",
                        event_name=event.name if event else code,
                        record=entry.record,
                        alert_id=entry.alert_id,
                        set_at=entry.set_at,
                        sequence=entry.sequence,
                        superseded_at=entry.superseded_at,
                        withdrawn=entry.withdrawn,
                    ),
                )
            )
    found.sort(key=lambda item: item[0])
    return [record for _, record in found]


# A nation's medals, what comes next ----------------------------------------------------------


class NationMedal(Struct, frozen=True):
    event: EventInfo
    medal: Medal
    competitor: Competitor
    mark: str | None = None
    rank: int | None = None


def _nation_medal(event: Event, result: Result, medal: Medal) -> NationMedal:
    return NationMedal(
        event=event_info(event),
        medal=medal,
        competitor=result.competitor,
        mark=result.mark,
        rank=result.rank,
    )


def _by_medal_then_time(medals: Iterable[NationMedal]) -> list[NationMedal]:
    return sorted(
        medals,
        key=lambda m: (
            m.medal.order,
            m.event.start is None,
            m.event.start.timestamp() if m.event.start else 0.0,
            m.event.code,
        ),
    )


def nation_medals(snapshot: Snapshot, noc: str) -> list[NationMedal]:
    """A nation's medals in medal events, golds first, then by event start."""
    wanted = noc.strip().upper()
    return _by_medal_then_time(
        _nation_medal(event, result, medal)
        for event in snapshot.events
        if event.medal_event
        for result, medal in medal_results(event)
        if result.competitor.noc == wanted
    )


def upcoming_medal_events(
    snapshot: Snapshot,
    now: datetime,
    *,
    noc: str | None = None,
    sport: str | None = None,
    limit: int | None = None,
) -> list[Event]:
    """Medal events still to be decided: running ones first, then scheduled ones by start.

    A scheduled event stays listed until its end (or start, without an end) has passed, so a
    late start still shows. With ``noc``, only events whose start list names that nation (a
    scheduled event without a start list cannot be matched and is left out).
    """
    wanted_noc = noc.strip().upper() if noc else None
    wanted_sport = normalize(sport) if sport else None
    chosen: list[Event] = []
    for event in snapshot.events:
        if not event.medal_event:
            continue
        if event.status is EventStatus.SCHEDULED:
            until = event.end or event.start
            if until is not None and until < now:
                continue
        elif event.status is not EventStatus.RUNNING:
            continue
        if wanted_sport is not None and normalize(event.sport) != wanted_sport:
            continue
        if wanted_noc is not None and all(r.competitor.noc != wanted_noc for r in event.results):
            continue
        chosen.append(event)
    chosen.sort(
        key=lambda e: (
            e.status is not EventStatus.RUNNING,
            e.start is None,
            e.start.timestamp() if e.start else 0.0,
            e.code,
        )
    )
    return chosen if limit is None else chosen[:limit]


# Athletes ------------------------------------------------------------------------------------


class AthleteSummary(Struct, frozen=True):
    """An athlete's Games: the events they are in, their medals (team ones included) and the
    records they set (or their team set)."""

    name: str
    noc: str
    events: tuple[EventInfo, ...]
    medals: tuple[NationMedal, ...]
    records: tuple[GamesRecord, ...]


def _takes_part(result: Result, name: str, noc: str | None) -> bool:
    competitor = result.competitor
    if noc is not None and competitor.noc != noc:
        return False
    if normalize(competitor.name) == name and not competitor.members:
        return True
    return any(normalize(member) == name for member in competitor.members)


def athlete_summary(state: GamesState, name: str, noc: str | None = None) -> AthleteSummary | None:
    """What ``name`` (case and accents ignored) did at these Games; None if no result names
    them. ``noc`` tells apart namesakes of different nations."""
    wanted = normalize(name)
    wanted_noc = noc.strip().upper() if noc else None
    events: list[EventInfo] = []
    medals: list[NationMedal] = []
    teams: set[tuple[str, str, str]] = set()  # (event, team name, noc) the athlete was part of
    found_name, found_noc = "", ""
    for event in state.snapshot.events:
        entered = False
        for result in event.results:
            # the first match settles the nation, so namesakes elsewhere are not mixed in
            if not _takes_part(result, wanted, wanted_noc or found_noc or None):
                continue
            entered = True
            competitor = result.competitor
            if not found_noc:
                found_noc = competitor.noc
                found_name = next(
                    (m for m in competitor.members if normalize(m) == wanted), competitor.name
                )
            teams.add((event.code, competitor.name, competitor.noc))
        if entered:
            events.append(event_info(event))
            if event.medal_event:
                medals.extend(
                    _nation_medal(event, result, medal)
                    for result, medal in medal_results(event)
                    if _takes_part(result, wanted, found_noc)
                )
    if not found_noc:
        return None
    records = tuple(
        record
        for record in games_records(state)
        if (record.event, record.record.name, record.record.noc) in teams
    )
    return AthleteSummary(
        name=found_name,
        noc=found_noc,
        events=tuple(events),
        medals=tuple(_by_medal_then_time(medals)),
        records=records,
    )
