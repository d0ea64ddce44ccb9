"""Shared by the benchmarks whose Discord emulator runs in a process of its own (fanout,
fanout_limits, latency): that process, its control API, and the real bot pointed at it.

The emulator runs apart (as Discord would: its CPU is not the bot's) with the servers it is
given: ``scale.guilds`` servers of ``scale.per_guild`` text channels, or a layout of named
servers of their own sizes. The bench talks to it over a small HTTP control API:
``POST /medals`` (a fan asks /medals), ``GET /messages`` (the bot's alert messages, counted),
``GET /posts`` (each message created: when, and in which channel), ``GET /rate_limits`` (429s by
scope, invalid requests, the busiest second) and ``POST /stop``.

Both processes read the same system-wide monotonic clock (CLOCK_MONOTONIC on Linux), so the
emulator's request times compare with the bench's ``time.monotonic()``.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import logging
import multiprocessing
import re
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Final

import aiohttp
from aiohttp import web
from discord_emulator import Emulator, EmulatorConfig, StoredMessage, point_discord_at
from discord_emulator.app import TOKENLESS

from medalbot.app import build_bot, close_bot
from medalbot.client import MedalBot
from medalbot.config import (
    DeliverySettings,
    DiscordSettings,
    FeedSettings,
    Settings,
    StoreSettings,
)
from medalbot.feeds.server import ReplayFeedServer
from medalbot.ops.settings import OpsSettings
from medalbot.samples import sample_files
from medalbot.store import open_store
from tests.rigs.botprocess import Scale, add_servers, subscribe_everywhere

DISCORD_GLOBAL_LIMIT: Final = EmulatorConfig().global_rate_limit  # 50 requests/s
MESSAGE_CREATE: Final = re.compile(r"^/channels/(\d+)/messages$")

Layout = Sequence[tuple[str, int]]  # servers as (name, text channels)


@dataclass(frozen=True)
class RemoteEmulator:
    api_base: str
    gateway_url: str
    token: str
    control: str  # the control API's base URL
    channels: dict[int, list[int]]  # channel ids by guild id, in the layout's order


# The emulator's process ---------------------------------------------------------------------


def _emulator_process(reply: Connection, layout: Layout, global_rate_limit: int) -> None:
    """Run the emulator and its control API until told to stop."""
    logging.disable(logging.WARNING)
    asyncio.run(_serve_emulator(reply, layout, global_rate_limit))


def _alert_messages(emulator: Emulator) -> list[StoredMessage]:
    bot_id = emulator.bot_user.id
    return [
        m for m in emulator.core.store.all() if m.author.id == bot_id and m.interaction_id is None
    ]


def _posts(emulator: Emulator) -> list[tuple[float, int]]:
    """Each message create answered 200: when (the emulator's monotonic time), which channel."""
    found = []
    for r in emulator.requests_to("POST", "/messages"):
        match = MESSAGE_CREATE.match(r.path)
        if match and r.status == 200:
            found.append((r.at, int(match.group(1))))
    return found


def _peak_per_second(emulator: Emulator) -> int:
    """The most requests under the global limit that arrived within any one second."""
    arrived = sorted(r.at for r in emulator.core.requests.entries if not TOKENLESS.match(r.path))
    return max(
        (bisect.bisect_left(arrived, at + 1.0) - i for i, at in enumerate(arrived)), default=0
    )


async def _serve_emulator(reply: Connection, layout: Layout, global_rate_limit: int) -> None:
    async with Emulator(EmulatorConfig(global_rate_limit=global_rate_limit)) as emulator:
        world = emulator.world
        channels = add_servers(world, layout)
        first_guild = next(iter(channels))
        fan = world.add_member(world.guilds[first_guild], "fan")
        asked_in = world.channel(channels[first_guild][0])
        assert asked_in is not None
        stopped = asyncio.Event()

        async def medals(_request: web.Request) -> web.Response:
            result = await emulator.invoke("/medals", member=fan, channel=asked_in, timeout=10.0)
            title = result.embeds[0].get("title") if result.embeds else None
            return web.json_response({"latency_s": result.response_latency, "title": title})

        async def messages(_request: web.Request) -> web.Response:
            alerts = _alert_messages(emulator)
            times = [at for at, _ in _posts(emulator)]
            sample = alerts[0] if alerts else None
            return web.json_response(
                {
                    "alerts": len(alerts),
                    "channels": len({m.channel_id for m in alerts}),
                    "embeds": sum(len(m.embeds) for m in alerts),
                    "first_post_at": min(times, default=None),
                    "last_post_at": max(times, default=None),
                    "sample": None
                    if sample is None
                    else {"content": sample.content, "embeds": list(sample.embeds)},
                }
            )

        async def posts(_request: web.Request) -> web.Response:
            return web.json_response({"posts": _posts(emulator)})

        async def rate_limits(_request: web.Request) -> web.Response:
            return web.json_response(
                {
                    "by_scope": emulator.rate_limited,
                    "invalid": emulator.invalid_requests,
                    "requests": len(emulator.core.requests),
                    "peak_per_second": _peak_per_second(emulator),
                }
            )

        async def stop(_request: web.Request) -> web.Response:
            stopped.set()
            return web.json_response({})

        app = web.Application()
        app.router.add_post("/medals", medals)
        app.router.add_get("/messages", messages)
        app.router.add_get("/posts", posts)
        app.router.add_get("/rate_limits", rate_limits)
        app.router.add_post("/stop", stop)
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        reply.send(
            RemoteEmulator(
                api_base=emulator.api_base,
                gateway_url=emulator.gateway_url,
                token=emulator.token,
                control=f"http://127.0.0.1:{runner.addresses[0][1]}",
                channels=channels,
            )
        )
        try:
            await stopped.wait()
        finally:
            await runner.cleanup()


@contextlib.asynccontextmanager
async def remote_emulator(
    servers: Scale | Layout, *, global_rate_limit: int = DISCORD_GLOBAL_LIMIT
) -> AsyncIterator[RemoteEmulator]:
    """An emulator in a process of its own (Discord's global limit unless told otherwise) with
    ``servers``: a scale of "Fan server N"s, or a layout; a fan (/medals) in the first one."""
    layout = servers.layout("Fan server") if isinstance(servers, Scale) else list(servers)
    context = multiprocessing.get_context("spawn")  # a fresh interpreter, no inherited loop
    ours, theirs = context.Pipe(duplex=False)
    process = context.Process(
        target=_emulator_process, args=(theirs, layout, global_rate_limit), name="emulator"
    )
    process.start()
    remote: RemoteEmulator | None = None
    try:
        deadline = time.monotonic() + 120
        while not ours.poll(0):
            if not process.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the emulator process did not start ({process.exitcode=})")
            await asyncio.sleep(0.1)
        remote = ours.recv()
        assert remote is not None
        yield remote
    finally:
        if remote is not None:
            with contextlib.suppress(aiohttp.ClientError):
                await control(remote, "/stop", method="POST")
        await asyncio.to_thread(process.join, 10)
        if process.is_alive():
            process.terminate()
            await asyncio.to_thread(process.join)


async def control(remote: RemoteEmulator, path: str, *, method: str = "GET") -> Any:
    """Ask the control API; its JSON answer."""
    async with (
        aiohttp.ClientSession() as http,
        http.request(method, remote.control + path) as response,
    ):
        response.raise_for_status()
        return await response.json()


# The bot's process --------------------------------------------------------------------------


async def subscribe_every_channel(store_url: str, channels: Mapping[int, Sequence[int]]) -> float:
    """One subscription to everything in every channel, through the store; seconds taken."""
    started = time.perf_counter()
    store = await open_store(store_url)
    try:
        await subscribe_everywhere(store, channels, datetime.now(UTC))
    finally:
        await store.close()
    return time.perf_counter() - started


async def until(predicate: Callable[[], bool], timeout: float, what: str) -> None:  # noqa: ASYNC109
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not within {timeout} s")
        await asyncio.sleep(0.01)


@contextlib.asynccontextmanager
async def running_bot(
    remote: RemoteEmulator,
    *,
    store_url: str,
    feed_url: str,
    delivery: DeliverySettings,
    poll_interval: float = 0.1,
    prepare: Callable[[MedalBot], Awaitable[None]] | None = None,
) -> AsyncIterator[MedalBot]:
    """The real bot (one native feed polled every ``poll_interval``) connected to ``remote``
    and ready; ``prepare`` runs on the built bot before it starts."""
    patch = point_discord_at(remote.api_base, remote.gateway_url)
    settings = Settings(
        discord=DiscordSettings(
            api_base=remote.api_base, gateway_url=remote.gateway_url, guild_ready_timeout=0.5
        ),
        store=StoreSettings(url=store_url),
        delivery=delivery,
        ops=OpsSettings(enabled=False),
        feeds=[FeedSettings(name="replay", url=feed_url, interval=poll_interval, jitter=0.0)],
    )
    bot = await build_bot(settings)
    running: asyncio.Task[None] | None = None
    try:
        if prepare is not None:
            await prepare(bot)
        await bot.__aenter__()  # sets up the client's asyncio objects before start()
        running = asyncio.create_task(bot.start(remote.token))
        await asyncio.wait_for(bot.wait_until_ready(), timeout=120)
        yield bot
    finally:
        await close_bot(bot)
        if running is not None:
            await asyncio.wait({running}, timeout=10)
        patch.undo()


# The fan-out benchmarks' set-up -------------------------------------------------------------


@dataclass(frozen=True)
class FanOut:
    emulator: RemoteEmulator
    feed: ReplayFeedServer  # the women's 1000 m, at its first snapshot
    bot: MedalBot
    subscribe_s: float  # how long subscribing every channel took


@contextlib.asynccontextmanager
async def fan_out_rig(
    scale: Scale,
    *,
    delivery: DeliverySettings,
    global_rate_limit: int = DISCORD_GLOBAL_LIMIT,
    prepare: Callable[[MedalBot, ReplayFeedServer], Awaitable[None]] | None = None,
) -> AsyncIterator[FanOut]:
    """The emulator with ``scale``'s servers, every channel subscribed to everything (SQLite),
    and the real bot reading a replay of the women's 1000 m, whose second snapshot (KOK's
    Olympic record) makes one alert for every channel; ``prepare(bot, feed)`` runs before the
    bot starts."""
    async with (
        remote_emulator(scale, global_rate_limit=global_rate_limit) as emulator,
        ReplayFeedServer(sample_files("w1000m")) as feed,
    ):
        with tempfile.TemporaryDirectory() as tmp:
            store_url = f"sqlite:///{Path(tmp) / 'fanout.db'}"
            subscribe_s = await subscribe_every_channel(store_url, emulator.channels)

            async def prepared(bot: MedalBot) -> None:
                if prepare is not None:
                    await prepare(bot, feed)

            async with running_bot(
                emulator,
                store_url=store_url,
                feed_url=feed.url,
                delivery=delivery,
                prepare=prepared,
            ) as bot:
                yield FanOut(emulator, feed, bot, subscribe_s)
