"""Exactly one poller per feed: the process that holds the feed's leadership polls it, the
others follow (they answer from the committed state, medalbot.cluster.commits). The daily
digests have a leader of their own (``DIGESTS``): one process posts them, and the one that takes
over posts those whose time came meanwhile (the start-up catch-up).

On PostgreSQL the leadership is a session advisory lock per feed on a connection of its own:
the server drops it with the connection, so when the poller dies (or loses the database) a
follower, trying every ``retry`` seconds, takes the feed over within that time. For a moment
after a holder lost its connection unseen, two processes may poll the same feed; the store's
optimistic commit (StaleStateError) keeps either from announcing what the other committed.
A store only one process uses (SQLite, memory) needs none of it: ``SoleLeader`` leads all.

The wiring runs ``run()`` in the background and polls a feed only while ``leads(feed)``;
``on_change(feed, leading)`` says when that changes, so that a new leader reloads the Games'
state from the store (``PollService.restore_all``) before its first poll.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Final, Protocol

import asyncpg

from medalbot.cluster.settings import DIGESTS

log = logging.getLogger(__name__)

OnChange = Callable[[str, bool], Awaitable[None]]  # (feed, now leading)
# Per schema, like the instances' locks (medalbot.store.postgres), in the two-int key space.
_FEED_LOCK: Final = "hashtext('medalbot feed ' || current_schema()), hashtext($1)"
_FAILURES: Final = (
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,  # a connection cut in the middle of a statement
    OSError,
    TimeoutError,
)


class FeedLeadership(Protocol):
    def leads(self, feed: str) -> bool: ...

    async def run(self) -> None: ...

    async def close(self) -> None: ...


class SoleLeader:
    """One process: it leads every feed."""

    def leads(self, feed: str) -> bool:
        return True

    async def run(self) -> None:
        await asyncio.Event().wait()  # nothing to do until cancelled

    async def close(self) -> None:
        """Nothing held."""


class PostgresLeadership:
    def __init__(
        self,
        dsn: str,
        feeds: Sequence[str],
        *,
        retry: float = 1.0,
        timeout: float = 2.0,
        on_change: OnChange | None = None,
    ) -> None:
        self._dsn = dsn
        self._feeds = list(dict.fromkeys(feeds))
        self._retry = retry
        self._timeout = timeout
        self._on_change = on_change
        self._conn: asyncpg.Connection[asyncpg.Record] | None = None
        self._held: set[str] = set()

    def leads(self, feed: str) -> bool:
        return feed in self._held

    @property
    def held(self) -> frozenset[str]:
        return frozenset(self._held)

    @property
    def backend_pid(self) -> int | None:
        """The server process of the connection holding the locks (for operators, tests)."""
        return None if self._conn is None else self._conn.get_server_pid()

    async def run(self) -> None:
        """Try to take the feeds not held, every ``retry`` seconds, until cancelled."""
        while True:
            await self.check()
            await asyncio.sleep(self._retry)

    async def check(self) -> None:
        """One round: make sure the held locks are still held (the connection answers) and
        try to take each feed not held."""
        gained: list[str] = []
        try:
            async with asyncio.timeout(self._timeout):
                conn = await self._connection()
                await conn.fetchval("SELECT 1")  # a dead connection took our locks with it
                for feed in self._feeds:
                    if feed in self._held:
                        continue
                    if await conn.fetchval(f"SELECT pg_try_advisory_lock({_FEED_LOCK})", feed):
                        self._held.add(feed)
                        gained.append(feed)
        except _FAILURES as exc:
            await self._lost(exc)
            return
        for feed in gained:  # outside the timeout: reloading the state may take a while
            if feed == DIGESTS:
                log.info("daily digests: this process posts them now")
            else:
                log.info("feed %s: this process polls it now", feed)
            await self._changed(feed, True)

    async def _connection(self) -> asyncpg.Connection[asyncpg.Record]:
        if self._conn is None or self._conn.is_closed():
            if self._held:  # closed under us: the locks went with it
                await self._lost(ConnectionError("the leadership connection closed"))
            self._conn = await asyncpg.connect(self._dsn)
        return self._conn

    async def _lost(self, exc: BaseException) -> None:
        lost, self._held = sorted(self._held), set()
        if self._conn is not None:
            self._conn.terminate()
            self._conn = None
        if lost:
            log.warning("feeds %s: leadership lost (%s); another process may poll them", lost, exc)
        for feed in lost:
            await self._changed(feed, False)

    async def _changed(self, feed: str, leading: bool) -> None:
        if self._on_change is None:
            return
        try:
            await self._on_change(feed, leading)
        except Exception:
            log.exception("feed %s: reacting to the leadership change failed", feed)

    async def close(self) -> None:
        """Let the feeds go (another process takes them over at its next try)."""
        conn, self._conn = self._conn, None
        self._held = set()
        if conn is not None and not conn.is_closed():
            await conn.close()
