"""Nation names and flags as a reader sees them."""

from __future__ import annotations

import pytest

from medalbot.i18n import NEUTRAL_FLAG, flag_emoji, iso2, known_nocs, nation_name

# Every NOC that has won a Winter Games medal, historical ones included.
WINTER_MEDAL_NOCS = [
    "AUS", "AUT", "BEL", "BLR", "BUL", "CAN", "CHN", "CRO", "CZE", "DEN", "ESP", "EST", "EUA",
    "EUN", "FIN", "FRA", "FRG", "GBR", "GDR", "GER", "HUN", "ITA", "JPN", "KAZ", "KOR", "LAT",
    "LIE", "LUX", "NED", "NOR", "NZL", "OAR", "POL", "PRK", "ROC", "ROU", "RUS", "SLO", "SUI",
    "SVK", "SWE", "TCH", "UKR", "URS", "USA", "UZB", "YUG",
]  # fmt: skip


@pytest.mark.parametrize(
    ("noc", "flag", "english", "dutch"),
    [
        ("NED", "🇳🇱", "Netherlands", "Nederland"),
        ("GBR", "🇬🇧", "Great Britain", "Groot-Brittannië"),
        ("GER", "🇩🇪", "Germany", "Duitsland"),
        ("SUI", "🇨🇭", "Switzerland", "Zwitserland"),
        ("JPN", "🇯🇵", "Japan", "Japan"),
        ("KOS", "🇽🇰", "Kosovo", "Kosovo"),
        ("HKG", "🇭🇰", "Hong Kong, China", "Hongkong, China"),
        ("AIN", NEUTRAL_FLAG, "Individual Neutral Athletes", "Individuele Neutrale Atleten"),
        ("EOR", NEUTRAL_FLAG, "Refugee Olympic Team", "Olympisch Vluchtelingenteam"),
        ("URS", NEUTRAL_FLAG, "Soviet Union", "Sovjet-Unie"),
        ("TPE", NEUTRAL_FLAG, "Chinese Taipei", "Chinees Taipei"),
    ],
)
def test_flag_and_name_in_english_and_dutch(noc: str, flag: str, english: str, dutch: str) -> None:
    assert flag_emoji(noc) == flag
    assert nation_name(noc, "en") == english
    assert nation_name(noc, "en-GB") == english
    assert nation_name(noc, "nl") == dutch


def test_unknown_code_is_shown_as_the_code_under_a_white_flag() -> None:
    assert nation_name("XYZ", "nl") == "XYZ"
    assert flag_emoji("XYZ") == "🏳️"


def test_codes_are_read_case_insensitively() -> None:
    assert nation_name(" ned ", "nl") == "Nederland"
    assert flag_emoji("gbr") == "🇬🇧"


def test_an_unsupported_locale_gets_english_names_like_the_rest_of_the_text() -> None:
    assert nation_name("NED", "de") == "Netherlands"
    assert nation_name("NED", None) == "Netherlands"


def test_every_current_noc_is_mapped_to_a_distinct_territory() -> None:
    territories = [iso2(noc) for noc in known_nocs() if iso2(noc)]
    assert len(territories) == 206
    assert len(set(territories)) == 206


@pytest.mark.parametrize("locale", ["en", "nl"])
def test_every_winter_medal_noc_and_every_known_noc_has_a_real_name(locale: str) -> None:
    assert set(WINTER_MEDAL_NOCS) <= known_nocs()
    unnamed = [noc for noc in sorted(known_nocs()) if nation_name(noc, locale) == noc]
    assert unnamed == []


def test_every_flag_is_a_regional_indicator_pair_spelling_the_territory() -> None:
    for noc in known_nocs():
        flag, territory = flag_emoji(noc), iso2(noc)
        if territory is None or noc == "TPE":
            assert flag == NEUTRAL_FLAG, noc
            continue
        assert len(flag) == 2, noc
        assert "".join(chr(ord(c) - 0x1F1E6 + ord("A")) for c in flag) == territory
