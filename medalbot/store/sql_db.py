"""The tiny driver interface the SQL store runs on: ``SqliteStore`` and ``PostgresStore``
each supply a ``Database`` (transactions, statements, a lock), ``medalbot.store.sql`` and
``medalbot.store.sql_cluster`` write their SQL once over it."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, Literal, Protocol

Dialect = Literal["sqlite", "postgresql"]
Columns = tuple[tuple[str, str], ...]  # (name, portable SQL type) of each column inserted


class Row(Protocol):
    def __getitem__(self, key: str, /) -> Any: ...


class Connection(Protocol):
    """One connection, inside a transaction or not, as the store logic sees it."""

    async def execute(self, sql: str, *args: object) -> None: ...

    async def execute_many(self, sql: str, rows: Sequence[Sequence[object]]) -> None: ...

    async def insert_columns(
        self, table: str, columns: Columns, values: Sequence[list[Any]], suffix: str
    ) -> None:
        """``INSERT INTO table`` one row per position of ``values`` (a list per column of
        ``columns``, all as long), in that order (ids follow it), then ``suffix`` (an ON
        CONFLICT clause). Column-major: a batch is a few lists, not a tuple per row for the
        GC to count, and a driver may send each list as one array."""
        ...

    async def fetch(self, sql: str, *args: object) -> list[Row]: ...

    async def fetchone(self, sql: str, *args: object) -> Row | None: ...

    async def execute_script(self, script: str) -> None:
        """Run several statements (a migration) inside the current transaction."""
        ...

    async def lock(self, key: int) -> None:
        """Hold a lock named ``key`` until the transaction ends (serialises competing writers)."""
        ...


class Database(Protocol):
    @property
    def dialect(self) -> Dialect: ...

    @property
    def claim_lock_clause(self) -> str:
        """Appended to the claiming SELECT ("FOR UPDATE SKIP LOCKED" or nothing)."""
        ...

    def transaction(self) -> AbstractAsyncContextManager[Connection]:
        """A write transaction: committed when the block ends, rolled back if it raises.
        Driver errors come out as StoreError."""
        ...

    def reading(self) -> AbstractAsyncContextManager[Connection]:
        """A connection for reads that need no transaction."""
        ...

    async def close(self) -> None: ...
