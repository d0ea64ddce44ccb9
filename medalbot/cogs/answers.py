"""How the cogs answer: in the server's language, pinging nobody."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord

if TYPE_CHECKING:
    from medalbot.client import MedalBot

# Every reply and message of the cogs carries this, on top of the bot's default (also none):
# names, roles and channels typed by users or read from the feed are shown, never pinged.
NO_PINGS = discord.AllowedMentions.none()


async def reply_language(interaction: discord.Interaction[MedalBot]) -> str:
    """The server's language (``/alerts language``); outside a server, the user's own."""
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
