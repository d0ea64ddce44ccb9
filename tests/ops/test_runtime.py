from __future__ import annotations

import asyncio
from datetime import UTC, datetime

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
