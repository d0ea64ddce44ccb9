"""The bundled samples: valid feed snapshots, and what detection makes of them end to end."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest

from medalbot.domain.alerts import Alert, CorrectionAlert, MedalAlert, MedalWon, RecordAlert
from medalbot.domain.detection import apply_snapshot
from medalbot.domain.models import EventStatus, Medal, Snapshot
from medalbot.domain.queries import upcoming_medal_events
from medalbot.domain.state import Applied, GamesState, Ignored
from medalbot.domain.table import medal_table
from medalbot.samples import SAMPLES, sample_files


def decode(path: Path) -> Snapshot:
    return msgspec.json.decode(path.read_bytes(), type=Snapshot, strict=True)


def replay(snapshots: list[Snapshot]) -> tuple[list[GamesState], list[tuple[Alert, ...]]]:
    states: list[GamesState] = []
    alerts: list[tuple[Alert, ...]] = []
    state: GamesState | None = None
    for snap in snapshots:
        outcome = apply_snapshot(state, snap)
        assert isinstance(outcome, Applied), outcome
        state = outcome.state
        states.append(state)
        alerts.append(outcome.alerts)
    return states, alerts


@pytest.mark.parametrize("name", SAMPLES)
def test_every_sample_file_is_a_valid_snapshot_in_order(name: str) -> None:
    files = sample_files(name)
    assert files == sorted(files) and all(f.suffix == ".json" for f in files)
    snapshots = [decode(f) for f in files]
    assert {s.games.code for s in snapshots} == {"OWG2026"}
    sequences = [s.sequence for s in snapshots]
    assert sequences == sorted(set(sequences))
    times = [s.generated_at for s in snapshots]
    assert times == sorted(set(times))


def test_an_unknown_sample_is_refused() -> None:
    with pytest.raises(ValueError, match="w1000m"):
        sample_files("nope")


W1000M = [decode(f) for f in sample_files("w1000m")]
GAMESDAY = [decode(f) for f in sample_files("gamesday")]


def test_the_1000m_starts_scheduled_with_the_standing_records() -> None:
    first = W1000M[0]
    (event,) = first.events
    assert (event.code, event.name, event.sport) == ("SSKW1000M", "Women's 1000m", "Speed Skating")
    assert event.status is EventStatus.SCHEDULED
    assert event.start is not None and event.start.isoformat() == "2026-02-09T16:30:00+01:00"
    assert len(event.results) >= 10
    assert len({r.competitor.noc for r in event.results}) >= 6
    assert {(r.type, r.mark, r.holder.name) for r in first.standing_records} == {
        ("OR", "1:13.19", "Miho TAKAGI"),
        ("WR", "1:11.61", "Brittany BOWE"),
    }
    assert [s.events[0].status for s in W1000M] == [
        EventStatus.SCHEDULED,
        EventStatus.RUNNING,
        EventStatus.RUNNING,
        EventStatus.UNOFFICIAL,
        EventStatus.OFFICIAL,
    ]


def test_the_1000m_end_to_end_two_olympic_records_then_one_medal_alert() -> None:
    _, alerts = replay(W1000M)
    assert [len(a) for a in alerts] == [0, 1, 1, 1, 0]

    (kok,) = alerts[1]
    assert isinstance(kok, RecordAlert)
    assert (kok.record.type, kok.record.name, kok.record.mark) == ("OR", "Femke KOK", "1:12.59")
    assert kok.record.beats is not None
    assert (kok.record.beats.mark, kok.record.beats.name, kok.record.beats.noc) == (
        "1:13.19",
        "Miho TAKAGI",
        "JPN",
    )
    assert (kok.record.beats.date, kok.record.beats.place) == ("2022-02-17", "Beijing")

    (leerdam,) = alerts[2]
    assert isinstance(leerdam, RecordAlert)
    assert (leerdam.record.name, leerdam.record.mark) == ("Jutta LEERDAM", "1:12.31")
    assert leerdam.record.beats is not None
    assert (leerdam.record.beats.mark, leerdam.record.beats.name) == ("1:12.59", "Femke KOK")
    assert leerdam.record.beats.in_this_event
    assert leerdam.record.beats.set_at == W1000M[1].generated_at

    (medals,) = alerts[3]
    assert isinstance(medals, MedalAlert)
    assert [(m.medal, m.name, m.noc, m.mark) for m in medals.medals] == [
        (Medal.GOLD, "Jutta LEERDAM", "NED", "1:12.31"),
        (Medal.SILVER, "Femke KOK", "NED", "1:12.59"),
        (Medal.BRONZE, "Miho TAKAGI", "JPN", "1:13.95"),
    ]
    assert medals.event_status is EventStatus.UNOFFICIAL


@pytest.mark.parametrize("sample", [W1000M, GAMESDAY], ids=["w1000m", "gamesday"])
def test_re_applying_any_snapshot_produces_nothing(sample: list[Snapshot]) -> None:
    states, _ = replay(sample)
    for index, snap in enumerate(sample):
        stale = apply_snapshot(states[-1], snap)
        assert isinstance(stale, Ignored) and stale.kind == "stale"
        # the same content served again under a new sequence number reveals nothing either
        again = apply_snapshot(states[index], msgspec.structs.replace(snap, sequence=10_000))
        assert isinstance(again, Applied) and again.alerts == ()


def test_the_games_day_holds_the_same_1000m() -> None:
    assert 12 <= len(GAMESDAY) <= 20
    skating = [e for s in GAMESDAY if (e := s.event("SSKW1000M")) is not None]
    assert len(skating) == len(GAMESDAY)
    # every state of the 1000m sample, in order, each shown from its moment on
    assert list(dict.fromkeys(skating)) == [s.events[0] for s in W1000M]


def games_day_alerts() -> list[Alert]:
    _, alerts = replay(GAMESDAY)
    return [alert for batch in alerts for alert in batch]


def test_the_games_day_shows_a_shared_silver_with_teams() -> None:
    (combined,) = [a for a in games_day_alerts() if a.event == "ALPMTEAMCOMB"]
    assert isinstance(combined, MedalAlert)
    assert [m.medal for m in combined.medals] == [Medal.GOLD, Medal.SILVER, Medal.SILVER]
    assert all(len(m.members) == 2 for m in combined.medals)


def test_the_games_day_shows_curling_medals_in_stages() -> None:
    curling = [a for a in games_day_alerts() if a.event == "CURXMIXDBL"]
    assert [[m.medal for m in a.medals] for a in curling if isinstance(a, MedalAlert)] == [
        [Medal.BRONZE],
        [Medal.GOLD, Medal.SILVER],
    ]


def test_the_games_day_corrects_the_short_track_medals_after_a_disqualification() -> None:
    short_track = [a for a in games_day_alerts() if a.event == "STKM1000M"]
    assert [type(a).__name__ for a in short_track] == [
        "RecordAlert",
        "RecordAlert",
        "MedalAlert",
        "CorrectionAlert",
    ]
    olympic, world, medals, correction = short_track
    assert isinstance(olympic, RecordAlert) and olympic.record.type == "OR"
    assert isinstance(world, RecordAlert) and world.record.type == "WR"
    assert world.record.beats is not None and not world.record.beats.in_this_event
    assert isinstance(correction, CorrectionAlert)
    assert correction.corrects == (medals.id,)
    withdrawn = [m for m in correction.before if isinstance(m, MedalWon)]
    assert [(m.medal, m.noc) for m in withdrawn] == [(Medal.SILVER, "CAN"), (Medal.BRONZE, "NED")]
    moved = [m for m in correction.after if isinstance(m, MedalWon)]
    assert [(m.medal, m.noc) for m in moved] == [(Medal.SILVER, "NED"), (Medal.BRONZE, "CHN")]


def test_the_games_day_announces_a_neutral_athlete_without_counting_it() -> None:
    (jumping,) = [a for a in games_day_alerts() if a.event == "SJPMNHIND"]
    assert isinstance(jumping, MedalAlert)
    assert "AIN" in {m.noc for m in jumping.medals}
    assert "AIN" not in {t.noc for t in jumping.tallies}
    assert "AIN" not in {row.noc for row in medal_table(GAMESDAY[-1])}


def test_the_games_day_ends_with_medal_events_still_to_come() -> None:
    last = GAMESDAY[-1]
    upcoming = upcoming_medal_events(last, last.generated_at)
    assert upcoming, "the demo needs scheduled events for 'what's next'"
    assert all(e.start is not None and e.start > last.generated_at for e in upcoming)
    assert upcoming_medal_events(last, last.generated_at, noc="NOR")
