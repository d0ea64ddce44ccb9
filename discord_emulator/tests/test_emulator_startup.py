"""Login, command sync, READY/GUILD_CREATE and the guild cache, with the real discord.py client."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, ClassVar

import aiohttp
import discord
import pytest
from discord import app_commands
from discord.ext import commands

from discord_emulator import (
    Emulator,
    EmulatorConfig,
    Permission,
    running_bot,
    shard_for,
)
from discord_emulator.client_patch import point_discord_at
from emulator_testkit import DemoWorld, EmulatorFactory

BotFactory = Callable[..., commands.Bot]
MAX_STARTUP_SECONDS = 0.5


class DutchTranslator(app_commands.Translator):
    WORDS: ClassVar[dict[str, str]] = {
        "medals": "medailles",
        "Medal tables": "Medaillespiegels",
        "table": "stand",
    }

    async def translate(
        self, string: app_commands.locale_str, locale: discord.Locale, context: Any
    ) -> str | None:
        return self.WORDS.get(string.message) if locale is discord.Locale.dutch else None


class SyncCog(commands.Cog):
    medals = app_commands.Group(name="medals", description="Medal tables")

    @medals.command(name="table", description="Show the medal table")
    @app_commands.describe(country="IOC code", limit="How many rows")
    async def table(
        self,
        interaction: discord.Interaction,
        country: str,
        limit: app_commands.Range[int, 1, 25] = 10,
    ) -> None:
        await interaction.response.send_message(f"{country} {limit}")

    @app_commands.command(name="setup", description="Configure alerts")
    @app_commands.default_permissions(manage_guild=True)
    async def setup(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message("ok")


async def test_login_sync_ready_and_guild_cache(
    emulator: Emulator, demo: DemoWorld, bot_factory: BotFactory
) -> None:
    bot = bot_factory()

    async def setup_hook() -> None:
        await bot.add_cog(SyncCog())
        await bot.tree.set_translator(DutchTranslator())
        await bot.tree.sync()

    # discord.py declares its hooks as methods; this one client's is replaced
    bot.setup_hook = setup_hook  # type: ignore[method-assign]
    started = time.perf_counter()
    async with running_bot(bot, emulator):
        startup = time.perf_counter() - started
        assert startup < MAX_STARTUP_SECONDS, f"on_ready after {startup:.3f}s"

        assert bot.user is not None and bot.user.id == emulator.bot_user.id
        assert bot.application_id == emulator.world.application_id
        guild = bot.get_guild(demo.guild.id)
        assert guild is not None and guild.name == "Oranje Fans"
        assert guild.member_count == len(demo.guild.members)
        assert {c.name for c in guild.text_channels} == {"oranje", "golds", "general"}
        golds = guild.get_channel(demo.golds.id)
        assert isinstance(golds, discord.TextChannel) and golds.is_news()
        assert guild.default_role.id == guild.id
        assert guild.get_role(demo.alerts_role.id) is not None
        assert guild.me is not None
        # discord.py's own permission maths agrees with the emulator's.
        for channel in guild.channels:
            world_channel = emulator.world.channel(channel.id)
            assert world_channel is not None
            assert channel.permissions_for(guild.me).value == emulator.world.bot_permissions_in(
                world_channel
            )

    synced = {c.name: c for c in emulator.synced_commands()}
    assert set(synced) == {"medals", "setup"}
    assert synced["setup"].default_member_permissions == int(Permission.MANAGE_GUILD)
    assert synced["medals"].default_member_permissions is None
    assert synced["medals"].payload["name_localizations"] == {"nl": "medailles"}
    (table,) = synced["medals"].options
    assert table["name"] == "table" and table["type"] == 1
    assert table["name_localizations"] == {"nl": "stand"}
    options = {o["name"]: o for o in table["options"]}
    assert options["country"]["required"] is True and options["country"]["type"] == 3
    assert options["limit"]["min_value"] == 1 and options["limit"]["max_value"] == 25
    assert emulator.requests_to("PUT", "/commands")[0].status == 200


async def test_guild_sync_is_stored_per_guild_and_keeps_ids(
    emulator: Emulator, demo: DemoWorld, bot_factory: BotFactory
) -> None:
    bot = bot_factory()
    target = discord.Object(demo.guild.id)

    async def setup_hook() -> None:
        await bot.add_cog(SyncCog())
        bot.tree.copy_global_to(guild=target)
        await bot.tree.sync(guild=target)
        await bot.tree.sync(guild=target)

    # discord.py declares its hooks as methods; this one client's is replaced
    bot.setup_hook = setup_hook  # type: ignore[method-assign]
    async with running_bot(bot, emulator):
        fetched = await bot.tree.fetch_commands(guild=target)

    assert emulator.synced_commands() == []
    stored = emulator.synced_commands(demo.guild)
    assert {c.name for c in stored} == {"medals", "setup"}
    assert {c.id for c in fetched} == {c.id for c in stored}
    assert all(c.payload["guild_id"] == str(demo.guild.id) for c in stored)


async def test_auto_sharded_bot_gets_each_guild_on_its_shard(
    emulator_factory: EmulatorFactory,
    point_discord: Callable[[Emulator], None],
    bot_factory: BotFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    emulator = await emulator_factory(EmulatorConfig(shard_count=2))
    guilds = [emulator.world.add_guild(f"Guild {n}") for n in range(4)]
    assert {shard_for(g.id, 2) for g in guilds} == {0, 1}
    point_discord(emulator)
    # AutoShardedClient must connect to the url GET /gateway/bot returns, not DEFAULT_GATEWAY.
    monkeypatch.setattr(
        discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", "ws://127.0.0.1:9/unused"
    )
    bot = bot_factory(commands.AutoShardedBot)
    started = time.perf_counter()
    async with running_bot(bot, emulator):
        startup = time.perf_counter() - started
        assert startup < MAX_STARTUP_SECONDS, f"on_ready after {startup:.3f}s"
        assert bot.shard_count == 2
        for guild in guilds:
            cached = bot.get_guild(guild.id)
            assert cached is not None and cached.shard_id == shard_for(guild.id, 2)
        assert emulator.gateway.connected_shards() == {0, 1}
    assert [e.detail["shard"] for e in emulator.gateway.events if e.kind == "identify"] == [
        [0, 2],
        [1, 2],
    ]
    assert emulator.requests_to("GET", "/gateway/bot")


async def test_plain_bot_and_point_discord_at_can_be_undone(
    emulator: Emulator, bot_factory: BotFactory
) -> None:
    original_base = discord.http.Route.BASE
    emulator.world.add_guild("Solo")
    patch = point_discord_at(emulator.api_base, emulator.gateway_url)
    try:
        async with running_bot(bot_factory(), emulator) as bot:
            assert [g.name for g in bot.guilds] == ["Solo"]
    finally:
        patch.undo()
    restored = discord.http.Route.BASE
    assert restored == original_base


async def test_wrong_token_is_a_login_failure_and_an_invalid_request(
    emulator: Emulator, demo: DemoWorld, bot_factory: BotFactory
) -> None:
    bot = bot_factory()
    async with bot:
        with pytest.raises(discord.LoginFailure):
            await bot.login("not-the-token")
    assert emulator.requests[-1].status == 401
    assert emulator.requests[-1].headers["Authorization"] == "Bot ***"
    assert emulator.invalid_requests == 1


async def test_fetch_routes_and_unknown_ids(
    emulator: Emulator, demo: DemoWorld, bot_factory: BotFactory
) -> None:
    async with running_bot(bot_factory(), emulator) as bot:
        channel = await bot.fetch_channel(demo.oranje.id)
        assert channel.id == demo.oranje.id
        guild = await bot.fetch_guild(demo.guild.id)
        assert guild.name == "Oranje Fans"
        member = await guild.fetch_member(demo.fan.id)
        assert member.name == "oranje_fan" and demo.alerts_role.id in member._roles
        roles = await guild.fetch_roles()
        assert {r.name for r in roles} >= {"@everyone", "Moderator", "Oranje alerts", "bot"}
        channels = await guild.fetch_channels()
        assert {c.id for c in channels} == set(demo.guild.channels)
        with pytest.raises(discord.NotFound) as unknown:
            await bot.fetch_channel(123456789012345678)
        assert unknown.value.code == 10003
        with pytest.raises(discord.NotFound) as no_member:
            await guild.fetch_member(123456789012345678)
        assert no_member.value.code == 10007


async def test_raw_http_shapes(emulator: Emulator) -> None:
    auth = {"Authorization": f"Bot {emulator.token}"}
    async with aiohttp.ClientSession() as http:
        async with http.get(emulator.api_base + "/no/such/route", headers=auth) as unknown:
            assert unknown.status == 404
            assert unknown.headers["Content-Type"] == "application/json"
            assert await unknown.json() == {"message": "404: Not Found", "code": 0}
        async with http.get(emulator.api_base + "/users/@me") as anonymous:
            assert anonymous.status == 401
            assert (await anonymous.json())["message"] == "401: Unauthorized"
        async with http.get(emulator.api_base + "/gateway/bot", headers=auth) as gateway:
            body = await gateway.json()
            assert body["url"] == emulator.gateway_url
            assert body["shards"] == 1
            assert body["session_start_limit"]["max_concurrency"] == 1
