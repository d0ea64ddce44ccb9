from __future__ import annotations

from medalbot.domain.detection import apply_snapshot
from medalbot.domain.models import EventStatus
from medalbot.domain.state import Applied, GamesState
from medalbot.samples import load_sample


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
