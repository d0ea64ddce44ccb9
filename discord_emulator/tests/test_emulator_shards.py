"""Sharding as Discord does it: one token, several gateway connections at once (one client per
shard, as separate bot processes run them), each identifying as ``[shard_id, shard_count]`` and
receiving only its guilds, ``(guild_id >> 22) % shard_count``; interactions delivered on the
guild's shard, events outside any guild on shard 0; GET /gateway/bot recommending the shard
count; and one global limit for the token whatever connection or process a request comes from."""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict
from collections.abc import Callable

import aiohttp
import discord
from discord.ext import commands

from discord_emulator import Emulator, EmulatorConfig, ManualClock, payloads, running_bot, shard_for
from emulator_testkit import EmulatorFactory

BotFactory = Callable[..., commands.Bot]
SHARDS = 3


async def test_one_client_per_shard_each_gets_its_guilds_and_their_interactions(
    emulator_factory: EmulatorFactory,
    point_discord: Callable[[Emulator], None],
    bot_factory: BotFactory,
) -> None:
    emulator = await emulator_factory(EmulatorConfig(shard_count=SHARDS))
    world = emulator.world
    guilds, channels, fans = [], {}, {}
    for n in range(9):  # a guild, its channel and a fan: ids spread over the shards
        guild = world.add_guild(f"Guild {n}")
        guilds.append(guild)
        channels[guild.id] = world.add_channel(guild, "general")
        fans[guild.id] = world.add_member(guild, f"fan{n}")
    assert {shard_for(g.id, SHARDS) for g in guilds} == set(range(SHARDS))
    point_discord(emulator)

    seen: dict[int, list[str]] = defaultdict(list)  # client -> events outside any guild
    bots = []
    for client in range(SHARDS):
        bot = bot_factory(
            commands.AutoShardedBot,
            shard_count=SHARDS,
            shard_ids=[client],
            enable_debug_events=True,
        )

        @bot.tree.command(name="whoami", description="Which client answers")
        async def whoami(interaction: discord.Interaction, client: int = client) -> None:
            assert interaction.guild is not None
            await interaction.response.send_message(
                f"client {client} shard {interaction.guild.shard_id}"
            )

        async def on_socket_event_type(event: str, client: int = client) -> None:
            if event == "USER_UPDATE":
                seen[client].append(event)

        bot.add_listener(on_socket_event_type)
        bots.append(bot)

    async with contextlib.AsyncExitStack() as stack:
        for bot in bots:
            await stack.enter_async_context(running_bot(bot, emulator))
        # Three connections at once, one per shard, each identified as its own shard.
        assert emulator.gateway.connected_shards() == set(range(SHARDS))
        identified = sorted(
            e.detail["shard"] for e in emulator.gateway.events if e.kind == "identify"
        )
        assert identified == [[s, SHARDS] for s in range(SHARDS)]
        # Each client knows only the guilds of its shard.
        for client, bot in enumerate(bots):
            expected = {g.id for g in guilds if shard_for(g.id, SHARDS) == client}
            assert {g.id for g in bot.guilds} == expected

        await bots[0].tree.sync()
        # A member's command goes to the client holding the guild's shard, and only to it.
        for guild in guilds:
            answer = await emulator.invoke(
                "/whoami", member=fans[guild.id], channel=channels[guild.id]
            )
            shard = shard_for(guild.id, SHARDS)
            assert answer.content == f"client {shard} shard {shard}"

        # An event outside any guild (here the bot's own user changing) goes to shard 0 only.
        sent = emulator.gateway.dispatch("USER_UPDATE", payloads.user(emulator.bot_user), None)
        assert sent == 1
        await emulator.wait_for(lambda: seen[0], timeout=2)
        assert dict(seen) == {0: ["USER_UPDATE"]}


async def test_gateway_bot_recommends_the_configured_shard_count(
    emulator_factory: EmulatorFactory,
) -> None:
    emulator = await emulator_factory(EmulatorConfig(shard_count=SHARDS))
    auth = {"Authorization": f"Bot {emulator.token}"}
    async with (
        aiohttp.ClientSession() as http,
        http.get(emulator.api_base + "/gateway/bot", headers=auth) as response,
    ):
        body = await response.json()
    assert body["shards"] == SHARDS
    assert body["url"] == emulator.gateway_url


async def test_one_global_limit_for_the_token_across_connections(
    emulator_factory: EmulatorFactory,
) -> None:
    """Two processes (two HTTP connection pools) sending 30 requests each in one second share
    the token's 50: ten are refused with a global 429, whoever sent them."""
    clock = ManualClock()  # all 60 requests in the same second
    emulator = await emulator_factory(EmulatorConfig(clock=clock))
    auth = {"Authorization": f"Bot {emulator.token}"}

    async def process() -> list[tuple[int, bool]]:
        async with aiohttp.ClientSession() as http:  # a connection pool of its own

            async def one() -> tuple[int, bool]:
                async with http.get(emulator.api_base + "/users/@me", headers=auth) as r:
                    return r.status, r.headers.get("X-RateLimit-Global") == "true"

            return await asyncio.gather(*(one() for _ in range(30)))

    first, second = await asyncio.gather(process(), process())
    answers = first + second
    assert sum(1 for status, _ in answers if status == 200) == 50
    assert sorted(a for a in answers if a[0] == 429) == [(429, True)] * 10
    assert emulator.rate_limited == {"global": 10}
    clock.advance(1.0)
    async with (
        aiohttp.ClientSession() as http,
        http.get(emulator.api_base + "/users/@me", headers=auth) as again,
    ):
        assert again.status == 200
