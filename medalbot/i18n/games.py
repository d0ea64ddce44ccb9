"""Display names of the Games an alert belongs to.

Alerts carry only the Games code (``games.code`` of the feed), so the names of the Games we know
are kept here, translatable like other text; an unknown code is shown as it is.
"""

from __future__ import annotations

from typing import Final

from medalbot.i18n.translator import N_, translator

GAMES_NAMES: Final[dict[str, str]] = {
    "OWG2022": N_("Beijing 2022"),
    "OG2024": N_("Paris 2024"),
    "OWG2026": N_("Milano Cortina 2026"),
    "OG2028": N_("Los Angeles 2028"),
    "OWG2030": N_("French Alps 2030"),
}


def games_name(code: str, locale: str | None = None) -> str:
    name = GAMES_NAMES.get(code.strip().upper())
    return translator(locale).gettext(name) if name is not None else code
