"""Shared by the fan-out benchmarks: the Discord emulator in a process of its own, its control
API, and the real bot pointed at it.

The emulator runs apart (as Discord would: its CPU is not the bot's) with ``scale.guilds``
servers of ``scale.per_guild`` text channels. The bench talks to it over a small HTTP control
API: ``POST /medals`` (a fan asks /medals), ``GET /messages`` (the bot's alert messages),
``GET /rate_limits`` (429s by scope, invalid requests, the busiest second) and ``POST /stop``.

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
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from typing import Any, Final

import aiohttp
from aiohttp import web

from medalbot.bot import MedalBot, build_bot, close_bot
from medalbot.config import (
    DeliverySettings,
    DiscordSettings,
    FeedSettings,
    Settings,
    StoreSettings,
)
from medalbot.emulator import Emulator, EmulatorConfig, StoredMessage, point_discord_at
from medalbot.emulator.app import TOKENLESS
from medalbot.ops.settings import OpsSettings
from medalbot.store import open_store
from medalbot.store.base import NewSubscription

MAX_PER_GUILD: Final = 500  # Discord's maximum of channels per server
DISCORD_GLOBAL_LIMIT: Final = EmulatorConfig().global_rate_limit  # 50 requests/s
MESSAGE_CREATE: Final = re.compile(r"^/channels/\d+/messages$")


@dataclass(frozen=True)
class Scale:
    guilds: int = 20
    per_guild: int = MAX_PER_GUILD

    @property
    def channels(self) -> int:
        return self.guilds * self.per_guild

    @classmethod
    def of(cls, channels: int) -> Scale:
        """About ``channels`` channels (exactly, for multiples of 500 and below 500)."""
        guilds = -(-channels // MAX_PER_GUILD)
        return cls(guilds, -(-channels // guilds))


@dataclass(frozen=True)
class RemoteEmulator:
    api_base: str
    gateway_url: str
    token: str
    control: str  # the control API's base URL
    channels: dict[int, list[int]]  # channel ids by guild id


# The emulator's process ---------------------------------------------------------------------


def _emulator_process(reply: Connection, scale: Scale, global_rate_limit: int) -> None:
    """Run the emulator and its control API until told to stop."""
    logging.disable(logging.WARNING)
    asyncio.run(_serve_emulator(reply, scale, global_rate_limit))


def _alert_messages(emulator: Emulator) -> list[StoredMessage]:
    bot_id = emulator.bot_user.id
    return [
        m for m in emulator.core.store.all() if m.author.id == bot_id and m.interaction_id is None
    ]


def _posts(emulator: Emulator) -> list[float]:
    """When each message create was answered 200, in the emulator's (monotonic) time."""
    return [
        r.at
        for r in emulator.requests_to("POST", "/messages")
        if r.status == 200 and MESSAGE_CREATE.match(r.path)
    ]


def _peak_per_second(emulator: Emulator) -> int:
    """The most requests under the global limit that arrived within any one second."""
    arrived = sorted(r.at for r in emulator.core.requests.entries if not TOKENLESS.match(r.path))
    return max(
        (bisect.bisect_left(arrived, at + 1.0) - i for i, at in enumerate(arrived)), default=0
    )


async def _serve_emulator(reply: Connection, scale: Scale, global_rate_limit: int) -> None:
    async with Emulator(EmulatorConfig(global_rate_limit=global_rate_limit)) as emulator:
        world = emulator.world
        guilds = [world.add_guild(f"Fan server {g}") for g in range(scale.guilds)]
        channels = {
            guild.id: [world.add_channel(guild, f"alerts-{c}").id for c in range(scale.per_guild)]
            for guild in guilds
        }
        fan = world.add_member(guilds[0], "fan")
        asked_in = world.channel(channels[guilds[0].id][0])
        assert asked_in is not None
        stopped = asyncio.Event()

        async def medals(_request: web.Request) -> web.Response:
            result = await emulator.invoke("/medals", member=fan, channel=asked_in, timeout=10.0)
            title = result.embeds[0].get("title") if result.embeds else None
            return web.json_response({"latency_s": result.response_latency, "title": title})

        async def messages(_request: web.Request) -> web.Response:
            alerts = _alert_messages(emulator)
            posts = _posts(emulator)
            sample = alerts[0] if alerts else None
            return web.json_response(
                {
                    "alerts": len(alerts),
                    "channels": len({m.channel_id for m in alerts}),
                    "embeds": sum(len(m.embeds) for m in alerts),
                    "first_post_at": min(posts, default=None),
                    "last_post_at": max(posts, default=None),
                    "sample": None
                    if sample is None
                    else {"content": sample.content, "embeds": list(sample.embeds)},
                }
            )

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
    scale: Scale, *, global_rate_limit: int = DISCORD_GLOBAL_LIMIT
) -> AsyncIterator[RemoteEmulator]:
    """An emulator in a process of its own (Discord's global limit unless told otherwise)."""
    context = multiprocessing.get_context("spawn")  # a fresh interpreter, no inherited loop
    ours, theirs = context.Pipe(duplex=False)
    process = context.Process(
        target=_emulator_process, args=(theirs, scale, global_rate_limit), name="emulator"
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
                await control_post(remote, "/stop")
        await asyncio.to_thread(process.join, 10)
        if process.is_alive():
            process.terminate()
            await asyncio.to_thread(process.join)


async def control_get(remote: RemoteEmulator, path: str) -> Any:
    async with aiohttp.ClientSession() as http, http.get(remote.control + path) as response:
        response.raise_for_status()
        return await response.json()


async def control_post(remote: RemoteEmulator, path: str) -> Any:
    async with aiohttp.ClientSession() as http, http.post(remote.control + path) as response:
        response.raise_for_status()
        return await response.json()


# The bot's process --------------------------------------------------------------------------


async def subscribe_every_channel(store_url: str, channels: dict[int, list[int]]) -> float:
    """One subscription to everything in every channel, through the store; seconds taken."""
    started = time.perf_counter()
    store = await open_store(store_url)
    try:
        now = datetime.now(UTC)
        for guild_id, channel_ids in channels.items():
            for channel_id in channel_ids:
                sub = NewSubscription(guild_id=guild_id, channel_id=channel_id)
                await store.add_subscription(sub, now, max_per_guild=len(channel_ids))
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
    prepare: Callable[[MedalBot], Awaitable[None]] | None = None,
) -> AsyncIterator[MedalBot]:
    """The real bot (SQLite store, one native feed polled every 0.1 s) connected to ``remote``
    and ready; ``prepare`` runs on the built bot before it starts."""
    patch = point_discord_at(remote.api_base, remote.gateway_url)
    settings = Settings(
        discord=DiscordSettings(
            api_base=remote.api_base, gateway_url=remote.gateway_url, guild_ready_timeout=0.5
        ),
        store=StoreSettings(url=store_url),
        delivery=delivery,
        ops=OpsSettings(enabled=False),
        feeds=[FeedSettings(name="replay", url=feed_url, interval=0.1, jitter=0.0)],
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
