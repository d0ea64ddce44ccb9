"""The ``olympics`` format on real olympics.com responses: what each body becomes, and what a
broken one says."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Any

import msgspec
import pytest

from medalbot.domain.between_games import Phase, games_phase
from medalbot.domain.detection import apply_snapshot
from medalbot.domain.models import EventStatus, GamesInfo, Medal, Snapshot
from medalbot.domain.state import Applied, Ignored
from medalbot.domain.table import medal_table
from medalbot.feeds.errors import FeedError, FeedRejected, SiteRefused
from medalbot.feeds.olympics.adapter import OlympicsAdapter
from medalbot.feeds.olympics.endpoints import api_url
from medalbot.feeds.olympics.options import OlympicsOptions
from tests.feeds.olympics_days import (
    ACCESS_DENIED,
    FIRST_DAY_2026,
    PARALYMPICS_2026,
    PARIS_MEDALLISTS,
    PARIS_MEDALS,
    load,
    medal_rows,
)

OWG2026 = GamesInfo(code="OWG2026", name="Milano Cortina 2026")
PARIS = GamesInfo(code="OG2024", name="Paris 2024")


def adapter(games: GamesInfo = OWG2026) -> OlympicsAdapter:
    return OlympicsAdapter(games)


def snapshot_of(body: bytes, games: GamesInfo = OWG2026) -> Snapshot:
    snapshot = adapter(games)(body)
    assert snapshot is not None
    return snapshot


def podium(snapshot: Snapshot, code: str) -> list[tuple[Medal | None, str, str, int | None]]:
    event = snapshot.event(code)
    assert event is not None, code
    return [(r.medal, r.competitor.noc, r.competitor.name, r.rank) for r in event.results]


def test_the_2026_first_day_becomes_three_events_with_names_as_fans_read_them() -> None:
    snapshot = snapshot_of(FIRST_DAY_2026.read_bytes())

    assert snapshot.games == OWG2026
    assert [e.code for e in snapshot.events] == ["ALPMDH", "SSKW3000M", "CCSWSKIATHLN"]
    downhill = snapshot.event("ALPMDH")
    assert downhill is not None
    assert (downhill.sport, downhill.name, downhill.gender, downhill.status) == (
        "Alpine Skiing",
        "Men's Downhill",
        "M",
        EventStatus.OFFICIAL,
    )
    assert podium(snapshot, "ALPMDH") == [
        (Medal.GOLD, "SUI", "Franjo von ALLMEN", 1),
        (Medal.SILVER, "ITA", "Giovanni FRANZONI", 2),
        (Medal.BRONZE, "ITA", "Dominik PARIS", 3),
    ]
    women = snapshot.event("SSKW3000M")
    assert women is not None and women.gender == "W"
    assert snapshot.generated_at.isoformat() == "2026-02-07T16:21:40+00:00"
    assert all(r.mark is None and not r.records for e in snapshot.events for r in e.results)
    # 3 of 116 listed: three official events are not a finished Games, a year on or not
    assert snapshot.medal_events == 116
    later = snapshot.generated_at + timedelta(days=365)
    assert games_phase(snapshot, later, finished_after=timedelta(hours=24)) is Phase.LIVE


def test_the_paralympics_show_classes_in_event_names_and_guides_among_members() -> None:
    snapshot = snapshot_of(PARALYMPICS_2026.read_bytes(), GamesInfo("PWG2026", "Para 2026"))
    names = {e.code: e.name for e in snapshot.events}

    assert len(snapshot.events) == 28
    assert sum(len(e.results) for e in snapshot.events) == 84
    assert names["ALPWDH------12050"] == "Women's Downhill Sitting (LW12-1, LW12-2)"
    # the description already names the class: nothing added
    assert names["SBDMSBX-----10010"] == "Men's Snowboard Cross SB-LL1"
    sprint = snapshot.event("BTHW7.5KMSP-03031")
    assert sprint is not None and sprint.sport == "Para Biathlon"
    gold = sprint.results[0]
    assert gold.competitor.members == (gold.competitor.name, "CHEN Guoming")


def test_the_whole_of_paris_with_its_medallists() -> None:
    medallists = adapter(PARIS)
    assert medallists(PARIS_MEDALLISTS.read_bytes()) is None  # kept for the medals body
    snapshot = medallists(PARIS_MEDALS.read_bytes())
    assert snapshot is not None

    assert len(snapshot.events) == 329
    assert sum(len(e.results) for e in snapshot.events) == 1044  # 1,039 listed + 5 of AIN
    assert snapshot.unranked_nocs == ("AIN",)
    assert podium(snapshot, "TENWDOUBLES")[1] == (Medal.SILVER, "AIN", "ANDREEVA/SHNAIDER", 2)
    relay = snapshot.event("SWMW4X100MMD")
    assert relay is not None and relay.results[0].competitor.name == "United States"
    assert relay.results[0].competitor.members[:2] == ("Torri HUSKE", "Regan SMITH")
    # Paris rows carry no TV name: the medallists body gives the order fans read
    trampoline = snapshot.event("GTRM1TRA")
    assert trampoline is not None
    assert ("ME_GOLD", "Ivan LITVINOVICH") in {
        ("ME_GOLD" if r.medal is Medal.GOLD else "", r.competitor.name) for r in trampoline.results
    }
    # two crews of one NOC, told apart only by competitorCode: each keeps its own name
    assert [n for m, noc, n, _ in podium(snapshot, "TENMDOUBLES") if noc == "USA"] == [
        "KRAJICEK/RAM",
        "FRITZ/PAUL",
    ]


def test_without_the_medallists_body_paris_has_the_listed_medals_and_no_members() -> None:
    snapshot = snapshot_of(PARIS_MEDALS.read_bytes(), PARIS)

    assert sum(len(e.results) for e in snapshot.events) == 1039
    assert all(not r.competitor.members for e in snapshot.events for r in e.results)
    assert podium(snapshot, "SWMW100MBF")[0][2] == "Torri HUSKE"  # no TV name: the display name


def test_the_site_table_equals_medalbots_table_on_the_final_paris_body() -> None:
    body = load(PARIS_MEDALS)
    medallists = adapter(PARIS)
    medallists(PARIS_MEDALLISTS.read_bytes())
    snapshot = medallists(PARIS_MEDALS.read_bytes())
    assert snapshot is not None

    site = []
    for row in body["medalStandings"]["medalsTable"]:
        total = next(n for n in row["medalsNumber"] if n["type"] == "Total")
        counts = (total["gold"], total["silver"], total["bronze"], total["total"])
        site.append((row["rank"], row["organisation"], *counts))
    ours = [(r.rank, r.noc, r.gold, r.silver, r.bronze, r.total) for r in medal_table(snapshot)]
    tied = {
        row["organisation"] for row in body["medalStandings"]["medalsTable"] if row["rankEqual"]
    }

    assert sorted(ours) == sorted(site)
    assert len(ours) == 91 and "AIN" not in {noc for _, noc, *_ in ours}
    shared: dict[int, list[str]] = {}
    for rank, noc, *_ in ours:
        shared.setdefault(rank, []).append(noc)
    assert {noc for nocs in shared.values() if len(nocs) > 1 for noc in nocs} == tied


def test_the_bot_protection_page_says_the_site_refused_us() -> None:
    with pytest.raises(SiteRefused) as caught:
        adapter()(ACCESS_DENIED.read_bytes())

    assert caught.value.reason.startswith("refused by the site's bot protection")
    assert "18.d2a0d517.1770630655.dc86c9b1" in caught.value.reason


def _with(body: dict[str, Any], **changes: Any) -> bytes:
    for path, value in changes.items():
        node: Any = body
        *steps, last = path.split("__")
        for step in steps:
            node = node[int(step)] if step.isdigit() else node[step]
        node[int(last) if last.isdigit() else last] = value
    return json.dumps(body).encode()


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (lambda: FIRST_DAY_2026.read_bytes()[:5000], "not JSON: truncated JSON"),
        (lambda: b"", "empty body"),
        (lambda: b"<!DOCTYPE html><html><h1>502 Bad Gateway</h1>", "got an HTML or XML page"),
        (lambda: b'{"hello": 1}', "neither medalStandings, athletes nor units"),
        (
            lambda: _with(
                load(FIRST_DAY_2026),
                medalStandings__medalsTable__0__disciplines__0__medalWinners__0__medalType=(
                    "ME_PLATINUM"
                ),
            ),
            "medals response: medalStandings.medalsTable[0].disciplines[0].medalWinners[0]"
            ".medalType: invalid enum value 'ME_PLATINUM'",
        ),
        (
            lambda: _with(
                load(FIRST_DAY_2026),
                medalStandings__medalsTable__0__disciplines__0__medalWinners__0__official="yes",
            ),
            "medalWinners[0].official: expected `bool`, got `str`",
        ),
        (
            lambda: _with(load(FIRST_DAY_2026), medalStandings__eventInfo__dateTime="yesterday"),
            "medalStandings.eventInfo.dateTime",
        ),
        (
            lambda: _with(
                load(FIRST_DAY_2026),
                medalStandings__medalsTable__0__disciplines__0__medalWinners__0__organisation="I",
            ),
            "a three-letter NOC",
        ),
    ],
)
def test_a_broken_body_is_refused_with_its_reason(make: Any, says: str) -> None:
    with pytest.raises(FeedRejected) as caught:
        adapter()(make())

    assert says in caught.value.reason


def test_an_emptied_table_mid_games_is_suspect() -> None:
    body = load(PARIS_MEDALS)
    body["medalStandings"]["medalsTable"] = []

    with pytest.raises(FeedRejected) as caught:
        adapter(PARIS)(json.dumps(body).encode())

    assert caught.value.reason == (
        "suspect body: the table shows medals of 0 events but eventInfo says 329 are "
        "finished; the last good state is kept"
    )


def test_a_competition_code_is_only_noted(caplog: pytest.LogCaptureFixture) -> None:
    body = _with(load(FIRST_DAY_2026), competitionCode="OWG2026")
    other = _with(load(FIRST_DAY_2026), competitionCode="OG2024")

    with caplog.at_level(logging.WARNING):
        assert snapshot_of(body).games == OWG2026
        assert snapshot_of(other).games == OWG2026

    assert [r.getMessage() for r in caplog.records] == [
        "olympics feed for OWG2026: the body names competition 'OG2024'; the Games followed is "
        "the one configured (games_code)"
    ]


def _apply(bodies: list[bytes]) -> list[Applied | Ignored | None]:
    """Each body through one adapter and the domain, as a poll would."""
    feed, state = adapter(), None
    outcomes: list[Applied | Ignored | None] = []
    for body in bodies:
        snapshot = feed(body)
        if snapshot is None:
            outcomes.append(None)
            continue
        outcome = apply_snapshot(state, snapshot)
        if isinstance(outcome, Applied):
            state = outcome.state
        outcomes.append(outcome)
    return outcomes


def test_the_site_clock_orders_bodies_an_older_copy_is_stale_an_identical_one_unchanged() -> None:
    newer = FIRST_DAY_2026.read_bytes()
    body = load(FIRST_DAY_2026)
    body["medalStandings"]["medalsTable"] = body["medalStandings"]["medalsTable"][:1]
    body["medalStandings"]["eventInfo"]["dateTime"] = "2026-02-07T12:00:00+00:00"
    older = json.dumps(body).encode()

    first, again, stale, newest = _apply([newer, newer, older, newer])

    assert isinstance(first, Applied) and len(first.alerts) == 3
    assert first.state.sequence == 1_770_481_300_000_000  # 2026-02-07T16:21:40Z in µs
    assert again is None  # the same bytes: nothing decoded, nothing detected
    assert isinstance(stale, Ignored) and stale.kind == "stale"
    assert newest is None  # still the newest body taken


def test_changed_content_under_the_same_clock_is_still_applied() -> None:
    body = load(FIRST_DAY_2026)
    winner = body["medalStandings"]["medalsTable"][0]["disciplines"][0]["medalWinners"][0]
    winner["competitorDisplayTvName"] = "G. FRANZONI"
    changed = json.dumps(body).encode()

    first, second = _apply([FIRST_DAY_2026.read_bytes(), changed])

    assert isinstance(first, Applied) and isinstance(second, Applied)
    assert second.state.sequence == first.state.sequence + 1
    assert [type(a).__name__ for a in second.alerts] == ["CorrectionAlert"]


def test_api_urls_come_from_the_configured_root_and_language() -> None:
    assert api_url("https://www.olympics.com/wmr-owg2026/", "ENG", "medals") == (
        "https://www.olympics.com/wmr-owg2026/competition/api/ENG/medals"
    )
    assert api_url("https://www.olympics.com/wmr-para-owg2026", "FRA", "medallists") == (
        "https://www.olympics.com/wmr-para-owg2026/competition/api/FRA/medallists"
    )


def test_every_listed_medal_row_is_a_result() -> None:
    body = load(PARIS_MEDALS)
    snapshot = snapshot_of(PARIS_MEDALS.read_bytes(), PARIS)
    rows = sorted(
        (w["eventCode"].rstrip("-"), w["medalType"], w.get("organisation") or r["organisation"])
        for r, w in medal_rows(body)
    )
    names = {"ME_GOLD": Medal.GOLD, "ME_SILVER": Medal.SILVER, "ME_BRONZE": Medal.BRONZE}
    results = sorted(
        (e.code, next(k for k, v in names.items() if v is r.medal), r.competitor.noc)
        for e in snapshot.events
        for r in e.results
    )
    assert results == rows


def test_feed_errors_are_feed_errors() -> None:
    assert issubclass(SiteRefused, FeedError)


def test_the_options_table_is_validated_with_the_key_named() -> None:
    good = msgspec.convert(
        {"games_code": "OWG2026", "games_name": "Milano Cortina 2026", "language": "ITA"},
        type=OlympicsOptions,
        strict=True,
    )
    assert (good.language, good.medallists, good.referer) == (
        "ITA",
        False,
        "https://www.olympics.com/",
    )
    with pytest.raises(msgspec.ValidationError, match="games_code"):
        msgspec.convert({"games_name": "Milano Cortina 2026"}, type=OlympicsOptions)
    with pytest.raises(msgspec.ValidationError, match=r"\$\.language"):
        msgspec.convert(
            {"games_code": "X", "games_name": "Y", "language": "en"}, type=OlympicsOptions
        )
    with pytest.raises(msgspec.ValidationError, match="rate"):
        msgspec.convert({"games_code": "X", "games_name": "Y", "rate": 1}, type=OlympicsOptions)


def test_an_emptied_table_on_the_first_day_is_suspect_too() -> None:
    """With one finished event the domain's rule (several events losing medals) cannot tell;
    the site's own count of finished events can."""
    body = load(FIRST_DAY_2026)
    body["medalStandings"]["eventInfo"]["finishedEvents"] = 1
    body["medalStandings"]["medalsTable"] = []

    with pytest.raises(FeedRejected, match="shows medals of 0 events but eventInfo says 1"):
        adapter()(json.dumps(body).encode())
