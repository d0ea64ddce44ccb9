"""What moderators type when they subscribe: sports are understood as fans' commands read them."""

from __future__ import annotations

from datetime import UTC, time

import pytest
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from msgspec.structs import replace

from medalbot.delivery.digest import DigestOutcome
from medalbot.delivery.digest_schedule import DigestSchedule
from medalbot.domain.detection import apply_snapshot
from medalbot.domain.state import Applied
from medalbot.services.errors import UserError
from medalbot.services.live import LiveState
from medalbot.services.subscriptions import SubscriptionService
from medalbot.store.memory import MemoryStore
from tests.domain.factories import event, result, snapshot


async def never(subscription_id: int) -> DigestOutcome:
    raise AssertionError(f"subscription {subscription_id} posted: no job was to run")


def service(*sports: str, digests: DigestSchedule | None = None) -> SubscriptionService:
    live = LiveState()
    if sports:
        snap = snapshot(1, *(event(f"E{i}", result("Ann"), sport=s) for i, s in enumerate(sports)))
        applied = apply_snapshot(None, snap)
        assert isinstance(applied, Applied)
        live.set(applied.state)
    # digest jobs on a scheduler that is never started: kept, never run
    jobs = digests or DigestSchedule(AsyncIOScheduler(timezone=UTC), never, concurrency=1)
    return SubscriptionService(MemoryStore(), live, max_per_guild=25, digests=jobs)


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


async def test_an_unsubscribed_subscription_leaves_its_digest_job() -> None:
    digests = DigestSchedule(AsyncIOScheduler(timezone=UTC), never, concurrency=1)
    subscriptions = service(digests=digests)
    kept, gone = [
        await subscriptions.subscribe(
            guild_id=1,
            channel_id=channel,
            noc=None,
            sport=None,
            golds_only=False,
            records=True,
            role_id=None,
        )
        for channel in (10, 11)
    ]
    for sub in (kept, gone):  # as stored subscriptions with a daily digest are at start-up
        digests.update(replace(sub, digest_time=time(8)))

    await subscriptions.unsubscribe(1, gone.id)

    assert digests.subscriptions(time(8), "UTC") == {kept.id}
    await subscriptions.unsubscribe(1, kept.id)
    assert digests.keys() == [] and digests.job(time(8), "UTC") is None
