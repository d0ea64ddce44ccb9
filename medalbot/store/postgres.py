"""The PostgreSQL store (optional extra ``postgres``): the same SQL as SQLite through asyncpg.

A pool lets several senders work at once. Claims take turns on an advisory lock (each
channel's order depends on seeing the previous claim) and use ``FOR UPDATE SKIP LOCKED`` so
that they never take a row another writer holds; per-guild advisory locks keep the
subscription limit exact under concurrency.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Final, Literal, cast

import asyncpg

from medalbot.store.base import StoreError
from medalbot.store.migrate import migrated
from medalbot.store.sql import Columns, Connection, Row, SqlStore

if TYPE_CHECKING:  # generic only in the type stubs
    from asyncpg.pool import PoolConnectionProxy

log = logging.getLogger(__name__)

# What a broken connection or a refused statement looks like from asyncpg.
_DRIVER_ERRORS: Final = (asyncpg.PostgresError, asyncpg.InterfaceError, OSError)


@lru_cache(maxsize=512)
def numbered_placeholders(sql: str) -> str:
    """``?`` placeholders as PostgreSQL's ``$1, $2, …``, leaving quoted literals alone."""
    parts = sql.split("'")  # even parts are outside string literals ('' escapes split evenly)
    number = 0
    for i in range(0, len(parts), 2):
        pieces = parts[i].split("?")
        rebuilt = pieces[0]
        for piece in pieces[1:]:
            number += 1
            rebuilt += f"${number}{piece}"
        parts[i] = rebuilt
    return "'".join(parts)


@lru_cache(maxsize=32)
def unnest_insert(table: str, columns: Columns, suffix: str) -> str:
    """An INSERT taking each column as one array parameter, its rows in array order."""
    names = ", ".join(name for name, _ in columns)
    arrays = ", ".join(f"${i}::{sql_type}[]" for i, (_, sql_type) in enumerate(columns, 1))
    return (
        f"INSERT INTO {table} ({names}) SELECT {names}"
        f" FROM unnest({arrays}) WITH ORDINALITY AS batch ({names}, position)"
        f" ORDER BY position {suffix}"
    )


class _PostgresConnection(Connection):
    def __init__(self, conn: PoolConnectionProxy[asyncpg.Record]) -> None:
        self._conn = conn

    async def execute(self, sql: str, *args: object) -> None:
        await self._conn.execute(numbered_placeholders(sql), *args)

    async def execute_many(self, sql: str, rows: Sequence[Sequence[object]]) -> None:
        await self._conn.executemany(numbered_placeholders(sql), rows)

    async def insert_columns(
        self, table: str, columns: Columns, values: Sequence[list[Any]], suffix: str
    ) -> None:
        # One statement whatever the number of rows, where executemany ran one per row
        # (100,000 outbox rows: ~2.5 s).
        await self._conn.execute(unnest_insert(table, columns, suffix), *values)

    async def fetch(self, sql: str, *args: object) -> list[Row]:
        return cast(list[Row], await self._conn.fetch(numbered_placeholders(sql), *args))

    async def fetchone(self, sql: str, *args: object) -> Row | None:
        return cast(Row | None, await self._conn.fetchrow(numbered_placeholders(sql), *args))

    async def execute_script(self, script: str) -> None:
        await self._conn.execute(script)  # no arguments: the simple protocol runs many statements

    async def lock(self, key: int) -> None:
        await self._conn.execute("SELECT pg_advisory_xact_lock($1)", key)


class PostgresDatabase:
    dialect: Final[Literal["postgresql"]] = "postgresql"
    claim_lock_clause: Final = "FOR UPDATE SKIP LOCKED"

    def __init__(self, pool: asyncpg.Pool[asyncpg.Record], dsn: str) -> None:
        self._pool = pool
        self.dsn = dsn

    @classmethod
    async def connect(cls, dsn: str, *, min_size: int = 1, max_size: int = 5) -> PostgresDatabase:
        try:
            pool = await asyncpg.create_pool(dsn, min_size=min_size, max_size=max_size)
        except _DRIVER_ERRORS as exc:
            raise StoreError(f"cannot connect to PostgreSQL: {exc}") from exc
        return cls(pool, dsn)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Connection]:
        try:
            async with self._pool.acquire() as conn, conn.transaction():
                yield _PostgresConnection(conn)
        except _DRIVER_ERRORS as exc:
            raise StoreError(f"PostgreSQL error: {exc}") from exc

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[Connection]:
        try:
            async with self._pool.acquire() as conn:
                yield _PostgresConnection(conn)
        except _DRIVER_ERRORS as exc:
            raise StoreError(f"PostgreSQL error: {exc}") from exc

    async def close(self) -> None:
        await self._pool.close()


class PostgresStore(SqlStore):
    """The Store on a PostgreSQL database (``postgresql://user@host:port/db``), migrated when
    opened. Query parameters other than asyncpg's own become server settings, so
    ``?search_path=myschema`` puts the tables in a schema of their own."""

    @classmethod
    async def open(cls, dsn: str, *, min_size: int = 1, max_size: int = 5) -> PostgresStore:
        db = await PostgresDatabase.connect(dsn, min_size=min_size, max_size=max_size)
        return cls(await migrated(db))
