"""What is particular to the SQLite store: the file's mode, several processes on one file, and
how migration scripts are split into statements."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from medalbot.store.base import StaleStateError
from medalbot.store.sqlite import SqliteStore, split_statements
from tests.store.builders import CHANNEL, GAMES, T0, delivery, medal_alert, state


async def test_the_file_is_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    store = await SqliteStore.open(path)
    await store.close()

    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone() == ("wal",)


async def test_two_processes_on_one_file_share_the_outbox_safely(tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    first, second = await SqliteStore.open(path), await SqliteStore.open(path)
    try:
        alerts = [medal_alert(f"a{i}") for i in range(6)]
        await first.commit_snapshot(
            state(1), alerts, [delivery(a, CHANNEL + i) for i, a in enumerate(alerts)], T0
        )

        batches = await asyncio.gather(
            first.claim_deliveries(T0, 2, 30),
            second.claim_deliveries(T0, 2, 30),
            first.claim_deliveries(T0, 2, 30),
            second.claim_deliveries(T0, 2, 30),
        )
        ids = [d.id for batch in batches for d in batch]
        assert len(ids) == len(set(ids)) == 6

        # The optimistic check sees the other process's commit.
        with pytest.raises(StaleStateError):
            await second.commit_snapshot(state(1), [], [], T0)
        assert await second.load_state(GAMES) == state(1)
    finally:
        await first.close()
        await second.close()


def test_statements_are_split_where_sqlite_ends_them() -> None:
    script = (
        "-- a comment; with a semicolon\n"
        "CREATE TABLE t (x TEXT DEFAULT ';');\n"
        "\n"
        "INSERT INTO t VALUES ('a;\nb');  -- trailing\n"
        "-- the end\n"
    )

    statements = split_statements(script)

    assert len(statements) == 2
    raw = sqlite3.connect(":memory:")
    for statement in statements:
        raw.execute(statement)  # execute() refuses more than one statement at a time
    assert raw.execute("SELECT x FROM t").fetchall() == [("a;\nb",)]
    raw.close()


def test_an_unfinished_statement_is_an_error() -> None:
    with pytest.raises(ValueError, match="incomplete"):
        split_statements("CREATE TABLE t (x INTEGER);\nCREATE TABLE u (y INTEGER)\n")
