"""Test helper: the whole Paris 2024 response cut into the cumulative bodies the site served
day by day (by each medal's ``date``), and the broken bodies a real Games mixes in.

Each day's medals body keeps only the medal rows dated up to that day, with the table's
counts (the ``Total`` entry), discipline counts, ranks (``rank``, ``rankEqual``, IOC order)
and ``eventInfo`` (``finishedEvents``, ``dateTime`` at 23:00 Paris time) recomputed from them;
the medallists body keeps the medals dated up to that day.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any, Final

FIXTURES: Final = Path(__file__).parent / "fixtures" / "olympics"
PARIS_MEDALS: Final = FIXTURES / "og2024-competition-api-ENG-medals-final.json"
PARIS_MEDALLISTS: Final = FIXTURES / "og2024-competition-api-ENG-medallists-final.json"
FIRST_DAY_2026: Final = FIXTURES / "owg2026-competition-api-ENG-medals-2026-02-07.json"
PARALYMPICS_2026: Final = FIXTURES / "para-owg2026-competition-api-ENG-medals-2026-03-09.json"
ACCESS_DENIED: Final = FIXTURES / "owg2026-access-denied-403.html"
PARIS_TIME: Final = timezone(timedelta(hours=2))
_MEDAL_FIELDS: Final = {"ME_GOLD": "gold", "ME_SILVER": "silver", "ME_BRONZE": "bronze"}

Json = dict[str, Any]


@dataclass(frozen=True)
class Day:
    day: date
    medals: Json
    medallists: Json

    def medals_bytes(self) -> bytes:
        return json.dumps(self.medals).encode()

    def medallists_bytes(self) -> bytes:
        return json.dumps(self.medallists).encode()


def load(path: Path) -> Json:
    body: Json = json.loads(path.read_bytes())
    return body


def medal_rows(body: Json) -> Iterator[tuple[Json, Json]]:
    """(table row, medal row) of every medal the table lists."""
    for row in body["medalStandings"]["medalsTable"]:
        for discipline in row["disciplines"]:
            for winner in discipline["medalWinners"]:
                yield row, winner


def medal_days(body: Json) -> list[date]:
    return sorted({date.fromisoformat(w["date"]) for _, w in medal_rows(body)})


def paris_days() -> list[Day]:
    medals, medallists = load(PARIS_MEDALS), load(PARIS_MEDALLISTS)
    return [
        Day(day, cut_medals(medals, day), cut_medallists(medallists, day))
        for day in medal_days(medals)
    ]


def at_end_of(day: date) -> str:
    return datetime.combine(day, time(23, 0), PARIS_TIME).isoformat()


def cut_medals(body: Json, day: date) -> Json:
    """The medals body as the site served it at the end of ``day``."""
    cut = copy.deepcopy(body)
    table: list[Json] = []
    events: set[str] = set()
    for row in cut["medalStandings"]["medalsTable"]:
        disciplines = []
        for discipline in row["disciplines"]:
            kept = [w for w in discipline["medalWinners"] if date.fromisoformat(w["date"]) <= day]
            if not kept:
                continue
            discipline["medalWinners"] = kept
            _count(discipline, kept)
            disciplines.append(discipline)
            events.update(w["eventCode"] for w in kept)
        if not disciplines:
            continue
        row["disciplines"] = disciplines
        total: Json = {"type": "Total", "gold": 0, "silver": 0, "bronze": 0, "total": 0}
        for discipline in disciplines:
            for field in ("gold", "silver", "bronze", "total"):
                total[field] += discipline[field]
        # the other entries (Men, Women, ...) are left out: medalbot reads only Total
        row["medalsNumber"] = [total]
        table.append(row)
    _rank(table)
    cut["medalStandings"]["medalsTable"] = table
    info = cut["medalStandings"]["eventInfo"]
    info["finishedEvents"] = len(events)
    info["dateTime"] = at_end_of(day)
    return cut


def cut_medallists(body: Json, day: date) -> Json:
    cut = copy.deepcopy(body)
    athletes = []
    for athlete in cut["athletes"]:
        athlete["medals"] = [m for m in athlete["medals"] if date.fromisoformat(m["date"]) <= day]
        if athlete["medals"]:
            athletes.append(athlete)
    cut["athletes"] = athletes
    cut["info"]["lastUpdateOdfTime"] = at_end_of(day)
    return cut


def _count(discipline: Json, winners: list[Json]) -> None:
    for field in ("gold", "silver", "bronze"):
        discipline[field] = 0
    for winner in winners:
        discipline[_MEDAL_FIELDS[winner["medalType"]]] += 1
    discipline["total"] = len(winners)


def _rank(table: list[Json]) -> None:
    """The IOC order, as the site ranks: ties share a rank and say ``rankEqual``."""

    def key(row: Json) -> tuple[int, int, int]:
        total = row["medalsNumber"][0]
        return (-total["gold"], -total["silver"], -total["bronze"])

    table.sort(key=lambda row: (key(row), row["organisation"]))
    for position, row in enumerate(table, start=1):
        tied = [other for other in table if key(other) == key(row)]
        row["rank"] = table.index(tied[0]) + 1 if tied else position
        row["rankEqual"] = len(tied) > 1


def wrong_athlete(day: Day) -> tuple[bytes, str]:
    """The day's body with one gold shown for the silver medallist of the same event; and
    that event's code."""
    body = json.loads(day.medals_bytes())
    rows = {
        (w["eventCode"], w["medalType"]): w
        for r in body["medalStandings"]["medalsTable"]
        for d in r["disciplines"]
        for w in d["medalWinners"]
        if w["date"] == day.day.isoformat() and w["competitorType"] == "A"
    }
    code = next(e for e, medal in sorted(rows) if medal == "ME_GOLD" and (e, "ME_SILVER") in rows)
    gold, silver = rows[(code, "ME_GOLD")], rows[(code, "ME_SILVER")]
    gold["competitorCode"] = silver["competitorCode"]
    gold["competitorDisplayName"] = silver["competitorDisplayName"]
    return json.dumps(body).encode(), code.rstrip("-")


def replay_files(days: list[Day], directory: Path) -> tuple[dict[str, str], str]:
    """The days in order with the broken bodies mixed in; what each broken file should say,
    and the event whose gold went to the wrong athlete for a day."""
    files: list[tuple[str, bytes]] = []
    expected: dict[str, str] = {}
    wrong_event = ""
    for index, day in enumerate(days):
        files.append((f"day{index:02d}-a-medallists.json", day.medallists_bytes()))
        medals = day.medals_bytes()
        if index == 4:
            medals, wrong_event = wrong_athlete(day)  # corrected by day 5's body
        files.append((f"day{index:02d}-b-medals.json", medals))
        if index == 3:  # an edge cache serves day 1's copy again
            files.append(("day03-c-old-copy.json", days[1].medals_bytes()))
            expected["day03-c-old-copy.json"] = "is not above"
        if index == 5:
            files.append(("day05-c-access-denied.json", ACCESS_DENIED.read_bytes()))
            expected["day05-c-access-denied.json"] = "refused by the site's bot protection"
        if index == 7:
            files.append(("day07-c-truncated.json", medals[: len(medals) // 3]))
            expected["day07-c-truncated.json"] = "truncated"
        if index == 9:
            empty = json.loads(medals)
            empty["medalStandings"]["medalsTable"] = []
            empty["medalStandings"]["eventInfo"]["dateTime"] = "2024-08-05T23:30:00+02:00"
            files.append(("day09-c-empty.json", json.dumps(empty).encode()))
            expected["day09-c-empty.json"] = "suspect body: the table shows medals of 0 events"
        if index == 11:  # a few events' medals gone at once: the domain's suspect rule
            thinner = json.loads(medals)
            table = thinner["medalStandings"]["medalsTable"]
            for row in table[:4]:
                row["disciplines"] = row["disciplines"][1:]
            thinner["medalStandings"]["eventInfo"]["dateTime"] = "2024-08-07T23:30:00+02:00"
            files.append(("day11-c-thinner.json", json.dumps(thinner).encode()))
            expected["day11-c-thinner.json"] = "announced medals vanished from"
    for name, body in files:
        (directory / name).write_bytes(body)
    return expected, wrong_event
