"""What fans type without picking a suggestion: nation names, sports, surnames."""

from __future__ import annotations

import pytest

from medalbot.domain.detection import apply_snapshot
from medalbot.domain.state import Applied
from medalbot.services.errors import UserError
from medalbot.services.live import LiveState
from medalbot.services.queries import QueryService
from tests.domain.factories import G, S, event, result, snapshot


def queries() -> QueryService:
    snap = snapshot(
        1,
        event(
            "SSKW1000M",
            result("Jutta LEERDAM", "NED", rank=1, mark="1:12.31", medal=G),
            result("Femke KOK", "NED", rank=2, mark="1:12.59", medal=S),
            result("Sven KOK", "BEL", rank=3, mark="1:13.00"),
            result("Miho TAKAGI", "JPN", rank=4, mark="1:13.95"),
        ),
        event("CURXMIXDBL", result("Team Norway", "NOR"), sport="Curling"),
    )
    applied = apply_snapshot(None, snap)
    assert isinstance(applied, Applied)
    live = LiveState()
    live.set(applied.state)
    return QueryService(live)


@pytest.mark.parametrize(
    "typed", ["NED", " ned ", "Netherlands", "netherlands", "Nederland", "Pays-Bas", "オランダ"]
)
def test_a_nation_by_its_code_or_its_name_in_a_language_we_speak(typed: str) -> None:
    assert queries().resolve_nation(typed) == "NED"


@pytest.mark.parametrize("typed", ["Japan", "Japon", "日本", "JPN"])
def test_a_nation_by_any_of_its_names(typed: str) -> None:
    assert queries().resolve_nation(typed) == "JPN"


@pytest.mark.parametrize(
    ("typed", "noc"),
    [
        ("South Korea", "KOR"),
        ("Südkorea", "KOR"),
        ("corée du sud", "KOR"),
        ("République de Corée", "KOR"),
        ("韓国", "KOR"),
        ("Iran", "IRI"),
        ("RI d'Iran", "IRI"),
        ("Turkey", "TUR"),
        ("Türkei", "TUR"),
        ("Cape Verde", "CPV"),
    ],
)
def test_a_nation_by_its_everyday_name_though_we_show_the_iocs(typed: str, noc: str) -> None:
    snap = snapshot(
        1,
        event(
            "TKDW57KG",
            result("A", "KOR", rank=1, medal=G),
            result("B", "IRI", rank=2, medal=S),
            result("C", "TUR", rank=3),
            result("D", "CPV", rank=4),
        ),
    )
    applied = apply_snapshot(None, snap)
    assert isinstance(applied, Applied)
    live = LiveState()
    live.set(applied.state)
    assert QueryService(live).resolve_nation(typed) == noc


def test_an_unknown_nation_is_refused_with_the_codes_it_resembles() -> None:
    with pytest.raises(UserError) as refused:
        queries().resolve_nation("NDE")
    assert refused.value.message == "No nation “NDE” takes part in these Games. Did you mean NED?"
    with pytest.raises(UserError) as narnia:
        queries().resolve_nation("Narnia")
    assert narnia.value.message == "No nation “Narnia” takes part in these Games."


def test_a_sport_whatever_its_case_and_a_typo_gets_a_suggestion() -> None:
    assert queries().resolve_sport("speed SKATING") == "Speed Skating"
    with pytest.raises(UserError) as refused:
        queries().resolve_sport("Curlin")
    assert refused.value.message == (
        "There is no sport called “Curlin” at these Games. Did you mean Curling?"
    )


def test_a_surname_that_fits_one_athlete_finds_her() -> None:
    assert queries().athlete("leerdam").name == "Jutta LEERDAM"
    assert queries().athlete("takagi").noc == "JPN"


def test_a_surname_two_athletes_share_asks_which_one() -> None:
    with pytest.raises(UserError) as refused:
        queries().athlete("kok")
    assert refused.value.message == (
        "No athlete “kok” at these Games. Perhaps: Femke KOK (NED), Sven KOK (BEL)."
    )
    assert queries().athlete("Sven KOK|BEL").noc == "BEL"  # as autocomplete sends it
