"""Rules every store applies the same way, whether a database constraint or Python enforces them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from medalbot.domain.alerts import Alert
from medalbot.domain.state import GamesState

MAX_NONCE_LENGTH: Final = 25  # Discord's limit for enforce_nonce


def check_commit_batch(state: GamesState, alerts: Sequence[Alert]) -> None:
    """Alerts are logged per Games, so a batch must belong to the Games whose state it saves."""
    strangers = sorted({a.id for a in alerts if a.games != state.games_code})
    if strangers:
        raise ValueError(f"alerts {strangers} do not belong to Games {state.games_code!r}")
    ids = [a.id for a in alerts]
    if len(set(ids)) != len(ids):
        raise ValueError(f"the batch repeats an alert id: {ids}")
