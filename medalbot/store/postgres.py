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
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Final, Literal, cast

import asyncpg

from medalbot.store.base import StoreError, StoreUnavailable
from medalbot.store.migrate import migrated
from medalbot.store.sql import SqlStore
from medalbot.store.sql_db import Columns, Connection, Row
from medalbot.store.times import to_epoch_us

if TYPE_CHECKING:  # generic only in the type stubs
    from asyncpg.pool import PoolConnectionProxy

log = logging.getLogger(__name__)

# What a broken connection or a refused statement looks like from asyncpg.
_DRIVER_ERRORS: Final = (
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,  # a connection cut in the middle of a statement
    OSError,
    TimeoutError,
)
# Those that say the database is out of reach rather than that it refused the statement: a
# lost connection (ConnectionDoesNotExistError is a PostgresConnectionError), a pool whose
# connections broke, a server shutting down, restarting or full.
_UNREACHABLE: Final = (
    asyncpg.PostgresConnectionError,
    asyncpg.OperatorInterventionError,
    asyncpg.InsufficientResourcesError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,
    OSError,
    TimeoutError,
)


def driver_error(exc: BaseException, doing: str = "PostgreSQL error") -> StoreError:
    """The StoreError an asyncpg failure is to its callers: StoreUnavailable when the database
    is out of reach (try again later), StoreError when it refused the statement."""
    kind = StoreUnavailable if isinstance(exc, _UNREACHABLE) else StoreError
    return kind(f"{doing}: {str(exc) or type(exc).__name__}")


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
    async def connect(cls, dsn: str, *, min_size: int = 0, max_size: int = 5) -> PostgresDatabase:
        # No floor of connections kept open (min_size 0): asyncpg restores a floor by itself,
        # logging a traceback at every try while the database is away (medalbot.store.outage
        # says an outage once). Connections are opened as they are needed and kept while in
        # use; a first statement tells whether the database answers.
        try:
            pool = await asyncpg.create_pool(dsn, min_size=min_size, max_size=max_size)
        except _DRIVER_ERRORS as exc:
            raise driver_error(exc, "cannot connect to PostgreSQL") from exc
        try:
            await pool.fetchval("SELECT 1")
        except _DRIVER_ERRORS as exc:
            pool.terminate()
            raise driver_error(exc, "cannot connect to PostgreSQL") from exc
        return cls(pool, dsn)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Connection]:
        try:
            async with self._pool.acquire() as conn, conn.transaction():
                yield _PostgresConnection(conn)
        except _DRIVER_ERRORS as exc:
            raise driver_error(exc) from exc

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[Connection]:
        try:
            async with self._pool.acquire() as conn:
                yield _PostgresConnection(conn)
        except _DRIVER_ERRORS as exc:
            raise driver_error(exc) from exc

    async def close(self) -> None:
        await self._pool.close()


# The session advisory lock a live instance holds on its id (two-int form, so that it never
# meets the bigint keys of medalbot.store.sql), per schema: schemas of one database are
# separate deployments (the tests' are).
INSTANCE_LOCK: Final = "hashtext('medalbot instance ' || current_schema()), ($1::bigint)::int"


class PostgresStore(SqlStore):
    """The Store on a PostgreSQL database (``postgresql://user@host:port/db``), migrated when
    opened. Query parameters other than asyncpg's own become server settings, so
    ``?search_path=myschema`` puts the tables in a schema of their own.

    A registered instance (medalbot.store.instances) holds a session advisory lock on its id
    on a connection of its own, outside the pool: when the process dies, the server drops
    that connection and the lock with it, and the other processes see the instance dead at
    their next check, whatever its last heartbeat said."""

    def __init__(self, db: PostgresDatabase) -> None:
        super().__init__(db)
        self._pg = db
        self._liveness: asyncpg.Connection[asyncpg.Record] | None = None

    async def register_instance(self, now: datetime, description: str = "") -> int:
        now_us = to_epoch_us(now)
        conn = await self._liveness_connection()
        try:
            # in one transaction: no other process sees the instance before its lock is held
            async with conn.transaction():
                instance_id = int(
                    await conn.fetchval(
                        "INSERT INTO instances (started_at, heartbeat_at, description)"
                        " VALUES ($1, $1, $2) RETURNING id",
                        now_us,
                        description,
                    )
                )
                await conn.execute(f"SELECT pg_advisory_lock({INSTANCE_LOCK})", instance_id)
        except _DRIVER_ERRORS as exc:
            raise driver_error(exc) from exc
        self._instance_id = instance_id
        return instance_id

    async def heartbeat_instance(self, instance_id: int, now: datetime) -> None:
        try:
            if self._liveness is None or self._liveness.is_closed():
                # the connection (and the lock with it) was lost: take the lock again first
                conn = await self._liveness_connection()
                await conn.execute(f"SELECT pg_advisory_lock({INSTANCE_LOCK})", instance_id)
            else:
                conn = self._liveness
            await conn.execute(
                "INSERT INTO instances (id, started_at, heartbeat_at) VALUES ($1, $2, $2)"
                " ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at",
                instance_id,
                to_epoch_us(now),
            )
        except _DRIVER_ERRORS as exc:
            await self._drop_liveness()
            raise driver_error(exc) from exc

    async def retire_instance(self, instance_id: int, now: datetime) -> int:
        released = await super().retire_instance(instance_id, now)
        await self._drop_liveness()
        return released

    async def _dead_by_lock(self, conn: Connection, instance_ids: Sequence[int]) -> list[int]:
        # Free means its holder's connection is gone; taken here, it is held to the end of
        # this transaction only.
        dead = []
        for instance_id in instance_ids:
            row = await conn.fetchone(
                f"SELECT pg_try_advisory_xact_lock({INSTANCE_LOCK.replace('$1', '?')}) AS free",
                instance_id,
            )
            if row is not None and row["free"]:
                dead.append(instance_id)
        return dead

    async def _liveness_connection(self) -> asyncpg.Connection[asyncpg.Record]:
        await self._drop_liveness()
        try:
            self._liveness = await asyncpg.connect(self._pg.dsn)
        except _DRIVER_ERRORS as exc:
            raise driver_error(exc, "cannot connect to PostgreSQL") from exc
        return self._liveness

    async def _drop_liveness(self) -> None:
        conn, self._liveness = self._liveness, None
        if conn is not None and not conn.is_closed():
            conn.terminate()  # never waits on a connection that may be broken

    async def close(self) -> None:
        await self._drop_liveness()
        await super().close()

    @classmethod
    async def open(cls, dsn: str, *, min_size: int = 0, max_size: int = 5) -> PostgresStore:
        db = await PostgresDatabase.connect(dsn, min_size=min_size, max_size=max_size)
        return cls(await migrated(db))
