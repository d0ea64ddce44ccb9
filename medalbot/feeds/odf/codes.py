"""The ODF common codes medalbot needs: RSC layout, discipline names, result statuses, medals."""

from __future__ import annotations

import re
from typing import Final

from medalbot.domain.models import EventStatus, Gender, Medal, ResultStatus

# An RSC (Results System Code) is 34 characters: discipline (3), gender (1), event (18),
# phase (4), unit (8), padded with '-'. Messages about a whole discipline or event carry the
# same code with the later parts all dashes.
RSC_LENGTH: Final = 34
_EVENT_END: Final = 22
_PHASE_END: Final = 26
_RSC: Final = re.compile(r"^[A-Z0-9]{3}[A-Z0-9-]{0,31}$")
GENDERS: Final = {"M": "Men's", "W": "Women's", "X": "Mixed", "O": "Open"}
_GENDER_CODES: Final[dict[str, Gender]] = {"M": "M", "W": "W", "X": "X", "O": "O"}

# Display names of recent Games, for when the operator does not give one.
KNOWN_GAMES: Final = {
    "OG2020": "Tokyo 2020",
    "OWG2022": "Beijing 2022",
    "OG2024": "Paris 2024",
    "OWG2026": "Milano Cortina 2026",
    "OG2028": "LA28",
}

DISCIPLINES: Final = {
    # Olympic Winter Games
    "ALP": "Alpine Skiing",
    "BTH": "Biathlon",
    "BOB": "Bobsleigh",
    "CCS": "Cross-Country Skiing",
    "CUR": "Curling",
    "FSK": "Figure Skating",
    "FRS": "Freestyle Skiing",
    "IHO": "Ice Hockey",
    "LUG": "Luge",
    "NCB": "Nordic Combined",
    "STK": "Short Track Speed Skating",
    "SKN": "Skeleton",
    "SJP": "Ski Jumping",
    "SMT": "Ski Mountaineering",
    "SBD": "Snowboard",
    "SSK": "Speed Skating",
    # Games of the Olympiad
    "ARC": "Archery",
    "ATH": "Athletics",
    "BDM": "Badminton",
    "BKB": "Basketball",
    "BK3": "3x3 Basketball",
    "BOX": "Boxing",
    "BKG": "Breaking",
    "CSL": "Canoe Slalom",
    "CSP": "Canoe Sprint",
    "BMF": "Cycling BMX Freestyle",
    "BMX": "Cycling BMX Racing",
    "MTB": "Cycling Mountain Bike",
    "CRD": "Cycling Road",
    "CTR": "Cycling Track",
    "DIV": "Diving",
    "EQU": "Equestrian",
    "FEN": "Fencing",
    "FBL": "Football",
    "GLF": "Golf",
    "GAR": "Artistic Gymnastics",
    "GRY": "Rhythmic Gymnastics",
    "GTR": "Trampoline Gymnastics",
    "HBL": "Handball",
    "HOC": "Hockey",
    "JUD": "Judo",
    "MPN": "Modern Pentathlon",
    "OWS": "Marathon Swimming",
    "ROW": "Rowing",
    "RU7": "Rugby Sevens",
    "SAL": "Sailing",
    "SHO": "Shooting",
    "SKB": "Skateboarding",
    "CLB": "Sport Climbing",
    "SRF": "Surfing",
    "SWM": "Swimming",
    "SWA": "Artistic Swimming",
    "TTE": "Table Tennis",
    "TKW": "Taekwondo",
    "TEN": "Tennis",
    "TRI": "Triathlon",
    "VBV": "Beach Volleyball",
    "VVO": "Volleyball",
    "WPO": "Water Polo",
    "WLF": "Weightlifting",
    "WRE": "Wrestling",
}

# @ResultStatus of an event unit. UNCONFIRMED ("the unit is over but not yet unofficial") and
# PARTIAL are still subject to change, so they count as running.
RESULT_STATUSES: Final = {
    "START_LIST": EventStatus.SCHEDULED,
    "LIVE": EventStatus.RUNNING,
    "INTERMEDIATE": EventStatus.RUNNING,
    "UNCONFIRMED": EventStatus.RUNNING,
    "PARTIAL": EventStatus.RUNNING,
    "UNOFFICIAL": EventStatus.UNOFFICIAL,
    "OFFICIAL": EventStatus.OFFICIAL,
    "PROTESTED": EventStatus.PROTESTED,
}

MEDALS: Final = {"ME_GOLD": Medal.GOLD, "ME_SILVER": Medal.SILVER, "ME_BRONZE": Medal.BRONZE}

# @IRM (invalid result mark) codes that are one of the feed's result statuses. Others
# (NM "no mark", DNQ, ...) are shown as the mark instead.
IRM_STATUSES: Final[dict[str, ResultStatus]] = {
    "DNS": "DNS",
    "DNF": "DNF",
    "DSQ": "DSQ",
    "DQB": "DSQ",  # disqualified for unsporting behaviour
}

# Record codes announced by default: world and Olympic records and bests. Personal, season,
# national and area records are left out: they would turn record alerts into noise.
DEFAULT_RECORD_TYPES: Final = frozenset({"WR", "OR", "WB", "OB"})


def is_rsc(code: str) -> bool:
    return len(code) <= RSC_LENGTH and _RSC.match(code) is not None


def event_code(rsc: str) -> str:
    """The compact event code of any RSC at or below event level: ``SSKW1000M``."""
    return rsc[:_EVENT_END].rstrip("-")


def phase_code(rsc: str) -> str:
    return rsc.ljust(RSC_LENGTH, "-")[_EVENT_END:_PHASE_END]


def names_an_event(rsc: str) -> bool:
    """True when the RSC reaches event level: a gender letter and at least one event character."""
    compact = event_code(rsc)
    return len(compact) > 4 and compact[3] in GENDERS


def default_event_name(code: str) -> str:
    """``SSKW1000M`` → ``Women's 1000M``: readable, if not pretty; ``event_names`` overrides it."""
    return f"{GENDERS[code[3]]} {code[4:].replace('-', ' ')}"


def gender_of(code: str) -> Gender:
    """The gender letter of an event code (``names_an_event`` has vouched for it)."""
    return _GENDER_CODES[code[3]]
