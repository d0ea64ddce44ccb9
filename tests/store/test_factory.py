"""open_store: which store a URL names."""

from __future__ import annotations

from pathlib import Path

import pytest

from medalbot.store import open_store
from medalbot.store.base import StoreError
from medalbot.store.factory import sqlite_path
from medalbot.store.memory import MemoryStore
from medalbot.store.postgres import PostgresStore
from medalbot.store.sqlite import SqliteStore
from tests.store.builders import GAMES, T0, state


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("sqlite:///medalbot.db", "medalbot.db"),
        ("sqlite:///data/medalbot.db", "data/medalbot.db"),
        ("sqlite:////var/lib/medalbot.db", "/var/lib/medalbot.db"),
        ("sqlite://:memory:", ":memory:"),
        ("sqlite:///:memory:", ":memory:"),
    ],
)
def test_sqlite_urls_name_a_path(url: str, path: str) -> None:
    assert sqlite_path(url) == path


@pytest.mark.parametrize(
    "url",
    ["medalbot.db", "sqlite://medalbot.db", "sqlite:///", "mysql://db/x", "memory://x", ""],
)
async def test_a_url_that_names_no_store_is_refused(url: str) -> None:
    with pytest.raises(ValueError):
        await open_store(url)


async def test_memory_url_opens_an_empty_memory_store() -> None:
    store = await open_store("memory://")
    assert isinstance(store, MemoryStore)
    assert await store.list_games() == []


async def test_relative_sqlite_path_is_from_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    store = await open_store("sqlite:///bot.db")
    try:
        assert isinstance(store, SqliteStore)
        await store.commit_snapshot(state(1), [], [], T0)
    finally:
        await store.close()

    assert (tmp_path / "bot.db").is_file()


async def test_in_memory_sqlite_is_migrated_and_works() -> None:
    store = await open_store("sqlite://:memory:")
    try:
        assert isinstance(store, SqliteStore)
        await store.commit_snapshot(state(1), [], [], T0)
        assert await store.load_state(GAMES) == state(1)
    finally:
        await store.close()


async def test_a_sqlite_file_in_a_missing_folder_is_a_store_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="cannot open"):
        await open_store(f"sqlite:///{tmp_path / 'missing' / 'bot.db'}")


async def test_postgresql_url_opens_a_postgres_store(postgres_url: str) -> None:
    store = await open_store(postgres_url)
    try:
        assert isinstance(store, PostgresStore)
        await store.commit_snapshot(state(1), [], [], T0)
        assert await store.load_state(GAMES) == state(1)
    finally:
        await store.close()
