from __future__ import annotations

import msgspec

from medalbot.domain.detection import apply_snapshot
from medalbot.domain.models import EventStatus
from medalbot.domain.queries import StatusTime, status_time
from medalbot.domain.state import Applied, GamesState
from medalbot.samples import load_sample
from tests.domain import factories as f


def test_the_ledger_remembers_since_when_an_event_has_its_status() -> None:
    state: GamesState | None = None
    seen: list[tuple[EventStatus | None, object]] = []
    for snapshot in load_sample("w1000m"):
        outcome = apply_snapshot(state, snapshot)
        assert isinstance(outcome, Applied)
        state = outcome.state
        ledger = state.ledger["SSKW1000M"]
        seen.append((ledger.status, ledger.status_since))
    snapshots = load_sample("w1000m")
    # running for two snapshots: the time stays that of the first running one
    running = [since for status, since in seen if status is EventStatus.RUNNING]
    assert running and set(running) == {snapshots[1].generated_at}
    assert seen[-1] == (EventStatus.OFFICIAL, snapshots[-1].generated_at)


def test_an_event_missing_from_one_snapshot_keeps_the_status_it_was_last_seen_with() -> None:
    running = f.event("E1", f.result("Ann", "NED", rank=1, mark="1:12.00"))
    other = f.event("E2")
    state: GamesState | None = None
    for snap in (
        f.snapshot(1, running, other),
        f.snapshot(2, other),
        f.snapshot(3, running, other),
    ):
        outcome = apply_snapshot(state, snap)
        assert isinstance(outcome, Applied)
        state = outcome.state
        ledger = state.ledger["E1"]
        # running since the first snapshot that showed it, a gap in the feed notwithstanding
        assert (ledger.status, ledger.status_since) == (
            EventStatus.RUNNING,
            f.snapshot(1).generated_at,
        )


def test_since_when_says_whether_the_bot_saw_the_change_the_feed_said_or_it_read_it_late() -> None:
    snapshots = load_sample("w1000m")
    state: GamesState | None = None
    for snapshot in snapshots:
        outcome = apply_snapshot(state, snapshot)
        assert isinstance(outcome, Applied)
        state = outcome.state
    assert state is not None
    event = state.snapshot.event("SSKW1000M")
    assert event is not None and event.end is not None
    # read from the start: the bot saw it become official, at the feed's clock of that snapshot
    assert status_time(event, state.ledger["SSKW1000M"]) == StatusTime(
        snapshots[-1].generated_at, "seen"
    )

    # a bot started once it was over: the feed's end time, said to be the feed's
    late = apply_snapshot(None, snapshots[-1])
    assert isinstance(late, Applied)
    ledger = late.state.ledger["SSKW1000M"]
    assert ledger.status_since == snapshots[-1].generated_at and not ledger.status_change_seen
    assert status_time(event, ledger) == StatusTime(event.end, "feed", "end")

    # and without an end time: when it first read it, said to be no more than that
    no_end = msgspec.structs.replace(event, end=None)
    assert status_time(no_end, ledger) == StatusTime(snapshots[-1].generated_at, "first_read")
