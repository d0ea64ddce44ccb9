"""Server-side checks. Default permissions only hide a command in Discord's client; these run
on every invocation, whatever the client sent."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import discord
from discord import app_commands

ChoiceT = TypeVar("ChoiceT", str, int, float)
Suggest = Callable[
    [discord.Interaction[Any], str], Coroutine[Any, Any, list[app_commands.Choice[ChoiceT]]]
]


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


def moderators_only(suggest: Suggest[ChoiceT]) -> Suggest[ChoiceT]:
    """The same suggestions for moderators, none for anyone else. discord.py runs no
    interaction_check for autocomplete, and a crafted interaction can name any command: without
    this, anyone could read what moderators' options offer (the subscribed channels' names,
    hidden ones included)."""

    async def for_moderators(
        interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[ChoiceT]]:
        if not is_moderator(interaction):
            return []
        return await suggest(interaction, current)

    return for_moderators
