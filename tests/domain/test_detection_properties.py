"""Properties of change detection over generated snapshot sequences: events gain, lose and
move medals (ties included), events vanish, record flags come and go."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import NamedTuple

import msgspec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from medalbot.domain.alerts import (
    Alert,
    CorrectionAlert,
    MedalAlert,
    MedalWon,
    RecordAlert,
    RecordSet,
)
from medalbot.domain.detection import apply_snapshot
from medalbot.domain.models import (
    Competitor,
    Event,
    EventStatus,
    Medal,
    RecordFlag,
    Result,
    Snapshot,
)
from medalbot.domain.state import Applied, GamesState, Ignored
from medalbot.domain.table import medal_table
from tests.domain.factories import GAMES, T0

G, S, B = Medal.GOLD, Medal.SILVER, Medal.BRONZE
# what an event's podium can look like, stages and ties included
PATTERNS = ((), (B,), (B, B), (G, S), (G, S, B), (G, G, B), (G, S, S), (G, S, B, B), (S, B))
NOCS = ("NOR", "GER", "USA", "NED", "AIN")
FLAGS = (None, None, RecordFlag("OR"), RecordFlag("WR"), RecordFlag("OR", equalled=True))
UNRANKED = ("AIN",)

MedalFact = tuple[str, Medal, str, str]  # (event, medal, noc, name)
RecordFact = tuple[str, str, str, str, str, bool]  # (event, type, noc, name, mark, equalled)


class Layout(NamedTuple):
    """An event as it stays through the sequence: code, start hour, competitors and marks."""

    code: str
    hour: int
    medal_event: bool
    entries: tuple[tuple[Competitor, str], ...]


@st.composite
def layouts(draw: st.DrawFn, index: int) -> Layout:
    code = f"E{index}"
    entries = tuple(
        (
            Competitor(
                name=f"{code}-{letter}",
                noc=draw(st.sampled_from(NOCS)),
                members=("m1", "m2") if letter == "T" else (),
            ),
            f"1:1{position}.00",
        )
        for position, letter in enumerate("ABCDT")
    )
    medal_event = draw(st.integers(0, 4)) > 0  # mostly medal events
    return Layout(code, draw(st.integers(8, 20)), medal_event, entries)


@st.composite
def event_states(draw: st.DrawFn, layout: Layout) -> Event | None:
    if draw(st.integers(0, 9)) == 0:
        return None  # the event is missing from this snapshot
    order = draw(st.permutations(layout.entries))
    medals = draw(st.sampled_from(PATTERNS))
    ranked = draw(st.booleans())
    results = []
    for index, (competitor, mark) in enumerate(order):
        flag = draw(st.sampled_from(FLAGS))
        results.append(
            Result(
                competitor=competitor,
                rank=index + 1 if ranked else None,
                mark=mark,
                records=() if flag is None else (flag,),
                medal=medals[index] if index < len(medals) else None,
            )
        )
    return Event(
        code=layout.code,
        sport="Sport",
        name=f"Event {layout.code}",
        gender="X",
        status=draw(st.sampled_from(list(EventStatus))),
        medal_event=layout.medal_event,
        start=T0.replace(hour=layout.hour),
        results=tuple(results),
    )


@st.composite
def snapshot_sequences(draw: st.DrawFn) -> list[Snapshot]:
    events = [draw(layouts(i)) for i in range(draw(st.integers(1, 4)))]
    snapshots: list[Snapshot] = []
    sequence = 0
    for step in range(draw(st.integers(1, 6))):
        sequence += draw(st.integers(1, 3))
        states = [draw(event_states(layout)) for layout in events]
        snapshots.append(
            Snapshot(
                format="medalbot.feed/1",
                games=GAMES,
                sequence=sequence,
                generated_at=T0 + timedelta(minutes=step),
                events=tuple(e for e in states if e is not None),
                unranked_nocs=UNRANKED,
            )
        )
    return snapshots


def replay(snapshots: list[Snapshot]) -> tuple[GamesState | None, list[Applied]]:
    state: GamesState | None = None
    applied: list[Applied] = []
    for snap in snapshots:
        outcome = apply_snapshot(state, snap)
        if isinstance(outcome, Ignored):
            assert outcome.kind == "suspect", outcome
            continue
        applied.append(outcome)
        state = outcome.state
    return state, applied


def medal_facts(snapshot: Snapshot) -> Counter[MedalFact]:
    return Counter(
        (event.code, r.medal, r.competitor.noc, r.competitor.name)
        for event in snapshot.events
        for r in event.results
        if r.medal is not None
    )


def record_facts(snapshot: Snapshot) -> Counter[RecordFact]:
    flags = {
        (event.code, f.type, r.competitor.noc, r.competitor.name, r.mark or "", f.equalled)
        for event in snapshot.events
        for r in event.results
        for f in r.records
    }
    return Counter(flags)


def medal_fact(event: str, m: MedalWon) -> MedalFact:
    return (event, m.medal, m.noc, m.name)


def record_fact(event: str, r: RecordSet) -> RecordFact:
    return (event, r.type, r.noc, r.name, r.mark, r.equalled)


def net_announced(alerts: list[Alert]) -> tuple[Counter[MedalFact], Counter[RecordFact]]:
    """What the alerts add up to, corrections subtracting what they withdraw. Every partial sum
    stays 0 or 1: nothing is announced twice, nothing withdrawn that was not announced."""
    medals: Counter[MedalFact] = Counter()
    records: Counter[RecordFact] = Counter()
    for alert in alerts:
        if isinstance(alert, MedalAlert):
            medals.update(medal_fact(alert.event, m) for m in alert.medals)
        elif isinstance(alert, RecordAlert):
            records[record_fact(alert.event, alert.record)] += 1
        elif isinstance(alert, CorrectionAlert):
            for item in alert.before:
                if isinstance(item, MedalWon):
                    medals[medal_fact(alert.event, item)] -= 1
                else:
                    records[record_fact(alert.event, item)] -= 1
            medals.update(
                medal_fact(alert.event, m) for m in alert.after if isinstance(m, MedalWon)
            )
        assert set(medals.values()) <= {0, 1} and set(records.values()) <= {0, 1}, alert
    return +medals, +records


SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(snapshot_sequences())
def test_every_medal_and_record_is_announced_exactly_once_net_of_corrections(
    snapshots: list[Snapshot],
) -> None:
    state, applied = replay(snapshots)
    if state is None:
        return
    medals, records = net_announced([a for outcome in applied for a in outcome.alerts])
    assert medals == medal_facts(state.snapshot)
    assert records == record_facts(state.snapshot)
    # the ledger agrees with the snapshot it was built from
    ledger_medals = {
        medal_fact(code, a.medal) for code, entry in state.ledger.items() for a in entry.medals
    }
    assert ledger_medals == set(medal_facts(state.snapshot))


@SETTINGS
@given(snapshot_sequences())
def test_the_net_medals_announced_make_the_medal_table(snapshots: list[Snapshot]) -> None:
    state, applied = replay(snapshots)
    if state is None:
        return
    medals, _ = net_announced([a for outcome in applied for a in outcome.alerts])
    medal_events = {e.code for e in state.snapshot.events if e.medal_event}
    counted: dict[str, Counter[Medal]] = {}
    for (event, medal, noc, _), count in medals.items():
        if event in medal_events and noc not in UNRANKED:
            counted.setdefault(noc, Counter())[medal] += count
    table = medal_table(state.snapshot)
    assert {row.noc: (row.gold, row.silver, row.bronze) for row in table} == {
        noc: (c[G], c[S], c[B]) for noc, c in counted.items()
    }
    # and each alert's tallies are the table of its snapshot
    for outcome in applied:
        rows = {row.noc: row for row in medal_table(outcome.state.snapshot)}
        for alert in outcome.alerts:
            if isinstance(alert, MedalAlert | CorrectionAlert):
                for tally in alert.tallies:
                    row = rows.get(tally.noc)
                    got = (tally.gold, tally.silver, tally.bronze)
                    assert got == ((row.gold, row.silver, row.bronze) if row else (0, 0, 0))


@SETTINGS
@given(snapshot_sequences())
def test_re_applying_an_applied_snapshot_changes_nothing(snapshots: list[Snapshot]) -> None:
    state, applied = replay(snapshots)
    if state is None:
        return
    for outcome in applied:
        again = apply_snapshot(state, outcome.state.snapshot)
        assert isinstance(again, Ignored) and again.kind == "stale"
        # the same content under a later sequence: nothing new either
        later = msgspec.structs.replace(outcome.state.snapshot, sequence=10_000)
        replayed = apply_snapshot(outcome.state, later)
        assert isinstance(replayed, Applied) and replayed.alerts == ()


@SETTINGS
@given(snapshot_sequences())
def test_detection_is_deterministic_with_unique_ids(snapshots: list[Snapshot]) -> None:
    _, first = replay(snapshots)
    _, second = replay(snapshots)
    assert first == second
    ids = [alert.id for outcome in first for alert in outcome.alerts]
    assert len(ids) == len(set(ids))
    # every correction names alerts that were announced before it
    seen: set[str] = set()
    for alert in (a for outcome in first for a in outcome.alerts):
        if isinstance(alert, CorrectionAlert):
            assert set(alert.corrects) <= seen
        seen.add(alert.id)
