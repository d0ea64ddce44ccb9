"""What is particular to the PostgreSQL store: placeholders, errors when it is down, and
concurrent claims (several processes on one database)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import asyncpg
import pytest

from medalbot.store import open_store
from medalbot.store.base import StoreError
from medalbot.store.postgres import PostgresDatabase, numbered_placeholders
from medalbot.store.sql import SqlStore
from medalbot.store.sql_db import Connection
from tests.store.builders import T0, delivery, medal_alert, state


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("SELECT 1", "SELECT 1"),
        ("a = ? AND b IN (?, ?)", "a = $1 AND b IN ($2, $3)"),
        ("status = 'why?' AND x = ?", "status = 'why?' AND x = $1"),
        ("note = 'it''s ?' OR y = ? OR z = ?", "note = 'it''s ?' OR y = $1 OR z = $2"),
    ],
)
def test_question_marks_become_numbered_placeholders(sql: str, expected: str) -> None:
    assert numbered_placeholders(sql) == expected


async def test_an_unreachable_server_is_a_store_error() -> None:
    # Port 1 on the loopback refuses at once: nothing listens there.
    with pytest.raises(StoreError, match="cannot connect"):
        await open_store("postgresql://postgres@127.0.0.1:1/nothing")


class HeldCommit:
    """A Database whose write transactions, once their statements ran, wait to commit until
    released: another process's claim caught half-way."""

    def __init__(self, db: PostgresDatabase) -> None:
        self._db = db
        self.dialect = db.dialect
        self.claim_lock_clause = db.claim_lock_clause
        self.ran = asyncio.Event()
        self.release = asyncio.Event()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Connection]:
        async with self._db.transaction() as conn:
            yield conn
            self.ran.set()
            await self.release.wait()

    def reading(self) -> AbstractAsyncContextManager[Connection]:
        return self._db.reading()

    async def close(self) -> None:
        await self._db.close()


async def _waiting_on_a_lock(url: str) -> bool:
    conn = await asyncpg.connect(url, timeout=5)
    try:
        waiting = await conn.fetchval(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
    finally:
        await conn.close()
    return bool(waiting)


async def test_concurrent_claims_keep_each_channel_in_order(postgres_url: str) -> None:
    store = await open_store(postgres_url)
    alerts = [medal_alert(f"a{i}") for i in range(1, 4)]
    await store.commit_snapshot(state(1), alerts, [delivery(a) for a in alerts], T0)
    held = HeldCommit(await PostgresDatabase.connect(postgres_url))
    other_process = SqlStore(held)
    try:
        first = asyncio.create_task(other_process.claim_deliveries(T0, 1, 30))
        await asyncio.wait_for(held.ran.wait(), 5)

        second = asyncio.create_task(store.claim_deliveries(T0, 10, 30))
        async with asyncio.timeout(5):  # it returns, or waits for the first claim to commit
            while True:
                if second.done() or await _waiting_on_a_lock(postgres_url):
                    break
                await asyncio.sleep(0.01)  # polling the server's view: no event to wait on
        held.release.set()

        assert [d.alert_id for d in await first] == ["a1"]
        # a2 and a3 must not go out while a1 may still be on its way to the same channel
        assert await second == []
    finally:
        held.release.set()
        await other_process.close()
        await store.close()
