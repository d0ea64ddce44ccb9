"""The poll jobs follow the feeds' leadership (medalbot.background): a follower's job does not
poll; a process that gains a feed first loads what the previous poller committed and re-opens
a source that keeps its documents (ODF), then polls at once; one that loses it stops polling;
the leadership is let go when the background work stops. The edits owed to an event that
became official are made by the feed's next poller (or the process restarted) when the one
that committed it died first; the daily digests are posted by one process."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import pytest

from medalbot.background import Background
from medalbot.cluster.leadership import OnChange
from medalbot.cluster.settings import DIGESTS
from medalbot.config import DeliverySettings, FeedSettings
from medalbot.delivery.digest import DigestOutcome
from medalbot.feeds.factory import open_feed
from medalbot.samples import load_sample
from medalbot.services.bundle import Feed
from medalbot.services.live import LiveState
from medalbot.services.polling import PollService
from medalbot.store.base import OfficialEdit, StoreUnavailable
from medalbot.store.memory import MemoryStore
from tests.store.builders import GAMES, T0, state

HOUR = 3600.0  # no poll comes from the interval during a test: only the take-over's


class CountingSource:
    """A feed with nothing new, counting the polls."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.backing_off = False
        self.polls = 0
        self.polled = asyncio.Event()

    async def poll(self) -> None:
        self.polls += 1
        self.polled.set()

    async def close(self) -> None:
        """Nothing held."""


class Switch:
    """The feeds' leadership, as the test decides it."""

    def __init__(self) -> None:
        self.held: set[str] = set()
        self.on_change: OnChange | None = None
        self.closed = False

    def __call__(self, *, on_change: OnChange) -> Switch:
        self.on_change = on_change
        return self

    def leads(self, feed: str) -> bool:
        return feed in self.held

    async def run(self) -> None:
        await asyncio.Event().wait()

    async def close(self) -> None:
        self.closed = True

    async def change(self, feed: str, leading: bool) -> None:
        (self.held.add if leading else self.held.discard)(feed)
        assert self.on_change is not None
        await self.on_change(feed, leading)


class IdleSender:
    async def run(self) -> None:
        await asyncio.Event().wait()

    def wake(self) -> None:
        """Nothing to send."""


def settings(name: str, url: str, fmt: str = "native") -> FeedSettings:
    return FeedSettings(name=name, url=url, format=fmt, interval=HOUR, jitter=0.0)


async def test_only_the_leader_polls_and_a_new_leader_starts_from_the_committed_state() -> None:
    store = MemoryStore()
    live = LiveState()
    polling = PollService(store, live)
    native = Feed(settings("main", "http://127.0.0.1:9/feed.json"), CountingSource("main"))
    odf_settings = settings("odf", "http://127.0.0.1:9/odf", "odf")
    odf = Feed(odf_settings, await open_feed(odf_settings, store))
    switch = Switch()
    background = Background(DeliverySettings(), store, [native, odf], leadership=switch)
    await background.start(sender=IdleSender(), polling=polling)  # type: ignore[arg-type]
    source: Any = native.source
    try:
        # A follower's job does nothing, however it is run.
        await background.poll(native)
        assert source.polls == 0

        # Meanwhile another process polled and committed; this one still holds nothing.
        await store.commit_snapshot(state(7), [], [], T0)
        assert live.get(GAMES) is None

        # Gained: the committed state is loaded before anything is detected, and the job
        # runs at once (not after its hour).
        await switch.change("main", True)
        held = live.get(GAMES)
        assert held is not None and held.sequence == 7
        async with asyncio.timeout(5):
            await source.polled.wait()
        assert source.polls == 1

        # A source that keeps its documents is opened again from the store: what the
        # previous poller kept, not this process's copy from its start.
        before = odf.source
        await switch.change("odf", True)
        assert odf.source is not before

        # Lost: the job stops polling.
        await switch.change("main", False)
        await background.poll(native)
        assert source.polls == 1
    finally:
        await background.stop()
        await odf.source.close()
    assert switch.closed


async def test_only_the_digest_poster_posts_and_a_new_one_catches_up() -> None:
    store = MemoryStore()
    switch = Switch()
    background = Background(DeliverySettings(), store, [], leadership=switch)
    caught_up: list[bool] = []
    done = asyncio.Event()

    async def catch_up(recent: object) -> None:
        caught_up.append(True)
        done.set()

    background.digests.catch_up = catch_up  # type: ignore[method-assign]
    polling = PollService(store, LiveState())
    await background.start(sender=IdleSender(), polling=polling)  # type: ignore[arg-type]
    try:
        # Another process posts the digests: this one's jobs post nothing, its start-up
        # catch-up is that process's to do.
        async with asyncio.timeout(5):
            await background.digests_caught_up.wait()
        assert caught_up == []
        assert await background._post_digest(42) is DigestOutcome.ELSEWHERE

        # That process died: this one takes the digests over and posts those whose time
        # came meanwhile (the catch-up), then its jobs post.
        await switch.change(DIGESTS, True)
        async with asyncio.timeout(5):
            await done.wait()
        assert caught_up == [True]
    finally:
        await background.stop()


class EditingSender(IdleSender):
    """Records the official edits it is asked for."""

    def __init__(self) -> None:
        self.edited: list[tuple[str, str, tuple[str, ...]]] = []
        self.done = asyncio.Event()

    async def mark_official(self, games: str, event: str, alert_ids: Sequence[str]) -> int:
        self.edited.append((games, event, tuple(alert_ids)))
        self.done.set()
        return 1


class EditsStore(MemoryStore):
    """Says when an official edit is struck off."""

    def __init__(self) -> None:
        super().__init__()
        self.made = asyncio.Event()

    async def official_edits_made(self, edit: OfficialEdit) -> None:
        await super().official_edits_made(edit)
        self.made.set()


async def _poller_died_after_the_official_commit(store: MemoryStore) -> OfficialEdit:
    """The women's 1000 m up to its official result, committed by a poller of feed "main"
    that died before it edited the podium's messages."""
    polling = PollService(store, LiveState())
    reports = [await polling.apply(s, feed="main") for s in load_sample("w1000m")]
    [owed] = reports[-1].became_official
    assert await store.official_edits_owed("main") == [owed]
    return owed


async def test_the_next_poller_makes_the_official_edits_its_predecessor_owed() -> None:
    store = EditsStore()
    owed = await _poller_died_after_the_official_commit(store)
    feed = Feed(settings("main", "http://127.0.0.1:9/feed.json"), CountingSource("main"))
    switch = Switch()
    sender = EditingSender()
    background = Background(DeliverySettings(), store, [feed], leadership=switch)
    await background.start(sender=sender, polling=PollService(store, LiveState()))  # type: ignore[arg-type]
    try:
        assert sender.edited == []  # a follower: the feed's poller owes them
        await switch.change("main", True)
        async with asyncio.timeout(5):
            await store.made.wait()  # struck off once the edit returned
        assert await store.official_edits_owed("main") == []
        assert sender.edited == [(owed.games, owed.event, owed.alert_ids)]
    finally:
        await background.stop()


async def test_a_restarted_process_makes_the_official_edits_it_owed() -> None:
    store = MemoryStore()
    owed = await _poller_died_after_the_official_commit(store)
    feed = Feed(settings("main", "http://127.0.0.1:9/feed.json"), CountingSource("main"))
    sender = EditingSender()
    background = Background(DeliverySettings(), store, [feed])  # one process: leads all
    await background.start(sender=sender, polling=PollService(store, LiveState()))  # type: ignore[arg-type]
    try:
        async with asyncio.timeout(5):
            await sender.done.wait()
        assert sender.edited == [(owed.games, owed.event, owed.alert_ids)]
    finally:
        await background.stop()


class UnreadableEdits(MemoryStore):
    async def official_edits_owed(self, feed: str) -> list[OfficialEdit]:
        raise StoreUnavailable("PostgreSQL error: connection was closed")


async def test_owed_edits_that_cannot_be_read_at_start_up_do_not_stop_the_bot(
    caplog: pytest.LogCaptureFixture,
) -> None:
    store = UnreadableEdits()
    feed = Feed(settings("main", "http://127.0.0.1:9/feed.json"), CountingSource("main"))
    background = Background(DeliverySettings(), store, [feed])
    await background.start(sender=EditingSender(), polling=PollService(store, LiveState()))  # type: ignore[arg-type]
    try:
        assert "feed main: could not read the official edits owed" in caplog.text
        async with asyncio.timeout(5):  # and it polls
            await feed.source.polled.wait()  # type: ignore[attr-defined]
    finally:
        await background.stop()
