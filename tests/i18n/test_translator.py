"""Locale resolution, translations and the catalogues themselves."""

from __future__ import annotations

import string
from datetime import date
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_keywords, parse_mapping_cfg
from babel.messages.pofile import read_po

import medalbot
from medalbot.i18n import SUPPORTED_LOCALES, resolve_locale, translator

PACKAGE = Path(medalbot.__file__).parent
LOCALE_DIR = PACKAGE / "locale"
MAPPING = PACKAGE / "i18n" / "babel.cfg"
# The extraction keywords of the pybabel command in medalbot/i18n/__init__.py (``-k pN_:1c,2``).
KEYWORDS = {**DEFAULT_KEYWORDS, **parse_keywords(["pN_:1c,2"])}

# A message: its id (a (singular, plural) pair for plurals) and its gettext context.
MessageKey = tuple[str | None, str | tuple[str, str]]


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("nl", "nl"),
        ("NL", "nl"),
        ("nl-BE", "nl"),
        ("nl_NL", "nl"),
        ("en-US", "en"),
        ("en-GB", "en"),
        ("de", "en"),
        ("pt-BR", "en"),
        ("zh-TW", "en"),
        ("", "en"),
        (None, "en"),
        ("not a locale", "en"),
    ],
)
def test_discord_and_posix_codes_map_to_our_locales(code: str | None, expected: str) -> None:
    assert resolve_locale(code) == expected


def test_dutch_text_is_translated() -> None:
    assert translator("nl").gettext("Podium so far") == "Podium tot nu toe"
    assert translator("nl-BE").gettext("Medal count") == "Medaillestand"


def test_english_and_unknown_locales_show_the_source_text() -> None:
    assert translator("en-US").gettext("Podium so far") == "Podium so far"
    assert translator("de").gettext("Podium so far") == "Podium so far"


def test_an_unknown_message_is_shown_as_it_is() -> None:
    assert translator("nl").gettext("no such message") == "no such message"


@pytest.mark.parametrize(
    ("locale", "n", "expected"),
    [
        ("en", 1, "{count} medal"),
        ("en", 2, "{count} medals"),
        ("en", 0, "{count} medals"),
        ("nl", 1, "{count} medaille"),
        ("nl", 6, "{count} medailles"),
    ],
)
def test_plurals_follow_the_locale(locale: str, n: int, expected: str) -> None:
    assert translator(locale).ngettext("{count} medal", "{count} medals", n) == expected


def test_format_helpers_follow_the_locale() -> None:
    en, nl = translator("en"), translator("nl")
    assert en.format_list(["Jutta", "Femke", "Joy"]) == "Jutta, Femke, and Joy"
    assert nl.format_list(["Jutta", "Femke", "Joy"]) == "Jutta, Femke en Joy"
    assert en.format_date(date(2022, 2, 17)) == "Feb 17, 2022"
    assert nl.format_date(date(2022, 2, 17)) == "17 feb 2022"
    assert en.format_number(1234) == "1,234"
    assert nl.format_number(1234) == "1.234"


def test_translators_are_cached_per_locale() -> None:
    assert translator("nl") is translator("nl-BE")
    assert translator("en") is translator("fr")
    assert translator("nl") is not translator("en")


def test_every_supported_locale_has_a_catalogue_and_no_other_exists() -> None:
    on_disk = {p.parent.parent.name for p in LOCALE_DIR.glob("*/LC_MESSAGES/medalbot.po")}
    assert on_disk == set(SUPPORTED_LOCALES)
    assert not list(LOCALE_DIR.rglob("*.mo")), "only .po files are kept; .mo is built in memory"


# --- the catalogues match the code ------------------------------------------------------------


def _source_messages() -> set[MessageKey]:
    """Every message marked in the code the catalogues cover (as ``pybabel extract`` sees it,
    with the files of medalbot/i18n/babel.cfg)."""
    with MAPPING.open(encoding="utf-8") as f:
        method_map, options_map = parse_mapping_cfg(f, str(MAPPING))
    found: set[MessageKey] = set()
    for _file, _line, message, _comments, context in extract_from_dir(
        PACKAGE, method_map, options_map, keywords=KEYWORDS
    ):
        found.add((context, message if isinstance(message, str) else (message[0], message[1])))
    return found


def _catalogue(locale: str) -> dict[MessageKey, str | tuple[str, ...]]:
    path = LOCALE_DIR / locale / "LC_MESSAGES" / "medalbot.po"
    with path.open("rb") as f:
        catalogue = read_po(f, locale=locale)
    return {
        (m.context, m.id if isinstance(m.id, str) else (m.id[0], m.id[1])): m.string
        for m in catalogue
        if m.id and not m.fuzzy
    }


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_the_extraction_sees_the_messages() -> None:
    messages = _source_messages()
    assert (None, "Podium so far") in messages
    assert (None, ("{count} medal", "{count} medals")) in messages
    assert (None, "Great Britain") in messages  # marked with N_ in a table
    assert (None, "Medal table") in messages  # a reply to /medals (cogs)
    assert (None, "No nation “{noc}” takes part in these Games.") in messages  # a UserError
    assert (None, "The medal table, or one nation's medals") in messages  # a description
    assert ("command name", "medals") in messages  # a command name, in its own context
    assert ("command name", "logchannel") in messages


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_catalogue_holds_exactly_the_messages_of_the_code(locale: str) -> None:
    source, catalogue = _source_messages(), _catalogue(locale)
    assert sorted(map(str, source - catalogue.keys())) == [], "run pybabel update (see i18n)"
    assert sorted(map(str, catalogue.keys() - source)) == [], "stale entries in the catalogue"


def test_dutch_translates_every_message_keeping_its_placeholders() -> None:
    for (_context, message_id), translation in _catalogue("nl").items():
        ids = [message_id] if isinstance(message_id, str) else list(message_id)
        forms = [translation] if isinstance(translation, str) else list(translation)
        assert all(forms), f"untranslated: {message_id!r}"
        for form in forms:
            assert _placeholders(form) == _placeholders(ids[-1]), (message_id, form)
