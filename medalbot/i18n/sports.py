"""Sport (discipline) names in the reader's language.

Feeds name sports in English, as olympics.com and ODF do ("Speed Skating", "Cycling Road"); the
names of every Olympic discipline are gettext messages here, translated in the catalogues with
the names each country's broadcasters use. A name we do not know is shown as the feed gives it.
"""

from __future__ import annotations

from typing import Final

from medalbot.i18n.translator import N_, translator

SPORT_NAMES: Final = frozenset(
    {
        # Olympic Winter Games
        N_("Alpine Skiing"),
        N_("Biathlon"),
        N_("Bobsleigh"),
        N_("Cross-Country Skiing"),
        N_("Curling"),
        N_("Figure Skating"),
        N_("Freestyle Skiing"),
        N_("Ice Hockey"),
        N_("Luge"),
        N_("Nordic Combined"),
        N_("Short Track Speed Skating"),
        N_("Skeleton"),
        N_("Ski Jumping"),
        N_("Ski Mountaineering"),
        N_("Snowboard"),
        N_("Speed Skating"),
        # Games of the Olympiad
        N_("3x3 Basketball"),
        N_("Archery"),
        N_("Artistic Gymnastics"),
        N_("Artistic Swimming"),
        N_("Athletics"),
        N_("Badminton"),
        N_("Basketball"),
        N_("Beach Volleyball"),
        N_("Boxing"),
        N_("Breaking"),
        N_("Canoe Slalom"),
        N_("Canoe Sprint"),
        N_("Cycling BMX Freestyle"),
        N_("Cycling BMX Racing"),
        N_("Cycling Mountain Bike"),
        N_("Cycling Road"),
        N_("Cycling Track"),
        N_("Diving"),
        N_("Equestrian"),
        N_("Fencing"),
        N_("Football"),
        N_("Golf"),
        N_("Handball"),
        N_("Hockey"),
        N_("Judo"),
        N_("Marathon Swimming"),
        N_("Modern Pentathlon"),
        N_("Rhythmic Gymnastics"),
        N_("Rowing"),
        N_("Rugby Sevens"),
        N_("Sailing"),
        N_("Shooting"),
        N_("Skateboarding"),
        N_("Sport Climbing"),
        N_("Surfing"),
        N_("Swimming"),
        N_("Table Tennis"),
        N_("Taekwondo"),
        N_("Tennis"),
        N_("Trampoline Gymnastics"),
        N_("Triathlon"),
        N_("Volleyball"),
        N_("Water Polo"),
        N_("Weightlifting"),
        N_("Wrestling"),
    }
)


def sport_name(sport: str, locale: str | None = None) -> str:
    """The sport's name in ``locale``; a sport we do not know is shown as the feed names it."""
    key = sport.strip()
    return translator(locale).gettext(key) if key in SPORT_NAMES else sport
