"""The whole of Paris 2024 as the site served it, one cumulative body a day (cut from the real
final response by each medal's date), polled through the bot's own poll path: every medal is
announced exactly once, and the broken bodies a real Games mixes in announce nothing."""

from __future__ import annotations

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
from tests.feeds.olympics_days import PARIS_MEDALS, Day, load, paris_days, replay_files

PARIS = GamesInfo(code="OG2024", name="Paris 2024")


@pytest.fixture(scope="module")
def days() -> list[Day]:
    return paris_days()


async def test_paris_day_by_day_announces_each_medal_once_and_broken_bodies_nothing(
    days: list[Day], tmp_path: Path
) -> None:
    expected, wrong_event = replay_files(days, tmp_path)
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
