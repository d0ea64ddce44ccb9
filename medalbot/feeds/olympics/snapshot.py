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

The API carries no marks, no record flags and no schedule: results have none.
"""

from __future__ import annotations

import itertools
import sys
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Final

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


def build_snapshot(
    medals: MedalsBody,
    medallists: MedallistsIndex | MedallistsBody | None,
    *,
    games: GamesInfo,
    sequence: int,
    unranked_nocs: Iterable[str] = (),
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
        events=tuple(_event(draft) for draft in events.values()),
        unranked_nocs=tuple(unranked),
    )
    # The same checks as a native feed gets (NOCs, name lengths, unique codes), so every
    # format promises the same snapshot; the reasons name the event (events[3].results[0]...).
    return parse_snapshot(encode_snapshot(snapshot), max_bytes=sys.maxsize)


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
