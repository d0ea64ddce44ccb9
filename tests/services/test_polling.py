"""The poll use case: bad input of every kind leaves the last good state, and says why."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import pytest

from medalbot.domain.alerts import Alert
from medalbot.domain.models import Snapshot
from medalbot.domain.state import GamesState
from medalbot.domain.subscriptions import NewDelivery
from medalbot.feeds.errors import FeedError
from medalbot.feeds.poller import PollerSettings
from medalbot.feeds.server import ReplayFeedServer
from medalbot.feeds.sources import HttpFeedSource, ReplaySource
from medalbot.samples import sample_files
from medalbot.services.live import LiveState
from medalbot.services.polling import PollService
from medalbot.store.base import OfficialEdit, StoreError
from medalbot.store.memory import MemoryStore

W1000M = sample_files("w1000m")
GOOD = W1000M[1].read_text(encoding="utf-8")  # KOK's record, sequence 2


def bad_inputs(tmp_path: Path) -> dict[str, Path]:
    lower = GOOD.replace('"sequence": 2', '"sequence": 1').replace('"sequence":2', '"sequence":1')
    cases = {
        "truncated": GOOD[: len(GOOD) // 2],
        "html": "<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>",
        "wrong-types": GOOD.replace('"rank": 1', '"rank": "first"', 1).replace(
            '"rank":1', '"rank":"first"', 1
        ),
        "oversized": " " * (20 * 1024 * 1024) + GOOD,
        "wrong-format": GOOD.replace("medalbot.feed/1", "medalbot.feed/2"),
        "lower-sequence": lower,
    }
    paths = {}
    for name, body in cases.items():
        path = tmp_path / f"{name}.json"
        path.write_text(body, encoding="utf-8")
        paths[name] = path
    return paths


@pytest.mark.parametrize(
    ("case", "says"),
    [
        ("truncated", "truncated"),
        ("html", "HTML"),
        ("wrong-types", "rank"),
        ("oversized", "larger than"),
        ("wrong-format", "medalbot.feed/2"),
        ("lower-sequence", "not above"),
    ],
)
async def test_bad_input_keeps_the_last_good_state_and_says_why(
    tmp_path: Path, case: str, says: str
) -> None:
    store, live = MemoryStore(), LiveState()
    service = PollService(store, live)
    good = ReplaySource("feed", [W1000M[0], W1000M[1]])
    assert (await service.poll(good)).outcome == "applied"
    first = await service.poll(good)
    assert [type(a).__name__ for a in first.alerts] == ["RecordAlert"]
    before_live, before_stored = live.current, await store.load_state("OWG2026")

    report = await service.poll(ReplaySource("feed", [bad_inputs(tmp_path)[case]]))

    assert report.outcome in {"failed", "ignored"}
    assert says in (report.reason or ""), report.reason
    assert report.alerts == ()
    assert live.current == before_live
    assert await store.load_state("OWG2026") == before_stored
    assert len(await store.list_alerts("OWG2026")) == 1
    # and the feed goes on: the next good snapshot is applied as if nothing happened
    after = await service.poll(ReplaySource("feed", [W1000M[2]]))
    assert after.outcome == "applied" and len(after.alerts) == 1


class BrokenSource:
    name = "broken"
    backing_off = False

    async def poll(self) -> Snapshot | None:
        raise FeedError("HTTP 500 from http://feed.invalid/")

    async def close(self) -> None:
        return None


async def test_one_failing_feed_does_not_stop_another() -> None:
    service = PollService(MemoryStore(), LiveState())
    good = ReplaySource("good", W1000M[:2])
    reports = [await service.poll(src) for src in (BrokenSource(), good, BrokenSource(), good)]
    assert [r.outcome for r in reports] == ["failed", "applied", "failed", "applied"]
    assert reports[0].reason == "HTTP 500 from http://feed.invalid/"
    assert len(reports[3].alerts) == 1


class StoreFailingOnce(MemoryStore):
    """A store whose first commit fails, as a locked or unreachable database does."""

    def __init__(self) -> None:
        super().__init__()
        self.failed = False

    async def commit_snapshot(
        self,
        state: GamesState,
        alerts: Sequence[Alert],
        deliveries: Sequence[NewDelivery],
        now: datetime,
        official: Sequence[OfficialEdit] = (),
    ) -> None:
        if not self.failed:
            self.failed = True
            raise StoreError("database is locked")
        await super().commit_snapshot(state, alerts, deliveries, now, official)


async def test_a_snapshot_the_store_could_not_save_is_applied_at_the_next_poll() -> None:
    store, live = StoreFailingOnce(), LiveState()
    service = PollService(store, live)
    async with ReplayFeedServer([W1000M[1]]) as server:
        source = HttpFeedSource.native("feed", PollerSettings(url=server.url))
        with pytest.raises(StoreError):
            await service.poll(source)
        assert live.current is None
        # The feed has not changed since (a 304), yet what it showed is still announced.
        report = await service.poll(source)
        await source.close()

    assert server.not_modified == 1
    assert report.outcome == "applied" and report.alerts
    assert await store.list_alerts("OWG2026") == list(report.alerts)
    assert live.current is not None and live.current.sequence == report.sequence
