"""Localisation: gettext catalogues (compiled in memory), nation names and flags, and the
translator that gives slash commands their names and descriptions in Discord's locales.

Messages are marked with ``gettext``/``ngettext`` where the locale is at hand, with ``N_`` where
they are defined and translated later (tables, ``UserError`` templates, command descriptions),
and with ``pN_("command name", ...)`` for command, group and option names. Which files are
scanned is ``medalbot/i18n/babel.cfg``. Updating the catalogues (English is the source)::

    .venv/bin/pybabel extract -F medalbot/i18n/babel.cfg -k pN_:1c,2 --no-location \\
        --sort-output --project=medalbot -o /tmp/medalbot.pot medalbot
    .venv/bin/pybabel update -i /tmp/medalbot.pot -d medalbot/locale -D medalbot \\
        --ignore-obsolete --no-fuzzy-matching --width=100

(gettext calls inside f-strings are not extracted: translate first, then format) then
translate the new entries of each ``medalbot/locale/<lang>/LC_MESSAGES/medalbot.po``.
Adding a language: ``pybabel init -i /tmp/medalbot.pot -d medalbot/locale -D medalbot -l <lang>``
and list it in ``SUPPORTED_LOCALES``.
"""

from medalbot.i18n.games import games_name
from medalbot.i18n.nations import NEUTRAL_FLAG, flag_emoji, iso2, known_nocs, nation_name
from medalbot.i18n.translator import (
    COMMAND_NAME,
    DEFAULT_LOCALE,
    N_,
    SUPPORTED_LOCALES,
    Translator,
    pN_,
    resolve_locale,
    translator,
)

__all__ = [
    "COMMAND_NAME",
    "DEFAULT_LOCALE",
    "NEUTRAL_FLAG",
    "N_",
    "SUPPORTED_LOCALES",
    "Translator",
    "flag_emoji",
    "games_name",
    "iso2",
    "known_nocs",
    "nation_name",
    "pN_",
    "resolve_locale",
    "translator",
]
