"""Gateway faults and features: resume with replay, RECONNECT, INVALID_SESSION, heartbeats,
member chunks, and runtime dispatches reaching the client's cache."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import discord
import pytest
from discord import app_commands
from discord.ext import commands

from discord_emulator import (
    Emulator,
    EmulatorConfig,
    Permission,
    running_bot,
)
from emulator_testkit import DemoWorld, EmulatorFactory, build_demo_world

BotFactory = Callable[..., commands.Bot]


def ping_bot(bot_factory: BotFactory, **kwargs: object) -> commands.Bot:
    bot = bot_factory(**kwargs)

    @bot.tree.command(name="ping", description="Still there?")
    async def ping(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("pong")

    async def setup_hook() -> None:
        await bot.tree.sync()

    # discord.py declares its hooks as methods; this one client's is replaced
    bot.setup_hook = setup_hook  # type: ignore[method-assign]
    return bot


def events_of(emulator: Emulator, kind: str) -> list[dict[str, object]]:
    return [e.detail for e in emulator.gateway.events if e.kind == kind]


async def test_close_4000_resumes_and_replays_missed_dispatches(
    emulator: Emulator, demo: DemoWorld, bot_factory: BotFactory
) -> None:
    bot = ping_bot(bot_factory)
    async with running_bot(bot, emulator):
        resumed = bot.wait_for("resumed", timeout=2)
        assert emulator.gateway.close(4000) == 1
        # Changed while the bot is disconnected: it must arrive through the RESUME replay.
        emulator.set_overwrite(demo.oranje, demo.fan, deny=int(Permission.SEND_MESSAGES))
        await resumed
        assert emulator.gateway.resumes == 1 and emulator.gateway.identifies == 1
        assert events_of(emulator, "resume")[0]["replayed"] == 1
        channel = bot.get_channel(demo.oranje.id)
        assert isinstance(channel, discord.TextChannel)
        fan_overwrite = channel.overwrites_for(discord.Object(demo.fan.id))
        assert fan_overwrite.send_messages is False
        result = await emulator.invoke("/ping", member=demo.fan, channel=demo.general)
    assert result.content == "pong"


async def test_reconnect_opcode_resumes(
    emulator: Emulator, demo: DemoWorld, bot_factory: BotFactory
) -> None:
    bot = ping_bot(bot_factory)
    async with running_bot(bot, emulator):
        resumed = bot.wait_for("resumed", timeout=2)
        emulator.gateway.reconnect()
        await resumed
        result = await emulator.invoke("/ping", member=demo.fan, channel=demo.oranje)
    assert result.content == "pong"
    assert emulator.gateway.identifies == 1 and emulator.gateway.resumes == 1


async def test_invalid_session_not_resumable_identifies_again(
    emulator: Emulator, demo: DemoWorld, bot_factory: BotFactory
) -> None:
    bot = ping_bot(bot_factory)  # the factory stubs discord.py's 5 s before_identify_hook
    async with running_bot(bot, emulator):
        first_session = next(iter(emulator.gateway.sessions))
        emulator.gateway.invalidate_session(resumable=False)
        await emulator.wait_for(lambda: emulator.gateway.identifies == 2, timeout=3)
        assert first_session not in emulator.gateway.sessions
        result = await emulator.invoke("/ping", member=demo.fan, channel=demo.oranje)
    assert result.content == "pong"
    assert emulator.gateway.resumes == 0


async def test_invalid_session_resumable_resumes(
    emulator: Emulator, demo: DemoWorld, bot_factory: BotFactory
) -> None:
    bot = ping_bot(bot_factory)
    async with running_bot(bot, emulator):
        resumed = bot.wait_for("resumed", timeout=2)
        emulator.gateway.invalidate_session(resumable=True)
        await resumed
    assert emulator.gateway.identifies == 1 and emulator.gateway.resumes == 1


async def test_heartbeats_are_acknowledged(
    emulator_factory: EmulatorFactory,
    point_discord: Callable[[Emulator], None],
    bot_factory: BotFactory,
) -> None:
    emulator = await emulator_factory(EmulatorConfig(heartbeat_interval_ms=20))
    build_demo_world(emulator.world)
    point_discord(emulator)
    async with running_bot(bot_factory(), emulator) as bot:
        await emulator.wait_for(lambda: emulator.gateway.heartbeats >= 4, timeout=3)
        assert bot.latency < 1.0  # measured from HEARTBEAT to our HEARTBEAT_ACK


async def test_request_guild_members_gets_a_chunk(
    emulator: Emulator, demo: DemoWorld, bot_factory: BotFactory
) -> None:
    intents = discord.Intents.default()
    intents.members = True
    async with running_bot(bot_factory(intents=intents), emulator) as bot:
        guild = bot.get_guild(demo.guild.id)
        assert guild is not None
        found = await guild.query_members("oranje_", limit=5)
    assert [m.id for m in found] == [demo.fan.id]
    assert events_of(emulator, "chunk") == [{"guild_id": demo.guild.id, "members": 1}]


async def test_runtime_changes_reach_the_cache(
    emulator: Emulator, demo: DemoWorld, bot_factory: BotFactory
) -> None:
    intents = discord.Intents.default()
    intents.members = True
    async with running_bot(bot_factory(intents=intents), emulator) as bot:
        guild = bot.get_guild(demo.guild.id)
        assert guild is not None
        role_updated = bot.wait_for("guild_role_update", timeout=2)
        emulator.set_role_permissions(demo.alerts_role, int(Permission.MENTION_EVERYONE))
        await role_updated
        role = guild.get_role(demo.alerts_role.id)
        assert role is not None and role.permissions.mention_everyone

        member_updated = bot.wait_for("member_update", timeout=2)
        emulator.set_member_roles(demo.fan, [demo.moderator_role])
        await member_updated
        fan = guild.get_member(demo.fan.id)
        assert fan is not None and [r.id for r in fan.roles[1:]] == [demo.moderator_role.id]

        created = bot.wait_for("guild_channel_create", timeout=2)
        emulator.world.add_channel(demo.guild, "japan")
        channel = await created
        assert channel.name == "japan"


async def test_message_content_needs_the_intent(
    emulator: Emulator, demo: DemoWorld, bot_factory: BotFactory
) -> None:
    seen: asyncio.Queue[discord.Message] = asyncio.Queue()
    bot = bot_factory()
    bot.add_listener(seen.put, "on_message")
    async with running_bot(bot, emulator):
        channel = bot.get_channel(demo.oranje.id)
        assert isinstance(channel, discord.TextChannel)
        await channel.send("from the bot itself")
        emulator.post(demo.fan, demo.oranje, "Hup Holland")
        emulator.post(demo.fan, demo.oranje, f"{emulator.bot_user.mention} medals?")
        received = [await asyncio.wait_for(seen.get(), timeout=2) for _ in range(3)]
    assert [m.content for m in received] == [
        "from the bot itself",
        "",  # no MESSAGE_CONTENT intent: other people's text is withheld...
        f"<@{emulator.bot_user.id}> medals?",  # ...unless the message mentions the bot
    ]
    assert received[1].author.id == demo.fan.id


async def test_message_content_intent_shows_everything(
    emulator: Emulator, demo: DemoWorld, bot_factory: BotFactory
) -> None:
    seen: asyncio.Queue[discord.Message] = asyncio.Queue()
    bot = bot_factory(intents=discord.Intents.default() | discord.Intents(message_content=True))
    bot.add_listener(seen.put, "on_message")
    async with running_bot(bot, emulator):
        emulator.post(demo.fan, demo.oranje, "Hup Holland")
        received = await asyncio.wait_for(seen.get(), timeout=2)
    assert received.content == "Hup Holland"


async def test_auto_sharded_bot_resumes_one_shard(
    emulator_factory: EmulatorFactory,
    point_discord: Callable[[Emulator], None],
    bot_factory: BotFactory,
) -> None:
    emulator = await emulator_factory(EmulatorConfig(shard_count=2))
    demo = build_demo_world(emulator.world)
    for n in range(3):
        emulator.world.add_guild(f"Extra {n}")
    point_discord(emulator)
    bot = ping_bot(bot_factory, cls=commands.AutoShardedBot)
    async with running_bot(bot, emulator):
        resumed = bot.wait_for("shard_resumed", timeout=2)
        assert emulator.gateway.close(4000, shard_id=1) == 1
        assert await resumed == 1
        result = await emulator.invoke("/ping", member=demo.fan, channel=demo.oranje)
    assert result.content == "pong"
    assert [e.shard_id for e in emulator.gateway.events if e.kind == "resume"] == [1]


async def test_sync_commands_are_invocable_by_name_only(
    emulator: Emulator, demo: DemoWorld, bot_factory: BotFactory
) -> None:
    bot = bot_factory()
    group = app_commands.Group(name="admin", description="Admin")

    @group.command(name="status", description="Status")
    async def status(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("ok", ephemeral=True)

    bot.tree.add_command(group)

    async def setup_hook() -> None:
        await bot.tree.sync(guild=discord.Object(demo.guild.id))

    bot.tree.copy_global_to(guild=discord.Object(demo.guild.id))
    # discord.py declares its hooks as methods; this one client's is replaced
    bot.setup_hook = setup_hook  # type: ignore[method-assign]
    async with running_bot(bot, emulator):
        result = await emulator.invoke("/admin status", member=demo.fan, channel=demo.oranje)
    assert result.ephemeral and result.content == "ok"
    assert result.payload["data"]["guild_id"] == str(demo.guild.id)


async def test_privileged_intents_not_enabled_close_4014(
    emulator_factory: EmulatorFactory,
    point_discord: Callable[[Emulator], None],
    bot_factory: BotFactory,
) -> None:
    emulator = await emulator_factory(EmulatorConfig(privileged_intents_enabled=False))
    build_demo_world(emulator.world)
    point_discord(emulator)
    intents = discord.Intents.default()
    intents.members = True
    with pytest.raises(discord.PrivilegedIntentsRequired):
        async with running_bot(bot_factory(intents=intents), emulator):
            pass
    assert emulator.gateway.identifies == 0


async def test_joining_a_guild_at_runtime(
    emulator: Emulator, demo: DemoWorld, bot_factory: BotFactory
) -> None:
    async with running_bot(bot_factory(), emulator) as bot:
        joined = bot.wait_for("guild_join", timeout=2)
        emulator.world.add_guild("Japan Fans")
        guild = await joined
        assert guild.name == "Japan Fans" and guild.me is not None
        emulator.world.add_guild("Not Invited", bot_permissions=None)
        # Dispatches arrive in order, so once this one is in, a wrong GUILD_CREATE would be too.
        created = bot.wait_for("guild_channel_create", timeout=2)
        emulator.world.add_channel(emulator.world.find_guild("Japan Fans"), "tokyo")
        await created
        assert {g.name for g in bot.guilds} == {"Oranje Fans", "Japan Fans"}
