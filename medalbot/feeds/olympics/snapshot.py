"""A decoded medals body (and optionally the medallists body) as the domain's whole-Games
``Snapshot``, so detection, corrections, the table, routing and delivery work unchanged.

- one event per ``eventCode``, trailing dashes dropped (``SSKW1000M``, ``ALPMDH------12050``);
  its sport is the discipline's name, its name the site's description, with the Paralympic
  classes of its medallists when the description names none of them;
- one result per medal row: the medal, the NOC (the row's ``organisation``, or for Paris the
  table row's), the name as fans read it (``competitorDisplayTvName``, else the medallists
  body's TV name, else the display name; a team keeps its team name) and, from the medallists
  body, a team's members; a guide of a visually impaired athlete is named among the members;
- medals the table leaves out (neutral athletes, AIN) come from the medallists body, and
  their NOCs are unranked, as the site leaves them out of its table.

- with a day's schedule (optional), each medal event gets the start and end of its medal
  units, and a medal event of that day without medals yet is listed as scheduled or running,
  so ``/schedule`` and "live" badges work; without it, events have no times.

The API carries no marks and no record flags: results have none.
"""

from __future__ import annotations

import itertools
import sys
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Final

import msgspec

from medalbot.domain.models import (
    FEED_FORMAT,
    Competitor,
    Event,
    EventStatus,
    GamesInfo,
    Gender,
    Medal,
    Result,
    Snapshot,
)
from medalbot.feeds.errors import FeedRejected
from medalbot.feeds.native import encode_snapshot, parse_snapshot
from medalbot.feeds.olympics.body import (
    Athlete,
    AthleteMedal,
    MedallistsBody,
    MedalsBody,
    MedalType,
    ScheduleBody,
)

MEDALS: Final[dict[MedalType, Medal]] = {
    "ME_GOLD": Medal.GOLD,
    "ME_SILVER": Medal.SILVER,
    "ME_BRONZE": Medal.BRONZE,
}
_GENDERS: Final[dict[str, Gender]] = {
    "men": "M",
    "m": "M",
    "women": "W",
    "w": "W",
    "mixed": "X",
    "x": "X",
    "open": "O",
    "o": "O",
}


def event_code(raw: str) -> str:
    """The feed's own event code without the RSC padding: ``SSKW1000M---…`` -> ``SSKW1000M``."""
    return raw.rstrip("-")


def sequence_of(moment: datetime) -> int:
    """The snapshot order of a body: microseconds since the epoch of its ``dateTime``."""
    return int(moment.timestamp() * 1_000_000)


class _Medal:
    """One medal as read from either body, before it becomes a ``Result``."""

    __slots__ = ("medal", "members", "name", "noc")

    def __init__(self, medal: Medal, noc: str, name: str, members: tuple[str, ...]) -> None:
        self.medal, self.noc, self.name, self.members = medal, noc, name, members


class _EventDraft:
    __slots__ = ("classes", "code", "gender", "medals", "name", "official", "sport")

    def __init__(self, code: str, sport: str, name: str, gender: Gender) -> None:
        self.code, self.sport, self.name, self.gender = code, sport, name, gender
        self.official = True
        self.classes: list[str] = []
        self.medals: list[_Medal] = []


class MedallistsIndex:
    """The medallists body, indexed once for what the medals rows ask of it."""

    def __init__(self, body: MedallistsBody | None) -> None:
        self.tv_names: dict[str, str] = {}
        # (event, medal, NOC) -> athletes, in the body's order
        self.winners: dict[tuple[str, Medal, str], list[Athlete]] = defaultdict(list)
        if body is None:
            return
        for athlete in body.athletes:
            if athlete.tvName:
                self.tv_names[athlete.code] = athlete.tvName
            for medal in athlete.medals:
                key = (event_code(medal.event), MEDALS[medal.medalType], athlete.organisation)
                self.winners[key].append(athlete)

    def name_of(self, athlete: Athlete) -> str:
        return athlete.tvName or athlete.fullName


# A schedule unit's status as an event's, for events without medals yet; the others (FINISHED:
# the medals body will say; an unknown one) leave the event out until it does.
_UNIT_STATUS: Final[dict[str, EventStatus]] = {
    "SCHEDULED": EventStatus.SCHEDULED,
    "GETTING_READY": EventStatus.SCHEDULED,
    "DELAYED": EventStatus.SCHEDULED,
    "RESCHEDULED": EventStatus.SCHEDULED,
    "RUNNING": EventStatus.RUNNING,
    "SCHEDULED_BREAK": EventStatus.RUNNING,
    "CANCELLED": EventStatus.CANCELLED,
}


class ScheduledEvent:
    """A medal event as one day's schedule shows it: its medal units taken together."""

    __slots__ = ("end", "name", "sport", "start", "status")

    def __init__(self, sport: str, name: str) -> None:
        self.sport, self.name = sport, name
        self.start: datetime | None = None
        self.end: datetime | None = None
        self.status: EventStatus | None = None


class ScheduleIndex:
    """A day's schedule body, indexed by event code: its medal units only (medalFlag set)."""

    def __init__(self, body: ScheduleBody | None) -> None:
        self.events: dict[str, ScheduledEvent] = {}
        for unit in body.units if body is not None else ():
            if not unit.medalFlag:
                continue
            code = event_code(unit.eventCode)
            if not code:
                continue
            found = self.events.setdefault(
                code, ScheduledEvent(unit.disciplineName, unit.eventName)
            )
            if unit.startDate is not None and (found.start is None or unit.startDate < found.start):
                found.start = unit.startDate
            if unit.endDate is not None and (found.end is None or unit.endDate > found.end):
                found.end = unit.endDate
            status = _UNIT_STATUS.get(unit.status)
            # one unit under way (the bronze final) makes the event so
            if status is not None and (found.status is None or status is EventStatus.RUNNING):
                found.status = status


def build_snapshot(
    medals: MedalsBody,
    medallists: MedallistsIndex | MedallistsBody | None,
    *,
    games: GamesInfo,
    sequence: int,
    unranked_nocs: Iterable[str] = (),
    schedule: ScheduleIndex | None = None,
) -> Snapshot:
    """The Games as the bodies describe them; ``FeedRejected`` for what the model refuses."""
    known = medallists if isinstance(medallists, MedallistsIndex) else MedallistsIndex(medallists)
    events: dict[str, _EventDraft] = {}
    listing: set[str] = set()  # NOCs whose medals the table lists
    listed: set[tuple[str, Medal, str]] = set()  # medals the table's rows carry
    teams_per_key: dict[tuple[str, Medal, str], int] = defaultdict(int)
    for row in medals.medalStandings.medalsTable:
        for discipline in row.disciplines:
            for medal_row in discipline.medalWinners:
                noc = medal_row.organisation or row.organisation
                teams_per_key[
                    (event_code(medal_row.eventCode), MEDALS[medal_row.medalType], noc)
                ] += 1

    for t, row in enumerate(medals.medalStandings.medalsTable):
        for d, discipline in enumerate(row.disciplines):
            for m, medal_row in enumerate(discipline.medalWinners):
                where = f"medalsTable[{t}].disciplines[{d}].medalWinners[{m}]"
                code = event_code(medal_row.eventCode)
                if not code:
                    raise FeedRejected(f"{where}.eventCode: only dashes")
                draft = events.get(code)
                if draft is None:
                    gender = _gender(medal_row.eventCategory, code, where)
                    draft = events[code] = _EventDraft(
                        code, discipline.name, medal_row.eventDescription, gender
                    )
                draft.official = draft.official and medal_row.official
                if medal_row.sport_class and medal_row.sport_class not in draft.classes:
                    draft.classes.append(medal_row.sport_class)
                medal = MEDALS[medal_row.medalType]
                noc = medal_row.organisation or row.organisation
                key = (code, medal, noc)
                listed.add(key)
                listing.add(noc)
                athletes = known.winners.get(key, [])
                if medal_row.competitorType == "T":
                    name = medal_row.competitorDisplayName or medal_row.competitorDisplayTvName
                    # Two crews of one NOC with the same medal cannot be told apart here.
                    shared = teams_per_key[key] > 1
                    members = () if shared else tuple(known.name_of(a) for a in athletes)
                else:
                    name = (
                        medal_row.competitorDisplayTvName
                        or known.tv_names.get(medal_row.competitorCode)
                        or medal_row.competitorDisplayName
                    )
                    members = ()
                    if medal_row.guideNames:
                        members = (name, *medal_row.guideNames)
                draft.medals.append(_Medal(medal, noc, name, members))

    unranked = dict.fromkeys(unranked_nocs)
    for key, athletes in known.winners.items():
        code, medal, noc = key
        if key in listed or noc in listing:
            continue
        # The medals of a NOC the table lists none of (neutral athletes): from the medallists.
        draft = events.get(code)
        if draft is None:
            first = _athlete_medal(athletes[0], code, medal)
            draft = events[code] = _EventDraft(
                code,
                first.disciplineName or code[:3],
                first.eventName or code,
                _gender(first.category, code, f"medallists: event {code}"),
            )
        names = [known.name_of(a) for a in athletes]
        if len(names) == 1:
            draft.medals.append(_Medal(medal, noc, names[0], ()))
        else:
            team = "/".join(_surname(a) for a in athletes)  # as the site names a pair
            draft.medals.append(_Medal(medal, noc, team, tuple(names)))
        unranked.setdefault(noc)

    snapshot = Snapshot(
        format=FEED_FORMAT,
        games=games,
        sequence=sequence,
        generated_at=medals.medalStandings.eventInfo.dateTime,
        events=_with_schedule([_event(draft) for draft in events.values()], schedule),
        unranked_nocs=tuple(unranked),
        # only decided events are listed: the Games is not over before all of them are
        medal_events=medals.medalStandings.eventInfo.totalEvents or None,
    )
    # The same checks as a native feed gets (NOCs, name lengths, unique codes), so every
    # format promises the same snapshot; the reasons name the event (events[3].results[0]...).
    return parse_snapshot(encode_snapshot(snapshot), max_bytes=sys.maxsize)


def _with_schedule(events: list[Event], schedule: ScheduleIndex | None) -> tuple[Event, ...]:
    """``events`` with their times from the schedule, and the schedule's medal events that
    have no medals yet."""
    if schedule is None or not schedule.events:
        return tuple(events)
    timed = []
    for event in events:
        planned = schedule.events.get(event.code)
        if planned is not None:
            event = msgspec.structs.replace(event, start=planned.start, end=planned.end)
        timed.append(event)
    known = {event.code for event in events}
    for code, planned in schedule.events.items():
        if code in known or planned.status is None or not planned.name:
            continue
        try:
            gender = _gender("", code, f"schedule: event {code}")
        except FeedRejected:
            gender = "O"  # the code says none: the event is still listed
        timed.append(
            Event(
                code=code,
                sport=planned.sport or code[:3],
                name=planned.name,
                gender=gender,
                status=planned.status,
                start=planned.start,
                end=planned.end,
            )
        )
    return tuple(timed)


def _surname(athlete: Athlete) -> str:
    """``ANDREEVA`` of ``ANDREEVA Mirra``: the leading upper-case words of the full name."""
    words = athlete.fullName.split()
    surname = [w for w in itertools.takewhile(str.isupper, words)]
    return " ".join(surname) or athlete.fullName


def _athlete_medal(athlete: Athlete, code: str, medal: Medal) -> AthleteMedal:
    for won in athlete.medals:
        if event_code(won.event) == code and MEDALS[won.medalType] is medal:
            return won
    raise AssertionError("indexed from this athlete's medals")  # pragma: no cover


def _gender(category: str, code: str, where: str) -> Gender:
    gender = _GENDERS.get(category.strip().lower())
    if gender is None and len(code) > 3:
        gender = _GENDERS.get(code[3].lower())  # the RSC's gender letter
    if gender is None:
        raise FeedRejected(f"{where}.eventCategory: unknown category {category!r}")
    return gender


def _event(draft: _EventDraft) -> Event:
    golds = sum(1 for m in draft.medals if m.medal is Medal.GOLD)
    silvers = sum(1 for m in draft.medals if m.medal is Medal.SILVER)
    ranks = {Medal.GOLD: 1, Medal.SILVER: 1 + golds, Medal.BRONZE: 1 + golds + silvers}
    ordered = sorted(draft.medals, key=lambda m: m.medal.order)  # stable: the feed's order
    name = draft.name or draft.code
    if draft.classes and not any(c in name for c in draft.classes):
        name = f"{name} ({', '.join(sorted(draft.classes))})"
    return Event(
        code=draft.code,
        sport=draft.sport or draft.code[:3],
        name=name,
        gender=draft.gender,
        status=EventStatus.OFFICIAL if draft.official else EventStatus.UNOFFICIAL,
        results=tuple(
            Result(
                competitor=Competitor(name=m.name, noc=m.noc, members=m.members),
                rank=ranks[m.medal],
                medal=m.medal,
            )
            for m in ordered
        ),
    )
