"""One poller per feed (medalbot.cluster.leadership): on PostgreSQL one process holds each
feed; when its connection dies (a killed process), a follower takes the feeds over at its
next try, well within 5 s."""

from __future__ import annotations

import asyncio
import time

import asyncpg

from medalbot.cluster.leadership import PostgresLeadership, SoleLeader
from medalbot.store.base import Store

FEEDS = ["main", "odf"]


async def _terminate(url: str, pid: int | None) -> None:
    """What the server sees when the process holding the connection is killed."""
    assert pid is not None
    admin = await asyncpg.connect(url)
    try:
        assert await admin.fetchval("SELECT pg_terminate_backend($1, 5000)", pid)
    finally:
        await admin.close()


async def test_one_process_leads_each_feed_and_a_follower_takes_over_when_it_dies(
    postgres_url: str, pg_store: Store
) -> None:
    taken: dict[str, float] = {}
    both = asyncio.Event()

    async def follower_changed(feed: str, leading: bool) -> None:
        if leading:
            taken[feed] = time.monotonic()
            if len(taken) == len(FEEDS):
                both.set()

    poller_changes: list[str] = []

    async def poller_changed(feed: str, leading: bool) -> None:
        poller_changes.append(f"{feed} {'taken' if leading else 'lost'}")

    poller = PostgresLeadership(postgres_url, FEEDS, on_change=poller_changed)
    follower = PostgresLeadership(postgres_url, FEEDS, retry=1.0, on_change=follower_changed)
    try:
        await poller.check()
        await follower.check()
        assert poller.held == frozenset(FEEDS) and follower.held == frozenset()
        await follower.check()  # tried again: still nothing
        assert not follower.leads("main")

        following = asyncio.create_task(follower.run())
        killed_at = time.monotonic()
        await _terminate(postgres_url, poller.backend_pid)
        async with asyncio.timeout(10):
            await both.wait()
        takeover = max(taken.values()) - killed_at
        print(f"takeover {takeover:.2f} s after the poller's connection died")
        assert takeover <= 5.0, takeover
        assert follower.held == frozenset(FEEDS)

        # the old poller finds out at its next check and follows
        await poller.check()
        assert poller_changes == ["main taken", "odf taken", "main lost", "odf lost"]
        assert poller.held == frozenset()
        await poller.check()
        assert poller.held == frozenset()
        following.cancel()
        await asyncio.gather(following, return_exceptions=True)
    finally:
        await poller.close()
        await follower.close()


async def test_a_feed_let_go_is_taken_at_the_next_try(postgres_url: str, pg_store: Store) -> None:
    first = PostgresLeadership(postgres_url, ["main"])
    second = PostgresLeadership(postgres_url, ["main"])
    try:
        await first.check()
        await first.close()
        await second.check()
        assert second.leads("main")
    finally:
        await second.close()


async def test_one_process_leads_everything() -> None:
    assert SoleLeader().leads("anything")
