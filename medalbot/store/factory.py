"""Open the store a URL names, migrated and ready.

* ``memory://`` - nothing kept after exit (the CLI without ``--db``, tests);
* ``sqlite:///relative/path.db`` and ``sqlite:////absolute/path.db`` (three slashes then the
  path, as SQLAlchemy spells it), or ``sqlite://:memory:``;
* ``postgresql://user@host:port/db`` (also ``postgres://``), needs the ``postgres`` extra.
"""

from __future__ import annotations

from medalbot.store.base import Store
from medalbot.store.memory import MemoryStore
from medalbot.store.sqlite import MEMORY_PATH, SqliteStore

_POSTGRES_SCHEMES = ("postgresql", "postgres")


def sqlite_path(url: str) -> str:
    """The file path (or ``:memory:``) of a ``sqlite://`` URL."""
    scheme, sep, rest = url.partition("://")
    if scheme != "sqlite" or not sep:
        raise ValueError(f"not a sqlite:// URL: {url!r}")
    if rest in (MEMORY_PATH, "/" + MEMORY_PATH):
        return MEMORY_PATH
    if not rest.startswith("/") or len(rest) == 1:
        raise ValueError(
            f"{url!r}: write sqlite:///relative/path.db or sqlite:////absolute/path.db"
        )
    return rest[1:]


async def open_store(url: str) -> Store:
    """The store ``url`` names, with its schema migrated. Raises ValueError for an unknown
    URL and StoreError when the database cannot be opened or migrated."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise ValueError(
            f"a store URL looks like memory://, sqlite:///file.db or postgresql://…; got {url!r}"
        )
    if scheme == "memory":
        if rest:
            raise ValueError(f"memory:// takes nothing after it, got {url!r}")
        return MemoryStore()
    if scheme == "sqlite":
        return await SqliteStore.open(sqlite_path(url))
    if scheme in _POSTGRES_SCHEMES:
        try:
            from medalbot.store.postgres import PostgresStore
        except ImportError as exc:  # asyncpg is the optional extra "postgres"
            raise ValueError(
                f"{url!r} needs asyncpg: pip install 'medalbot[postgres]' ({exc})"
            ) from exc
        return await PostgresStore.open(url)
    raise ValueError(f"unknown store scheme {scheme!r} in {url!r}")
