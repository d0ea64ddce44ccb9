"""Nation names and flags as a reader sees them."""

from __future__ import annotations

import re
from importlib import resources
from io import BytesIO
from pathlib import Path

import pytest
from babel import Locale
from babel.messages.pofile import read_po

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


# olympics.com's name of every NOC that won a medal at Paris 2024 or Milano Cortina 2026, in each
# language after English (whose names the last test checks against the bodies themselves): the
# IOC's designation ("République de Corée", "RI d'Iran", "Republik Korea", "大韓民国"), not the
# everyday name ("Corée du Sud", "Iran", "Südkorea", "韓国").
def olympics_com_names() -> dict[str, dict[str, str]]:
    lines = [
        line
        for line in (Path(__file__).parent / "olympics_com_names.psv")
        .read_text(encoding="utf-8")
        .splitlines()
        if line and not line.startswith("#")
    ]
    _, *languages = lines[0].split("|")
    assert tuple(languages) == SUPPORTED_LOCALES[1:]
    return {
        noc: dict(zip(languages, names, strict=True))
        for noc, *names in (line.split("|") for line in lines[1:])
    }


NAMES = olympics_com_names()


def medal_winning_nocs() -> set[str]:
    """Every NOC in the medal tables and medallists of the bundled olympics.com bodies and in the
    sample Games medalbot ships."""
    nocs = {
        row["organisation"]
        for body in (PARIS_MEDALS, FIRST_DAY_2026, PARALYMPICS_2026)
        for row in load(body)["medalStandings"]["medalsTable"]
    }
    nocs |= {athlete["organisation"] for athlete in load(PARIS_MEDALLISTS)["athletes"]}
    samples = resources.files("medalbot") / "samples"
    for folder in samples.iterdir():
        for path in folder.iterdir() if folder.is_dir() else ():
            if path.name.endswith(".json"):
                nocs |= set(re.findall(r'"noc": "([A-Z]{3})"', path.read_text(encoding="utf-8")))
    return nocs


def test_the_table_names_every_medal_winning_noc() -> None:
    assert medal_winning_nocs() == set(NAMES)


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES[1:])
def test_every_medal_winning_noc_has_olympics_coms_name_in_every_language(locale: str) -> None:
    shown = {noc: nation_name(noc, locale) for noc in NAMES}
    assert shown == {noc: names[locale] for noc, names in NAMES.items()}


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES[1:])
def test_no_name_falls_back_to_english_where_the_language_has_one(locale: str) -> None:
    """Each name is the language's own: its catalogue's translation of an IOC designation, or
    CLDR's name of the territory in that language (never the English CLDR name or msgid)."""
    po = resources.files("medalbot") / "locale" / locale / "LC_MESSAGES" / "medalbot.po"
    catalogue = read_po(BytesIO(po.read_bytes()), locale=locale)
    territories = Locale.parse(locale).territories
    for noc in sorted(known_nocs()):
        if noc in NAME_OVERRIDES:
            message = catalogue.get(NAME_OVERRIDES[noc])
            own = message.string if message is not None and not message.fuzzy else None
        else:
            own = territories.get(iso2(noc) or "")
        assert own, (noc, locale)
        assert nation_name(noc, locale) == own, (noc, locale)


def test_discords_regional_codes_get_their_languages_names() -> None:
    assert nation_name("KOR", "es-419") == nation_name("KOR", "es-ES") == "República de Corea"
    assert nation_name("KOR", "pt-BR") == "República da Coreia"


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


@pytest.mark.parametrize(
    ("noc", "typed"),
    [
        ("KOR", "South Korea|Zuid-Korea|Corée du Sud|Südkorea|Corea del Sud|Corea del Sur|"
                "Coreia do Sul|韓国|Korea|République de Corée|Republik Korea|大韓民国"),
        ("PRK", "North Korea|Nordkorea|Corée du Nord|Corea del Norte|北朝鮮|DPR Korea"),
        ("IRI", "Iran|Irán|Irã|イラン|IR Iran|RI d'Iran"),
        ("USA", "United States|America|Vereinigte Staaten|アメリカ|アメリカ合衆国|米国"),
        ("TUR", "Turkey|Turkije|Turquie|Türkei|Turchia|Turquía|Turquia|Türkiye|トルコ"),
        ("CPV", "Cape Verde|Kaapverdië|Cap-Vert|Kap Verde|Capo Verde|Cabo Verde"),
        ("CIV", "Ivory Coast|Ivoorkust|Elfenbeinküste|Costa de Marfil|Côte d'Ivoire"),
        ("RUS", "Russia|Rusland|Russie|Russland|Rusia|Rússia|Russian Federation"),
        ("MDA", "Moldova|Moldavië|Moldavie|Moldau|Moldávia|Republic of Moldova"),
        ("CZE", "Czech Republic|Czechia|Repubblica Ceca|Cechia|チェコ"),
        ("HKG", "Hong Kong|Hongkong|Hong Kong, China|香港"),
        ("TPE", "Taiwan|台湾|Chinese Taipei|Taipei chinois"),
        ("GBR", "United Kingdom|UK|Britain|Great Britain|Royaume-Uni|Vereinigtes Königreich"),
        ("AIN", "Individual Neutral Athletes|個人の中立選手（AIN）"),
    ],
)  # fmt: skip
def test_a_fan_may_type_the_ioc_name_or_the_everyday_one_in_any_language(
    noc: str, typed: str
) -> None:
    names = nation_names(noc)
    assert set(typed.split("|")) <= names
    others = set().union(*(nation_names(other) for other in known_nocs() - {noc}))
    assert not names & others  # each name finds one nation only


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
