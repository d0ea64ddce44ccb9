"""A poll routes its alerts off the event loop.

Routing an alert to 100,000 subscriptions is a few hundred milliseconds of CPU
(``python -m bench.routing_stall``): on the event loop, every slash command and the gateway
heartbeat would wait for it. These tests check that the loop keeps running while routing is
in progress, and that what is queued is what routing every subscription gives.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import TypedDict

import pytest

from medalbot.domain.alerts import Alert
from medalbot.domain.state import GamesState
from medalbot.domain.subscriptions import NewDelivery
from medalbot.feeds.native import parse_snapshot
from medalbot.samples import sample_files
from medalbot.services import polling
from medalbot.services.live import LiveState
from medalbot.services.polling import PollService
from medalbot.services.routing import Routable, deliveries_for
from medalbot.store.base import NewSubscription, OfficialEdit
from medalbot.store.memory import MemoryStore

W1000M = sample_files("w1000m")
T = datetime(2026, 2, 9, 17, 0, tzinfo=UTC)
LOOP_DEADLINE_S = 10.0  # only reached when the loop cannot run: the product is broken


class RecordingStore(MemoryStore):
    """Keeps the outbox rows of each commit, as queued."""

    def __init__(self) -> None:
        super().__init__()
        self.queued: list[NewDelivery] = []

    async def commit_snapshot(
        self,
        state: GamesState,
        alerts: Sequence[Alert],
        deliveries: Sequence[NewDelivery],
        now: datetime,
        official: Sequence[OfficialEdit] = (),
    ) -> None:
        await super().commit_snapshot(state, alerts, deliveries, now, official)
        self.queued.extend(deliveries)


class RoutingOptions(TypedDict, total=False):
    noc: str
    sport: str
    golds_only: bool


async def store_before_the_medals() -> RecordingStore:
    """Up to LEERDAM's record, with subscriptions of every kind; the next snapshot (the
    medals: LEERDAM, KOK, TAKAGI) is routed to most of them."""
    store = RecordingStore()
    service = PollService(store, LiveState())
    for file in W1000M[:3]:
        await service.apply(parse_snapshot(file.read_bytes()))
    options: list[RoutingOptions] = [
        {},
        {"noc": "NED"},
        {"noc": "USA"},
        {"sport": "Biathlon"},
        {"golds_only": True, "noc": "JPN"},
        {"golds_only": True},
    ]
    for i in range(300):
        sub = NewSubscription(guild_id=1 + i // 25, channel_id=1000 + i // 2, **options[i % 6])
        await store.add_subscription(sub, T, 25)
    await store.pause_subscriptions(1000, "403 Missing Access")
    return store


async def test_the_event_loop_runs_while_a_poll_routes(monkeypatch: pytest.MonkeyPatch) -> None:
    store = await store_before_the_medals()
    loop = asyncio.get_running_loop()
    loop_ran = threading.Event()
    waited: list[bool] = []

    def routing_that_needs_the_loop(
        alerts: Sequence[Alert], subscriptions: Iterable[Routable]
    ) -> list[NewDelivery]:
        # The loop runs this callback only if it is free while routing is in progress: routed
        # on the loop, the wait runs out instead.
        loop.call_soon_threadsafe(loop_ran.set)
        waited.append(loop_ran.wait(LOOP_DEADLINE_S))
        return deliveries_for(alerts, subscriptions)

    monkeypatch.setattr(polling, "deliveries_for", routing_that_needs_the_loop)

    report = await PollService(store, LiveState()).apply(parse_snapshot(W1000M[3].read_bytes()))

    assert waited == [True], "the event loop did not run while the alert was routed"
    assert report.outcome == "applied" and len(report.alerts) == 1


async def test_a_poll_queues_what_routing_every_subscription_gives() -> None:
    store = await store_before_the_medals()

    report = await PollService(store, LiveState()).apply(parse_snapshot(W1000M[3].read_bytes()))

    expected = deliveries_for(report.alerts, await store.list_subscriptions())
    # two subscriptions a channel, some wanting none of it, the paused channel's none at all
    assert 0 < len(expected) < 150
    assert store.queued == expected
    assert report.deliveries == len(expected)
