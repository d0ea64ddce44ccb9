"""What moderators type when they subscribe: sports are understood as fans' commands read them."""

from __future__ import annotations

import pytest

from medalbot.domain.detection import apply_snapshot
from medalbot.domain.state import Applied
from medalbot.services.errors import UserError
from medalbot.services.live import LiveState
from medalbot.services.subscriptions import SubscriptionService
from medalbot.store.memory import MemoryStore
from tests.domain.factories import event, result, snapshot


def service(*sports: str) -> SubscriptionService:
    live = LiveState()
    if sports:
        snap = snapshot(1, *(event(f"E{i}", result("Ann"), sport=s) for i, s in enumerate(sports)))
        applied = apply_snapshot(None, snap)
        assert isinstance(applied, Applied)
        live.set(applied.state)
    return SubscriptionService(MemoryStore(), live, max_per_guild=25)


@pytest.mark.parametrize(
    "typed", ["Speed Skating", "speed skating", "speed-skating", "Speed Skáting"]
)
def test_a_sport_is_taken_as_the_feed_names_it(typed: str) -> None:
    assert service("Speed Skating", "Curling").normalise_sport(typed) == "Speed Skating"


def test_a_mistyped_sport_is_refused_with_suggestions() -> None:
    with pytest.raises(UserError) as refused:
        service("Speed Skating", "Curling").normalise_sport("Curlin")
    assert refused.value.message == (
        "There is no sport called “Curlin” at these Games. Did you mean Curling?"
    )


@pytest.mark.parametrize("typed", [None, "", "all", "*"])
def test_all_sports(typed: str | None) -> None:
    assert service("Curling").normalise_sport(typed) is None


def test_before_the_first_snapshot_a_sport_is_kept_as_typed() -> None:
    assert service().normalise_sport(" Biathlon ") == "Biathlon"
