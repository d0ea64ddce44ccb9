"""Server-side checks. Default permissions only hide a command in Discord's client; these run
on every invocation, whatever the client sent."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands


def is_moderator(interaction: discord.Interaction[Any]) -> bool:
    # interaction.permissions are the invoking member's resolved permissions in the channel,
    # computed by Discord (administrator implies every permission).
    return interaction.guild_id is not None and interaction.permissions.manage_guild


def require_manage_guild(interaction: discord.Interaction[Any]) -> bool:
    if interaction.guild_id is None:
        raise app_commands.NoPrivateMessage()
    if not is_moderator(interaction):
        raise app_commands.MissingPermissions(["manage_guild"])
    return True
