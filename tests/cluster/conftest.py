"""The cluster's pieces run on the local PostgreSQL, with the store tests' fixtures (each run a
database of its own, each test a fresh migrated schema in it)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from medalbot.store import open_store
from medalbot.store.base import Store
from tests.store.conftest import postgres_server, postgres_url

__all__ = ["postgres_server", "postgres_url"]


@pytest.fixture
async def pg_store(postgres_url: str) -> AsyncIterator[Store]:
    """The schema migrated (rate_limits, instances, the commit trigger)."""
    store = await open_store(postgres_url)
    try:
        yield store
    finally:
        await store.close()


def max_in_a_second(stamps: list[float], window: float = 1.0) -> int:
    """The most of ``stamps`` (seconds, any order) in any half-open window of ``window``."""
    ordered = sorted(stamps)
    most, start = 0, 0
    for end, moment in enumerate(ordered):
        while ordered[start] <= moment - window:
            start += 1
        most = max(most, end - start + 1)
    return most
