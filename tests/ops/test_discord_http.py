"""The trace config against a real aiohttp server standing in for Discord."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from prometheus_client import generate_latest

from medalbot.ops.metrics import BotMetrics
from tests.ops.fakes import FakeClock
from tests.ops.promtext import value


async def fake_discord(request: web.Request) -> web.Response:
    status = int(request.match_info["status"])
    headers = {}
    scope = request.query.get("scope")
    if scope:
        headers["X-RateLimit-Scope"] = scope
    return web.json_response({"message": "test"}, status=status, headers=headers)


@pytest.fixture
async def discord_url() -> AsyncIterator[str]:
    app = web.Application()
    app.router.add_route("*", "/status/{status}", fake_discord)
    async with TestServer(app, host="127.0.0.1") as server:
        yield str(server.make_url("/status"))


async def call(metrics: BotMetrics, base: str, *paths: str) -> None:
    async with aiohttp.ClientSession(trace_configs=[metrics.discord_trace_config()]) as session:
        for path in paths:
            method, _, rest = path.partition(" ")
            async with session.request(method, f"{base}/{rest}") as response:
                await response.read()


async def test_counts_requests_429_scopes_and_invalid_requests(discord_url: str) -> None:
    metrics = BotMetrics()
    await call(
        metrics,
        discord_url,
        "GET 200",
        "POST 200",
        "POST 403",
        "POST 401",
        "POST 429?scope=shared",  # a shared limit: not our fault, not counted as invalid
        "POST 429?scope=user",
        "POST 429?scope=global",
        "GET 429",  # no scope header: likely Cloudflare
        "GET 404",
    )
    text = generate_latest(metrics.registry).decode()
    assert value(text, "medalbot_discord_requests_total", method="GET", status="200") == 1
    assert value(text, "medalbot_discord_requests_total", method="POST", status="200") == 1
    assert value(text, "medalbot_discord_requests_total", method="POST", status="429") == 3
    assert value(text, "medalbot_discord_requests_total", method="GET", status="404") == 1
    assert value(text, "medalbot_discord_429_total", scope="shared") == 1
    assert value(text, "medalbot_discord_429_total", scope="user") == 1
    assert value(text, "medalbot_discord_429_total", scope="global") == 1
    assert value(text, "medalbot_discord_429_total", scope="unknown") == 1
    # 403, 401 and the user, global and unscoped 429s; not the shared 429, not the 404.
    assert value(text, "medalbot_discord_invalid_requests_10m") == 5


async def test_invalid_requests_leave_the_count_after_ten_minutes(discord_url: str) -> None:
    clock = FakeClock()
    metrics = BotMetrics(monotonic=clock)
    await call(metrics, discord_url, "POST 403", "POST 429?scope=user")
    clock.now += 300
    await call(metrics, discord_url, "POST 403")
    assert metrics.invalid_requests() == 3

    clock.now += 301  # the first two are now more than ten minutes old
    text = generate_latest(metrics.registry).decode()
    assert value(text, "medalbot_discord_invalid_requests_10m") == 1
    clock.now += 300
    assert metrics.invalid_requests() == 0
    # The request counters are totals and keep every request.
    assert (
        value(
            generate_latest(metrics.registry).decode(),
            "medalbot_discord_requests_total",
            method="POST",
            status="403",
        )
        == 2
    )


async def test_a_request_without_response_counts_as_an_error() -> None:
    async def hang_up(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()

    metrics = BotMetrics()
    server = await asyncio.start_server(hang_up, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        with pytest.raises(aiohttp.ClientConnectionError):
            await call(metrics, f"http://127.0.0.1:{port}", "GET hangs-up")
    text = generate_latest(metrics.registry).decode()
    assert value(text, "medalbot_discord_requests_total", method="GET", status="error") == 1
