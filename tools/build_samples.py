"""Writes the bundled sample snapshots (``w1000m/`` and ``gamesday/``) as native feed JSON.

Run by hand after changing the story: ``python tools/build_samples.py`` (medalbot installed).
The JSON files are committed in ``medalbot/samples/``; nothing reads this script at run time.

The women's 1000 m follows the real results (LEERDAM, KOK, TAKAGI and their marks); the rest
of that field's times and every other event of the Games day are invented (see README.md), and
those events say so in their own names ("Men's 1000m (fictional)"), so that whoever replays
them, in the demo or with ``medalbot replay``, never takes an invented athlete for a real one.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Final

import msgspec

from medalbot.domain.models import (
    Competitor,
    Event,
    EventStatus,
    GamesInfo,
    Gender,
    Medal,
    RecordFlag,
    Result,
    ResultStatus,
    Snapshot,
    StandingRecord,
)

SAMPLES: Final = Path(__file__).resolve().parent.parent / "medalbot" / "samples"
GAMES: Final = GamesInfo(code="OWG2026", name="Milano Cortina 2026")
CET: Final = timezone(timedelta(hours=1))
UNRANKED: Final = ("AIN",)
# Appended to the name of every event whose results, athletes or times are invented.
FICTIONAL: Final = " (fictional)"


def local(day: int, hour: int, minute: int = 0) -> datetime:
    """A local (CET) time in February 2026."""
    return datetime(2026, 2, day, hour, minute, tzinfo=CET)


def utc(hour: int, minute: int, day: int = 9) -> datetime:
    return datetime(2026, 2, day, hour, minute, tzinfo=UTC)


# Results -------------------------------------------------------------------------------------


@dataclass
class Line:
    """One competitor's line as an event progresses; becomes a Result."""

    name: str
    noc: str
    members: tuple[str, ...] = ()
    mark: str | None = None
    records: tuple[str, ...] = ()
    medal: Medal | None = None
    status: ResultStatus | None = None
    rank: int | None = None

    def result(self) -> Result:
        return Result(
            competitor=Competitor(name=self.name, noc=self.noc, members=self.members),
            rank=self.rank,
            mark=self.mark,
            status=self.status,
            records=tuple(RecordFlag(type=t) for t in self.records),
            medal=self.medal,
        )


def ranked(lines: Sequence[Line], key: Callable[[Line], float]) -> tuple[Result, ...]:
    """Results with a mark ranked by ``key`` (ties share a rank), then those still to come."""
    done = sorted((line for line in lines if line.mark and not line.status), key=key)
    results: list[Result] = []
    previous: float | None = None
    rank = 0
    for position, line in enumerate(done, start=1):
        value = key(line)
        if value != previous:
            rank, previous = position, value
        line.rank = rank
        results.append(line.result())
    results.extend(line.result() for line in lines if not line.mark or line.status)
    return tuple(results)


def seconds(mark: str) -> float:
    """'1:12.31' -> 72.31; '1:05:12.4' -> 3912.4; '39.87' -> 39.87."""
    total = 0.0
    for part in mark.split(":"):
        total = total * 60 + float(part)
    return total


def by_time(line: Line) -> float:
    return seconds(line.mark or "99:99")


def by_points(line: Line) -> float:
    return -float(line.mark or "0")


def start_list(lines: Iterable[Line]) -> tuple[Result, ...]:
    return tuple(Line(line.name, line.noc, line.members).result() for line in lines)


@dataclass
class Story:
    """An event's states over the day: each snapshot shows the latest state begun by then."""

    base: Event
    states: dict[int, tuple[EventStatus, tuple[Result, ...]]] = field(default_factory=dict)

    def at(self, step: int) -> Event:
        begun = [s for s in self.states if s <= step]
        if not begun:
            return self.base
        status, results = self.states[max(begun)]
        return msgspec.structs.replace(self.base, status=status, results=results)


def event(
    code: str,
    sport: str,
    name: str,
    gender: Gender,
    start: datetime,
    end: datetime | None = None,
    *,
    entries: tuple[Result, ...] = (),
    medal_event: bool = True,
    real: bool = False,
) -> Event:
    """An event; unless ``real``, its name says it is fictional."""
    return Event(
        code=code,
        sport=sport,
        name=name if real else name + FICTIONAL,
        gender=gender,
        status=EventStatus.SCHEDULED,
        medal_event=medal_event,
        start=start,
        end=end,
        results=entries,
    )


# The women's 1000 m --------------------------------------------------------------------------

# (pair, name, noc, time); pairs skate in order, the last pair decides.
FIELD_1000M: Final = (
    (1, "Ellia SMEDING", "GBR", "1:16.40"),
    (1, "Kaja ZIOMEK-NOGAL", "POL", "1:15.88"),
    (2, "Ivanie BLONDIN", "CAN", "1:15.62"),
    (2, "HAN Mei", "CHN", "1:15.21"),
    (3, "KIM Min-sun", "KOR", "1:15.47"),
    (3, "Vanessa HERZOG", "AUT", "1:14.93"),
    (4, "Nadezhda MOROZOVA", "KAZ", "1:15.70"),
    (4, "Rio YAMADA", "JPN", "1:14.66"),
    (5, "Femke KOK", "NED", "1:12.59"),
    (5, "Erin JACKSON", "USA", "1:14.38"),
    (6, "Yukino YOSHIDA", "JPN", "1:14.80"),
    (6, "Antoinette RIJPMA-DE JONG", "NED", "1:14.12"),
    (7, "Miho TAKAGI", "JPN", "1:13.95"),
    (7, "Kimi GOETZ", "USA", "1:14.25"),
    (8, "Jutta LEERDAM", "NED", "1:12.31"),
    (8, "Brittany BOWE", "USA", "1:14.51"),
)
OLYMPIC_RECORDS_1000M: Final = {"Femke KOK", "Jutta LEERDAM"}
MEDALS_1000M: Final = {
    "Jutta LEERDAM": Medal.GOLD,
    "Femke KOK": Medal.SILVER,
    "Miho TAKAGI": Medal.BRONZE,
}
STANDING_1000M: Final = (
    StandingRecord(
        event="SSKW1000M",
        type="OR",
        mark="1:13.19",
        holder=Competitor(name="Miho TAKAGI", noc="JPN"),
        date="2022-02-17",
        place="Beijing",
    ),
    StandingRecord(
        event="SSKW1000M",
        type="WR",
        mark="1:11.61",
        holder=Competitor(name="Brittany BOWE", noc="USA"),
        date="2019-03-09",
        place="Salt Lake City",
    ),
)


def skating_1000m(pairs_done: int, medals: bool) -> tuple[Result, ...]:
    lines = [
        Line(
            name,
            noc,
            mark=time if pair <= pairs_done else None,
            records=("OR",) if pair <= pairs_done and name in OLYMPIC_RECORDS_1000M else (),
            medal=MEDALS_1000M.get(name) if medals else None,
        )
        for pair, name, noc, time in FIELD_1000M
    ]
    return ranked(lines, by_time)


def women_1000m() -> Story:
    base = event(
        "SSKW1000M",
        "Speed Skating",
        "Women's 1000m",
        "W",
        local(9, 16, 30),
        local(9, 17, 45),
        entries=skating_1000m(0, medals=False),
        real=True,
    )
    return Story(base)


# (generated_at, the 1000 m at that moment) for the five 1000 m snapshots
W1000M_STEPS: Final = (
    (utc(15, 10), EventStatus.SCHEDULED, 0, False),  # before the start
    (utc(15, 48), EventStatus.RUNNING, 5, False),  # KOK's OR, three pairs to go
    (utc(16, 0), EventStatus.RUNNING, 8, False),  # LEERDAM's OR in the last pair
    (utc(16, 3), EventStatus.UNOFFICIAL, 8, True),
    (utc(16, 30), EventStatus.OFFICIAL, 8, True),
)
W1000M_SLUGS: Final = ("before-start", "kok-or", "leerdam-or", "unofficial", "official")


def w1000m_snapshots() -> list[tuple[str, Snapshot]]:
    base = women_1000m().base
    snapshots = []
    for sequence, ((at, status, pairs, medals), slug) in enumerate(
        zip(W1000M_STEPS, W1000M_SLUGS, strict=True), start=1
    ):
        skating = msgspec.structs.replace(base, status=status, results=skating_1000m(pairs, medals))
        snapshots.append(
            (
                f"{sequence:02d}-{slug}.json",
                Snapshot(
                    format="medalbot.feed/1",
                    games=GAMES,
                    sequence=sequence,
                    generated_at=at,
                    events=(skating,),
                    standing_records=STANDING_1000M,
                ),
            )
        )
    return snapshots


# The Games day -------------------------------------------------------------------------------
# Snapshot steps of the day (generated_at), each a moment something happens.

DAY_STEPS: Final = (
    (utc(8, 30), "morning"),
    (utc(10, 5), "team-combined-downhill"),
    (utc(11, 50), "team-combined-medals-curling-bronze"),
    (utc(13, 20), "relay-running"),
    (utc(14, 20), "relay-medals"),
    (utc(15, 10), "1000m-before-start"),
    (utc(15, 48), "1000m-kok-or"),
    (utc(16, 0), "1000m-leerdam-or"),
    (utc(16, 3), "1000m-unofficial"),
    (utc(16, 30), "1000m-official"),
    (utc(18, 5), "hockey-final-score-ski-jumping-running"),
    (utc(19, 25), "ski-jumping-medals"),
    (utc(20, 10), "curling-final"),
    (utc(20, 50), "short-track-medals-world-record"),
    (utc(21, 20), "short-track-dsq-correction"),
    (utc(22, 0), "evening-quiet"),
)
STEP: Final = {slug: index for index, (_, slug) in enumerate(DAY_STEPS, start=1)}


def team_combined() -> Story:
    teams = [
        Line("Switzerland 1", "SUI", ("Nico BRAND", "Luca STEINER")),
        Line("Austria 2", "AUT", ("Felix HOLZER", "Jakob PRANTL")),
        Line("Italy 1", "ITA", ("Davide RIGONI", "Marco ZANELLA")),
        Line("France 1", "FRA", ("Hugo MERCIER", "Bastien ROUX")),
        Line("Norway 1", "NOR", ("Sindre HAUGEN", "Eirik LUND")),
        Line("USA 1", "USA", ("Tyler BRENNAN", "Cole WHITAKER")),
    ]
    story = Story(
        event(
            "ALPMTEAMCOMB",
            "Alpine Skiing",
            "Men's Team Combined",
            "M",
            local(9, 10, 30),
            local(9, 13, 0),
            entries=start_list(teams),
        )
    )
    downhill = ("1:52.40", "1:52.95", "1:53.10", "1:53.02", "1:53.61", "1:54.20")
    for line, mark in zip(teams, downhill, strict=True):
        line.mark = mark
    story.states[STEP["team-combined-downhill"]] = (EventStatus.RUNNING, ranked(teams, by_time))
    # combined times after the slalom: a shared silver (equal times), so no bronze
    combined = ("2:45.87", "2:46.02", "2:46.02", "2:46.31", "2:46.55", "2:47.90")
    medals = (Medal.GOLD, Medal.SILVER, Medal.SILVER, None, None, None)
    for line, mark, medal in zip(teams, combined, medals, strict=True):
        line.mark, line.medal = mark, medal
    final = ranked(teams, by_time)
    story.states[STEP["team-combined-medals-curling-bronze"]] = (EventStatus.UNOFFICIAL, final)
    story.states[STEP["relay-running"]] = (EventStatus.OFFICIAL, final)
    return story


def mixed_relay() -> Story:
    teams = [
        Line("France", "FRA", ("Julie MOREAU", "Camille FAURE", "Théo BLANC", "Lucas GIRARD")),
        Line("Norway", "NOR", ("Ingrid BAKKE", "Marte DAHL", "Ola BERGE", "Vetle NYGAARD")),
        Line("Germany", "GER", ("Lena KRAUS", "Sophie WEBER", "Jonas HAHN", "Paul VOGT")),
        Line("Sweden", "SWE", ("Elsa LINDQVIST", "Maja HOLM", "Axel NORDIN", "Erik SANDBERG")),
        Line("Italy", "ITA", ("Giulia COSTA", "Sara FERRARI", "Luca BIANCHI", "Matteo RIVA")),
        Line("Austria", "AUT", ("Anna GRUBER", "Lisa HUBER", "Simon EDER", "David MAIR")),
    ]
    story = Story(
        event(
            "BTHXRELAY",
            "Biathlon",
            "Mixed 4x6km Relay",
            "X",
            local(9, 14, 5),
            local(9, 15, 30),
            entries=start_list(teams),
        )
    )
    story.states[STEP["relay-running"]] = (EventStatus.RUNNING, start_list(teams))
    finish = ("1:05:12.4", "1:05:31.9", "1:05:58.0", "1:06:20.7", "1:06:41.2", "1:07:03.5")
    medals = (Medal.GOLD, Medal.SILVER, Medal.BRONZE, None, None, None)
    for line, mark, medal in zip(teams, finish, medals, strict=True):
        line.mark, line.medal = mark, medal
    final = ranked(teams, by_time)
    story.states[STEP["relay-medals"]] = (EventStatus.UNOFFICIAL, final)
    story.states[STEP["1000m-before-start"]] = (EventStatus.OFFICIAL, final)
    return story


def skating_story() -> Story:
    story = women_1000m()
    for (_, status, pairs, medals), slug in zip(W1000M_STEPS, W1000M_SLUGS, strict=True):
        story.states[STEP[f"1000m-{slug}"]] = (status, skating_1000m(pairs, medals))
    return story


def curling_mixed_doubles() -> Story:
    """Medals in stages: the bronze game in the morning, the gold game in the evening."""
    teams = {
        "ITA": Line("Italy", "ITA", ("Chiara ROSSI", "Paolo MARTINI")),
        "NOR": Line("Norway", "NOR", ("Kari SOLHEIM", "Magnus RIIS")),
        "SWE": Line("Sweden", "SWE", ("Ebba NILSSON", "Oskar BERG")),
        "CAN": Line("Canada", "CAN", ("Megan TREMBLAY", "Ryan MACLEOD")),
    }
    story = Story(
        event(
            "CURXMIXDBL",
            "Curling",
            "Mixed Doubles",
            "X",
            local(9, 9, 5),
            local(9, 21, 0),
            entries=start_list(teams.values()),
        )
    )
    bronze_game = (
        Line("Sweden", "SWE", teams["SWE"].members, mark="8-6", medal=Medal.BRONZE, rank=3),
        Line("Canada", "CAN", teams["CAN"].members, mark="6-8", rank=4),
    )
    after_bronze = start_list([teams["ITA"], teams["NOR"]]) + tuple(
        line.result() for line in bronze_game
    )
    story.states[STEP["team-combined-medals-curling-bronze"]] = (EventStatus.RUNNING, after_bronze)
    gold_game = (
        Line("Italy", "ITA", teams["ITA"].members, mark="7-5", medal=Medal.GOLD, rank=1),
        Line("Norway", "NOR", teams["NOR"].members, mark="5-7", medal=Medal.SILVER, rank=2),
    )
    final = tuple(line.result() for line in (*gold_game, *bronze_game))
    story.states[STEP["curling-final"]] = (EventStatus.UNOFFICIAL, final)
    story.states[STEP["short-track-medals-world-record"]] = (EventStatus.OFFICIAL, final)
    return story


def ice_hockey_game() -> Story:
    """A preliminary-round game: results, but no medals (not a medal event)."""
    can = Line("Canada", "CAN")
    usa = Line("United States", "USA")
    story = Story(
        event(
            "IHOWPRELA05",
            "Ice Hockey",
            "Women's Preliminary Round - Group A: CAN v USA",
            "W",
            local(9, 16, 40),
            local(9, 19, 0),
            entries=start_list([can, usa]),
            medal_event=False,
        )
    )
    story.states[STEP["1000m-kok-or"]] = (
        EventStatus.RUNNING,
        (Line("Canada", "CAN", mark="1").result(), Line("United States", "USA", mark="0").result()),
    )
    story.states[STEP["hockey-final-score-ski-jumping-running"]] = (
        EventStatus.OFFICIAL,
        (
            Line("Canada", "CAN", mark="3", rank=1).result(),
            Line("United States", "USA", mark="2", rank=2).result(),
        ),
    )
    return story


def ski_jumping() -> Story:
    jumpers = [
        Line("Henrik SOLBERG", "NOR"),
        Line("Dmitri VOLKOV", "AIN"),  # an Individual Neutral Athlete: announced, not in the table
        Line("Matej KRANJC", "SLO"),
        Line("Lukas BRUNNER", "AUT"),
        Line("Kenta MORI", "JPN"),
        Line("Jakub NOWAK", "POL"),
        Line("Felix ZIMMER", "GER"),
        Line("Tomáš DVOŘÁK", "CZE"),
    ]
    story = Story(
        event(
            "SJPMNHIND",
            "Ski Jumping",
            "Men's Normal Hill Individual",
            "M",
            local(9, 18, 45),
            local(9, 20, 30),
            entries=start_list(jumpers),
        )
    )
    first_round = ("138.2", "135.9", "136.4", "134.0", "133.1", "130.8", "131.5", "128.7")
    for line, mark in zip(jumpers, first_round, strict=True):
        line.mark = mark
    story.states[STEP["hockey-final-score-ski-jumping-running"]] = (
        EventStatus.RUNNING,
        ranked(jumpers, by_points),
    )
    final_points = ("275.4", "271.9", "270.3", "268.8", "265.0", "262.2", "261.9", "255.1")
    medals = (Medal.GOLD, Medal.SILVER, Medal.BRONZE, None, None, None, None, None)
    for line, mark, medal in zip(jumpers, final_points, medals, strict=True):
        line.mark, line.medal = mark, medal
    final = ranked(jumpers, by_points)
    story.states[STEP["ski-jumping-medals"]] = (EventStatus.UNOFFICIAL, final)
    story.states[STEP["curling-final"]] = (EventStatus.OFFICIAL, final)
    return story


STANDING_SHORT_TRACK: Final = (
    StandingRecord(
        event="STKM1000M",
        type="WR",
        mark="1:20.450",
        holder=Competitor(name="Ryo KANEDA", noc="JPN"),
        date="2023-12-03",
        place="Calgary",
    ),
    StandingRecord(
        event="STKM1000M",
        type="OR",
        mark="1:23.042",
        holder=Competitor(name="Pieter DEKKER", noc="NED"),
        date="2022-02-09",
        place="Beijing",
    ),
)


def short_track_1000m() -> Story:
    """A world record in the final, then a penalty after review moves the silver and bronze."""
    finalists = [
        Line("SEO Jun-ho", "KOR"),
        Line("Liam BOUCHARD", "CAN"),
        Line("Daan VERMEULEN", "NED"),
        Line("WANG Lei", "CHN"),
        Line("Gábor TÓTH", "HUN"),
    ]
    story = Story(
        event(
            "STKM1000M",
            "Short Track Speed Skating",
            "Men's 1000m",
            "M",
            local(9, 20, 15),
            local(9, 21, 30),
            entries=start_list(finalists),
        )
    )
    marks = ("1:20.107", "1:20.233", "1:20.391", "1:20.512", "1:21.004")
    medals = (Medal.GOLD, Medal.SILVER, Medal.BRONZE, None, None)
    for line, mark, medal in zip(finalists, marks, medals, strict=True):
        line.mark, line.medal = mark, medal
    finalists[0].records = ("OR", "WR")
    story.states[STEP["short-track-medals-world-record"]] = (
        EventStatus.UNOFFICIAL,
        ranked(finalists, by_time),
    )
    # the referees penalise BOUCHARD: his silver goes to VERMEULEN, the bronze to WANG
    bouchard, vermeulen, wang = finalists[1], finalists[2], finalists[3]
    bouchard.status, bouchard.medal, bouchard.rank = "DSQ", None, None
    vermeulen.medal, wang.medal = Medal.SILVER, Medal.BRONZE
    story.states[STEP["short-track-dsq-correction"]] = (
        EventStatus.OFFICIAL,
        ranked(finalists, by_time),
    )
    return story


def later_days() -> list[Story]:
    """Medal events of the next days, still scheduled: what "upcoming" lists."""
    return [
        Story(
            event(
                "ALPWTEAMCOMB",
                "Alpine Skiing",
                "Women's Team Combined",
                "W",
                local(10, 10, 30),
                local(10, 13, 0),
            )
        ),
        Story(
            event(
                "BTHM20KMIND",
                "Biathlon",
                "Men's 20km Individual",
                "M",
                local(10, 13, 30),
                local(10, 15, 0),
                entries=start_list(
                    [
                        Line("Ola BERGE", "NOR"),
                        Line("Jonas HAHN", "GER"),
                        Line("Lucas GIRARD", "FRA"),
                    ]
                ),
            )
        ),
        Story(
            event(
                "STKXRELAY",
                "Short Track Speed Skating",
                "Mixed Team Relay",
                "X",
                local(10, 20, 0),
                local(10, 21, 0),
                entries=start_list(
                    [
                        Line("Korea", "KOR"),
                        Line("Netherlands", "NED"),
                        Line("Canada", "CAN"),
                        Line("Italy", "ITA"),
                    ]
                ),
            )
        ),
        Story(
            event(
                "SSKM1000M",
                "Speed Skating",
                "Men's 1000m",
                "M",
                local(11, 17, 30),
                local(11, 18, 45),
            )
        ),
        Story(
            event(
                "IHOMPRELB01",
                "Ice Hockey",
                "Men's Preliminary Round - Group B: SWE v FIN",
                "M",
                local(11, 12, 10),
                local(11, 14, 30),
                medal_event=False,
            )
        ),
    ]


def gamesday_snapshots() -> list[tuple[str, Snapshot]]:
    stories = [
        curling_mixed_doubles(),
        team_combined(),
        mixed_relay(),
        skating_story(),
        ice_hockey_game(),
        ski_jumping(),
        short_track_1000m(),
        *later_days(),
    ]
    snapshots = []
    for step, (at, slug) in enumerate(DAY_STEPS, start=1):
        snapshots.append(
            (
                f"{step:02d}-{slug}.json",
                Snapshot(
                    format="medalbot.feed/1",
                    games=GAMES,
                    sequence=100 + step,
                    generated_at=at,
                    events=tuple(story.at(step) for story in stories),
                    unranked_nocs=UNRANKED,
                    standing_records=(*STANDING_1000M, *STANDING_SHORT_TRACK),
                ),
            )
        )
    return snapshots


# Writing -------------------------------------------------------------------------------------

# Optional fields left out of the files when they hold their default, so the files read like
# what a producer would write.
_DEFAULTS: Final[Mapping[str, object]] = {
    "members": [],
    "records": [],
    "unranked_nocs": [],
    "standing_records": [],
    "equalled": False,
    "medal_event": True,
}


def _compact(value: object) -> object:
    if isinstance(value, dict):
        return {
            k: _compact(v)
            for k, v in value.items()
            if v is not None and not (k in _DEFAULTS and _compact(v) == _DEFAULTS[k])
        }
    if isinstance(value, list | tuple):
        return [_compact(v) for v in value]
    return value


def encode(snapshot: Snapshot) -> bytes:
    compact = _compact(msgspec.to_builtins(snapshot))
    return msgspec.json.format(msgspec.json.encode(compact), indent=2) + b"\n"


def write(folder: Path, snapshots: list[tuple[str, Snapshot]]) -> None:
    folder.mkdir(exist_ok=True)
    for stale in folder.glob("*.json"):
        stale.unlink()
    for name, snapshot in snapshots:
        data = encode(snapshot)
        # what is written must read back as the same snapshot
        assert msgspec.json.decode(data, type=Snapshot, strict=True) == snapshot, name
        (folder / name).write_bytes(data)
    print(f"{folder}: {len(snapshots)} snapshots")


def main() -> int:
    write(SAMPLES / "w1000m", w1000m_snapshots())
    write(SAMPLES / "gamesday", gamesday_snapshots())
    return 0


if __name__ == "__main__":
    sys.exit(main())
