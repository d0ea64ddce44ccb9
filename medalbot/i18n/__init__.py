"""Localisation: gettext catalogues (compiled in memory), nation names and flags, and the
translator that gives slash commands their names and descriptions in Discord's locales.

Messages are marked with ``gettext``/``ngettext`` where the locale is at hand, with ``N_`` where
they are defined and translated later (tables, ``UserError`` templates, command descriptions),
and with ``pN_("command name", ...)`` for command, group and option names. Which files are
scanned is ``medalbot/i18n/babel.cfg``. ``make i18n`` updates the catalogues (English is the
source): it extracts the messages (``pybabel extract`` with ``-k pN_:1c,2``), merges them into
every ``medalbot/locale/<lang>/LC_MESSAGES/medalbot.po`` keeping the translations, and runs the
catalogue tests, which fail while any message is missing, fuzzy, empty or has other placeholders.

(gettext calls inside f-strings are not extracted: translate first, then format.)
Adding a language: ``pybabel init -i build/medalbot.pot -d medalbot/locale -D medalbot -l <lang>``
after ``make i18n``, list it in ``SUPPORTED_LOCALES``, translate every entry.
"""

from medalbot.i18n.games import games_name
from medalbot.i18n.nations import (
    NEUTRAL_FLAG,
    flag_emoji,
    iso2,
    known_nocs,
    nation_name,
    nation_names,
)
from medalbot.i18n.sports import SPORT_NAMES, sport_name
from medalbot.i18n.translator import (
    COMMAND_NAME,
    DEFAULT_LOCALE,
    N_,
    SUPPORTED_LOCALES,
    Translator,
    language_name,
    pN_,
    resolve_locale,
    speaks,
    translator,
)

__all__ = [
    "COMMAND_NAME",
    "DEFAULT_LOCALE",
    "NEUTRAL_FLAG",
    "N_",
    "SPORT_NAMES",
    "SUPPORTED_LOCALES",
    "Translator",
    "flag_emoji",
    "games_name",
    "iso2",
    "known_nocs",
    "language_name",
    "nation_name",
    "nation_names",
    "pN_",
    "resolve_locale",
    "speaks",
    "sport_name",
    "translator",
]
