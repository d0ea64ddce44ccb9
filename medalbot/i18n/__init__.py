"""Localisation: gettext catalogues (compiled in memory), nation names and flags.

Updating the catalogues after changing messages (English is the source language)::

    .venv/bin/pybabel extract --no-location --sort-output --project=medalbot \\
        -o /tmp/medalbot.pot medalbot/i18n medalbot/delivery/render*.py
    .venv/bin/pybabel update -i /tmp/medalbot.pot -d medalbot/locale -D medalbot \\
        --no-location --no-fuzzy-matching --width=100

(gettext calls inside f-strings are not extracted: translate first, then format) then
translate the new entries of each ``medalbot/locale/<lang>/LC_MESSAGES/medalbot.po``.
Adding a language: ``pybabel init -i /tmp/medalbot.pot -d medalbot/locale -D medalbot -l <lang>``
and list it in ``SUPPORTED_LOCALES``.
"""

from medalbot.i18n.games import games_name
from medalbot.i18n.nations import NEUTRAL_FLAG, flag_emoji, iso2, known_nocs, nation_name
from medalbot.i18n.translator import (
    DEFAULT_LOCALE,
    N_,
    SUPPORTED_LOCALES,
    Translator,
    resolve_locale,
    translator,
)

__all__ = [
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
    "resolve_locale",
    "translator",
]
