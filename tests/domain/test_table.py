"""The medal table: IOC order, by total, shared ranks, unranked NOCs, team medals."""

from __future__ import annotations

from medalbot.domain.alerts import MedalAlert, NocTally
from medalbot.domain.detection import apply_snapshot
from medalbot.domain.models import Medal
from medalbot.domain.queries import nation_medals, podium
from medalbot.domain.state import Applied
from medalbot.domain.table import TableRow, medal_table
from tests.domain.factories import B, G, S, event, result, snapshot


def test_ioc_order_ranks_by_gold_then_silver_then_bronze_with_shared_ranks() -> None:
    snap = snapshot(
        1,
        event(
            "E1",
            result("a", "NOR", medal=G),
            result("b", "GER", medal=S),
            result("c", "USA", medal=B),
        ),
        event(
            "E2",
            result("a", "GER", medal=G),
            result("b", "NOR", medal=S),
            result("c", "ITA", medal=B),
        ),
        event(
            "E3",
            result("a", "USA", medal=S),
            result("b", "ITA", medal=B),
            result("c", "CAN", medal=B),
        ),
    )
    assert medal_table(snap) == [
        TableRow(1, "GER", 1, 1, 0, 2),
        TableRow(1, "NOR", 1, 1, 0, 2),
        TableRow(3, "USA", 0, 1, 1, 2),
        TableRow(4, "ITA", 0, 0, 2, 2),
        TableRow(5, "CAN", 0, 0, 1, 1),
    ]


def test_ordering_by_total_breaks_ties_by_gold_silver_bronze() -> None:
    snap = snapshot(
        1,
        event("E1", result("a", "NOR", medal=G), result("b", "SWE", medal=B)),
        event("E2", result("a", "SWE", medal=B), result("b", "FIN", medal=S)),
        event("E3", result("a", "FIN", medal=B), result("b", "SWE", medal=B)),
        event("E4", result("a", "AUT", medal=S), result("b", "FIN", medal=B)),
    )
    assert [(r.rank, r.noc, r.total) for r in medal_table(snap, order="total")] == [
        (1, "FIN", 3),
        (2, "SWE", 3),
        (3, "NOR", 1),
        (4, "AUT", 1),
    ]
    # in IOC order a single gold beats three medals without one
    assert [r.noc for r in medal_table(snap)] == ["NOR", "FIN", "AUT", "SWE"]


def test_ties_within_an_event_count_each_medal() -> None:
    snap = snapshot(
        1,
        event(
            "JUDO",
            result("a", "JPN", medal=G),
            result("b", "FRA", medal=S),
            result("c", "JPN", medal=B),
            result("d", "GEO", medal=B),
        ),
        event(
            "ALP",
            result("a", "SUI", medal=G),
            result("b", "AUT", medal=S),
            result("c", "ITA", medal=S),
        ),
    )
    table = {row.noc: row for row in medal_table(snap)}
    assert table["JPN"] == TableRow(1, "JPN", 1, 0, 1, 2)
    assert table["SUI"] == TableRow(2, "SUI", 1, 0, 0, 1)
    assert (table["AUT"].rank, table["FRA"].rank, table["ITA"].rank) == (3, 3, 3)
    assert table["GEO"].rank == 6


def test_unranked_nocs_and_non_medal_events_are_left_out() -> None:
    snap = snapshot(
        1,
        event("E1", result("a", "AIN", medal=G), result("b", "NOR", medal=S)),
        event("GAME", result("a", "CAN", medal=Medal.GOLD), medal_event=False),
        unranked=("AIN",),
    )
    assert medal_table(snap) == [TableRow(1, "NOR", 0, 1, 0, 1)]


def test_a_team_medal_counts_once_for_its_nation() -> None:
    relay = result("Norway", "NOR", medal=G, members=("a", "b", "c", "d"))
    assert medal_table(snapshot(1, event("RELAY", relay))) == [TableRow(1, "NOR", 1, 0, 0, 1)]


def test_an_empty_games_has_an_empty_table() -> None:
    assert medal_table(snapshot(1, event("E1"))) == []


def test_a_medallist_listed_twice_counts_once_in_alerts_table_podium_and_nation() -> None:
    ann = result("Ann", "NED", rank=1, mark="1:12.31", medal=G)
    snap = snapshot(1, event("E1", ann, ann, result("Bea", "JPN", rank=2, medal=S)))
    applied = apply_snapshot(None, snap)
    assert isinstance(applied, Applied)
    (alert,) = applied.alerts
    assert isinstance(alert, MedalAlert)
    assert [m.name for m in alert.medals] == ["Ann", "Bea"]
    assert alert.tallies == (NocTally("NED", gold=1), NocTally("JPN", silver=1))
    assert medal_table(snap)[0] == TableRow(1, "NED", 1, 0, 0, 1)
    found = podium(snap, "E1")
    assert found is not None and [p.name for p in found.places] == ["Ann", "Bea"]
    assert len(nation_medals(snap, "NED")) == 1
