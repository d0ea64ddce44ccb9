"""Followers see commits (medalbot.cluster.commits): a process that does not poll loads the
state another one committed, within a second on PostgreSQL (LISTEN/NOTIFY), and by reading
the committed sequences where nobody notifies."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import time as dtime
from pathlib import Path

import pytest

from medalbot.cluster.commits import CommitListener, guild_reloader, live_reloader
from medalbot.domain.schedule import Schedule
from medalbot.domain.subscriptions import Subscription
from medalbot.services.guilds import GuildSettingsService
from medalbot.services.live import LiveState
from medalbot.services.subscriptions import SubscriptionService
from medalbot.store import open_store
from medalbot.store.base import GuildSettings, NewSubscription, Store, StoreUnavailable
from medalbot.store.instances import CommittedStates
from tests.store.builders import GAMES, T0, delivery, medal_alert, state

GUILD = 1_000_000_000_000_001
CHANNEL = 2_000_000_000_000_001


class Follower:
    """A follower's LiveState fed by a listener; ``loaded`` fires on each change."""

    def __init__(self, store: Store) -> None:
        self.live = LiveState()
        self.changes: list[list[str]] = []
        self.loaded = asyncio.Event()
        reload = live_reloader(store, self.live)

        async def on_changed(codes: list[str]) -> None:
            await reload(codes)
            self.changes.append(codes)
            self.loaded.set()

        self.on_changed = on_changed

    async def until_sequence(self, sequence: int) -> float:
        started = time.monotonic()
        async with asyncio.timeout(10):
            while (held := self.live.get(GAMES)) is None or held.sequence < sequence:
                await self.loaded.wait()
                self.loaded.clear()
        return time.monotonic() - started


async def _commit(store: Store, sequence: int) -> None:
    alert = medal_alert(f"a{sequence}", sequence=sequence)
    await store.commit_snapshot(state(sequence), [alert], [delivery(alert)], T0)


def _committed(store: Store) -> CommittedStates:
    assert isinstance(store, CommittedStates)
    return store


async def test_a_follower_hears_the_pollers_commit_within_a_second(postgres_url: str) -> None:
    poller = await open_store(postgres_url)
    follower_store = await open_store(postgres_url)
    follower = Follower(follower_store)
    # the read every 60 s cannot be what finds it: the notice must
    listener = CommitListener(
        _committed(follower_store), follower.on_changed, dsn=postgres_url, poll=60.0
    )
    await listener.start()
    running = asyncio.create_task(listener.run())
    try:
        async with asyncio.timeout(10):
            await listener.listening.wait()
        await _commit(poller, 1)
        first = await follower.until_sequence(1)
        await _commit(poller, 2)
        second = await follower.until_sequence(2)
        print(f"commit seen by the follower after {first:.3f} s and {second:.3f} s")
        assert max(first, second) < 1.0
        assert listener.notices >= 2
        assert follower.changes == [[GAMES], [GAMES]]
        held = follower.live.get(GAMES)
        assert held is not None and held.sequence == 2
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
        await poller.close()
        await follower_store.close()


async def test_without_notices_the_follower_reads_the_committed_sequences(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'medalbot.db'}"
    poller = await open_store(url)
    follower_store = await open_store(url)
    await _commit(poller, 1)
    follower = Follower(follower_store)
    listener = CommitListener(_committed(follower_store), follower.on_changed, poll=0.05)
    await listener.start()  # sequence 1 was loaded at start-up: not a change
    running = asyncio.create_task(listener.run())
    try:
        await _commit(poller, 2)
        await follower.until_sequence(2)
        assert follower.changes == [[GAMES]] and listener.notices == 0
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
        await poller.close()
        await follower_store.close()


class LosableCommits:
    """Committed sequences that cannot be read while ``reachable`` is false."""

    def __init__(self) -> None:
        self.reachable = True
        self.reads = 0
        self.read = asyncio.Event()

    async def committed_sequences(self) -> dict[str, int]:
        self.reads += 1
        self.read.set()
        if not self.reachable:
            raise StoreUnavailable("PostgreSQL error: connection was closed")
        return {"OWG2026": 1}

    async def until_reads(self, count: int) -> None:
        async with asyncio.timeout(5):
            while self.reads < count:
                self.read.clear()
                await self.read.wait()


async def test_a_follower_that_cannot_read_the_commits_says_so_once_not_every_round(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="medalbot.cluster.commits")
    store = LosableCommits()

    async def changed(codes: list[str]) -> None:
        pass

    listener = CommitListener(store, changed, poll=0.01)
    await listener.start()
    running = asyncio.create_task(listener.run())
    try:
        store.reachable = False
        await store.until_reads(store.reads + 10)  # ten rounds fail
        store.reachable = True
        await store.until_reads(store.reads + 2)
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
    said = [r.getMessage() for r in caplog.records]
    assert len([m for m in said if m.startswith("reading the committed states failed")]) == 1
    assert "reading the committed states again" in said


class RecordedDigests:
    """The digest jobs a process keeps, as the moderators' changes reach it."""

    def __init__(self) -> None:
        self.digest_of: dict[int, object] = {}
        self.rebuilt = 0

    def update(self, sub: Subscription) -> None:
        self.digest_of[sub.id] = sub.digest_time

    def forget(self, subscription_id: int) -> None:
        self.digest_of.pop(subscription_id, None)

    async def rebuild(self) -> None:
        self.rebuilt += 1


async def test_what_moderators_change_through_one_process_reaches_the_others(
    postgres_url: str,
) -> None:
    """The nation a server follows (fans' replies highlight it), its digest jobs and its
    language follow a change made through another process within a second."""
    elsewhere = await open_store(postgres_url)
    here = await open_store(postgres_url)
    digests = RecordedDigests()
    subscriptions = SubscriptionService(here, LiveState(), max_per_guild=5, digests=digests)
    guilds = GuildSettingsService(here)
    await subscriptions.load()
    assert (await guilds.get(GUILD)).language == "en"  # cached: replies never wait on the store
    listener = CommitListener(
        _committed(here),
        live_reloader(here, LiveState()),
        dsn=postgres_url,
        poll=60.0,  # the notices must do it
        on_guilds_changed=guild_reloader(here, subscriptions, guilds, digests, digests.rebuild),
    )
    await listener.start()
    running = asyncio.create_task(listener.run())

    async def within_a_second(check: Callable[[], object]) -> float:
        started = time.monotonic()
        while not check():
            assert time.monotonic() - started < 1.0, "not within a second"
            await asyncio.sleep(0.005)
        return time.monotonic() - started

    try:
        async with asyncio.timeout(10):
            await listener.listening.wait()
        await within_a_second(lambda: digests.rebuilt == 1)  # listening: everything read again
        sub = await elsewhere.add_subscription(
            NewSubscription(guild_id=GUILD, channel_id=CHANNEL, noc="NED"), T0, 5
        )
        await within_a_second(
            lambda: (
                subscriptions.followed_nation(GUILD) == "NED"
                and digests.digest_of == {sub.id: None}
            )
        )
        await elsewhere.update_schedule(GUILD, sub.id, Schedule(digest_time=dtime(8)), T0)
        await within_a_second(lambda: digests.digest_of == {sub.id: dtime(8)})
        await elsewhere.save_guild_settings(GuildSettings(GUILD, locale="nl"))
        await within_a_second(lambda: guilds._cache[GUILD].language == "nl")
        assert (await guilds.get(GUILD)).language == "nl"
        await elsewhere.remove_subscription(GUILD, sub.id)
        await within_a_second(
            lambda: subscriptions.followed_nation(GUILD) is None and digests.digest_of == {}
        )
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
        await elsewhere.close()
        await here.close()
