"""Autocomplete shared by the cogs (Discord shows at most 25 choices), in the language of the
server that asks."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands

from medalbot.cogs.answers import fan_language
from medalbot.i18n import flag_emoji, nation_name, nation_names, translator
from medalbot.render.phrases import sport_name

if TYPE_CHECKING:
    from medalbot.client import MedalBot

MAX_CHOICES = 25


def nation_choices(bot: MedalBot, current: str, locale: str) -> list[app_commands.Choice[str]]:
    text = current.strip().casefold()
    choices = []
    for noc in bot.services.subscriptions.known_nocs():
        name = nation_name(noc, locale)
        # the IOC's name is shown; an everyday one ("Südkorea") finds it too
        typed = (name, *nation_names(noc))
        if not text or text in noc.casefold() or any(text in n.casefold() for n in typed):
            choices.append(app_commands.Choice(name=f"{flag_emoji(noc)} {name} ({noc})", value=noc))
    # Codes that start with what was typed first, then the rest alphabetically.
    choices.sort(key=lambda c: (not c.value.casefold().startswith(text), c.name))
    return choices[:MAX_CHOICES]


def sport_choices(bot: MedalBot, current: str, locale: str) -> list[app_commands.Choice[str]]:
    """Sports named in the server's language ("Schaatsen"), valued as the feed names them;
    what was typed may match either name."""
    t = translator(locale)
    text = current.strip().casefold()
    choices = []
    for sport in bot.services.subscriptions.known_sports():
        shown = sport_name(sport, t)
        if text in sport.casefold() or text in shown.casefold():
            choices.append(app_commands.Choice(name=shown, value=sport))
    return choices[:MAX_CHOICES]


async def nation_autocomplete(
    interaction: discord.Interaction[MedalBot], current: str
) -> list[app_commands.Choice[str]]:
    """The feed's nations matching what was typed (a code or a name)."""
    return nation_choices(interaction.client, current, fan_language(interaction))


async def sport_autocomplete(
    interaction: discord.Interaction[MedalBot], current: str
) -> list[app_commands.Choice[str]]:
    """The feed's sports matching what was typed."""
    return sport_choices(interaction.client, current, fan_language(interaction))
