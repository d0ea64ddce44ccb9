"""Where snapshots come from: an HTTP feed (native JSON or ODF XML) or a replay of files.

Every source is independent: it owns its HTTP session and its backoff, so a failing feed raises
``FeedError`` from its own ``poll()`` and never delays or breaks another source.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Protocol

import msgspec

from medalbot.domain.models import Snapshot
from medalbot.feeds.errors import DEFAULT_MAX_BYTES, FeedError, FeedRejected, describe_size
from medalbot.feeds.native import parse_snapshot
from medalbot.feeds.poller import (
    JSON_CONTENT_TYPES,
    XML_CONTENT_TYPES,
    Fetched,
    HttpPoller,
    PollerSettings,
)

log = logging.getLogger(__name__)

BodyAdapter = Callable[[bytes], Snapshot | None]
"""Turns a fetched body into a snapshot (None: valid, but nothing new); raises ``FeedError``."""
AfterPoll = Callable[[], Awaitable[None]]
"""Run after every poll that did not fail, before its snapshot is handed on (ODF: save the
documents the body or file brought, or retry a save that failed)."""


class FeedSource(Protocol):
    @property
    def name(self) -> str: ...

    async def poll(self) -> Snapshot | None:
        """The next snapshot, or None when there is nothing new. Raises ``FeedError``."""
        ...

    @property
    def backing_off(self) -> bool:
        """True while polls are skipped after a failure (not the same as "nothing new")."""
        ...

    async def close(self) -> None: ...


class HttpFeedSource:
    """Polls one URL and hands accepted bodies to an adapter (native JSON or ODF)."""

    def __init__(
        self,
        name: str,
        poller: HttpPoller,
        adapter: BodyAdapter,
        *,
        after_poll: AfterPoll | None = None,
    ) -> None:
        self.name = name
        self.poller = poller
        self._adapter = adapter
        self._after_poll = after_poll

    @classmethod
    def native(cls, name: str, settings: PollerSettings) -> HttpFeedSource:
        """A native ``medalbot.feed/1`` feed."""
        adapter = partial(parse_snapshot, max_bytes=settings.max_bytes)
        return cls(name, HttpPoller(name, settings), adapter)

    @classmethod
    def odf(
        cls,
        name: str,
        settings: PollerSettings,
        adapter: BodyAdapter,
        *,
        after_poll: AfterPoll | None = None,
    ) -> HttpFeedSource:
        """An ODF XML feed read through ``adapter`` (an ``OdfAdapter``); ``after_poll`` is
        typically ``OdfDocumentKeeper.save``."""
        if settings.content_types == JSON_CONTENT_TYPES:  # the default; ODF is served as XML
            settings = msgspec.structs.replace(settings, content_types=XML_CONTENT_TYPES)
        return cls(name, HttpPoller(name, settings), adapter, after_poll=after_poll)

    @property
    def backing_off(self) -> bool:
        return self.poller.failures > 0 and self.poller.retry_in() > 0

    async def poll(self) -> Snapshot | None:
        outcome = await self.poller.fetch()
        snapshot = None  # 304, still fresh, or backing off after a failure already raised
        if isinstance(outcome, Fetched):
            try:
                # Decoding a few MiB takes milliseconds; keep them off the event loop anyway.
                snapshot = await asyncio.to_thread(self._adapter, outcome.body)
            except FeedError as exc:
                raise self.poller.reject(outcome, exc.reason) from exc
            except Exception as exc:
                # A decoder bug: refuse the body like any bad one (backoff, old state kept,
                # fetched again) rather than crash every poll; the traceback is for us.
                log.exception(
                    "feed %s: the decoder failed on a body from %s", self.name, outcome.url
                )
                reason = f"could not be read (decoder error: {type(exc).__name__})"
                raise self.poller.reject(outcome, reason) from exc
            self.poller.accept(outcome)
        if self._after_poll is not None:
            # Before the snapshot is handed on: what detection sees must survive a restart.
            await self._after_poll()
        return snapshot

    async def close(self) -> None:
        await self.poller.close()


class ReplaySource:
    """Each ``poll()`` returns the snapshot of the next file; None once all were read.

    A bad file raises ``FeedError`` naming the file, and the replay moves on to the next one.
    """

    def __init__(
        self,
        name: str,
        files: Sequence[Path],
        *,
        adapter: BodyAdapter | None = None,
        max_bytes: int = DEFAULT_MAX_BYTES,
        after_poll: AfterPoll | None = None,
    ) -> None:
        self.name = name
        self.files = tuple(Path(f) for f in files)
        self._adapter = adapter or partial(parse_snapshot, max_bytes=max_bytes)
        self._max_bytes = max_bytes
        self._after_poll = after_poll
        self._next = 0

    @property
    def backing_off(self) -> bool:
        return False

    @classmethod
    def from_directory(
        cls,
        name: str,
        directory: Path,
        *,
        pattern: str = "*.json",
        adapter: BodyAdapter | None = None,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> ReplaySource:
        """The files of ``directory`` matching ``pattern`` in natural order (2 before 10)."""
        files = sorted(directory.glob(pattern), key=_natural_key)
        if not files:
            raise FeedRejected(f"no replay files matching {pattern} in {directory}")
        return cls(name, files, adapter=adapter, max_bytes=max_bytes)

    @property
    def exhausted(self) -> bool:
        return self._next >= len(self.files)

    @property
    def position(self) -> int:
        """How many files were read so far."""
        return self._next

    async def poll(self) -> Snapshot | None:
        if self.exhausted:
            return None
        path = self.files[self._next]
        self._next += 1  # before reading: a bad file is skipped, not retried forever
        try:
            body = await asyncio.to_thread(_read_capped, path, self._max_bytes)
            snapshot = await asyncio.to_thread(self._adapter, body)
        except FeedError as exc:
            raise exc.prefixed(str(path)) from exc
        if self._after_poll is not None:
            await self._after_poll()
        return snapshot

    async def close(self) -> None:
        """Nothing to release: files are read whole, one per poll."""


def _read_capped(path: Path, max_bytes: int) -> bytes:
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise FeedRejected(
                f"body larger than {describe_size(max_bytes)} ({describe_size(size)})"
            )
        return path.read_bytes()
    except OSError as exc:
        raise FeedRejected(f"cannot read: {exc.strerror or exc}") from exc


def _natural_key(path: Path) -> list[int | str]:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", path.name)]
