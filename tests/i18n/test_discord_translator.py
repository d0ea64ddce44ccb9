"""Slash command texts in Discord's locales, and the rules Discord holds them to."""

from __future__ import annotations

import re
from pathlib import Path

import discord
import pytest
from babel.messages.pofile import read_po
from discord import app_commands

import medalbot
from medalbot.i18n import COMMAND_NAME, SUPPORTED_LOCALES
from medalbot.i18n.discord_translator import CatalogueTranslator, translate_command_text

Location = app_commands.TranslationContextLocation
LOCALE_DIR = Path(medalbot.__file__).parent / "locale"
# Discord's rule for chat input command and option names (any script, lowercase, no spaces).
DISCORD_NAME = re.compile(r"^[-_'\w]{1,32}$")


@pytest.mark.parametrize(
    ("message", "location", "dutch"),
    [
        ("medals", Location.command_name, "medailles"),
        ("alerts", Location.group_name, "meldingen"),
        ("nation", Location.parameter_name, "land"),
        (
            "The medal table, one nation's medals, or the medal race",
            Location.command_description,
            None,
        ),
        ("Gold first (IOC)", Location.choice_name, "Eerst goud (IOC)"),
    ],
)
def test_dutch_names_come_from_their_own_context(
    message: str, location: Location, dutch: str | None
) -> None:
    got = translate_command_text(message, "nl", location)
    if dutch is None:
        assert got is not None and got != message
    else:
        assert got == dutch


def test_a_name_is_not_translated_as_running_text() -> None:
    # "Medals" (a field title) and "medals" (a command name) are different messages
    assert translate_command_text("medals", "nl", Location.command_name) == "medailles"
    assert translate_command_text("medals", "nl", Location.command_description) is None


@pytest.mark.parametrize("discord_locale", ["en-US", "en-GB", "ko", "zh-TW", "sv-SE"])
def test_english_and_unsupported_locales_get_no_localisation(discord_locale: str) -> None:
    assert translate_command_text("medals", discord_locale, Location.command_name) is None


def test_an_untranslated_or_unchanged_text_gets_no_localisation() -> None:
    assert translate_command_text("no such text", "nl", Location.command_description) is None
    assert translate_command_text("podium", "nl", Location.command_name) is None  # same word


async def test_discord_py_gets_the_translation_through_the_translator_interface() -> None:
    translator = CatalogueTranslator()

    @app_commands.command(
        name="medals", description="The medal table, one nation's medals, or the medal race"
    )
    async def medals(interaction: discord.Interaction) -> None:  # pragma: no cover - not run
        del interaction

    tree: app_commands.CommandTree[discord.Client] = app_commands.CommandTree(
        discord.Client(intents=discord.Intents.none())
    )
    payload = await medals.get_translated_payload(tree, translator)
    # Discord's locales mapped to ours: both Spanish ones get Spanish, pt-BR Portuguese (Brazil)
    assert payload["name_localizations"] == {
        "nl": "medailles",
        "fr": "médailles",
        "de": "medaillen",
        "it": "medaglie",
        "es-ES": "medallas",
        "es-419": "medallas",
        "pt-BR": "medalhas",
        "ja": "メダル",
    }
    assert payload["description_localizations"]["nl"] == (
        "De medaillespiegel, de medailles van één land, of de medaillerace"
    )
    assert payload["description_localizations"]["de"] == (
        "Der Medaillenspiegel, die Medaillen einer Nation oder das Medaillenrennen"
    )
    assert set(payload["description_localizations"]) == set(payload["name_localizations"])


@pytest.mark.parametrize("locale", [code for code in SUPPORTED_LOCALES if code != "en"])
def test_translated_names_follow_discords_rules(locale: str) -> None:
    with (LOCALE_DIR / locale / "LC_MESSAGES" / "medalbot.po").open("rb") as f:
        catalogue = read_po(f, locale=locale)
    names = [m for m in catalogue if m.id and m.context == COMMAND_NAME]
    assert len(names) >= 20  # every command, group and option name is in the catalogue
    for message in names:
        assert isinstance(message.string, str)
        assert DISCORD_NAME.match(message.string), message.string
        assert message.string == message.string.lower(), message.string
        assert DISCORD_NAME.match(str(message.id)), message.id  # the source follows them too
