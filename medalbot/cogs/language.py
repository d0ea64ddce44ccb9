"""The language a reply is written in: the server's (``/alerts language``); outside a server,
the asking user's own Discord language."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord

if TYPE_CHECKING:
    from medalbot.bot import MedalBot


async def reply_language(interaction: discord.Interaction[MedalBot]) -> str:
    return await interaction.client.services.guilds.locale(
        interaction.guild_id, interaction.locale.value
    )
