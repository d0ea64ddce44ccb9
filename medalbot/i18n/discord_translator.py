"""Slash command names, descriptions, options and choices in Discord's locales, from the same
gettext catalogues as everything else.

discord.py asks the tree's translator for every string of every command in every Discord locale
when it syncs; what we return becomes ``name_localizations`` / ``description_localizations``.
Names (commands, groups, options) are looked up under the ``COMMAND_NAME`` gettext context, so
they never share a translation with running text; the rest is looked up as it is.
"""

from __future__ import annotations

import logging

import discord
from discord import app_commands

from medalbot.i18n.translator import COMMAND_NAME, DEFAULT_LOCALE, resolve_locale, translator

log = logging.getLogger(__name__)

Location = app_commands.TranslationContextLocation
_NAMES = frozenset({Location.command_name, Location.group_name, Location.parameter_name})


class CatalogueTranslator(app_commands.Translator):
    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        return translate_command_text(string.message, locale.value, context.location)


def translate_command_text(message: str, discord_locale: str, location: Location) -> str | None:
    """The text for one Discord locale, or None where Discord should show the source text:
    English locales, locales we have no catalogue for, and messages not translated yet."""
    code = resolve_locale(discord_locale)
    if code == DEFAULT_LOCALE:
        return None
    t = translator(code)
    text = t.pgettext(COMMAND_NAME, message) if location in _NAMES else t.gettext(message)
    if text == message:
        return None
    log.debug("%s %s %r → %r", discord_locale, location.name, message, text)
    return text
