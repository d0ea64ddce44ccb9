"""Locale resolution, translations and the catalogues themselves."""

from __future__ import annotations

import string
from datetime import date
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_keywords, parse_mapping_cfg
from babel.messages.pofile import read_po

import medalbot
from medalbot.i18n import SUPPORTED_LOCALES, language_name, resolve_locale, translator

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
        ("fr", "fr"),
        ("de", "de"),
        ("it", "it"),
        ("es-ES", "es"),
        ("es-419", "es"),
        ("pt-BR", "pt_BR"),
        ("pt_BR", "pt_BR"),
        ("pt", "pt_BR"),
        ("ja", "ja"),
        ("zh-TW", "en"),
        ("ko", "en"),
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
    assert translator("ko").gettext("Podium so far") == "Podium so far"


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
    assert translator("en") is translator("ko")
    assert translator("es-ES") is translator("es-419")
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
        # babel's frontend module has no annotations
        method_map, options_map = parse_mapping_cfg(f, str(MAPPING))  # type: ignore[no-untyped-call]
    found: set[MessageKey] = set()
    for _file, _line, message, _comments, context in extract_from_dir(
        PACKAGE, method_map, options_map, keywords=KEYWORDS
    ):
        found.add((context, message if isinstance(message, str) else (message[0], message[1])))
    return found


def _read(locale: str) -> Catalog:
    path = LOCALE_DIR / locale / "LC_MESSAGES" / "medalbot.po"
    with path.open("rb") as f:
        return read_po(f, locale=locale)


def _catalogue(locale: str) -> dict[MessageKey, str | tuple[str, ...] | list[str] | None]:
    """A catalogue's messages; fuzzy ones count as missing (gettext does not use them)."""
    return {
        (m.context, m.id if isinstance(m.id, str) else (m.id[0], m.id[1])): m.string
        for m in _read(locale)
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
    assert (
        None,
        "The medal table, one nation's medals, or the medal race",
    ) in messages  # a description
    assert ("command name", "medals") in messages  # a command name, in its own context
    assert ("command name", "logchannel") in messages


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_catalogue_holds_exactly_the_messages_of_the_code(locale: str) -> None:
    source, catalogue = _source_messages(), _catalogue(locale)
    assert sorted(map(str, source - catalogue.keys())) == [], "run pybabel update (see i18n)"
    assert sorted(map(str, catalogue.keys() - source)) == [], "stale entries in the catalogue"


@pytest.mark.parametrize("locale", [code for code in SUPPORTED_LOCALES if code != "en"])
def test_every_language_translates_every_message_keeping_its_placeholders(locale: str) -> None:
    catalogue = _read(locale)
    assert not catalogue.fuzzy, "the catalogue's header is marked fuzzy"
    problems = []
    for message in catalogue:
        if not message.id:
            continue
        if message.fuzzy:
            problems.append(f"fuzzy: {message.id!r}")
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        forms = [message.string] if isinstance(message.string, str) else list(message.string or ())
        if not isinstance(message.id, str) and len(forms) != catalogue.num_plurals:
            problems.append(f"{len(forms)} plural forms, not {catalogue.num_plurals}: {ids[0]!r}")
        for form in forms:
            if not form:
                problems.append(f"untranslated: {ids[0]!r}")
            elif _placeholders(form) != _placeholders(ids[-1]):
                problems.append(f"placeholders differ: {ids[-1]!r} → {form!r}")
    assert problems == []


def test_the_english_catalogue_is_the_source_and_stays_untranslated() -> None:
    # English text is the msgid itself: a msgstr in the en catalogue would silently override it
    assert [m.id for m in _read("en") if m.id and m.string and any(m.string)] == []


def test_languages_are_offered_named_in_themselves() -> None:
    assert [language_name(code) for code in SUPPORTED_LOCALES] == [
        "English",
        "Nederlands",
        "Français",
        "Deutsch",
        "Italiano",
        "Español",
        "Português (Brasil)",
        "日本語",
    ]


@pytest.mark.parametrize(
    ("locale", "medal_table", "one", "two"),
    [
        ("fr", "Tableau des médailles", "1 médaille", "2 médailles"),
        ("de", "Medaillenspiegel", "1 Medaille", "2 Medaillen"),
        ("it", "Medagliere", "1 medaglia", "2 medaglie"),
        ("es-ES", "Medallero", "1 medalla", "2 medallas"),
        ("es-419", "Medallero", "1 medalla", "2 medallas"),
        ("pt-BR", "Quadro de medalhas", "1 medalha", "2 medalhas"),
        ("ja", "メダル獲得数", "メダル1個", "メダル2個"),
    ],
)
def test_each_language_speaks_as_its_broadcasters_do(
    locale: str, medal_table: str, one: str, two: str
) -> None:
    t = translator(locale)
    assert t.gettext("Medal table") == medal_table
    assert t.ngettext("{count} medal", "{count} medals", 1).format(count=1) == one
    assert t.ngettext("{count} medal", "{count} medals", 2).format(count=2) == two
