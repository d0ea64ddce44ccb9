"""A whole synthetic Games in the native feed format, deterministic from a seed.

About 330 medal events over 17 days (the shape of a Summer Games: the sports' share of events
and their days are roughly Paris 2024's), replayed as 500 snapshots taken every half hour of
competition. Each event goes through stages: scheduled, running with a start list, partial
marks (a record may appear here), then medals (all at once, or bronze matches before the final,
or boxing's two bronzes days before the final), then official. A few medals are reallocated
after the event became official (a disqualification: a correction), a few events end in a tie,
some records are set (sometimes two in one event, once equalled), and a few Individual Neutral
Athletes (AIN, unranked) win medals.

The plan also says what a correct bot must make of it, independently of detection: the number
of medal, record and correction alerts, and the final medal table.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Final, Literal

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
    Snapshot,
    StandingRecord,
)

SNAPSHOTS: Final = 500
DAYS: Final = 17
SEED: Final = 2028
GAMES: Final = GamesInfo(code="SYN2028", name="Synthetic Summer Games")
LOCAL: Final = timezone(timedelta(hours=2))
OPENING: Final = datetime(2028, 7, 15, tzinfo=LOCAL)
FIRST_HOUR: Final = 9.0
LAST_HOUR: Final = 23.5
UNRANKED: Final = "AIN"
G, S, B = Medal.GOLD, Medal.SILVER, Medal.BRONZE

Format = Literal["race", "judged", "duel", "duel2", "boxing"]


@dataclass(frozen=True)
class Sport:
    name: str
    code: str
    events: int
    fmt: Format  # race/judged: medals at once; duel: bronze match, then final; duel2: two bronzes
    days: tuple[int, int]  # first and last competition day (1-based)
    field: int  # competitors listed in the final
    team: int = 0  # members of a team entry (0: individual); see team_share
    team_share: float = 1.0  # share of the sport's events that are team events, when team > 0
    records: float = 0.0  # chance that an event sees a record
    neutral: bool = False  # Individual Neutral Athletes may take part


# A Summer Games' sports (event counts as at Paris 2024, days roughly as there): 329 events.
SPORTS: Final = (
    Sport("Swimming", "SWM", 35, "race", (1, 9), 8, team=4, team_share=0.2, records=0.35),
    Sport("Athletics", "ATH", 48, "race", (7, 17), 12, team=4, team_share=0.12, records=0.15),
    Sport("Cycling", "CYC", 22, "race", (1, 16), 10, team=4, team_share=0.25, records=0.1,
          neutral=True),
    Sport("Rowing", "ROW", 14, "race", (1, 8), 6, team=4, team_share=0.7),
    Sport("Canoe", "CSP", 16, "race", (3, 15), 8, team=2, team_share=0.3),
    Sport("Sailing", "SAL", 10, "race", (3, 13), 10),
    Sport("Triathlon", "TRI", 3, "race", (4, 9), 12),
    Sport("Marathon Swimming", "OWS", 2, "race", (12, 13), 12),
    Sport("Gymnastics", "GYM", 18, "judged", (2, 16), 8),
    Sport("Diving", "DIV", 8, "judged", (1, 16), 12),
    Sport("Artistic Swimming", "SWA", 2, "judged", (14, 16), 8, team=8),
    Sport("Shooting", "SHO", 15, "judged", (2, 10), 8, records=0.2, neutral=True),
    Sport("Weightlifting", "WLF", 10, "judged", (12, 16), 10, records=0.2, neutral=True),
    Sport("Equestrian", "EQU", 6, "judged", (2, 11), 10),
    Sport("Modern Pentathlon", "MPN", 2, "judged", (13, 15), 12),
    Sport("Golf", "GLF", 2, "judged", (6, 15), 12),
    Sport("Skateboarding", "SKB", 4, "judged", (2, 12), 8),
    Sport("Sport Climbing", "CLB", 4, "judged", (10, 15), 8),
    Sport("Surfing", "SRF", 2, "judged", (9, 10), 4),
    Sport("Breaking", "BKG", 2, "judged", (14, 15), 8),
    Sport("Archery", "ARC", 5, "duel", (3, 9), 8),
    Sport("Fencing", "FEN", 12, "duel", (1, 9), 8),
    Sport("Tennis", "TEN", 5, "duel", (6, 9), 8, neutral=True),
    Sport("Badminton", "BDM", 5, "duel", (6, 10), 8),
    Sport("Table Tennis", "TTE", 5, "duel", (3, 15), 8),
    Sport("Judo", "JUD", 15, "duel2", (1, 8), 8, neutral=True),
    Sport("Wrestling", "WRE", 18, "duel2", (9, 16), 8, neutral=True),
    Sport("Taekwondo", "TKW", 8, "duel2", (11, 14), 8),
    Sport("Boxing", "BOX", 13, "boxing", (3, 15), 8),
    Sport("Basketball", "BKB", 2, "duel", (16, 17), 8, team=12),
    Sport("3x3 Basketball", "BK3", 2, "duel", (10, 10), 8, team=4),
    Sport("Football", "FBL", 2, "duel", (14, 16), 8, team=18),
    Sport("Handball", "HBL", 2, "duel", (15, 17), 8, team=14),
    Sport("Hockey", "HOC", 2, "duel", (12, 13), 8, team=16),
    Sport("Rugby Sevens", "RUG", 2, "duel", (3, 7), 8, team=12),
    Sport("Volleyball", "VVO", 2, "duel", (15, 17), 8, team=12),
    Sport("Beach Volleyball", "VBV", 2, "duel", (13, 14), 8, team=2),
    Sport("Water Polo", "WPO", 2, "duel", (15, 17), 8, team=13),
)  # fmt: skip

# NOCs weighted by how often they reach a final (strong nations first, a long tail after).
NOC_WEIGHTS: Final = {
    "USA": 40, "CHN": 36, "JPN": 22, "GBR": 22, "AUS": 22, "FRA": 22, "NED": 16, "KOR": 14,
    "ITA": 18, "GER": 18, "NZL": 9, "CAN": 14, "UZB": 6, "HUN": 9, "ESP": 10, "SWE": 7,
    "KEN": 6, "NOR": 5, "IRL": 4, "BRA": 10, "IRI": 5, "UKR": 7, "ROU": 4, "GEO": 4, "BEL": 5,
    "BUL": 3, "SRB": 3, "CZE": 4, "DEN": 5, "AZE": 3, "CRO": 3, "CUB": 4, "BRN": 2, "SLO": 3,
    "TPE": 4, "AUT": 3, "HKG": 2, "PHI": 2, "ALG": 2, "INA": 2, "ISR": 3, "POL": 5, "KAZ": 4,
    "JAM": 4, "RSA": 3, "THA": 3, "ETH": 3, "SUI": 4, "ECU": 2, "POR": 2, "GRE": 3, "ARG": 3,
    "EGY": 2, "TUN": 2, "BOT": 1, "CHI": 1, "LCA": 1, "UGA": 1, "DOM": 2, "GUA": 1, "MAR": 1,
    "PAK": 1, "TUR": 4, "MEX": 3, "ARM": 2, "COL": 2, "KGZ": 2, "PRK": 2, "LTU": 2, "IND": 4,
    "MDA": 1, "KOS": 1, "CYP": 1, "FIJ": 1, "JOR": 1, "MGL": 1, "PAN": 1, "TJK": 1, "ALB": 1,
    "MAS": 1, "PUR": 1, "CIV": 1, "PER": 1, "QAT": 1, "SGP": 1, "SVK": 2, "ZAM": 1, "FIN": 2,
}  # fmt: skip
NEUTRAL_WEIGHT: Final = 8  # AIN, in sports that admit them

FIRST_NAMES: Final = (
    "Anna", "Lucas", "Mia", "Noah", "Sofia", "Liam", "Emma", "Mateo", "Yuki", "Chen", "Amara",
    "Kofi", "Ines", "Jonas", "Lea", "Omar", "Sara", "Ivan", "Maya", "Ravi", "Elena", "Tariq",
    "Hana", "Diego", "Freya", "Kai", "Zoe", "Arjun", "Nina", "Pablo", "Ayla", "Erik",
)  # fmt: skip
SYLLABLES: Final = (
    "ka", "ro", "mi", "ten", "sa", "vo", "lin", "dra", "ko", "ber", "an", "so", "ril", "ma",
    "to", "gu", "nek", "ha", "yo", "zel", "pi", "dor", "ve", "lu", "stra", "mon", "ki", "ta",
)  # fmt: skip


@dataclass
class Line:
    """One entry of an event's results, as it is when the event is decided."""

    name: str
    noc: str
    members: tuple[str, ...]
    mark: str
    rank: int | None = None
    medal: Medal | None = None
    records: tuple[RecordFlag, ...] = ()
    dsq: bool = False

    def result(self, *, ranked: bool, medals: frozenset[Medal], marked: bool) -> Result:
        return Result(
            competitor=Competitor(name=self.name, noc=self.noc, members=self.members),
            rank=self.rank if ranked and not self.dsq else None,
            mark=self.mark if marked else None,
            status="DSQ" if self.dsq else None,
            records=self.records if marked else (),
            medal=self.medal if self.medal in medals and not self.dsq else None,
        )


@dataclass
class PlannedEvent:
    code: str
    sport: Sport
    name: str
    gender: Gender
    start: datetime
    end: datetime
    stages: list[tuple[int, Event]] = field(default_factory=list)  # (first snapshot, event)
    # what the event finally shows, for the oracle
    final_medals: list[tuple[Medal, str]] = field(default_factory=list)
    medal_reveals: int = 0  # snapshots in which new medals appear (one alert each)
    records: int = 0  # record flags (one alert each)
    corrections: int = 0

    def at(self, index: int) -> Event:
        current = self.stages[0][1]
        for first, event in self.stages:
            if first > index:
                break
            current = event
        return current


@dataclass(frozen=True)
class Expected:
    medal_alerts: int
    record_alerts: int
    correction_alerts: int
    table: dict[str, tuple[int, int, int]]  # NOC -> (gold, silver, bronze), unranked left out


class SyntheticGames:
    """The plan of a whole Games; ``snapshot(i)`` and ``body(i)`` build snapshot ``i``."""

    def __init__(self, seed: int = SEED, snapshots: int = SNAPSHOTS) -> None:
        self.snapshots = snapshots
        self._rng = random.Random(seed)
        self._per_day = snapshots / DAYS
        self.standing: list[StandingRecord] = []
        self.events: list[PlannedEvent] = []
        self._ties = {"silver": 2, "gold": 1, "bronze": 1}
        self._corrections_left = 4
        self._equalled_left = 1
        for sport in SPORTS:
            for k in range(sport.events):
                self.events.append(self._plan(sport, k))
        self.events.sort(key=lambda e: (e.start, e.code))

    # Snapshots --------------------------------------------------------------------------

    def snapshot(self, index: int) -> Snapshot:
        """Snapshot ``index`` (0-based); its sequence is ``index + 1``."""
        return Snapshot(
            format="medalbot.feed/1",
            games=GAMES,
            sequence=index + 1,
            generated_at=self.time_of(index).astimezone(UTC),
            events=tuple(e.at(index) for e in self.events),
            unranked_nocs=(UNRANKED,),
            standing_records=tuple(self.standing),
        )

    def body(self, index: int) -> bytes:
        return msgspec.json.encode(self.snapshot(index))

    def time_of(self, index: int) -> datetime:
        day, slot = divmod(index / self._per_day, 1.0)
        hours = FIRST_HOUR + slot * (LAST_HOUR - FIRST_HOUR)
        return OPENING + timedelta(days=int(day), hours=hours)

    def index_at(self, day: int, slot: float) -> int:
        """The snapshot index of a moment: day 1-based, slot in [0, 1) of its competition hours."""
        return min(self.snapshots - 1, int(((day - 1) + slot) * self._per_day))

    def expected(self) -> Expected:
        table: Counter[tuple[str, Medal]] = Counter()
        for event in self.events:
            for medal, noc in event.final_medals:
                if noc != UNRANKED:
                    table[(noc, medal)] += 1
        nocs = sorted({noc for noc, _ in table})
        return Expected(
            medal_alerts=sum(e.medal_reveals for e in self.events),
            record_alerts=sum(e.records for e in self.events),
            correction_alerts=sum(e.corrections for e in self.events),
            table={n: (table[(n, G)], table[(n, S)], table[(n, B)]) for n in nocs},
        )

    # Planning ---------------------------------------------------------------------------

    def _plan(self, sport: Sport, k: int) -> PlannedEvent:
        rng = self._rng
        gender: Gender = ("M", "W", "X")[k % 3] if sport.team and k % 5 == 4 else ("M", "W")[k % 2]
        words = {"M": "Men's", "W": "Women's", "X": "Mixed", "O": "Open"}
        team = sport.team if sport.team and rng.random() < sport.team_share else 0
        code = f"{sport.code}{gender}{k + 1:02d}{'T' if team else ''}"
        name = f"{words[gender]} {sport.name} {'Team ' if team else ''}Final {k + 1}"
        day = rng.randint(*sport.days)
        slot = rng.uniform(0.0, 0.8)
        start_index = self.index_at(day, slot)
        start = self.time_of(start_index)
        planned = PlannedEvent(code, sport, name, gender, start, start + timedelta(hours=2))
        lines = self._field(sport, code, team)
        scheduled = self._event(planned, EventStatus.SCHEDULED, ())
        planned.stages.append((0, scheduled))
        self._decide(planned, lines, start_index)
        return planned

    def _field(self, sport: Sport, code: str, team: int) -> list[Line]:
        rng = self._rng
        weights = dict(NOC_WEIGHTS)
        if sport.neutral and not team:
            weights[UNRANKED] = NEUTRAL_WEIGHT
        nocs: list[str] = []
        while len(nocs) < sport.field:  # one entry per NOC, as in most finals
            noc = rng.choices(list(weights), weights=list(weights.values()))[0]
            nocs.append(noc)
            del weights[noc]
        lines = []
        for noc in nocs:
            members = tuple(self._person() for _ in range(team))
            name = f"{noc} {code[:3]} team" if team else self._person()
            lines.append(Line(name=name, noc=noc, members=members, mark=""))
        return lines

    def _person(self) -> str:
        rng = self._rng
        surname = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).upper()
        return f"{rng.choice(FIRST_NAMES)} {surname}"

    def _marks(self, sport: Sport, count: int) -> list[str]:
        """Marks from best to worst, as the sport writes them."""
        rng = self._rng
        if sport.fmt == "race":
            base = rng.uniform(50.0, 600.0)
            times, t = [], base
            for _ in range(count):
                times.append(t)
                t += rng.uniform(0.01, base * 0.01)
            return [f"{int(x // 60)}:{x % 60:05.2f}" if x >= 60 else f"{x:.2f}" for x in times]
        if sport.fmt == "judged":
            score, scores = rng.uniform(80.0, 300.0), []
            for _ in range(count):
                scores.append(score)
                score -= rng.uniform(0.05, 3.0)
            return [f"{x:.3f}" for x in scores]
        return [f"{rng.randint(1, 15)}-{rng.randint(0, 9)}" for _ in range(count)]

    def _decide(self, planned: PlannedEvent, lines: list[Line], s: int) -> None:
        """Ranks, medals, records and the stages of one event from snapshot ``s`` on."""
        rng, sport = self._rng, planned.sport
        for line, mark in zip(lines, self._marks(sport, len(lines)), strict=True):
            line.mark = mark
        for rank, line in enumerate(lines, start=1):
            line.rank = rank
        tie = self._tie(sport)
        if sport.fmt in ("duel2", "boxing"):
            tie = "bronze"
        medals = {0: G, 1: S, 2: B}
        if tie == "gold":  # two golds, no silver
            lines[1].rank, lines[1].mark = 1, lines[0].mark
            medals = {0: G, 1: G, 2: B}
        elif tie == "silver":  # two silvers, no bronze
            lines[2].rank, lines[2].mark = 2, lines[1].mark
            medals = {0: G, 1: S, 2: S}
        elif tie == "bronze":  # two bronzes (combat sports: both semi-final losers)
            lines[3].rank = 3
            medals = {0: G, 1: S, 2: B, 3: B}
        for i, medal in medals.items():
            lines[i].medal = medal

        first_records = self._records(planned, lines)
        running = self._event(planned, EventStatus.RUNNING, lines, ranked=False, marked=0)
        partial = self._event(
            planned, EventStatus.RUNNING, lines, ranked=False, marked=len(lines) // 2
        )
        decided = frozenset({G, S, B})
        bronze_only = frozenset({B})
        unofficial = self._event(planned, EventStatus.UNOFFICIAL, lines, medals=decided)
        official = self._event(planned, EventStatus.OFFICIAL, lines, medals=decided)
        stages = planned.stages
        if sport.fmt in ("race", "judged"):
            stages += [(s, running), (s + 1, partial), (s + 2, unofficial)]
            official_at = s + rng.randint(3, 5)
            planned.medal_reveals = 1
        else:
            bronze_gap = 1
            if sport.fmt == "boxing":
                bronze_gap = int(self._per_day * rng.randint(2, 4))  # semi-finals days earlier
            elif sport.team and len(lines[0].members) > 4:
                bronze_gap = int(self._per_day)  # the bronze game the day before the final
            b = max(1, s - bronze_gap)
            bronzes = self._event(
                planned, EventStatus.RUNNING, lines, ranked=False, marked=0, medals=bronze_only
            )
            stages += [(b - 1, running), (b, bronzes), (s + 2, unofficial)]
            official_at = s + 3
            planned.medal_reveals = 2
        stages.append((official_at, official))
        planned.records = first_records
        self._maybe_correct(planned, lines, official_at)
        planned.stages = [(i, e) for i, e in stages if i < self.snapshots]
        if planned.stages[-1][1] is not official and not planned.corrections:
            raise AssertionError(f"{planned.code}: not decided within the Games")
        planned.final_medals = [(ln.medal, ln.noc) for ln in lines if ln.medal and not ln.dsq]
        if tie in ("silver", "gold", "bronze") and sport.fmt in ("race", "judged"):
            self._ties[tie] -= 1

    def _tie(self, sport: Sport) -> str | None:
        if sport.fmt not in ("race", "judged") or self._rng.random() > 0.02:
            return None
        for kind in ("silver", "gold", "bronze"):
            if self._ties[kind] > 0:
                return kind
        return None

    def _records(self, planned: PlannedEvent, lines: list[Line]) -> int:
        """Flag records on the finalists; returns how many alerts they make."""
        rng, sport = self._rng, planned.sport
        if sport.fmt not in ("race", "judged") or rng.random() >= sport.records:
            return 0
        old = lines[0].mark  # the standing record is a little worse than the winner's mark
        holder = Competitor(name=self._person(), noc=rng.choice(list(NOC_WEIGHTS)))
        kinds = ("WR", "OR") if rng.random() < 0.3 else ("OR",)
        if "WR" in kinds:
            self.standing.append(StandingRecord(planned.code, "WR", _worse(old), holder))
        self.standing.append(StandingRecord(planned.code, "OR", _worse(old), holder))
        if self._equalled_left and kinds == ("OR",) and not lines[0].members:
            self._equalled_left -= 1
            lines[0].records = (RecordFlag("OR", equalled=True),)
            self.standing[-1] = StandingRecord(planned.code, "OR", old, holder)
            return 1
        lines[0].records = tuple(RecordFlag(kind) for kind in kinds)
        count = len(kinds)
        # now and then a semi-finalist set an Olympic record first, then the winner beat it
        if rng.random() < 0.25 and lines[1].mark != lines[0].mark and lines[1].medal is not G:
            lines[1].records = (RecordFlag("OR"),)
            count += 1
        return count

    def _maybe_correct(self, planned: PlannedEvent, lines: list[Line], official_at: int) -> None:
        """A bronze medallist disqualified after the event became official: 4th gets bronze."""
        if (
            not self._corrections_left
            or planned.sport.fmt not in ("race", "judged")
            or any(ln.medal is B and ln.rank != 3 for ln in lines)  # a tie: keep it simple
            or self._rng.random() > 0.015
        ):
            return
        at = official_at + self._rng.randint(5, 40)
        if at >= self.snapshots:
            return
        third, fourth = lines[2], lines[3]
        if third.medal is not B or third.records or fourth.records:
            return
        self._corrections_left -= 1
        third.dsq, third.medal = True, None
        fourth.medal, fourth.rank = B, 3
        for line in lines[4:]:
            line.rank = (line.rank or 0) - 1
        corrected = self._event(planned, EventStatus.OFFICIAL, lines, medals=frozenset({G, S, B}))
        planned.stages.append((at, corrected))
        planned.corrections = 1

    def _event(
        self,
        planned: PlannedEvent,
        status: EventStatus,
        lines: list[Line] | tuple[()],
        *,
        ranked: bool = True,
        marked: int | None = None,
        medals: frozenset[Medal] = frozenset(),
    ) -> Event:
        shown = len(lines) if marked is None else marked
        results = tuple(
            # the partial stage shows the marks of the field's last half: they went first
            line.result(ranked=ranked, medals=medals, marked=i >= len(lines) - shown)
            for i, line in enumerate(lines)
        )
        if marked is not None and shown:
            results = tuple(sorted(results, key=lambda r: r.mark is None))
        return Event(
            code=planned.code,
            sport=planned.sport.name,
            name=planned.name,
            gender=planned.gender,
            status=status,
            start=planned.start,
            end=planned.end,
            results=results,
        )


def _worse(mark: str) -> str:
    """A slightly worse mark of the same kind (the record the winner beat)."""
    head, _, tail = mark.rpartition(":")
    value = float(tail)
    if "." in tail and len(tail.split(".")[1]) == 3:  # a score: worse is lower
        return f"{value - 0.5:.3f}"
    worse = f"{value + 0.12:05.2f}" if head else f"{value + 0.12:.2f}"
    return f"{head}:{worse}" if head else worse
