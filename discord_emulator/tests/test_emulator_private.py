"""Apps installed to users, DMs and group DMs: commands' ``contexts`` and
``integration_types`` are validated and stored as Discord does, a user runs a command outside
any server, and a server-only command is not offered there."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import aiohttp
import discord
import pytest
from discord import app_commands
from discord.ext import commands

from discord_emulator import CommandNotAvailable, Emulator, ManualClock, running_bot
from discord_emulator.commands import CommandRegistry, RegisteredCommand
from discord_emulator.errors import DiscordError
from discord_emulator.snowflakes import SnowflakeGenerator
from emulator_testkit import DemoWorld

BotFactory = Callable[..., commands.Bot]
EPHEMERAL = 64


class Anywhere(commands.Cog):
    """A fan's command usable everywhere, and a server-only moderators' one."""

    @app_commands.command(name="medals", description="The medal table")
    @app_commands.allowed_installs(guilds=True, users=True)
    @app_commands.allowed_contexts(guilds=True, dms=True, private_channels=True)
    async def medals(self, interaction: discord.Interaction, nation: str = "NED") -> None:
        where = "dm" if interaction.guild_id is None else str(interaction.guild_id)
        channel = interaction.channel
        kind = channel.type.name if isinstance(channel, discord.abc.PrivateChannel) else "-"
        context = interaction.context
        used_in = (
            "bot_dm" if context.dm_channel else "private" if context.private_channel else "guild"
        )
        await interaction.response.send_message(
            f"{nation} {where} {kind} {interaction.locale.value} {used_in} {interaction.user.name}",
            ephemeral=nation == "secret",
        )

    @app_commands.command(name="settings", description="Server settings")
    @app_commands.guild_only()
    @app_commands.allowed_installs(guilds=True, users=False)
    async def settings(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message("set")

    @app_commands.command(name="legacy", description="No contexts: Discord's defaults")
    async def legacy(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message("legacy")


def registered(command: dict[str, Any], guild_id: int | None = None) -> RegisteredCommand:
    registry = CommandRegistry(1, SnowflakeGenerator(ManualClock()))
    registry.bulk_overwrite(guild_id, [command])
    (stored,) = registry.commands(guild_id)
    return stored


def test_contexts_default_as_discord_documents() -> None:
    base = {"name": "x", "description": "d"}
    assert registered(base).contexts == {0, 1}  # servers and DMs with the bot
    assert registered({**base, "dm_permission": False}).contexts == {0}
    user_installable = registered({**base, "integration_types": [0, 1]})
    assert user_installable.contexts == {0, 1, 2}
    assert user_installable.integration_types == {0, 1}
    listed = registered({**base, "contexts": [0, 2], "dm_permission": True})
    assert listed.contexts == {0, 2}  # contexts replace dm_permission
    # a server's own command: only there, whatever it says
    assert registered({**base, "contexts": [1, 2]}, guild_id=5).contexts == {0}


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("contexts", [0, 3], {"1": "ENUM_TYPE_COERCE"}),
        ("integration_types", [2], {"0": "ENUM_TYPE_COERCE"}),
        ("contexts", "guild", None),
        ("integration_types", [True], {"0": "ENUM_TYPE_COERCE"}),
    ],
)
def test_unknown_contexts_and_integration_types_are_refused(
    field: str, value: object, error: dict[str, str] | None
) -> None:
    registry = CommandRegistry(1, SnowflakeGenerator(ManualClock()))
    with pytest.raises(DiscordError) as refused:
        registry.bulk_overwrite(None, [{"name": "x", "description": "d", field: value}])
    assert (refused.value.status, refused.value.code) == (400, 50035)
    assert refused.value.errors is not None
    errors = refused.value.errors["0"][field]
    if error is None:
        assert errors["_errors"][0]["code"] == "BASE_TYPE_ARRAY"
    else:
        assert {k: v["_errors"][0]["code"] for k, v in errors.items()} == error
    assert registry.commands(None) == []


async def start(bot: commands.Bot) -> None:
    async def setup_hook() -> None:
        await bot.add_cog(Anywhere())
        await bot.tree.sync()

    bot.setup_hook = setup_hook  # type: ignore[method-assign]


async def test_synced_contexts_and_installs_are_stored_as_sent(
    emulator: Emulator, demo: DemoWorld, bot_factory: BotFactory
) -> None:
    bot = bot_factory()
    await start(bot)
    async with running_bot(bot, emulator):
        synced = {c.name: c for c in emulator.synced_commands()}
        assert synced["medals"].payload["contexts"] == [0, 1, 2]
        assert synced["medals"].payload["integration_types"] == [0, 1]
        assert synced["settings"].payload["contexts"] == [0]
        assert synced["settings"].payload["integration_types"] == [0]
        async with (
            aiohttp.ClientSession() as http,
            http.get(
                f"{emulator.api_base}/applications/{emulator.world.application_id}/commands",
                headers={"Authorization": f"Bot {emulator.token}"},
            ) as response,
        ):
            fetched = {c["name"]: c for c in await response.json()}
        assert fetched["medals"]["contexts"] == [0, 1, 2]


async def test_a_user_runs_a_command_in_a_dm_with_the_bot(
    emulator: Emulator, demo: DemoWorld, bot_factory: BotFactory
) -> None:
    bot = bot_factory()
    await start(bot)
    stranger = emulator.world.add_user("stranger")  # shares no server with the bot
    emulator.world.install_for_user(stranger)
    dm = emulator.world.dm_with_bot(stranger)
    assert emulator.world.dm_with_bot(stranger) is dm
    async with running_bot(bot, emulator):
        result = await emulator.invoke_private(
            "/medals", {"nation": "NOR"}, user=stranger, channel=dm, locale="fr"
        )
        assert result.content == "NOR dm private fr bot_dm stranger"
        assert result.guild_id is None
        payload = result.payload
        assert "guild_id" not in payload and "member" not in payload
        assert payload["user"]["id"] == str(stranger.id)
        assert payload["context"] == 1
        assert payload["authorizing_integration_owners"] == {"1": str(stranger.id)}
        assert payload["channel"]["type"] == 1
        # the answer is in the DM, for the user to read
        assert [m.content for m in emulator.transcript(dm, viewer=stranger)] == [result.content]
        secret = await emulator.invoke_private(
            "/medals", {"nation": "secret"}, user=stranger, channel=dm
        )
        assert secret.ephemeral
        assert len(emulator.transcript(dm, viewer=stranger)) == 2
        assert len(emulator.transcript(dm)) == 1  # the ephemeral one only for the asker


async def test_guild_installed_commands_reach_a_dm_only_for_people_sharing_a_server(
    emulator: Emulator, demo: DemoWorld, bot_factory: BotFactory
) -> None:
    bot = bot_factory()
    await start(bot)
    fan, stranger = demo.fan.user, emulator.world.add_user("stranger")
    async with running_bot(bot, emulator):
        result = await emulator.invoke_private(
            "/medals", user=fan, channel=emulator.world.dm_with_bot(fan)
        )
        assert result.payload["authorizing_integration_owners"] == {"0": "0"}
        assert emulator.commands_offered(fan, emulator.world.dm_with_bot(fan)) == [
            "legacy",
            "medals",
        ]
        with pytest.raises(CommandNotAvailable, match="not installed for stranger"):
            await emulator.invoke_private(
                "/medals", user=stranger, channel=emulator.world.dm_with_bot(stranger)
            )


async def test_a_server_only_command_is_not_offered_outside_servers(
    emulator: Emulator, demo: DemoWorld, bot_factory: BotFactory
) -> None:
    bot = bot_factory()
    await start(bot)
    fan = demo.moderator.user
    emulator.world.install_for_user(fan)
    friend = emulator.world.add_user("friend")
    group = emulator.world.add_group_dm(fan, [friend], name="Skating nerds")
    async with running_bot(bot, emulator):
        dm = emulator.world.dm_with_bot(fan)
        assert "settings" not in emulator.commands_offered(fan, dm)
        with pytest.raises(CommandNotAvailable, match="not offered in a DM with the bot"):
            await emulator.invoke_private("/settings", user=fan, channel=dm)
        # in a private channel only user-installable commands: not /legacy (guild install)
        assert emulator.commands_offered(fan, group) == ["medals"]
        with pytest.raises(CommandNotAvailable, match="not offered in private channels"):
            await emulator.invoke_private("/settings", user=fan, channel=group)
        # in the server it works as ever
        done = await emulator.invoke("/settings", member=demo.moderator, channel=demo.general)
        assert done.content == "set"
        # the bot is no member of the group DM, yet answers there (a user-installed app)
        answered = await emulator.invoke_private("/medals", user=fan, channel=group)
        assert answered.payload["context"] == 2
        assert answered.payload["channel"]["type"] == 3
        assert answered.content is not None and " private " in answered.content
        assert [m.content for m in emulator.transcript(group)] == [answered.content]
        # a friend in the group who did not install the app is offered nothing
        assert emulator.commands_offered(friend, group) == []


async def test_a_dm_only_server_command_is_refused_in_servers(
    emulator: Emulator, demo: DemoWorld, bot_factory: BotFactory
) -> None:
    class DmOnly(commands.Cog):
        @app_commands.command(name="whisper", description="Only in DMs")
        @app_commands.allowed_contexts(guilds=False, dms=True, private_channels=False)
        async def whisper(self, interaction: discord.Interaction) -> None:
            await interaction.response.send_message("psst")

    bot = bot_factory()

    async def setup_hook() -> None:
        await bot.add_cog(DmOnly())
        await bot.tree.sync()

    bot.setup_hook = setup_hook  # type: ignore[method-assign]
    async with running_bot(bot, emulator):
        with pytest.raises(CommandNotAvailable, match="not offered in servers"):
            await emulator.invoke("/whisper", member=demo.fan, channel=demo.general)
        dm = emulator.world.dm_with_bot(demo.fan.user)
        whispered = await emulator.invoke_private("/whisper", user=demo.fan.user, channel=dm)
        assert whispered.content == "psst"


async def test_the_servers_discord_language_reaches_the_bot(
    emulator: Emulator, demo: DemoWorld, bot_factory: BotFactory
) -> None:
    bot = bot_factory()
    french = emulator.world.add_guild("Les Bleus", locale="fr")
    async with running_bot(bot, emulator):
        guild = bot.get_guild(french.id)
        assert guild is not None and guild.preferred_locale is discord.Locale.french
        emulator.world.set_preferred_locale(french, "pt-BR")
        await emulator.wait_for(
            lambda: guild.preferred_locale is discord.Locale.brazil_portuguese, timeout=5
        )
