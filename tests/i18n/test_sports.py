"""Sport names as a reader sees them, in every language."""

from __future__ import annotations

import pytest

from medalbot.feeds.odf.codes import DISCIPLINES
from medalbot.i18n import SPORT_NAMES, SUPPORTED_LOCALES, sport_name


def test_every_discipline_a_feed_names_is_translatable() -> None:
    assert set(DISCIPLINES.values()) == SPORT_NAMES


@pytest.mark.parametrize(
    ("sport", "names"),
    [
        ("Speed Skating", "Speed Skating|Schaatsen|Patinage de vitesse|Eisschnelllauf|"
                          "Pattinaggio di velocità|Patinaje de velocidad|Patinação de velocidade|"
                          "スピードスケート"),
        ("Ski Jumping", "Ski Jumping|Schansspringen|Saut à ski|Skispringen|Salto con gli sci|"
                        "Saltos de esquí|Salto de esqui|スキージャンプ"),
        ("Athletics", "Athletics|Atletiek|Athlétisme|Leichtathletik|Atletica leggera|Atletismo|"
                      "Atletismo|陸上競技"),
        ("Swimming", "Swimming|Zwemmen|Natation|Schwimmen|Nuoto|Natación|Natação|競泳"),
    ],
)  # fmt: skip
def test_a_sport_is_named_as_each_languages_broadcasters_name_it(sport: str, names: str) -> None:
    assert [sport_name(sport, locale) for locale in SUPPORTED_LOCALES] == names.split("|")


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_every_sport_has_a_name_of_its_own_in_every_language(locale: str) -> None:
    names = [sport_name(s, locale) for s in sorted(SPORT_NAMES)]
    assert all(names) and len(set(names)) == len(names)
    if locale != "en":
        # a few names are the same everywhere (Curling, Judo); most are not
        assert sum(n != s for n, s in zip(names, sorted(SPORT_NAMES), strict=True)) >= 10


def test_a_sport_we_do_not_know_is_shown_as_the_feed_names_it() -> None:
    assert sport_name("Para Biathlon", "de") == "Para Biathlon"
    assert sport_name(" Biathlon ", "ja") == "バイアスロン"
