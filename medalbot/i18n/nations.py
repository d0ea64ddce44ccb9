"""Nation names and flags for IOC codes.

One rule in every language: the IOC's designation of the team as olympics.com writes it in that
language. English "Korea", "IR Iran", "Türkiye", "Hong Kong, China"; French "République de
Corée", "RI d'Iran", "Hong Kong, Chine", "Taipei chinois"; German "Republik Korea", "Chinesisch
Taipeh"; Japanese "大韓民国", "チャイニーズ・タイペイ", "香港"; and likewise in Italian, Spanish and
Portuguese (Brazil). olympics.com has no Dutch edition, so Dutch renders the IOC's English
designation in Dutch ("Korea", "DVR Korea", "IR Iran", "Türkiye", "Cabo Verde").

Most designations are simply the country's name, which CLDR (babel's territory names) gives in
every language through the IOC → ISO 3166 alpha-2 mapping below. Where the IOC's differs from
CLDR's in some language (Korea, IR Iran, Türkiye, Cabo Verde, Côte d'Ivoire, the Russian
Federation, Great Britain, Chinese Taipei, ...), for teams without a country and for historical
NOCs, the name is a gettext message instead (English source: olympics.com's name), translated in
the catalogues like any other text. The fallback for an NOC without an olympics.com name we are
sure of is the same: CLDR's name of its territory in the reader's language, never English.

Fans may still type the everyday names: ``nation_names`` adds CLDR's name in every language we
speak ("South Korea", "Südkorea", "Iran", "Turquie") to the IOC's.
"""

from __future__ import annotations

from functools import cache
from typing import Final

from babel import Locale

from medalbot.i18n.translator import N_, SUPPORTED_LOCALES, translator

# Every current NOC (all 206), by IOC code. Codes that differ from
# the ISO alpha-3 code are the point of the table (NED ≠ NLD, GER ≠ DEU, SUI ≠ CHE, …).
IOC_TO_ISO2: Final[dict[str, str]] = {
    "AFG": "AF", "ALB": "AL", "ALG": "DZ", "AND": "AD", "ANG": "AO", "ANT": "AG", "ARG": "AR",
    "ARM": "AM", "ARU": "AW", "ASA": "AS", "AUS": "AU", "AUT": "AT", "AZE": "AZ", "BAH": "BS",
    "BAN": "BD", "BAR": "BB", "BDI": "BI", "BEL": "BE", "BEN": "BJ", "BER": "BM", "BHU": "BT",
    "BIH": "BA", "BIZ": "BZ", "BLR": "BY", "BOL": "BO", "BOT": "BW", "BRA": "BR", "BRN": "BH",
    "BRU": "BN", "BUL": "BG", "BUR": "BF", "CAF": "CF", "CAM": "KH", "CAN": "CA", "CAY": "KY",
    "CGO": "CG", "CHA": "TD", "CHI": "CL", "CHN": "CN", "CIV": "CI", "CMR": "CM", "COD": "CD",
    "COK": "CK", "COL": "CO", "COM": "KM", "CPV": "CV", "CRC": "CR", "CRO": "HR", "CUB": "CU",
    "CYP": "CY", "CZE": "CZ", "DEN": "DK", "DJI": "DJ", "DMA": "DM", "DOM": "DO", "ECU": "EC",
    "EGY": "EG", "ERI": "ER", "ESA": "SV", "ESP": "ES", "EST": "EE", "ETH": "ET", "FIJ": "FJ",
    "FIN": "FI", "FRA": "FR", "FSM": "FM", "GAB": "GA", "GAM": "GM", "GBR": "GB", "GBS": "GW",
    "GEO": "GE", "GEQ": "GQ", "GER": "DE", "GHA": "GH", "GRE": "GR", "GRN": "GD", "GUA": "GT",
    "GUI": "GN", "GUM": "GU", "GUY": "GY", "HAI": "HT", "HKG": "HK", "HON": "HN", "HUN": "HU",
    "INA": "ID", "IND": "IN", "IRI": "IR", "IRL": "IE", "IRQ": "IQ", "ISL": "IS", "ISR": "IL",
    "ISV": "VI", "ITA": "IT", "IVB": "VG", "JAM": "JM", "JOR": "JO", "JPN": "JP", "KAZ": "KZ",
    "KEN": "KE", "KGZ": "KG", "KIR": "KI", "KOR": "KR", "KOS": "XK", "KSA": "SA", "KUW": "KW",
    "LAO": "LA", "LAT": "LV", "LBA": "LY", "LBN": "LB", "LBR": "LR", "LCA": "LC", "LES": "LS",
    "LIE": "LI", "LTU": "LT", "LUX": "LU", "MAD": "MG", "MAR": "MA", "MAS": "MY", "MAW": "MW",
    "MDA": "MD", "MDV": "MV", "MEX": "MX", "MGL": "MN", "MHL": "MH", "MKD": "MK", "MLI": "ML",
    "MLT": "MT", "MNE": "ME", "MON": "MC", "MOZ": "MZ", "MRI": "MU", "MTN": "MR", "MYA": "MM",
    "NAM": "NA", "NCA": "NI", "NED": "NL", "NEP": "NP", "NGR": "NG", "NIG": "NE", "NOR": "NO",
    "NRU": "NR", "NZL": "NZ", "OMA": "OM", "PAK": "PK", "PAN": "PA", "PAR": "PY", "PER": "PE",
    "PHI": "PH", "PLE": "PS", "PLW": "PW", "PNG": "PG", "POL": "PL", "POR": "PT", "PRK": "KP",
    "PUR": "PR", "QAT": "QA", "ROU": "RO", "RSA": "ZA", "RUS": "RU", "RWA": "RW", "SAM": "WS",
    "SEN": "SN", "SEY": "SC", "SGP": "SG", "SKN": "KN", "SLE": "SL", "SLO": "SI", "SMR": "SM",
    "SOL": "SB", "SOM": "SO", "SRB": "RS", "SRI": "LK", "SSD": "SS", "STP": "ST", "SUD": "SD",
    "SUI": "CH", "SUR": "SR", "SVK": "SK", "SWE": "SE", "SWZ": "SZ", "SYR": "SY", "TAN": "TZ",
    "TGA": "TO", "THA": "TH", "TJK": "TJ", "TKM": "TM", "TLS": "TL", "TOG": "TG", "TPE": "TW",
    "TTO": "TT", "TUN": "TN", "TUR": "TR", "TUV": "TV", "UAE": "AE", "UGA": "UG", "UKR": "UA",
    "URU": "UY", "USA": "US", "UZB": "UZ", "VAN": "VU", "VEN": "VE", "VIE": "VN", "VIN": "VC",
    "YEM": "YE", "ZAM": "ZM", "ZIM": "ZW",
}  # fmt: skip

# Olympic designations that differ from CLDR's name, and teams or NOCs that have no territory.
# Values are gettext messages (English source: olympics.com's name), translated in
# medalbot/locale/* into olympics.com's name for the team in that language.
NAME_OVERRIDES: Final[dict[str, str]] = {
    "GBR": N_("Great Britain"),
    "USA": N_("United States"),
    "KOR": N_("Korea"),
    "PRK": N_("DPR Korea"),
    "IRI": N_("IR Iran"),
    "TUR": N_("Türkiye"),
    "CZE": N_("Czechia"),
    "MDA": N_("Republic of Moldova"),
    "CPV": N_("Cabo Verde"),
    "CIV": N_("Côte d'Ivoire"),
    "RUS": N_("Russian Federation"),
    "SYR": N_("Syrian Arab Republic"),
    "BRU": N_("Brunei Darussalam"),
    "FSM": N_("Federated States of Micronesia"),
    "ISV": N_("Virgin Islands, US"),
    "IVB": N_("Virgin Islands, British"),
    "TPE": N_("Chinese Taipei"),
    "HKG": N_("Hong Kong, China"),
    "COD": N_("DR Congo"),
    "CGO": N_("Congo"),
    "MYA": N_("Myanmar"),
    "PLE": N_("Palestine"),
    "BIH": N_("Bosnia and Herzegovina"),
    "SKN": N_("Saint Kitts and Nevis"),
    "TTO": N_("Trinidad and Tobago"),
    "ANT": N_("Antigua and Barbuda"),
    "STP": N_("Sao Tome and Principe"),
    "LCA": N_("Saint Lucia"),
    "VIN": N_("Saint Vincent and the Grenadines"),
    # Teams without a country of their own.
    "AIN": N_("Individual Neutral Athletes"),
    "EOR": N_("Refugee Olympic Team"),
    "IOP": N_("Independent Olympic Participants"),
    "OAR": N_("Olympic Athletes from Russia"),
    "ROC": N_("Russian Olympic Committee"),
    # Historical NOCs that won Winter Games medals (results and records still name them).
    "URS": N_("Soviet Union"),
    "EUN": N_("Unified Team"),
    "GDR": N_("East Germany"),
    "FRG": N_("West Germany"),
    "EUA": N_("United Team of Germany"),
    "TCH": N_("Czechoslovakia"),
    "YUG": N_("Yugoslavia"),
    "SCG": N_("Serbia and Montenegro"),
}

# Everyday names fans type that CLDR does not give in any language we speak (its names are
# mostly the full ones: "Hong Kong SAR China", "アメリカ合衆国", "Türkiye").
EVERYDAY_ALIASES: Final[dict[str, tuple[str, ...]]] = {
    "USA": ("United States of America", "America", "アメリカ", "米国"),
    "GBR": ("Britain", "UK"),
    "HKG": ("Hong Kong", "Hongkong"),
    "TPE": ("台湾",),
    "TUR": ("Turkey",),
    "CZE": ("Czech Republic", "Repubblica Ceca", "República Checa"),
    "CIV": ("Ivory Coast", "Elfenbeinküste", "Costa de Marfil"),
    "CPV": ("Kap Verde",),
    "MDA": ("Moldau",),
}

# A white flag where no national flag applies: neutral and refugee teams, historical NOCs, and
# Chinese Taipei, whose national flag may not be used at the Games (it has an Olympic flag).
NEUTRAL_FLAG: Final = "\U0001f3f3\ufe0f"  # 🏳️
_NO_NATIONAL_FLAG: Final = frozenset({"TPE"})
_REGIONAL_INDICATOR_A: Final = 0x1F1E6


def _normalise(noc: str) -> str:
    return noc.strip().upper()


def iso2(noc: str) -> str | None:
    """The ISO 3166 alpha-2 code of an NOC's territory; None for neutral, historical, unknown."""
    return IOC_TO_ISO2.get(_normalise(noc))


def nation_name(noc: str, locale: str | None = None) -> str:
    """The nation's name in ``locale`` (a Discord or babel code); the code itself if unknown."""
    code = _normalise(noc)
    t = translator(locale)
    override = NAME_OVERRIDES.get(code)
    if override is not None:
        return t.gettext(override)
    territory = IOC_TO_ISO2.get(code)
    if territory is None:
        return code
    name = _territory_name(t.babel_locale, territory)
    return name if name is not None else code


@cache
def nation_names(noc: str) -> frozenset[str]:
    """Every name a fan may type for a nation: the IOC's name in each language we speak, and
    the everyday one in each (CLDR's: "South Korea", "Südkorea", "Iran" for "IR Iran")."""
    code = _normalise(noc)
    names = {nation_name(code, locale) for locale in SUPPORTED_LOCALES}
    names.update(EVERYDAY_ALIASES.get(code, ()))
    territory = IOC_TO_ISO2.get(code)
    if territory is not None:
        for locale in SUPPORTED_LOCALES:
            everyday = _territory_name(translator(locale).babel_locale, territory)
            if everyday is not None:
                names.add(everyday)
    return frozenset(names)


def _territory_name(locale: Locale, territory: str) -> str | None:
    name = locale.territories.get(territory)
    if name is None:  # a locale missing a territory falls back to English, like the messages do
        name = Locale.parse("en").territories.get(territory)
    return name


def flag_emoji(noc: str) -> str:
    """The flag emoji for an NOC (a regional indicator pair), or a white flag when none applies."""
    code = _normalise(noc)
    territory = IOC_TO_ISO2.get(code)
    if territory is None or code in _NO_NATIONAL_FLAG:
        return NEUTRAL_FLAG
    return "".join(chr(_REGIONAL_INDICATOR_A + ord(c) - ord("A")) for c in territory)


def known_nocs() -> frozenset[str]:
    """Every code that has a name of its own (current, neutral and historical NOCs)."""
    return frozenset(IOC_TO_ISO2) | frozenset(NAME_OVERRIDES)
