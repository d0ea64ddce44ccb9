"""How the cogs answer: pinging nobody; moderators in the server's language, a fan (whose
answers only they see) in their own Discord client's."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands

from medalbot.i18n import resolve_locale

if TYPE_CHECKING:
    from medalbot.client import MedalBot

# Every reply and message of the cogs carries this, on top of the bot's default (also none):
# names, roles and channels typed by users or read from the feed are shown, never pinged.
NO_PINGS = discord.AllowedMentions.none()


def fan_language(interaction: discord.Interaction[MedalBot]) -> str:
    """The language of the fan's own Discord client (the interaction's ``locale``), in a
    server or not: a fan's answers are theirs alone, whatever the server speaks."""
    return resolve_locale(interaction.locale.value)


def answers_fan(interaction: discord.Interaction[MedalBot]) -> bool:
    """Whether this is a fan's command (or a component of a fan's answer): anything but the
    moderators' server-only commands, which speak the server's language."""
    command = interaction.command
    if command is None:  # a button or menu: only fans' answers carry them
        return True
    root = (command.root_parent if isinstance(command, app_commands.Command) else None) or command
    contexts = root.allowed_contexts
    return contexts is None or contexts.dm_channel or contexts.private_channel


async def reply_language(interaction: discord.Interaction[MedalBot]) -> str:
    """The server's language (``/alerts language``, else its Discord language); outside a
    server, the user's own."""
    return await interaction.client.services.guilds.locale(
        interaction.guild_id, interaction.locale.value
    )


async def reply_ephemeral(interaction: discord.Interaction[MedalBot], message: str) -> None:
    """Answer only the user who asked, pinging nobody; a followup once the response is sent
    or deferred."""
    if interaction.response.is_done():
        await interaction.followup.send(message, ephemeral=True, allowed_mentions=NO_PINGS)
    else:
        await interaction.response.send_message(message, ephemeral=True, allowed_mentions=NO_PINGS)
