"""Versioned migrations on SQLite and PostgreSQL: in order, once, each all-or-nothing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from medalbot.store.base import StoreError
from medalbot.store.factory import sqlite_path
from medalbot.store.migrate import Migration, apply_migrations, bundled_migrations
from medalbot.store.postgres import PostgresDatabase
from medalbot.store.sql_db import Database, Dialect
from medalbot.store.sqlite import SqliteDatabase

BUNDLED = bundled_migrations()
LATEST = BUNDLED[-1].version


async def connect(url: str) -> Database:
    if url.startswith("sqlite:"):
        return await SqliteDatabase.connect(sqlite_path(url))
    return await PostgresDatabase.connect(url)


@pytest.fixture
async def db(durable_url: str) -> AsyncIterator[Database]:
    opened = await connect(durable_url)
    try:
        yield opened
    finally:
        await opened.close()


async def recorded(db: Database) -> list[tuple[int, int]]:
    async with db.reading() as conn:
        rows = await conn.fetch("SELECT version, applied_at FROM schema_migrations ORDER BY 1")
    return [(row["version"], row["applied_at"]) for row in rows]


async def count_rows(db: Database, table: str) -> int:
    async with db.reading() as conn:
        row = await conn.fetchone(f"SELECT COUNT(*) AS n FROM {table}")
    assert row is not None
    return int(row["n"])


def test_bundled_migrations_are_numbered_from_one_without_gaps() -> None:
    assert [m.version for m in BUNDLED] == list(range(1, len(BUNDLED) + 1))
    assert BUNDLED[0].name == "initial"


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_every_placeholder_is_filled_for_each_dialect(dialect: Dialect) -> None:
    for migration in BUNDLED:
        rendered = migration.render(dialect)
        assert "${" not in rendered
        if "${identity_pk}" in migration.template:  # not every migration makes an id column
            assert ("AS IDENTITY PRIMARY KEY" in rendered) == (dialect == "postgresql")


async def test_a_fresh_database_gets_every_version_recorded(db: Database) -> None:
    assert await apply_migrations(db) == [m.version for m in BUNDLED]

    versions = await recorded(db)
    assert [v for v, _ in versions] == [m.version for m in BUNDLED]
    assert await count_rows(db, "deliveries") == 0


async def test_applying_again_changes_nothing(db: Database) -> None:
    await apply_migrations(db)
    first = await recorded(db)
    async with db.transaction() as conn:
        await conn.execute("INSERT INTO guild_settings (guild_id, locale) VALUES (?, ?)", 1, "nl")

    assert await apply_migrations(db) == []

    assert await recorded(db) == first  # same versions, same applied_at
    assert await count_rows(db, "guild_settings") == 1


async def test_a_later_migration_is_applied_once(db: Database) -> None:
    await apply_migrations(db)
    later = Migration(
        LATEST + 1,
        "quiet_hours",
        "CREATE TABLE quiet_hours (id ${identity_pk}, subscription_id BIGINT NOT NULL);\n"
        "ALTER TABLE subscriptions ADD COLUMN timezone TEXT;\n",
    )

    assert await apply_migrations(db, [*BUNDLED, later]) == [LATEST + 1]
    assert await apply_migrations(db, [*BUNDLED, later]) == []

    async with db.transaction() as conn:
        await conn.execute("INSERT INTO quiet_hours (subscription_id) VALUES (?)", 7)
        await conn.execute("UPDATE subscriptions SET timezone = ?", "Europe/Rome")
    assert await count_rows(db, "quiet_hours") == 1
    assert [v for v, _ in await recorded(db)][-1] == LATEST + 1


async def test_a_failing_migration_leaves_no_trace(db: Database) -> None:
    await apply_migrations(db)
    broken = Migration(
        LATEST + 1,
        "broken",
        "CREATE TABLE half_done (x INTEGER);\nINSERT INTO no_such_table VALUES (1);\n",
    )

    with pytest.raises(StoreError):
        await apply_migrations(db, [*BUNDLED, broken])

    assert [v for v, _ in await recorded(db)] == [m.version for m in BUNDLED]
    with pytest.raises(StoreError):  # its first statement was rolled back with it
        await count_rows(db, "half_done")
    fixed = Migration(LATEST + 1, "fixed", "CREATE TABLE half_done (x INTEGER);\n")
    assert await apply_migrations(db, [*BUNDLED, fixed]) == [LATEST + 1]


async def test_a_schema_from_a_newer_release_is_refused(db: Database) -> None:
    await apply_migrations(db)
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)", 9999, 0
        )

    with pytest.raises(StoreError, match="9999"):
        await apply_migrations(db)


async def test_two_processes_starting_together_apply_each_version_once(durable_url: str) -> None:
    first, second = await connect(durable_url), await connect(durable_url)
    try:
        applied = await asyncio.gather(apply_migrations(first), apply_migrations(second))
    finally:
        await first.close()
        await second.close()

    assert sorted(applied[0] + applied[1]) == [m.version for m in BUNDLED]
