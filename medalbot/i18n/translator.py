"""Translators for the bot's own text, from the gettext catalogues in ``medalbot/locale``.

Only ``.po`` files are kept in the repository: a catalogue is compiled to ``.mo`` in memory the
first time its locale is used (babel's ``read_po`` + ``write_mo``), so there is no build step.
"""

from __future__ import annotations

import gettext
import logging
from collections.abc import Sequence
from datetime import date
from functools import lru_cache
from importlib import resources
from io import BytesIO
from typing import Final

from babel import Locale
from babel.dates import format_date
from babel.lists import format_list
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

log = logging.getLogger(__name__)

DOMAIN: Final = "medalbot"
DEFAULT_LOCALE: Final = "en"
# English is the source language; its catalogue holds the message list and plural rules.
# Codes are babel's (POSIX) and name the folders of medalbot/locale; a regional catalogue
# (pt_BR) also serves the rest of its language ("pt", "pt-PT").
SUPPORTED_LOCALES: Final = ("en", "nl", "fr", "de", "it", "es", "pt_BR", "ja")


def N_(message: str) -> str:
    """Mark a message for extraction where it is defined; translate it later where it is shown."""
    return message


# The gettext context of slash command, group and option names: they must stay lowercase words
# without spaces (Discord's rule), which the context tells translators.
COMMAND_NAME: Final = "command name"


def pN_(context: str, message: str) -> str:
    """``N_`` with a gettext context (extracted with the keyword spec ``pN_:1c,2``); the context
    must be a literal, e.g. ``pN_("command name", "medals")``."""
    return message


def _key(code: str) -> str:
    return code.strip().replace("_", "-").lower()


_BY_KEY: Final = {_key(code): code for code in SUPPORTED_LOCALES}
_BY_LANGUAGE: Final = {_key(code).split("-", 1)[0]: code for code in reversed(SUPPORTED_LOCALES)}


def resolve_locale(code: str | None) -> str:
    """Our locale for a Discord (``"nl"``, ``"en-GB"``, ``"es-419"``, ``"pt-BR"``) or POSIX/babel
    code (``"pt_BR"``).

    Exact matches win, then the language part (``"es-419"`` → ``"es"``, ``"pt"`` → ``"pt_BR"``);
    anything else falls back to English.
    """
    if not code:
        return DEFAULT_LOCALE
    normalised = _key(code)
    if normalised in _BY_KEY:
        return _BY_KEY[normalised]
    language = normalised.split("-", 1)[0]
    if language in _BY_LANGUAGE:
        return _BY_LANGUAGE[language]
    log.debug("no catalogue for locale %r, using %s", code, DEFAULT_LOCALE)
    return DEFAULT_LOCALE


def speaks(code: str | None) -> bool:
    """Whether a locale (or its language) has a catalogue, rather than falling back to
    English."""
    if not code:
        return False
    normalised = _key(code)
    return normalised in _BY_KEY or normalised.split("-", 1)[0] in _BY_LANGUAGE


def language_name(code: str) -> str:
    """A language named in itself, as a menu shows it: "Français", "Português (Brasil)"."""
    name = Locale.parse(code).get_display_name(code) or code
    return name[:1].upper() + name[1:]


class Translator:
    """Text and number/date/list formatting for one supported locale."""

    def __init__(self, code: str, translations: gettext.NullTranslations) -> None:
        self.code: Final = code
        self.babel_locale: Final = Locale.parse(code)
        self._translations = translations

    def __repr__(self) -> str:
        return f"Translator({self.code!r})"

    def gettext(self, message: str) -> str:
        return self._translations.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self._translations.ngettext(singular, plural, n)

    def pgettext(self, context: str, message: str) -> str:
        return self._translations.pgettext(context, message)

    def format_number(self, number: int | float) -> str:
        return format_decimal(number, locale=self.babel_locale)

    def format_date(self, day: date) -> str:
        """A date as people write it in this locale: "Feb 17, 2022" / "17 feb 2022"."""
        return format_date(day, format="medium", locale=self.babel_locale)

    def format_list(self, items: Sequence[str]) -> str:
        """ "A, B and C" / "A, B en C"."""
        return format_list(list(items), locale=self.babel_locale)


def translator(locale: str | None) -> Translator:
    """The translator for a locale code; unknown locales get English."""
    return _translator(resolve_locale(locale))


@lru_cache(maxsize=len(SUPPORTED_LOCALES))
def _translator(code: str) -> Translator:
    return Translator(code, _compile_catalogue(code))


def _compile_catalogue(code: str) -> gettext.GNUTranslations:
    po = resources.files("medalbot") / "locale" / code / "LC_MESSAGES" / f"{DOMAIN}.po"
    catalogue = read_po(BytesIO(po.read_bytes()), locale=code, domain=DOMAIN)
    compiled = BytesIO()
    write_mo(compiled, catalogue)  # fuzzy entries are left out, as msgfmt does
    compiled.seek(0)
    log.debug("compiled %s catalogue: %d messages", code, len(catalogue))
    return gettext.GNUTranslations(compiled)
