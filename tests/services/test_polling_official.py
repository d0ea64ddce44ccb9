"""Which events a poll reports as newly official, so that their alert messages get edited."""

from __future__ import annotations

import msgspec

from medalbot.domain.alerts import MedalAlert
from medalbot.domain.models import EventStatus
from medalbot.domain.state import GamesState
from medalbot.samples import load_sample
from medalbot.services.live import LiveState
from medalbot.services.polling import PollReport, PollService, newly_official
from medalbot.store.memory import MemoryStore

EVENT = "SSKW1000M"


async def _replay_w1000m() -> tuple[list[PollReport], list[GamesState]]:
    """Every report, and the state after each snapshot."""
    live = LiveState()
    service = PollService(MemoryStore(), live)
    reports, states = [], []
    for snapshot in load_sample("w1000m"):
        reports.append(await service.apply(snapshot))
        assert live.current is not None
        states.append(live.current)
    return reports, states


def _with_event(state: GamesState, **changes: object) -> GamesState:
    ledger = msgspec.structs.replace(state.ledger[EVENT], **changes)
    return msgspec.structs.replace(state, ledger={**state.ledger, EVENT: ledger})


async def test_the_official_snapshot_reports_the_event_with_its_medal_alerts() -> None:
    reports, states = await _replay_w1000m()

    medal_alerts = [a.id for r in reports for a in r.alerts if isinstance(a, MedalAlert)]
    assert medal_alerts  # the podium was announced while unofficial
    assert [r.became_official for r in reports[:4]] == [()] * 4
    [official] = reports[4].became_official
    assert (official.games, official.event) == (states[4].games_code, EVENT)
    assert official.alert_ids == tuple(medal_alerts)


async def test_nothing_to_edit_without_an_earlier_state_or_when_already_official() -> None:
    _, states = await _replay_w1000m()
    unofficial, official = states[3], states[4]

    assert newly_official(None, official) == ()  # nothing announced before it
    assert newly_official(official, official) == ()  # official before: edited already
    assert newly_official(unofficial, unofficial) == ()
    assert [e.event for e in newly_official(unofficial, official)] == [EVENT]


async def test_medals_first_shown_with_the_official_result_need_no_edit() -> None:
    _, states = await _replay_w1000m()
    # The event was running, without medals, and the next snapshot shows it official with them.
    running = _with_event(states[3], medals=(), status=EventStatus.RUNNING)

    assert newly_official(running, states[4]) == ()


async def test_a_protested_result_that_becomes_official_is_reported() -> None:
    _, states = await _replay_w1000m()
    protested = _with_event(states[3], status=EventStatus.PROTESTED)

    assert [e.event for e in newly_official(protested, states[4])] == [EVENT]
