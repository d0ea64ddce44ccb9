"""Stores under test: every contract test runs on memory, SQLite (a file) and PostgreSQL.

PostgreSQL is the server at MEDALBOT_TEST_POSTGRES_URL (default: the local one CI has). Each
test run creates a database of its own and drops it at the end; each test gets a fresh schema
in it. Without a reachable server the PostgreSQL cases are skipped, saying why.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from medalbot.store import open_store
from medalbot.store.base import Store

ADMIN_URL = os.environ.get(
    "MEDALBOT_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)


@dataclass(frozen=True)
class PostgresServer:
    database_url: str | None  # this run's own database
    unavailable: str = ""


def _url(base: str, database: str, query: str = "") -> str:
    parts = urlsplit(base)
    return urlunsplit((parts.scheme, parts.netloc, f"/{database}", query, ""))


async def _admin(sql: str, url: str = ADMIN_URL) -> None:
    conn = await asyncpg.connect(url, timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    name = f"medalbot_test_{uuid.uuid4().hex[:12]}"
    try:
        asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    # Only an unreachable server (nothing listening, a timeout, still starting up) skips: a server
    # that answers but refuses us (bad password, no such database, no right to create one) is a
    # broken setup, and skipping would hide every PostgreSQL failure behind it.
    except (OSError, TimeoutError, asyncpg.CannotConnectNowError) as exc:
        yield PostgresServer(None, f"PostgreSQL at {ADMIN_URL} is unreachable: {exc!r}")
        return
    try:
        yield PostgresServer(_url(ADMIN_URL, name))
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """A fresh, empty schema of this run's database, as a store URL."""
    database_url = postgres_server.database_url
    if database_url is None:
        pytest.skip(postgres_server.unavailable)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    asyncio.run(_admin(f'CREATE SCHEMA "{schema}"', database_url))
    yield _url(database_url, urlsplit(database_url).path[1:], f"search_path={schema}")
    asyncio.run(_admin(f'DROP SCHEMA "{schema}" CASCADE', database_url))


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "memory":
        return "memory://"
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'medalbot.db'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture(params=["sqlite", "postgres"])
def durable_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A store that outlives its process: reopening it must find everything."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'medalbot.db'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
async def store(store_url: str) -> AsyncIterator[Store]:
    opened = await open_store(store_url)
    try:
        yield opened
    finally:
        await opened.close()
