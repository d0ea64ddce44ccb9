"""Queries over a snapshot or a state: podium, records, a nation's medals, what's next, search."""

from __future__ import annotations

from datetime import timedelta

import msgspec

from medalbot.domain.detection import apply_snapshot
from medalbot.domain.models import EventStatus, RecordFlag, Snapshot
from medalbot.domain.queries import (
    athlete_summary,
    find_athletes,
    find_events,
    games_records,
    nation_medals,
    podium,
    upcoming_medal_events,
)
from medalbot.domain.state import Applied, GamesState
from tests.domain.factories import T0, B, G, S, event, result, snapshot, standing


def state_after(*snapshots: Snapshot) -> GamesState:
    state: GamesState | None = None
    for snap in snapshots:
        outcome = apply_snapshot(state, snap)
        assert isinstance(outcome, Applied)
        state = outcome.state
    assert state is not None
    return state


SKATING = event(
    "SSKW1000M",
    result("Femke KOK", "NED", rank=2, mark="1:12.59", medal=S, records=("OR",)),
    result("Jutta LEERDAM", "NED", rank=1, mark="1:12.31", medal=G, records=("OR",)),
    result("Miho TAKAGI", "JPN", rank=3, mark="1:13.95", medal=B),
    result("Kimi GOETZ", "USA", rank=4, mark="1:14.01"),
    status=EventStatus.OFFICIAL,
    name="Women's 1000m",
    start_hour=15,
)


def test_podium_lists_medals_gold_first_with_marks_and_record_flags() -> None:
    found = podium(snapshot(1, SKATING), "SSKW1000M")
    assert found is not None
    assert found.event.name == "Women's 1000m"
    assert found.event.status is EventStatus.OFFICIAL
    assert [(p.medal.value, p.name, p.mark) for p in found.places] == [
        ("gold", "Jutta LEERDAM", "1:12.31"),
        ("silver", "Femke KOK", "1:12.59"),
        ("bronze", "Miho TAKAGI", "1:13.95"),
    ]
    assert found.places[0].records == (RecordFlag("OR"),)


def test_podium_of_an_event_without_medals_is_empty_and_an_unknown_event_is_none() -> None:
    snap = snapshot(1, event("LATER", status=EventStatus.SCHEDULED))
    later = podium(snap, "later")
    assert later is not None and later.places == ()
    assert podium(snap, "NOPE") is None


def test_games_records_lists_every_record_in_order_with_its_fate() -> None:
    kok = result("Femke KOK", "NED", rank=1, mark="1:12.59", records=("OR",))
    s1 = snapshot(
        1,
        event("SSKW1000M", kok, start_hour=15),
        standing=(standing("SSKW1000M", "OR", "1:13.19", "Miho TAKAGI", "JPN"),),
    )
    leerdam = result("Jutta LEERDAM", "NED", rank=1, mark="1:12.31", records=("OR",))
    s2 = msgspec.structs.replace(
        s1,
        sequence=2,
        generated_at=s1.generated_at + timedelta(minutes=10),
        events=(event("SSKW1000M", leerdam, msgspec.structs.replace(kok, rank=2), start_hour=15),),
    )
    other = event("SPRINT", result("Ann", "NOR", mark="9.99", records=("WR",)), start_hour=9)
    s3 = msgspec.structs.replace(
        s2,
        sequence=3,
        generated_at=s2.generated_at + timedelta(minutes=10),
        events=(*s2.events, other),
    )
    s4 = msgspec.structs.replace(
        s3,
        sequence=4,
        events=(s3.events[0], event("SPRINT", result("Ann", "NOR", mark="9.99"), start_hour=9)),
    )
    records = games_records(state_after(s1, s2, s3, s4))
    assert [(r.event, r.record.name, r.record.type) for r in records] == [
        ("SSKW1000M", "Femke KOK", "OR"),
        ("SSKW1000M", "Jutta LEERDAM", "OR"),
        ("SPRINT", "Ann", "WR"),
    ]
    kok_record, leerdam_record, sprint_record = records
    assert kok_record.superseded_at == s2.generated_at and not kok_record.withdrawn
    assert kok_record.record.beats is not None and kok_record.record.beats.name == "Miho TAKAGI"
    assert leerdam_record.record.beats is not None
    assert leerdam_record.record.beats.in_this_event
    assert leerdam_record.superseded_at is None
    assert sprint_record.withdrawn
    assert sprint_record.set_at == s3.generated_at
    assert [
        r.record.name for r in games_records(state_after(s1, s2, s3, s4), record_type="wr")
    ] == ["Ann"]
    assert len(games_records(state_after(s1, s2, s3, s4), include_withdrawn=False)) == 2


def test_nation_medals_lists_golds_first_and_only_medal_events() -> None:
    snap = snapshot(
        1,
        event("LATE", result("Joy BEUNE", "NED", medal=B), start_hour=18),
        SKATING,
        event("EARLY", result("Team NED", "NED", medal=B, members=("x", "y")), start_hour=9),
        event("FRIENDLY", result("Netherlands", "NED", medal=G), medal_event=False),
    )
    medals = nation_medals(snap, "ned")
    assert [(m.medal.value, m.event.code, m.competitor.name) for m in medals] == [
        ("gold", "SSKW1000M", "Jutta LEERDAM"),
        ("silver", "SSKW1000M", "Femke KOK"),
        ("bronze", "EARLY", "Team NED"),
        ("bronze", "LATE", "Joy BEUNE"),
    ]
    assert nation_medals(snap, "CHN") == []


def test_upcoming_medal_events_puts_running_ones_first_then_by_start() -> None:
    now = T0.replace(hour=12)
    snap = snapshot(
        1,
        event("DONE", status=EventStatus.OFFICIAL, start_hour=9),
        event("PAST", status=EventStatus.SCHEDULED, start_hour=8),  # start passed, no end
        event("EVENING", status=EventStatus.SCHEDULED, start_hour=19),
        event("AFTERNOON", result("Ann", "NOR"), status=EventStatus.SCHEDULED, start_hour=14),
        event("NOW", result("Bob", "SWE"), status=EventStatus.RUNNING, start_hour=11),
        event("GAME", status=EventStatus.SCHEDULED, start_hour=13, medal_event=False),
        event("MOVED", status=EventStatus.POSTPONED, start_hour=15),
        event("CURL", status=EventStatus.SCHEDULED, start_hour=16, sport="Curling"),
    )
    assert [e.code for e in upcoming_medal_events(snap, now)] == [
        "NOW",
        "AFTERNOON",
        "CURL",
        "EVENING",
    ]
    assert [e.code for e in upcoming_medal_events(snap, now, noc="nor")] == ["AFTERNOON"]
    assert [e.code for e in upcoming_medal_events(snap, now, sport="curling")] == ["CURL"]
    assert [e.code for e in upcoming_medal_events(snap, now, limit=2)] == ["NOW", "AFTERNOON"]
    late_start = msgspec.structs.replace(snap.events[1], end=now + timedelta(minutes=5))
    assert "PAST" in [
        e.code for e in upcoming_medal_events(snapshot(2, late_start), now)
    ]  # scheduled, not yet over


GAMES_DAY = snapshot(
    1,
    SKATING,
    event("SSKM1000M", name="Men's 1000m", start_hour=17),
    event("ALPMDH", sport="Alpine Skiing", name="Men's Downhill", start_hour=11),
    event("BTHXRELAY", sport="Biathlon", name="Mixed 4x6km Relay", start_hour=14),
    event("IHOW", sport="Ice Hockey", name="Women's Preliminary Round", medal_event=False),
)


def test_find_events_forgives_typos_and_fragments() -> None:
    assert [e.code for e in find_events(GAMES_DAY, "spead skating 1000")][:2] == [
        "SSKW1000M",
        "SSKM1000M",
    ]
    assert find_events(GAMES_DAY, "mens 1000")[0].code == "SSKM1000M"
    assert [e.code for e in find_events(GAMES_DAY, "downhil")] == ["ALPMDH"]
    assert [e.code for e in find_events(GAMES_DAY, "biathlon relay")] == ["BTHXRELAY"]
    assert [e.code for e in find_events(GAMES_DAY, "hocky")] == ["IHOW"]
    assert find_events(GAMES_DAY, "sskw1000m")[0].code == "SSKW1000M"
    assert find_events(GAMES_DAY, "curling") == []


def test_find_events_with_nothing_typed_lists_events_by_start() -> None:
    assert [e.code for e in find_events(GAMES_DAY, "  ", limit=3)] == [
        "IHOW",
        "ALPMDH",
        "BTHXRELAY",
    ]


def test_find_athletes_matches_individuals_and_team_members() -> None:
    snap = snapshot(
        1,
        SKATING,
        event(
            "TP",
            result("Netherlands", "NED", members=("Joy BEUNE", "Jutta LEERDAM")),
            start_hour=18,
        ),
    )
    (match,) = find_athletes(snap, "leerdm")
    assert (match.name, match.noc, match.events) == ("Jutta LEERDAM", "NED", ("SSKW1000M", "TP"))
    assert [m.name for m in find_athletes(snap, "beune")] == ["Joy BEUNE"]
    assert find_athletes(snap, "Netherlands") == []  # a team is not an athlete
    assert find_athletes(snap, "zzz") == []


def test_athlete_summary_collects_medals_team_medals_and_records() -> None:
    team = event(
        "TP",
        result(
            "Netherlands", "NED", medal=G, members=("Joy BEUNE", "Jutta LEERDAM"), records=("WR",)
        ),
        start_hour=18,
    )
    namesake = event("XX", result("Jutta LEERDAM", "BEL", medal=G), start_hour=8)
    state = state_after(snapshot(1, SKATING, team, namesake))
    summary = athlete_summary(state, "jutta leerdam", noc="NED")
    assert summary is not None
    assert (summary.name, summary.noc) == ("Jutta LEERDAM", "NED")
    assert [e.code for e in summary.events] == ["SSKW1000M", "TP"]
    assert [(m.medal.value, m.event.code) for m in summary.medals] == [
        ("gold", "SSKW1000M"),
        ("gold", "TP"),
    ]
    assert [(r.event, r.record.type) for r in summary.records] == [
        ("SSKW1000M", "OR"),
        ("TP", "WR"),
    ]
    kok = athlete_summary(state, "Femke Kok")
    assert kok is not None and [m.medal for m in kok.medals] == [S]
    assert athlete_summary(state, "Nobody") is None
