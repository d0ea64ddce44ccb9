"""Locale resolution, translations and the catalogues themselves."""

from __future__ import annotations

import string
from datetime import date
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

import medalbot
from medalbot.i18n import SUPPORTED_LOCALES, resolve_locale, translator

PACKAGE = Path(medalbot.__file__).parent
LOCALE_DIR = PACKAGE / "locale"


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


def _source_messages() -> set[str | tuple[str, str]]:
    """Every message marked in the code the catalogues cover (as ``pybabel extract`` sees it)."""
    files = sorted((PACKAGE / "i18n").glob("*.py")) + sorted(
        (PACKAGE / "delivery").glob("render*.py")
    )
    found: set[str | tuple[str, str]] = set()
    for path in files:
        for _line, message, _comments, _context in extract_from_file("python", str(path)):
            found.add(message if isinstance(message, str) else (message[0], message[1]))
    return found


def _catalogue(locale: str) -> dict[str | tuple[str, str], str | tuple[str, ...]]:
    path = LOCALE_DIR / locale / "LC_MESSAGES" / "medalbot.po"
    with path.open("rb") as f:
        catalogue = read_po(f, locale=locale)
    return {
        (m.id if isinstance(m.id, str) else (m.id[0], m.id[1])): m.string
        for m in catalogue
        if m.id and not m.fuzzy
    }


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_the_extraction_sees_the_messages() -> None:
    messages = _source_messages()
    assert "Podium so far" in messages
    assert ("{count} medal", "{count} medals") in messages
    assert "Great Britain" in messages  # marked with N_ in a table


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_catalogue_holds_exactly_the_messages_of_the_code(locale: str) -> None:
    source, catalogue = _source_messages(), _catalogue(locale)
    assert sorted(map(str, source - catalogue.keys())) == [], "run pybabel update (see i18n)"
    assert sorted(map(str, catalogue.keys() - source)) == [], "stale entries in the catalogue"


def test_dutch_translates_every_message_keeping_its_placeholders() -> None:
    for message_id, translation in _catalogue("nl").items():
        ids = [message_id] if isinstance(message_id, str) else list(message_id)
        forms = [translation] if isinstance(translation, str) else list(translation)
        assert all(forms), f"untranslated: {message_id!r}"
        for form in forms:
            assert _placeholders(form) == _placeholders(ids[-1]), (message_id, form)
