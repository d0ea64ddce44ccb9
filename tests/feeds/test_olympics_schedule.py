"""The optional schedule of an ``olympics`` feed (``schedules/api/{LANG}/schedule/lite/day/
{date}``): no saved response exists, so these bodies are written from the documented shape.
Medal events get their times, a medal event under way shows as running, and the feed works the
same without the schedule."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from medalbot.domain.models import EventStatus
from medalbot.domain.queries import upcoming_medal_events
from medalbot.feeds.olympics.options import OlympicsOptions
from medalbot.feeds.olympics.source import OlympicsHttpSource
from medalbot.feeds.poller import PollerSettings
from medalbot.services.live import LiveState
from medalbot.services.polling import PollService
from medalbot.store.memory import MemoryStore
from tests.feeds.olympics_days import FIRST_DAY_2026

DAY = date(2026, 2, 7)


def unit(
    code: str, status: str, start: str, end: str, medal: int = 1, **more: Any
) -> dict[str, Any]:
    return {
        "id": code.ljust(34, "-") + "FNL-000100--",
        "eventCode": code.ljust(34, "-"),
        "disciplineName": more.pop("sport", "Speed Skating"),
        "eventName": more.pop("name", "Women's 3000m"),
        "phaseName": "Final",
        "startDate": start,
        "endDate": end,
        "status": status,
        "medalFlag": medal,
        "liveFlag": status == "RUNNING",
        "competitors": [],
        **more,
    }


SCHEDULE = {
    "units": [
        # an event the medals body already has: it gets its times
        unit("ALPMDH", "FINISHED", "2026-02-07T11:30:00+01:00", "2026-02-07T13:00:00+01:00",
             sport="Alpine Skiing", name="Men's Downhill"),
        # under way, no medals yet: running, "live"
        unit("SBDWSBS", "RUNNING", "2026-02-07T13:30:00+01:00", "2026-02-07T15:00:00+01:00",
             sport="Snowboard", name="Women's Snowboard Cross"),
        # later today: scheduled; its bronze unit (3) and a heat without medals count as one
        unit("LUGMSGL", "SCHEDULED", "2026-02-07T19:00:00+01:00", "2026-02-07T20:30:00+01:00",
             sport="Luge", name="Men's Singles"),
        unit("LUGMSGL", "SCHEDULED", "2026-02-07T18:00:00+01:00", "2026-02-07T18:40:00+01:00",
             medal=0, sport="Luge", name="Men's Singles"),
        # a game without a medal: not listed
        unit("IHOWPRELA01", "SCHEDULED", "2026-02-07T16:40:00+01:00", "2026-02-07T19:00:00+01:00",
             medal=0, sport="Ice Hockey", name="Women's Preliminary Round"),
    ]
}  # fmt: skip


class Site:
    def __init__(self) -> None:
        self.medals = FIRST_DAY_2026.read_bytes()
        self.schedule: bytes | None = json.dumps(SCHEDULE).encode()
        self.paths: list[str] = []

    async def handle(self, request: web.Request) -> web.Response:
        self.paths.append(request.path)
        if "/schedules/" in request.path:
            if self.schedule is None:
                return web.Response(status=404, text="Not Found")
            return web.Response(body=self.schedule, content_type="application/json")
        return web.Response(body=self.medals, content_type="application/json")


@pytest.fixture
async def site() -> AsyncIterator[tuple[Site, str]]:
    state = Site()
    app = web.Application()
    app.router.add_get("/wmr-owg2026/{tail:.*}", state.handle)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    yield state, str(server.make_url("/wmr-owg2026/"))
    await server.close()


def source(root: str, *, schedule: bool, day: date = DAY) -> OlympicsHttpSource:
    options = OlympicsOptions(games_code="OWG2026", games_name="MC 2026", schedule=schedule)
    return OlympicsHttpSource.from_settings(
        "milano", PollerSettings(url=root), options, today=lambda: day
    )


async def test_the_schedule_times_medal_events_and_shows_those_under_way(
    site: tuple[Site, str],
) -> None:
    server, root = site
    feed = source(root, schedule=True)
    live = LiveState()
    try:
        report = await PollService(MemoryStore(), live).poll(feed)
    finally:
        await feed.close()

    assert "/wmr-owg2026/schedules/api/ENG/schedule/lite/day/2026-02-07" in server.paths
    assert len(report.alerts) == 3  # the day's three podiums, as without the schedule
    state = live.get("OWG2026")
    assert state is not None
    events = {e.code: e for e in state.snapshot.events}
    downhill = events["ALPMDH"]
    assert downhill.status is EventStatus.OFFICIAL and len(downhill.results) == 3
    assert downhill.start == datetime(2026, 2, 7, 10, 30, tzinfo=UTC)
    assert "IHOWPRELA01" not in events
    luge = events["LUGMSGL"]
    assert (luge.status, luge.start, luge.gender) == (
        EventStatus.SCHEDULED,
        datetime(2026, 2, 7, 18, 0, tzinfo=UTC),  # the medal unit's, not the heat's
        "M",
    )
    upcoming = upcoming_medal_events(state.snapshot, datetime(2026, 2, 7, 13, 0, tzinfo=UTC))
    assert [(e.code, e.status) for e in upcoming] == [
        ("SBDWSBS", EventStatus.RUNNING),  # "live"
        ("LUGMSGL", EventStatus.SCHEDULED),
    ]


async def test_a_new_day_reads_that_days_schedule_and_the_feed_works_without_one(
    site: tuple[Site, str],
) -> None:
    server, root = site
    days = iter([DAY, DAY, date(2026, 2, 8)])
    options = OlympicsOptions(games_code="OWG2026", games_name="MC 2026", schedule=True)
    feed = OlympicsHttpSource.from_settings(
        "milano", PollerSettings(url=root), options, today=lambda: next(days)
    )
    service = PollService(MemoryStore(), LiveState())
    try:
        first = await service.poll(feed)
        same = await service.poll(feed)  # nothing new anywhere
        server.schedule = None  # the next day's schedule is not there (404)
        next_day = await service.poll(feed)
    finally:
        await feed.close()
    assert len(first.alerts) == 3 and same.outcome == "unchanged"
    assert next_day.outcome in ("unchanged", "applied") and next_day.alerts == ()
    assert server.paths[-2].endswith("/schedule/lite/day/2026-02-08")

    without = source(root, schedule=False)
    live = LiveState()
    try:
        report = await PollService(MemoryStore(), live).poll(without)
    finally:
        await without.close()
    assert len(report.alerts) == 3
    state = live.get("OWG2026")
    assert state is not None
    assert all(e.start is None for e in state.snapshot.events)
    assert not any("/schedules/" in p for p in server.paths[-1:])
