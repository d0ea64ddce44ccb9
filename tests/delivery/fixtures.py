"""Small builders shared by the delivery tests."""

from __future__ import annotations

from datetime import UTC, datetime

from medalbot.domain.models import GamesInfo, Snapshot
from medalbot.domain.state import GamesState


def minimal_state(sequence: int) -> GamesState:
    snapshot = Snapshot(
        format="medalbot.feed/1",
        games=GamesInfo(code="OWG2026", name="Milano Cortina 2026"),
        sequence=sequence,
        generated_at=datetime(2026, 2, 9, 16, sequence, tzinfo=UTC),
        events=(),
    )
    return GamesState(snapshot=snapshot, ledger={})
