"""The poll and digest jobs through a database outage: a snapshot read but not saved is kept
and applied after it, the poll job never raises for it, and while the database is away the
job does not read the feed at all (what the feed serves meanwhile waits there, nothing is
read and lost); a digest waits for the database and then goes on."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import datetime

import pytest

from medalbot.background import Background
from medalbot.config import DeliverySettings, FeedSettings
from medalbot.delivery.digest import DigestOutcome
from medalbot.domain.alerts import Alert
from medalbot.domain.state import GamesState
from medalbot.domain.subscriptions import NewDelivery
from medalbot.feeds.sources import ReplaySource
from medalbot.samples import sample_files
from medalbot.services.bundle import Feed
from medalbot.services.live import LiveState
from medalbot.services.polling import PollService
from medalbot.store.base import OfficialEdit, StoreUnavailable
from medalbot.store.memory import MemoryStore
from medalbot.store.outage import StoreOutage
from tests.delivery.fixtures import Clock, FakeDiscord, sender


class LosableStore(MemoryStore):
    def __init__(self) -> None:
        super().__init__()
        self.reachable = True

    async def commit_snapshot(
        self,
        state: GamesState,
        alerts: Sequence[Alert],
        deliveries: Sequence[NewDelivery],
        now: datetime,
        official: Sequence[OfficialEdit] = (),
    ) -> None:
        if not self.reachable:
            raise StoreUnavailable("PostgreSQL error: connection was closed")
        await super().commit_snapshot(state, alerts, deliveries, now, official)

    async def ping(self) -> None:
        if not self.reachable:
            raise StoreUnavailable("cannot connect to PostgreSQL: Connect call failed")


async def test_the_poll_job_pauses_through_an_outage_and_applies_what_it_read_after(
    caplog: pytest.LogCaptureFixture,
) -> None:
    store = LosableStore()
    files = sample_files("w1000m")
    source = ReplaySource("main", files)
    feed = Feed(FeedSettings(name="main", url="replay", interval=3600.0), source)
    outage = StoreOutage(store.ping, first_retry=0.01, max_retry=0.01)
    background = Background(DeliverySettings(), store, [feed], outage=outage)
    live = LiveState()
    await background.start(
        sender=sender(store, FakeDiscord(), Clock()), polling=PollService(store, live)
    )
    background.scheduler.pause()  # the test runs the poll job itself, one run at a time
    try:
        await background.poll(feed)  # the first file: saved
        first = live.current
        assert first is not None
        store.reachable = False
        await background.poll(feed)  # the second: read, not saved, and the job does not raise
        assert outage.down and outage.reason is not None
        assert outage.reason.startswith("feed main: saving a snapshot")
        assert source.position == 2 and live.current is first
        await background.poll(feed)  # paused: the feed is not read
        assert source.position == 2

        store.reachable = True  # the database is back
        await asyncio.wait_for(outage.wait_up(), timeout=5)
        await background.poll(feed)  # the third file supersedes the second (kept, unsaved)
        assert source.position == 3
        state = live.current
        assert state is not None and state.sequence > first.sequence
        stored = await store.load_state(state.games_code)
        assert stored is not None and stored.sequence == state.sequence
    finally:
        await background.stop()
        await outage.close()
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == [errors[0]] and errors[0].startswith("the database is not answering")


class LosableSubscriptions(LosableStore):
    def __init__(self) -> None:
        super().__init__()
        self.refused = asyncio.Event()

    async def get_subscriptions(self, ids):  # type: ignore[no-untyped-def]
        if not self.reachable:
            self.refused.set()
            raise StoreUnavailable("PostgreSQL error: connection was closed")
        return await super().get_subscriptions(ids)


async def test_a_digest_that_meets_an_outage_waits_for_the_database_then_goes_on() -> None:
    store = LosableSubscriptions()
    outage = StoreOutage(store.ping, first_retry=0.01, max_retry=0.01)
    background = Background(DeliverySettings(), store, [], outage=outage)
    polling = PollService(store, LiveState())
    await background.start(sender=sender(store, FakeDiscord(), Clock()), polling=polling)
    background.scheduler.pause()
    try:
        store.reachable = False
        # what a digest job calls for each of its subscriptions (this one is no longer
        # there: nothing to post once the database answers)
        posting = asyncio.ensure_future(background.digests._post_due(404))
        await asyncio.wait_for(store.refused.wait(), timeout=5)
        assert outage.down and not posting.done()  # it waits for the database, no failure
        assert outage.reason is not None and "subscription 404" in outage.reason
        store.reachable = True
        assert (await asyncio.wait_for(posting, timeout=5)) is DigestOutcome.GONE
    finally:
        await background.stop()
        await outage.close()
