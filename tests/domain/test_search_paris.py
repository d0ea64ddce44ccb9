"""Event search as fans type it, on every event of Paris 2024 (the site's real final body):
the event typed in full is answered, whole words go before words that merely contain the
text, and the events whose own name the words spell out go before those that share a word."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from medalbot.domain.models import Event, GamesInfo, Snapshot
from medalbot.domain.search import clear_best_event, find_events
from medalbot.feeds.olympics.adapter import OlympicsAdapter
from medalbot.services.queries import CONFIDENT
from tests.feeds.olympics_days import PARIS_MEDALLISTS, PARIS_MEDALS


@pytest.fixture(scope="module")
def paris() -> Snapshot:
    adapter = OlympicsAdapter(GamesInfo(code="OG2024", name="Paris 2024"))
    adapter(PARIS_MEDALLISTS.read_bytes())
    snapshot = adapter(PARIS_MEDALS.read_bytes())
    assert snapshot is not None and len(snapshot.events) == 329
    return snapshot


def names(events: Sequence[Event]) -> list[str]:
    return [f"{e.sport} · {e.name}" for e in events]


def test_marathon_suggests_the_marathons_before_marathon_swimming_and_never_triathlon(
    paris: Snapshot,
) -> None:
    found = names(find_events(paris, "marathon", limit=6))
    assert found[:2] == ["Athletics · Men's Marathon", "Athletics · Women's Marathon"]
    assert found.index("Athletics · Marathon Race Walk Relay Mixed") < found.index(
        "Marathon Swimming · Men's 10km"
    )
    assert not [name for name in found if name.startswith("Triathlon")]


def test_100m_breaststroke_suggests_breaststroke_events_first(paris: Snapshot) -> None:
    found = names(find_events(paris, "100m breaststroke", limit=4))
    assert found == [
        "Swimming · Men's 100m Breaststroke",
        "Swimming · Women's 100m Breaststroke",
        "Swimming · Men's 200m Breaststroke",
        "Swimming · Women's 200m Breaststroke",
    ]


def test_the_event_whose_name_the_words_spell_goes_before_a_relay_sharing_them(
    paris: Snapshot,
) -> None:
    found = names(find_events(paris, "100m freestyle", limit=3))
    assert found[:2] == ["Swimming · Men's 100m Freestyle", "Swimming · Women's 100m Freestyle"]
    assert names(find_events(paris, "men's 100m", limit=1)) == ["Athletics · Men's 100m"]


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("men's marathon", "ATHMMARATHON"),
        ("Men's Marathon", "ATHMMARATHON"),
        ("mens marathon", "ATHMMARATHON"),
        ("women's 100m breaststroke", "SWMW100MBR"),
        ("swimming women's 100m breaststroke", "SWMW100MBR"),
        ("athletics women's 100m", "ATHW100M"),
    ],
)
def test_an_event_typed_in_full_is_the_event_meant(paris: Snapshot, typed: str, meant: str) -> None:
    event = clear_best_event(paris, typed, CONFIDENT)
    assert event is not None and event.code == meant


@pytest.mark.parametrize("typed", ["marathon", "100m breaststroke", "men's individual"])
def test_words_several_events_share_are_not_taken_as_one_of_them(
    paris: Snapshot, typed: str
) -> None:
    assert clear_best_event(paris, typed, CONFIDENT) is None
