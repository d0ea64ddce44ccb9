"""The whole of Paris 2024 as the site served it, one cumulative body a day (cut from the real
final response by each medal's date), polled through the bot's own poll path: every medal is
announced exactly once, and the broken bodies a real Games mixes in announce nothing."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from medalbot.domain.alerts import CorrectionAlert, MedalAlert, MedalWon
from medalbot.domain.awards import medal_key
from medalbot.domain.models import GamesInfo
from medalbot.domain.table import medal_table
from medalbot.feeds.olympics.adapter import OlympicsAdapter
from medalbot.feeds.sources import ReplaySource
from medalbot.services.live import LiveState
from medalbot.services.polling import PollReport, PollService
from medalbot.store.memory import MemoryStore
from tests.feeds.olympics_days import ACCESS_DENIED, PARIS_MEDALS, Day, load, paris_days

PARIS = GamesInfo(code="OG2024", name="Paris 2024")


@pytest.fixture(scope="module")
def days() -> list[Day]:
    return paris_days()


def _wrong_athlete(day: Day) -> tuple[bytes, str]:
    """The day's body with one gold shown for the silver medallist of the same event; and
    that event's code."""
    body = json.loads(day.medals_bytes())
    rows = {
        (w["eventCode"], w["medalType"]): w
        for r in body["medalStandings"]["medalsTable"]
        for d in r["disciplines"]
        for w in d["medalWinners"]
        if w["date"] == day.day.isoformat() and w["competitorType"] == "A"
    }
    code = next(e for e, medal in sorted(rows) if medal == "ME_GOLD" and (e, "ME_SILVER") in rows)
    gold, silver = rows[(code, "ME_GOLD")], rows[(code, "ME_SILVER")]
    gold["competitorCode"] = silver["competitorCode"]
    gold["competitorDisplayName"] = silver["competitorDisplayName"]
    return json.dumps(body).encode(), code.rstrip("-")


def _replay_files(days: list[Day], directory: Path) -> tuple[dict[str, str], str]:
    """The days in order with the broken bodies mixed in; what each broken file should say,
    and the event whose gold went to the wrong athlete for a day."""
    files: list[tuple[str, bytes]] = []
    expected: dict[str, str] = {}
    wrong_event = ""
    for index, day in enumerate(days):
        files.append((f"day{index:02d}-a-medallists.json", day.medallists_bytes()))
        medals = day.medals_bytes()
        if index == 4:
            medals, wrong_event = _wrong_athlete(day)  # corrected by day 5's body
        files.append((f"day{index:02d}-b-medals.json", medals))
        if index == 3:  # an edge cache serves day 1's copy again
            files.append(("day03-c-old-copy.json", days[1].medals_bytes()))
            expected["day03-c-old-copy.json"] = "is not above"
        if index == 5:
            files.append(("day05-c-access-denied.json", ACCESS_DENIED.read_bytes()))
            expected["day05-c-access-denied.json"] = "refused by the site's bot protection"
        if index == 7:
            files.append(("day07-c-truncated.json", medals[: len(medals) // 3]))
            expected["day07-c-truncated.json"] = "truncated"
        if index == 9:
            empty = json.loads(medals)
            empty["medalStandings"]["medalsTable"] = []
            empty["medalStandings"]["eventInfo"]["dateTime"] = "2024-08-05T23:30:00+02:00"
            files.append(("day09-c-empty.json", json.dumps(empty).encode()))
            expected["day09-c-empty.json"] = "suspect body: the table shows medals of 0 events"
        if index == 11:  # a few events' medals gone at once: the domain's suspect rule
            thinner = json.loads(medals)
            table = thinner["medalStandings"]["medalsTable"]
            for row in table[:4]:
                row["disciplines"] = row["disciplines"][1:]
            thinner["medalStandings"]["eventInfo"]["dateTime"] = "2024-08-07T23:30:00+02:00"
            files.append(("day11-c-thinner.json", json.dumps(thinner).encode()))
            expected["day11-c-thinner.json"] = "announced medals vanished from"
    for name, body in files:
        (directory / name).write_bytes(body)
    return expected, wrong_event


async def test_paris_day_by_day_announces_each_medal_once_and_broken_bodies_nothing(
    days: list[Day], tmp_path: Path
) -> None:
    expected, wrong_event = _replay_files(days, tmp_path)
    source = ReplaySource.from_directory("paris", tmp_path, adapter=OlympicsAdapter(PARIS))
    live = LiveState()
    service = PollService(MemoryStore(), live)
    reports: dict[str, PollReport] = {}
    while not source.exhausted:
        name = source.files[source.position].name
        reports[name] = await service.poll(source)

    announced: Counter[tuple[object, ...]] = Counter()
    corrections = []
    for report in reports.values():
        for alert in report.alerts:
            if isinstance(alert, MedalAlert):
                announced.update((alert.event, *medal_key(m)) for m in alert.medals)
            elif isinstance(alert, CorrectionAlert):
                corrections.append(alert)
                won = (m for m in alert.after if isinstance(m, MedalWon))
                announced.update((alert.event, *medal_key(m)) for m in won)

    state = live.get("OG2024")
    assert state is not None
    final: Counter[tuple[object, ...]] = Counter(
        (e.code, r.medal, r.competitor.noc, r.competitor.name)
        for e in state.snapshot.events
        for r in e.results
    )
    assert sum(final.values()) == 1044
    # exactly one correction: the gold shown for the wrong athlete on day 4
    assert [(c.event, len(c.before), len(c.after)) for c in corrections] == [(wrong_event, 1, 1)]
    wrong = corrections[0].before[0]
    assert isinstance(wrong, MedalWon)
    assert announced - final == Counter({(wrong_event, *medal_key(wrong)): 1})
    assert announced - Counter({(wrong_event, *medal_key(wrong)): 1}) == final

    for name, says in expected.items():
        report = reports[name]
        assert report.alerts == () and report.outcome in ("failed", "ignored"), name
        assert report.reason is not None and says in report.reason, (name, report.reason)
    assert [n for n, r in reports.items() if r.alerts == () and r.outcome == "applied"] == []
    assert all(r.outcome == "unchanged" for n, r in reports.items() if "medallists" in n)

    body = load(PARIS_MEDALS)
    site = sorted(
        (row["rank"], row["organisation"]) for row in body["medalStandings"]["medalsTable"]
    )
    assert sorted((r.rank, r.noc) for r in medal_table(state.snapshot)) == site


def test_the_cut_days_rank_like_the_site(days: list[Day]) -> None:
    """The generator's own ranks on the last day equal the site's final table."""
    last = days[-1].medals["medalStandings"]["medalsTable"]
    final = load(PARIS_MEDALS)["medalStandings"]["medalsTable"]

    assert len(days) == 16
    assert sorted((r["organisation"], r["rank"], r["rankEqual"]) for r in last) == sorted(
        (r["organisation"], r["rank"], r["rankEqual"]) for r in final
    )
