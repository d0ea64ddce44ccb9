"""Nation names and flags as a reader sees them."""

from __future__ import annotations

import pytest

from medalbot.i18n import (
    NEUTRAL_FLAG,
    SUPPORTED_LOCALES,
    flag_emoji,
    iso2,
    known_nocs,
    nation_name,
    nation_names,
)
from medalbot.i18n.nations import NAME_OVERRIDES
from tests.feeds.olympics_days import (
    FIRST_DAY_2026,
    PARALYMPICS_2026,
    PARIS_MEDALLISTS,
    PARIS_MEDALS,
    load,
)

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
    assert nation_name("NED", "ko") == "Netherlands"
    assert nation_name("NED", None) == "Netherlands"


def test_every_current_noc_is_mapped_to_a_distinct_territory() -> None:
    territories = [iso2(noc) for noc in known_nocs() if iso2(noc)]
    assert len(territories) == 206
    assert len(set(territories)) == 206


# olympics.com's English names (Paris 2024 medal table), then each language's usual name for the
# team (from CLDR or from the catalogue), in the order of SUPPORTED_LOCALES.
@pytest.mark.parametrize(
    ("noc", "names"),
    [
        ("KOR", "Korea|Zuid-Korea|Corée du Sud|Südkorea|Corea del Sud|Corea del Sur|Coreia do Sul|"
                "韓国"),
        ("PRK", "DPR Korea|Noord-Korea|Corée du Nord|Nordkorea|Corea del Nord|Corea del Norte|"
                "Coreia do Norte|北朝鮮"),
        ("IRI", "IR Iran|Iran|Iran|Iran|Iran|Irán|Irã|イラン"),
        ("USA", "United States|Verenigde Staten|États-Unis|USA|Stati Uniti|Estados Unidos|"
                "Estados Unidos|アメリカ"),
        ("GBR", "Great Britain|Groot-Brittannië|Grande-Bretagne|Großbritannien|Gran Bretagna|"
                "Gran Bretaña|Grã-Bretanha|イギリス"),
        ("TPE", "Chinese Taipei|Chinees Taipei|Taipei chinois|Chinesisch Taipeh|Taipei Cinese|"
                "Taipéi Chino|Taipé Chinesa|チャイニーズ・タイペイ"),
        ("HKG", "Hong Kong, China|Hongkong, China|Hong Kong, Chine|Hongkong, China|Hong Kong, Cina|"
                "Hong Kong, China|Hong Kong, China|香港"),
        ("EOR", "Refugee Olympic Team|Olympisch Vluchtelingenteam|Équipe olympique des réfugiés|"
                "Olympisches Flüchtlingsteam|Squadra Olimpica dei Rifugiati|"
                "Equipo Olímpico de Refugiados|Equipe Olímpica de Refugiados|難民選手団"),
        ("AIN", "Individual Neutral Athletes|Individuele Neutrale Atleten|"
                "Athlètes individuels neutres|Individuelle Neutrale Athleten|"
                "Atleti Individuali Neutrali|Atletas Individuales Neutrales|"
                "Atletas Individuais Neutros|個人の中立選手（AIN）"),
        ("TUR", "Türkiye|Turkije|Turquie|Türkei|Turchia|Turquía|Turquia|トルコ"),
        ("CPV", "Cabo Verde|Kaapverdië|Cap-Vert|Kap Verde|Capo Verde|Cabo Verde|Cabo Verde|"
                "カーボベルデ"),
        ("MDA", "Republic of Moldova|Moldavië|Moldavie|Moldau|Moldavia|Moldavia|Moldávia|モルドバ"),
        ("NED", "Netherlands|Nederland|Pays-Bas|Niederlande|Paesi Bassi|Países Bajos|Países Baixos|"
                "オランダ"),
    ],
)  # fmt: skip
def test_the_ioc_name_in_english_and_the_usual_name_in_every_language(noc: str, names: str) -> None:
    assert SUPPORTED_LOCALES == ("en", "nl", "fr", "de", "it", "es", "pt_BR", "ja")
    assert [nation_name(noc, locale) for locale in SUPPORTED_LOCALES] == names.split("|")


def test_discords_regional_codes_get_their_languages_names() -> None:
    assert nation_name("KOR", "es-419") == nation_name("KOR", "es-ES") == "Corea del Sur"
    assert nation_name("KOR", "pt-BR") == "Coreia do Sul"


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_every_winter_medal_noc_and_every_known_noc_has_a_real_name(locale: str) -> None:
    assert set(WINTER_MEDAL_NOCS) <= known_nocs()
    # a name the catalogue gives may be the code itself ("USA" in German)
    unnamed = [
        noc
        for noc in sorted(known_nocs())
        if nation_name(noc, locale) == noc and noc not in NAME_OVERRIDES
    ]
    assert unnamed == []


def test_every_flag_is_a_regional_indicator_pair_spelling_the_territory() -> None:
    for noc in known_nocs():
        flag, territory = flag_emoji(noc), iso2(noc)
        if territory is None or noc == "TPE":
            assert flag == NEUTRAL_FLAG, noc
            continue
        assert len(flag) == 2, noc
        assert "".join(chr(ord(c) - 0x1F1E6 + ord("A")) for c in flag) == territory


def test_a_fan_may_type_any_name_we_show_or_the_everyday_english_one() -> None:
    names = nation_names("KOR")
    assert {"Korea", "South Korea", "Südkorea", "Corée du Sud", "韓国"} <= names
    assert "Cape Verde" in nation_names("CPV")
    assert nation_names("AIN") >= {"Individual Neutral Athletes", "個人の中立選手（AIN）"}


def test_every_english_name_is_the_one_olympics_com_shows() -> None:
    """One rule: olympics.com's name for every team of its Paris 2024 and Milano Cortina 2026
    bodies (where the site shows only a code, as for AIN and EOR, we show the team's name)."""
    shown: dict[str, str] = {}
    for body in (PARIS_MEDALS, FIRST_DAY_2026, PARALYMPICS_2026):
        for row in load(body)["medalStandings"]["medalsTable"]:
            shown[row["organisation"]] = row["description"]
    for athlete in load(PARIS_MEDALLISTS)["athletes"]:
        shown.setdefault(athlete["organisation"], athlete["organisationName"])
    assert len(shown) >= 92
    different = {
        noc: (nation_name(noc, "en"), site)
        for noc, site in shown.items()
        if nation_name(noc, "en") != site
    }
    assert different == {
        "AIN": ("Individual Neutral Athletes", "AIN"),
        "EOR": ("Refugee Olympic Team", "EOR"),
    }
