"""The data behind /medals race: which nations, how many medals each day, cumulated; counted
on the whole Paris 2024 Games as the site served it day by day, and on small snapshots for
which day a medal counts on."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import msgspec
import pytest

from medalbot.domain.detection import apply_snapshot
from medalbot.domain.models import EventStatus, GamesInfo, Snapshot
from medalbot.domain.race import MedalRace, games_time_zone, medal_race
from medalbot.domain.state import Applied, GamesState
from medalbot.feeds.olympics.adapter import OlympicsAdapter
from tests.domain.factories import T0, B, G, S, event, result, snapshot
from tests.feeds.olympics_days import PARIS_MEDALS, load, medal_rows, paris_days

PARIS_TZ = ZoneInfo("Europe/Paris")


def apply_all(snapshots: list[Snapshot]) -> GamesState:
    state: GamesState | None = None
    for snap in snapshots:
        outcome = apply_snapshot(state, snap)
        assert isinstance(outcome, Applied), outcome
        state = outcome.state
    assert state is not None
    return state


@pytest.fixture(scope="module")
def paris() -> GamesState:
    """The state of a bot that read Paris 2024 day by day, as the site served it."""
    adapter = OlympicsAdapter(GamesInfo(code="OG2024", name="Paris 2024"))
    snapshots = []
    for day in paris_days():
        adapter(day.medallists_bytes())
        snap = adapter(day.medals_bytes())
        assert snap is not None
        snapshots.append(snap)
    return apply_all(snapshots)


def site_medals_by_day() -> dict[str, Counter[date]]:
    """Straight from the site's final body: each NOC's medals per date the site gives."""
    counts: dict[str, Counter[date]] = {}
    for row, winner in medal_rows(load(PARIS_MEDALS)):
        counts.setdefault(row["organisation"], Counter())[date.fromisoformat(winner["date"])] += 1
    return counts


def test_paris_race_draws_the_eight_nations_with_most_medals_as_the_site_counts_them(
    paris: GamesState,
) -> None:
    race = medal_race(paris, tz=games_time_zone("OG2024"))
    site = load(PARIS_MEDALS)["medalStandings"]["medalsTable"]
    totals = {
        row["organisation"]: next(n["total"] for n in row["medalsNumber"] if n["type"] == "Total")
        for row in site
    }
    by_total = sorted(totals, key=lambda noc: -totals[noc])[:8]
    assert [s.noc for s in race.series] == by_total == [
        "USA", "CHN", "GBR", "FRA", "AUS", "JPN", "ITA", "NED",
    ]  # fmt: skip
    assert [s.total for s in race.series] == [126, 91, 65, 64, 53, 45, 40, 34]
    # the Games' days, the opening Saturday to the closing Sunday, none skipped
    assert race.days[0] == date(2024, 7, 27) and race.days[-1] == date(2024, 8, 11)
    assert len(race.days) == 16


def test_paris_race_counts_each_nations_medals_on_the_day_the_site_dates_them(
    paris: GamesState,
) -> None:
    site = site_medals_by_day()
    nocs = sorted(site)
    assert len(nocs) == 91
    for first in range(0, len(nocs), 10):  # every nation the site lists, ten at a time
        race = medal_race(paris, nocs[first : first + 10], tz=games_time_zone("OG2024"))
        for series in race.series:
            assert series.daily == tuple(site[series.noc][day] for day in race.days), series.noc
            running = 0
            for day, total in zip(race.days, series.cumulative, strict=True):
                running += site[series.noc][day]
                assert total == running, (series.noc, day)
    race = medal_race(paris, ["GBR", "NED", "KOR", "CPV"], tz=games_time_zone("OG2024"))
    gbr = next(s for s in race.series if s.noc == "GBR")
    assert gbr.daily[:3] == (2, 2, 6)  # 27, 28, 29 July
    assert [s.noc for s in race.series] == ["GBR", "NED", "KOR", "CPV"]  # by final count


def test_a_named_team_the_table_leaves_out_is_drawn_with_its_medals(paris: GamesState) -> None:
    race = medal_race(paris, ["AIN", "NED"], tz=games_time_zone("OG2024"))
    ain = next(s for s in race.series if s.noc == "AIN")
    assert ain.total == 5 and ain.total == sum(ain.daily)
    assert "AIN" not in [s.noc for s in medal_race(paris, tz=PARIS_TZ).series]


def test_a_medal_counts_on_the_host_citys_day_the_feed_ended_the_event() -> None:
    late = datetime(2024, 7, 28, 22, 30, tzinfo=UTC)  # 00:30 on 29 July in Paris
    evening = datetime(2024, 7, 28, 18, 0, tzinfo=UTC)
    snap = snapshot(
        1,
        msgspec.structs.replace(
            event("E1", result("a", "FRA", medal=G), status=EventStatus.OFFICIAL), end=late
        ),
        msgspec.structs.replace(
            event("E2", result("b", "FRA", medal=S), status=EventStatus.OFFICIAL), end=evening
        ),
    )
    race = medal_race(apply_all([snap]), ["FRA"], tz=PARIS_TZ)
    assert race.days == (date(2024, 7, 28), date(2024, 7, 29))
    assert race.series[0].daily == (1, 1)
    # in UTC both are on the 28th
    assert medal_race(apply_all([snap]), ["FRA"], tz=UTC).series[0].daily == (2,)


def test_without_an_end_time_each_medal_counts_on_the_day_a_snapshot_first_showed_it() -> None:
    """A boxing bronze is decided in the semi-final, days before the final's gold and silver."""
    first = msgspec.structs.replace(
        snapshot(1, event("E1", result("a", "IRL", medal=B), result("b", "NED", medal=B))),
        generated_at=T0,
    )
    final = event(
        "E1",
        result("c", "IRL", medal=G),
        result("d", "USA", medal=S),
        result("a", "IRL", medal=B),
        result("b", "NED", medal=B),
        status=EventStatus.OFFICIAL,
    )
    later = msgspec.structs.replace(snapshot(2, final), generated_at=T0 + timedelta(days=2))
    race = medal_race(apply_all([first, later]), ["IRL", "USA", "NED"], tz=UTC)
    assert len(race.days) == 3
    assert [(s.noc, s.daily) for s in race.series] == [
        ("IRL", (1, 0, 1)),
        ("NED", (1, 0, 0)),
        ("USA", (0, 0, 1)),
    ]


def test_days_without_medals_stay_on_the_axis_and_a_nation_without_medals_is_flat() -> None:
    day1 = event("E1", result("a", "NOR", medal=G), result("b", "SWE", medal=B))
    day3 = msgspec.structs.replace(
        event("E2", result("c", "NOR", medal=S)),
        end=T0 + timedelta(days=2),
    )
    state = apply_all([snapshot(1, day1, day3)])
    race = medal_race(state, ["nor", "FIN", "NOR"], tz=UTC)
    assert len(race.days) == 3
    assert [(s.noc, s.daily, s.cumulative) for s in race.series] == [
        ("NOR", (1, 0, 1), (1, 1, 2)),
        ("FIN", (0, 0, 0), (0, 0, 0)),
    ]


def test_no_medals_means_no_days() -> None:
    race = medal_race(apply_all([snapshot(1, event("E1", result("a")))]), tz=UTC)
    assert race == MedalRace(games="TEST2026", days=(), series=())
