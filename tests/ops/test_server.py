"""A real OpsServer on a free loopback port, queried with an aiohttp client."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest
from prometheus_client import CONTENT_TYPE_LATEST

from medalbot.ops.health import GatewayState, HealthReport, assess_health
from medalbot.ops.metrics import BotMetrics
from medalbot.ops.server import OpsServer
from medalbot.ops.settings import HealthPolicy
from medalbot.services.polling import PollReport
from medalbot.store.base import OutboxStats
from tests.ops.promtext import value

START = datetime(2026, 2, 9, 9, 0, tzinfo=UTC)
NOW = START + timedelta(hours=1)


HealthCheck = Callable[[], Awaitable[HealthReport]]


def report_with(
    *, gateway_down_for: float | None = None, outbox_age: float | None = None
) -> HealthCheck:
    def health() -> HealthReport:
        gateway = (
            GatewayState(connected=True, since=START)
            if gateway_down_for is None
            else GatewayState(connected=False, since=NOW - timedelta(seconds=gateway_down_for))
        )
        oldest = None if outbox_age is None else NOW - timedelta(seconds=outbox_age)
        return assess_health(
            now=NOW,
            started_at=START,
            feeds=[],
            gateway=gateway,
            outbox=OutboxStats(pending=3, oldest_pending_at=oldest, sent=0, failed=0),
            policy=HealthPolicy(),
        )

    async def check() -> HealthReport:
        return health()

    return check


Running = Callable[..., Awaitable[tuple[OpsServer, aiohttp.ClientSession]]]


@pytest.fixture
async def running() -> AsyncIterator[Running]:
    servers: list[OpsServer] = []
    async with aiohttp.ClientSession() as session:

        async def start(server: OpsServer) -> tuple[OpsServer, aiohttp.ClientSession]:
            await server.start()
            servers.append(server)
            return server, session

        yield start
        for server in servers:
            await server.stop()


async def get_json(session: aiohttp.ClientSession, url: str) -> tuple[int, Any]:
    async with session.get(url) as response:
        assert response.content_type == "application/json"
        return response.status, await response.json()


@pytest.mark.parametrize(
    ("health", "http_status", "status"),
    [
        (report_with(), 200, "ok"),
        (report_with(outbox_age=120), 200, "degraded"),
        (report_with(gateway_down_for=3600), 503, "failing"),
    ],
)
async def test_healthz_answers_with_the_status_and_its_details(
    running: Running, health: HealthCheck, http_status: int, status: str
) -> None:
    server, session = await running(OpsServer(BotMetrics(), health, "127.0.0.1", 0))
    code, body = await get_json(session, f"{server.url}/healthz")
    assert code == http_status
    assert body["status"] == status
    assert body["outbox"]["pending"] == 3
    assert set(body) == {
        "status",
        "checked_at",
        "problems",
        "feeds",
        "gateway",
        "outbox",
        "store",
        "cluster",
    }
    assert (body["problems"] == []) == (status == "ok")


async def test_a_health_check_that_raises_is_failing(running: Running) -> None:
    async def broken() -> HealthReport:
        raise RuntimeError("boom")

    server, session = await running(OpsServer(BotMetrics(), broken, "127.0.0.1", 0))
    code, body = await get_json(session, f"{server.url}/healthz")
    assert code == 503
    assert body["status"] == "failing"


async def test_metrics_are_refreshed_and_rendered_for_prometheus(running: Running) -> None:
    metrics = BotMetrics()
    metrics.observe_poll(PollReport(feed="main", outcome="unchanged"), NOW)
    refreshed: list[int] = []

    async def refresh() -> None:
        refreshed.append(1)
        stats = OutboxStats(pending=len(refreshed) * 10, oldest_pending_at=None, sent=0, failed=0)
        metrics.set_outbox(stats, NOW)

    server, session = await running(
        OpsServer(metrics, report_with(), "127.0.0.1", 0, refresh=refresh)
    )
    for scrape in (1, 2):
        async with session.get(f"{server.url}/metrics") as response:
            assert response.status == 200
            assert response.headers["Content-Type"] == CONTENT_TYPE_LATEST
            text = await response.text()
        # Each scrape sees the outbox as it is at that moment.
        assert value(text, "medalbot_outbox_pending") == scrape * 10
    assert value(text, "medalbot_feed_polls_total", feed="main", outcome="unchanged") == 1


async def test_metrics_are_served_even_when_the_refresh_fails(running: Running) -> None:
    async def refresh() -> None:
        raise OSError("database is locked")

    metrics = BotMetrics()
    metrics.observe_poll(PollReport(feed="main", outcome="unchanged"), NOW)
    server, session = await running(
        OpsServer(metrics, report_with(), "127.0.0.1", 0, refresh=refresh)
    )
    async with session.get(f"{server.url}/metrics") as response:
        assert response.status == 200
        text = await response.text()
    assert value(text, "medalbot_feed_polls_total", feed="main", outcome="unchanged") == 1


async def test_port_zero_binds_a_free_port_and_stop_releases_it() -> None:
    server = OpsServer(BotMetrics(), report_with(), "127.0.0.1", 0)
    with pytest.raises(RuntimeError):
        _ = server.port
    await server.start()
    port = server.port
    assert port > 0
    await server.stop()
    async with aiohttp.ClientSession() as session:
        with pytest.raises(aiohttp.ClientConnectionError):
            await session.get(f"http://127.0.0.1:{port}/healthz")
