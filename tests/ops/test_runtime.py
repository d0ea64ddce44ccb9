from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest

from medalbot.delivery.sender import SenderStats
from medalbot.ops.runtime import OpsRuntime
from medalbot.ops.settings import OpsSettings
from medalbot.services.polling import PollReport
from medalbot.store.memory import MemoryStore
from tests.ops.promtext import value

NOW = datetime(2026, 2, 9, 12, 0, tzinfo=UTC)


async def test_a_running_bot_is_visible_through_the_endpoint() -> None:
    sender = SenderStats()
    ops = OpsRuntime(
        OpsSettings(port=0, loop_lag_interval=0.01),
        store=MemoryStore(),
        feeds=[("main", 5.0)],
        sender_stats=lambda: sender,
        clock=lambda: NOW,
    )
    await ops.start()
    try:
        await asyncio.wait_for(ops.loop_lag.next_measurement(), timeout=2)
        async with aiohttp.ClientSession() as session:
            async with session.get(f"{ops.server.url}/healthz") as response:
                body = await response.json()
            # Not connected to the gateway yet, but within its grace.
            assert (response.status, body["status"]) == (200, "degraded")

            ops.gateway.connected(None, NOW)
            ops.metrics.observe_poll(PollReport(feed="main", outcome="unchanged"), NOW)
            sender.sent, sender.messages = 4, 2
            async with session.get(f"{ops.server.url}/healthz") as response:
                body = await response.json()
            assert (response.status, body["status"]) == (200, "ok")
            async with session.get(f"{ops.server.url}/metrics") as response:
                text = await response.text()
    finally:
        await ops.stop()

    assert value(text, "medalbot_deliveries_total", result="sent") == 4
    assert value(text, "medalbot_messages_sent_total") == 2
    assert value(text, "medalbot_outbox_pending") == 0
    assert value(text, "medalbot_feed_polls_total", feed="main", outcome="failed") == 0
    lag_samples = value(text, "medalbot_event_loop_lag_distribution_seconds_count")
    assert lag_samples is not None and lag_samples >= 1


async def test_a_disabled_endpoint_does_not_listen() -> None:
    ops = OpsRuntime(OpsSettings(enabled=False, port=0), store=MemoryStore(), feeds=[])
    await ops.start()
    with pytest.raises(RuntimeError, match="not running"):
        _ = ops.server.url
    await ops.stop()


class Outage:
    def __init__(self) -> None:
        self.down = False
        self.since: datetime | None = None
        self.reason: str | None = None
        self.outages = 0


async def test_the_endpoint_shows_the_process_part_in_the_cluster_and_the_database() -> None:
    ops = OpsRuntime(OpsSettings(port=0), store=MemoryStore(), feeds=[("main", 5.0), ("para", 5.0)])
    outage = Outage()
    ops.watch_store(outage)
    ops.cluster.instance_id = lambda: 3
    ops.cluster.leads = lambda feed: feed == "main"
    limit: dict[str, object] = {
        "shared": True,
        "rate": 40.0,
        "share": 40.0,
        "processes": 3,
        "error": None,
    }
    ops.cluster.rate_limit = lambda: limit
    ops.gateway.connected(0, NOW)
    await ops.start()
    try:
        async with aiohttp.ClientSession() as session:

            async def scrape() -> tuple[dict[str, Any], str]:
                async with session.get(f"{ops.server.url}/healthz") as response:
                    body = await response.json()
                async with session.get(f"{ops.server.url}/metrics") as response:
                    return body, await response.text()

            body, text = await scrape()
            assert body["cluster"]["instance_id"] == 3
            assert (body["cluster"]["polls"], body["cluster"]["follows"]) == (["main"], ["para"])
            assert body["cluster"]["rate_limit"]["mode"] == "shared"
            assert [f["role"] for f in body["feeds"]] == ["leader", "follower"]
            assert body["store"]["reachable"] is True
            assert value(text, "medalbot_instance_info", instance_id="3") == 1
            assert value(text, "medalbot_feed_leader", feed="main") == 1
            assert value(text, "medalbot_feed_leader", feed="para") == 0
            assert value(text, "medalbot_global_rate_limit_mode", mode="shared") == 1
            assert value(text, "medalbot_global_rate_limit_mode", mode="fallback") == 0
            assert value(text, "medalbot_global_rate_limit_share_per_second") == 40
            assert value(text, "medalbot_store_up") == 1
            assert value(text, "medalbot_outbox_pending") == 0

            # the database goes away: the limit falls back to its share, the store is down
            limit = {**limit, "shared": False, "share": 40 / 3, "error": "OSError: refused"}
            outage.down, outage.since, outage.outages = True, NOW, 1
            outage.reason = "claiming deliveries: connection was closed"
            async with session.get(f"{ops.server.url}/healthz") as response:
                assert response.status == 503
            body, text = await scrape()
            assert body["status"] == "failing"
            assert body["store"]["error"] == "claiming deliveries: connection was closed"
            assert body["cluster"]["rate_limit"]["mode"] == "fallback"
            assert value(text, "medalbot_store_up") == 0
            assert value(text, "medalbot_store_outages_total") == 1
            assert value(text, "medalbot_global_rate_limit_mode", mode="fallback") == 1
            assert value(text, "medalbot_global_rate_limit_share_per_second") == pytest.approx(
                40 / 3
            )
    finally:
        await ops.stop()
