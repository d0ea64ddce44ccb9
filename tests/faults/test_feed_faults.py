"""A misbehaving feed, through the real HTTP poller and the real poll use case (fetch, detect,
route, commit) on SQLite with subscriptions, and once through the whole bot.

The feed (``feedserver.FaultyFeed``) replays the sample Games day. Eight snapshots are applied
(medals in three events by then); the feed then holds the ninth, the women's 1000 m podium,
but serves it wrong in one way for a run of polls, one a second on a fake clock. Each case
checks what a fan and an operator would see:

* nothing announced: no alert logged, no outbox row;
* the last good state kept: live and stored state, the medal table and a nation's medals;
* the reason logged once per failed request (not per poll), and the backoff schedule kept:
  the requests the server received are compared with the schedule's times;
* recovery: once the feed heals, the 1000 m podium is announced exactly once, and the alert
  log and the outbox are the same as those of a run that never saw a fault.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any, Literal

import msgspec
import pytest

from medalbot.config import Settings
from medalbot.domain.alerts import Alert, MedalAlert
from medalbot.feeds.native import parse_snapshot
from medalbot.feeds.poller import HttpPoller, PollerSettings
from medalbot.feeds.sources import HttpFeedSource, ReplaySource
from medalbot.samples import sample_files
from medalbot.sandbox import Sandbox
from medalbot.services.live import LiveState
from medalbot.services.polling import PollReport, PollService
from medalbot.services.queries import QueryService
from medalbot.store.base import NewSubscription, Store
from medalbot.store.factory import open_store
from medalbot.store.memory import MemoryStore
from tests.e2e.test_bot_alerts import messages, replay_all, titles
from tests.e2e.test_bot_faults import assert_ned_1000m, settled
from tests.faults.feedserver import Fault, FaultyFeed, status, substitute
from tests.feeds.conftest import FakeClock, RecordingJitter

GAMESDAY = sample_files("gamesday")
GAMES = "OWG2026"
WARM_UP = 8  # 01..08 applied before the faults: medals in three events
REVEALED = 9  # 09, the 1000 m podium: what the feed holds while it misbehaves
BASE, CAP = 1.0, 8.0  # the poller's backoff; jitter is drawn at the top of its window here
WINDOW = 24  # polls, one a second, while the feed misbehaves
MAX_BYTES = 5 * 1024 * 1024
SUBSCRIPTIONS = (
    NewSubscription(guild_id=1, channel_id=101),  # everything
    NewSubscription(guild_id=1, channel_id=102, noc="NED"),
)


def _document(index: int) -> dict[str, Any]:
    """Sample snapshot ``index`` (1-based) as a JSON object to bend."""
    loaded: dict[str, Any] = json.loads(GAMESDAY[index - 1].read_bytes())
    return loaded


def _encoded(document: dict[str, Any], **changes: Any) -> bytes:
    return json.dumps({**document, **changes}).encode()


def _stripped_of_earlier_medals() -> bytes:
    """The 1000 m podium, but every medal awarded before it gone: an empty-looking feed."""
    document = _document(REVEALED)
    for event in document["events"]:
        if event["code"] != "SSKW1000M":
            event["results"] = [
                {k: v for k, v in r.items() if k != "medal"} for r in event["results"]
            ]
    return _encoded(document)


def _with_a_duplicated_event() -> bytes:
    """The 1000 m listed twice, the copy naming another champion."""
    document = _document(REVEALED)
    (race,) = [e for e in document["events"] if e["code"] == "SSKW1000M"]
    copy = json.loads(json.dumps(race))
    copy["results"][0]["medal"], copy["results"][1]["medal"] = "silver", "gold"
    document["events"].append(copy)
    return _encoded(document)


Behaviour = Literal["fails", "ignored", "unchanged"]


@dataclass(frozen=True)
class Case:
    fault: Fault
    behaves: Behaviour  # fails: backoff; ignored: read, then refused by detection; unchanged
    says: str  # what the log line gives as the reason
    requests_per_attempt: int = 1
    retry_after: float = 0.0
    timeouts: tuple[float, float] = (5.0, 10.0)  # read, total


CASES = {
    "html-502-page": Case(Fault("html_page", status=502), "fails", "HTTP 502 from"),
    "html-page-200": Case(Fault("html_page", status=200), "fails", "got an HTML page"),
    "content-length-not-met": Case(Fault("short_body"), "fails", "payload is not completed"),
    "cut-json": Case(Fault("cut_json"), "fails", "not JSON: input data was truncated"),
    "over-size-cap": Case(Fault("oversized", size=MAX_BYTES + 1), "fails", "Content-Length 5 MiB"),
    "over-size-cap-streamed": Case(
        Fault("oversized_chunked", size=64 * 1024 * 1024), "fails", "(stopped reading)"
    ),
    "gzip-bomb": Case(Fault("gzip_bomb", size=1 << 30), "fails", "(stopped reading)"),
    "wrong-content-type": Case(Fault("wrong_type"), "fails", "unexpected content type text/plain"),
    "http-500": Case(status(500), "fails", "HTTP 500 from"),
    "http-503-retry-after": Case(
        status(503, retry_after=10), "fails", "HTTP 503 from", retry_after=10.0
    ),
    "timeout": Case(Fault("hang"), "fails", "timed out fetching", timeouts=(0.2, 0.4)),
    "reset-mid-body": Case(Fault("reset"), "fails", "cannot fetch"),
    # aiohttp retries a GET once on a dropped connection (RFC 9112 §9.3.1.1): two requests
    "dropped-before-answer": Case(
        Fault("drop"), "fails", "Server disconnected", requests_per_attempt=2
    ),
    "duplicated-event": Case(
        substitute(_with_a_duplicated_event(), "duplicated event"),
        "fails",
        "events[12].code 'SSKW1000M' repeats events[3].code",
    ),
    "304-over-new-content": Case(Fault("not_modified"), "unchanged", ""),
    "lower-sequence": Case(
        substitute(GAMESDAY[4].read_bytes(), "sequence 105"),
        "ignored",
        "ignored (stale): sequence 105 is not above 108",
    ),
    "equal-sequence-with-new-medals": Case(
        substitute(_encoded(_document(REVEALED), sequence=108), "sequence 108"),
        "ignored",
        "ignored (stale): sequence 108 is not above 108",
    ),
    "every-event-gone": Case(
        substitute(_encoded(_document(REVEALED), events=[]), "no events"),
        "ignored",
        "ignored (suspect): announced medals vanished from 3 events at once",
    ),
    "earlier-medals-gone": Case(
        substitute(_stripped_of_earlier_medals(), "medals stripped"),
        "ignored",
        "ignored (suspect): announced medals vanished from 3 events at once",
    ),
}


@dataclass
class Rig:
    feed: FaultyFeed
    clock: FakeClock
    store: Store
    live: LiveState
    service: PollService
    source: HttpFeedSource

    async def tick(self) -> PollReport:
        """One poll, a second after the last one."""
        self.clock.advance(1.0)
        return await self.service.poll(self.source)

    async def until_applied(self, sequence: int, most: int = 40) -> list[PollReport]:
        """Poll once a second until ``sequence`` is applied; every report on the way."""
        reports = []
        for _ in range(most):
            reports.append(await self.tick())
            state = self.live.current
            if state is not None and state.sequence >= sequence:
                return reports
        raise AssertionError(f"sequence {sequence} not applied in {most} polls: {reports}")


RigFactory = Callable[..., Awaitable[Rig]]


@pytest.fixture
async def make_rig(tmp_path: Path) -> AsyncIterator[RigFactory]:
    opened: list[Rig] = []

    async def make(timeouts: tuple[float, float] = (5.0, 10.0)) -> Rig:
        clock = FakeClock()
        feed = FaultyFeed(GAMESDAY, clock=clock)
        await feed.start()
        store = await open_store(f"sqlite:///{tmp_path / 'medalbot.db'}")
        await _subscribe(store)
        read, total = timeouts
        settings = PollerSettings(
            url=feed.url,
            read_timeout=read,
            total_timeout=total,
            max_bytes=MAX_BYTES,
            backoff_base=BASE,
            backoff_cap=CAP,
        )
        poller = HttpPoller("gamesday", settings, clock=clock, uniform=RecordingJitter())
        source = HttpFeedSource("gamesday", poller, partial(parse_snapshot, max_bytes=MAX_BYTES))
        live = LiveState()
        rig = Rig(feed, clock, store, live, PollService(store, live), source)
        opened.append(rig)
        return rig

    yield make
    for rig in opened:
        await rig.source.close()
        await rig.feed.close()
        await rig.store.close()


async def _subscribe(store: Store) -> None:
    for sub in SUBSCRIPTIONS:
        await store.add_subscription(sub, datetime(2026, 2, 1, tzinfo=UTC), max_per_guild=10)


@dataclass(frozen=True)
class Reference:
    """A run of the first ``upto`` snapshots without any fault."""

    alerts_by_file: list[tuple[Alert, ...]]
    log: list[Alert]
    deliveries: int


async def reference(upto: int) -> Reference:
    store = MemoryStore()
    await _subscribe(store)
    service = PollService(store, LiveState())
    source = ReplaySource("reference", GAMESDAY[:upto])
    reports = [await service.poll(source) for _ in range(upto)]
    assert all(r.outcome == "applied" for r in reports)
    return Reference(
        [r.alerts for r in reports],
        await store.list_alerts(GAMES),
        sum(r.deliveries for r in reports),
    )


async def warm_up(rig: Rig) -> None:
    for index in range(WARM_UP):
        if index:
            assert rig.feed.advance()
        await rig.until_applied(101 + index)


async def what_users_see(rig: Rig) -> tuple[object, ...]:
    """Everything a fault must leave as it was: state, alert log, outbox, answers."""
    queries = QueryService(rig.live)
    return (
        rig.live.current,
        await rig.store.load_state(GAMES),
        await rig.store.list_alerts(GAMES),
        await rig.store.outbox_stats(),
        queries.medal_table(),
        queries.nation("NED"),
        queries.nation("SUI"),
    )


def attempt_times(start: float, polls: int, *, retry_after: float = 0.0) -> list[float]:
    """When a poller polled once a second from ``start`` sends requests to a feed that fails
    every time: after the n-th failure in a row it waits min(CAP, BASE * 2**(n-1)) (the top
    of the full-jitter window), and at least Retry-After."""
    times, at, failures = [], start, 0
    while at < start + polls:
        times.append(at)
        wait = max(min(CAP, BASE * 2**failures), retry_after)
        failures += 1
        at += math.ceil(wait)  # polls fall on whole seconds
    return times


def warnings_in(caplog: pytest.LogCaptureFixture) -> list[str]:
    """What medalbot logged as warnings or worse."""
    return [
        r.getMessage()
        for r in caplog.records
        if r.levelno >= logging.WARNING and r.name.startswith("medalbot.")
    ]


def errors_in(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Errors logged by anyone but the test's own feed server (a crashed poll job is logged
    by the scheduler, not by medalbot)."""
    return [
        r.getMessage()
        for r in caplog.records
        if r.levelno >= logging.ERROR and not r.name.startswith("aiohttp.")
    ]


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
async def test_a_misbehaving_feed_announces_nothing_keeps_state_backs_off_and_recovers(
    case: Case, make_rig: RigFactory, caplog: pytest.LogCaptureFixture
) -> None:
    rig = await make_rig(case.timeouts)
    await warm_up(rig)
    expected = await reference(REVEALED)
    before = await what_users_see(rig)
    assert rig.feed.advance()  # the feed now holds the 1000 m podium ...
    rig.feed.inject(case.fault, times=None)  # ... and serves it wrong
    caplog.clear()
    caplog.set_level(logging.INFO, logger="medalbot")

    start = rig.clock.now + 1.0
    reports = [await rig.tick() for _ in range(WINDOW)]

    assert await what_users_see(rig) == before
    assert all(r.alerts == () and r.outcome != "applied" for r in reports), reports
    requests = [s.at for s in rig.feed.seen_since(start)]
    lines = [r.getMessage() for r in caplog.records]
    if case.behaves == "fails":
        attempts = attempt_times(start, WINDOW, retry_after=case.retry_after)
        assert requests == [at for at in attempts for _ in range(case.requests_per_attempt)]
        failed = [r for r in reports if r.outcome == "failed"]
        assert len(failed) == len(attempts)
        assert all(case.says in (r.reason or "") for r in failed), failed[0].reason
        assert {r.outcome for r in reports} == {"failed", "backing_off"}
        warned = warnings_in(caplog)
        assert len(warned) == len(attempts), warned  # one line per failure, none per skip
        assert all(case.says in line and "next attempt in" in line for line in warned), warned
    else:
        assert requests == [start + i for i in range(WINDOW)]  # one request a poll, no more
        assert warnings_in(caplog) == []
        said = [line for line in lines if case.says and case.says in line]
        if case.behaves == "ignored":
            assert len(said) == 1, lines  # read once; the same body is then a 304
            assert [r.outcome for r in reports] == ["ignored"] + ["unchanged"] * (WINDOW - 1)
        else:
            assert {r.outcome for r in reports} == {"unchanged"}
    assert errors_in(caplog) == []

    rig.feed.heal()
    healing = await rig.until_applied(100 + REVEALED)
    afterwards = await rig.tick()

    applied = [r for r in healing if r.outcome == "applied"]
    assert len(applied) == 1 and len(healing) <= CAP + 2, healing
    assert applied[0].alerts == expected.alerts_by_file[-1]
    (podium,) = [a for a in applied[0].alerts if isinstance(a, MedalAlert)]
    assert (podium.event, podium.medals[0].name) == ("SSKW1000M", "Jutta LEERDAM")
    assert afterwards.outcome == "unchanged" and afterwards.alerts == ()
    assert await rig.store.list_alerts(GAMES) == expected.log
    assert (await rig.store.outbox_stats()).pending == expected.deliveries


def _mixed_plan() -> dict[int, list[Fault]]:
    """Faults served (once each, in order) before the file at that 0-based index is read."""
    stale = GAMESDAY[3].read_bytes()  # sequence 104
    day = _document(13)
    return {
        1: [status(500), status(500), status(500)],
        3: [Fault("reset"), Fault("html_page", status=502), Fault("drop")],
        5: [substitute(stale, "stale"), Fault("not_modified"), Fault("cut_json")],
        7: [Fault("gzip_bomb", size=1 << 30), Fault("wrong_type")],
        8: [substitute(_with_a_duplicated_event(), "duplicated event"), Fault("short_body")],
        12: [substitute(_encoded(day, events=[]), "no events"), Fault("not_modified")],
        14: [Fault("oversized", size=MAX_BYTES + 1), status(503, retry_after=3)],
    }


async def test_a_games_day_with_every_kind_of_fault_on_the_way_announces_what_a_clean_run_does(
    make_rig: RigFactory, caplog: pytest.LogCaptureFixture
) -> None:
    rig = await make_rig()
    caplog.set_level(logging.INFO, logger="medalbot")
    plan = _mixed_plan()
    announced: list[Alert] = []
    for index in range(len(GAMESDAY)):
        if index:
            assert rig.feed.advance()
        for fault in plan.get(index, []):
            rig.feed.inject(fault)
        reports = await rig.until_applied(101 + index)
        assert rig.feed.pending_faults == 0
        announced.extend(a for r in reports for a in r.alerts)

    clean = await reference(len(GAMESDAY))
    assert announced == clean.log  # in order, each once: nothing from the bad moments
    assert len({a.id for a in announced}) == len(announced)
    assert await rig.store.list_alerts(GAMES) == clean.log
    assert (await rig.store.outbox_stats()).pending == clean.deliveries
    failing = sum(
        1
        for faults in plan.values()
        for f in faults
        if f.kind not in ("not_modified", "body") or str(f) == "duplicated event"
    )
    assert len(warnings_in(caplog)) == failing - 1  # the dropped connection's retry succeeded
    assert errors_in(caplog) == []


# -- the whole bot ---------------------------------------------------------------------------

W1000M = sample_files("w1000m")


class FaultySandbox(Sandbox):
    """The sandbox with a misbehaving feed and feed timeouts short enough for a test."""

    def __init__(self) -> None:
        super().__init__(W1000M)
        self.feed = self.faulty = FaultyFeed(W1000M)

    def settings(self) -> Settings:
        settings = super().settings()
        (feed,) = settings.feeds
        quick = msgspec.structs.replace(feed, read_timeout=0.5, total_timeout=1.0)
        return msgspec.structs.replace(settings, feeds=[quick])


def _finished_race(**changes: Any) -> bytes:
    document: dict[str, Any] = json.loads(W1000M[-1].read_bytes())
    return json.dumps({**document, **changes}).encode()


def _burst() -> list[Fault]:
    """Everything a feed can do wrong, several times showing the finished race."""
    finished: dict[str, Any] = json.loads(_finished_race())
    twice = [*finished["events"], {**finished["events"][0], "name": "Women's 1000m (copy)"}]
    return [
        status(500),
        Fault("html_page", status=502),
        substitute(_finished_race(sequence=1), "finished race, sequence already applied"),
        Fault("cut_json"),
        Fault("short_body"),
        substitute(_finished_race(sequence=0), "finished race, lower sequence"),
        Fault("reset"),
        Fault("drop"),
        Fault("hang"),
        substitute(_finished_race(events=twice), "finished race, event listed twice"),
        Fault("wrong_type"),
        Fault("oversized", size=MAX_BYTES + 1),
        Fault("gzip_bomb", size=1 << 30),
        status(503, retry_after=0),
        Fault("not_modified"),
        Fault("html_page", status=200),
    ]


@pytest.mark.e2e
async def test_a_ned_channel_sees_nothing_during_a_burst_of_feed_faults_then_the_1000m_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="medalbot")
    sb = FaultySandbox()
    async with sb:
        bot = await sb.start_bot()
        await sb.subscribe("oranje", nation="NED")
        await sb.emulator.wait_for(
            lambda: (s := bot.services.live.current) is not None and s.sequence == 1, timeout=10
        )
        feed = sb.faulty
        burst = _burst()
        for fault in burst:
            feed.inject(fault)
        served = len(feed.seen)
        # the burst is over once a request after it was answered normally
        await sb.emulator.wait_for(
            lambda: feed.pending_faults == 0 and feed.seen[-1].fault is None, timeout=30
        )
        await settled(bot)

        assert len(feed.seen) - served > len(burst)  # every fault was served to the bot
        assert messages(sb, "oranje") == []
        state = bot.services.live.current
        assert state is not None and state.sequence == 1
        assert await bot.services.store.list_alerts(GAMES) == []

        await replay_all(sb)
        await settled(bot)
        assert_ned_1000m(titles(sb, "oranje"))  # each of the three alerts once
    assert errors_in(caplog) == []
