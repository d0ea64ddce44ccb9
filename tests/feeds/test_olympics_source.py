"""An ``olympics`` feed polled over HTTP on loopback: both endpoints, conditional GET, polite
headers, the bot protection's 403, a medallists body that changes on its own."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from medalbot.domain.alerts import MedalAlert
from medalbot.feeds.olympics.factory import open_olympics_source
from medalbot.feeds.olympics.options import DEFAULT_USER_AGENT, OlympicsOptions
from medalbot.feeds.olympics.source import OlympicsHttpSource
from medalbot.feeds.poller import PollerSettings
from medalbot.feeds.sources import ReplaySource
from medalbot.services.live import LiveState
from medalbot.services.polling import PollService
from medalbot.store.memory import MemoryStore
from tests.feeds.conftest import FakeClock
from tests.feeds.olympics_days import FIRST_DAY_2026
from tests.feeds.olympics_site import Site, later_body

OPTIONS = OlympicsOptions(games_code="OWG2026", games_name="Milano Cortina 2026", medallists=True)


@dataclass(frozen=True)
class Feed:
    name: str
    url: str
    connect_timeout: float = 3.0
    read_timeout: float = 5.0
    total_timeout: float = 10.0
    max_bytes: int = 5 * 1024 * 1024
    backoff_base: float = 1.0
    backoff_cap: float = 120.0


def medallists(*athletes: dict[str, Any]) -> bytes:
    return json.dumps({"info": {}, "athletes": list(athletes), "competitionCode": ""}).encode()


NEUTRAL_BRONZE = {
    "organisation": "AIN",
    "code": "900001",
    "fullName": "NEUTRAL Athlete",
    "tvName": "Athlete NEUTRAL",
    "medals": [{"medalType": "ME_BRONZE", "event": "SSKW3000M-------", "date": "2026-02-07"}],
}


@pytest.fixture
async def site() -> AsyncIterator[tuple[Site, str]]:
    state = Site(medals=FIRST_DAY_2026.read_bytes(), medallists=medallists())
    app = web.Application()
    app.router.add_get("/wmr-owg2026/competition/api/ENG/{endpoint}", state.handle)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    yield state, str(server.make_url("/wmr-owg2026/"))
    await server.close()


async def test_polls_both_endpoints_politely_and_announces_new_medals_once(
    site: tuple[Site, str],
) -> None:
    server, root = site
    clock = FakeClock()
    base = PollerSettings(url=root, backoff_base=30.0, backoff_cap=900.0)
    source = OlympicsHttpSource.from_settings("milano", base, OPTIONS, clock=clock)
    service = PollService(MemoryStore(), LiveState())
    try:
        first = await service.poll(source)
        unchanged = await service.poll(source)
        server.medals = later_body()
        later = await service.poll(source)
        server.refuse = True
        refused = await service.poll(source)
        server.refuse = False
        clock.advance(60.0)  # past the backoff after the refusal
        server.medallists = medallists(NEUTRAL_BRONZE)
        neutral = await service.poll(source)
    finally:
        await source.close()

    medals = [
        [
            (m.medal.value, m.noc, m.name)
            for a in r.alerts
            if isinstance(a, MedalAlert)
            for m in a.medals
        ]
        for r in (first, unchanged, later, refused, neutral)
    ]
    assert first.outcome == "applied" and len(medals[0]) == 9
    assert unchanged.outcome == "unchanged" and medals[1] == []
    assert medals[2] == [("gold", "ITA", "Sofia GOGGIA")]
    assert refused.outcome == "failed" and medals[3] == []
    assert refused.reason is not None
    assert refused.reason.startswith("refused by the site's bot protection")
    # only the medallists body changed (the medals answer 304): a neutral athlete's bronze
    assert medals[4] == [("bronze", "AIN", "Athlete NEUTRAL")]
    assert [s for p, _, s in server.requests if p.endswith("/medals")] == [
        200, 304, 200, 403, 304,
    ]  # fmt: skip
    headers = server.requests[0][1]
    assert headers["User-Agent"] == DEFAULT_USER_AGENT
    assert DEFAULT_USER_AGENT.startswith("medalbot/")
    assert headers["Referer"] == "https://www.olympics.com/"


async def test_the_factory_polls_a_root_over_http(site: tuple[Site, str]) -> None:
    server, root = site
    source = open_olympics_source(Feed("milano", root), OPTIONS)
    assert isinstance(source, OlympicsHttpSource)
    try:
        report = await PollService(MemoryStore(), LiveState()).poll(source)
    finally:
        await source.close()

    assert len(report.alerts) == 3
    assert sorted(p.rsplit("/", 1)[1] for p, _, _ in server.requests) == ["medallists", "medals"]


async def test_a_directory_of_saved_bodies_is_replayed(tmp_path: Path) -> None:
    (tmp_path / "1-medals.json").write_bytes(FIRST_DAY_2026.read_bytes())
    (tmp_path / "2-medals.json").write_bytes(later_body())
    source = open_olympics_source(Feed("saved", str(tmp_path)), OPTIONS)
    assert isinstance(source, ReplaySource)
    service = PollService(MemoryStore(), LiveState())

    reports = [await service.poll(source), await service.poll(source)]

    assert [len(r.alerts) for r in reports] == [3, 1]
