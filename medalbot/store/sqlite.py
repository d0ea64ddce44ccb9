"""The default store: one SQLite file through aiosqlite (WAL mode, foreign keys on).

One connection serves the whole process; an asyncio lock keeps one coroutine's transaction
from interleaving with another's statements. Writers take ``BEGIN IMMEDIATE`` so that a second
process on the same file waits (``busy_timeout``) instead of failing half-way.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Final, Literal, cast

import aiosqlite

from medalbot.store.base import StoreError, StoreUnavailable
from medalbot.store.migrate import migrated
from medalbot.store.sql import SqlStore
from medalbot.store.sql_db import Columns, Connection, Row

log = logging.getLogger(__name__)

MEMORY_PATH: Final = ":memory:"
BUSY_TIMEOUT_MS: Final = 10_000
_MIN_SQLITE: Final = (3, 35, 0)  # RETURNING; upserts (3.24) and partial indexes come with it


def split_statements(script: str) -> list[str]:
    """The statements of a SQL script, split where SQLite itself sees one end.

    (sqlite3's executescript would commit the open transaction first, so a migration runs
    statement by statement instead.)
    """
    statements: list[str] = []
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            statements.append(pending.strip())
            pending = ""
    leftover = "\n".join(
        line for line in pending.splitlines() if line.strip() and not line.strip().startswith("--")
    )
    if leftover:
        raise ValueError(f"incomplete SQL statement at the end of the script: {leftover!r}")
    return statements


# SQLite's words for a file it cannot reach now (a lost disk or mount, another process's
# write lock past busy_timeout), as opposed to a statement it refused.
_UNREACHABLE: Final = ("disk I/O error", "unable to open", "database is locked", "readonly")


def sqlite_error(exc: sqlite3.Error, message: str) -> StoreError:
    """StoreUnavailable when the file is out of reach now (try again later), else StoreError."""
    reachable = not any(words in str(exc) for words in _UNREACHABLE)
    return (StoreError if reachable else StoreUnavailable)(f"{message}: {exc}")


def _try_open(path: str) -> None:
    sqlite3.connect(path).close()


class _SqliteConnection(Connection):
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def execute(self, sql: str, *args: object) -> None:
        cursor = await self._conn.execute(sql, args)
        await cursor.close()

    async def execute_many(self, sql: str, rows: Sequence[Sequence[object]]) -> None:
        cursor = await self._conn.executemany(sql, rows)
        await cursor.close()

    async def insert_columns(
        self, table: str, columns: Columns, values: Sequence[list[Any]], suffix: str
    ) -> None:
        names = ", ".join(name for name, _ in columns)
        marks = ", ".join("?" * len(columns))
        sql = f"INSERT INTO {table} ({names}) VALUES ({marks}) {suffix}"
        # zip is lazy: each row's tuple is made (and dropped) in aiosqlite's thread.
        cursor = await self._conn.executemany(sql, zip(*values, strict=True))
        await cursor.close()

    async def fetch(self, sql: str, *args: object) -> list[Row]:
        return cast(list[Row], list(await self._conn.execute_fetchall(sql, args)))

    async def fetchone(self, sql: str, *args: object) -> Row | None:
        rows = await self.fetch(sql, *args)
        return rows[0] if rows else None

    async def execute_script(self, script: str) -> None:
        for statement in split_statements(script):
            await self.execute(statement)

    async def lock(self, key: int) -> None:
        """Nothing to do: BEGIN IMMEDIATE already holds the database's single write lock."""


class SqliteDatabase:
    dialect: Final[Literal["sqlite"]] = "sqlite"
    claim_lock_clause: Final = ""  # BEGIN IMMEDIATE already excludes other claimers

    def __init__(self, conn: aiosqlite.Connection, path: str) -> None:
        self._conn = conn
        self._wrapped = _SqliteConnection(conn)
        self._lock = asyncio.Lock()
        self.path = path

    @classmethod
    async def connect(cls, path: str | Path) -> SqliteDatabase:
        if sqlite3.sqlite_version_info < _MIN_SQLITE:
            raise StoreError(
                f"SQLite {sqlite3.sqlite_version} is too old: medalbot needs 3.35 or later"
            )
        target = str(path)
        try:
            # Opened once first on its own: when aiosqlite fails to open a file it leaves its
            # worker thread to report to an event loop that may be gone by then.
            await asyncio.to_thread(_try_open, target)
            conn = await aiosqlite.connect(target, isolation_level=None)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open SQLite database {target}: {exc}") from exc
        conn.row_factory = sqlite3.Row
        try:
            await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            await conn.execute("PRAGMA foreign_keys = ON")
            if target != MEMORY_PATH:
                mode = await conn.execute_fetchall("PRAGMA journal_mode = WAL")
                modes = [tuple(row) for row in mode]
                if modes != [("wal",)]:
                    log.warning("SQLite database %s is not in WAL mode: %s", target, modes)
        except sqlite3.Error as exc:
            await conn.close()
            raise StoreError(f"cannot set up SQLite database {target}: {exc}") from exc
        return cls(conn, target)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Connection]:
        async with self._lock:
            try:
                await self._conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise sqlite_error(exc, f"cannot start a transaction on {self.path}") from exc
            try:
                yield self._wrapped
                await self._conn.execute("COMMIT")
            except BaseException as exc:
                await self._rollback()
                if isinstance(exc, sqlite3.Error):
                    raise sqlite_error(exc, f"SQLite error on {self.path}") from exc
                raise

    async def _rollback(self) -> None:
        if not self._conn.in_transaction:
            return
        try:
            await self._conn.execute("ROLLBACK")
        except sqlite3.Error:
            log.exception("rolling back a failed transaction on %s failed too", self.path)

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[Connection]:
        async with self._lock:
            try:
                yield self._wrapped
            except sqlite3.Error as exc:
                raise sqlite_error(exc, f"SQLite error on {self.path}") from exc

    async def close(self) -> None:
        await self._conn.close()


class SqliteStore(SqlStore):
    """The Store on a SQLite file (or ``:memory:``), migrated when opened."""

    def __init__(self, db: SqliteDatabase) -> None:
        super().__init__(db)
        self.path = db.path

    @classmethod
    async def open(cls, path: str | Path) -> SqliteStore:
        return cls(await migrated(await SqliteDatabase.connect(path)))
