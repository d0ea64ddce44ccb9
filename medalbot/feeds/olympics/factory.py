"""An ``olympics`` feed from its settings: the site polled over HTTP, or saved bodies replayed.

What the format registry calls: ``open_olympics_source(feed, options)``, where ``feed`` is the
``[[feeds]]`` entry (``url`` is the Games' root, e.g. ``https://www.olympics.com/wmr-owg2026/``,
or a directory / file of saved bodies) and ``options`` its own keys
(``OlympicsFeedSettings.options``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from medalbot.feeds.olympics.adapter import OlympicsAdapter
from medalbot.feeds.olympics.options import OlympicsOptions
from medalbot.feeds.olympics.source import OlympicsHttpSource
from medalbot.feeds.poller import PollerSettings
from medalbot.feeds.sources import FeedSource, ReplaySource


class FeedEntry(Protocol):
    """The fields of a ``[[feeds]]`` entry this needs (``config.FeedSettings`` has them)."""

    @property
    def name(self) -> str: ...
    @property
    def url(self) -> str: ...
    @property
    def connect_timeout(self) -> float: ...
    @property
    def read_timeout(self) -> float: ...
    @property
    def total_timeout(self) -> float: ...
    @property
    def max_bytes(self) -> int: ...
    @property
    def backoff_base(self) -> float: ...
    @property
    def backoff_cap(self) -> float: ...


def open_olympics_source(feed: FeedEntry, options: OlympicsOptions) -> FeedSource:
    """``http(s)://`` roots are polled; a local directory (``*.json`` in natural order: a
    ``medallists`` body is kept for the medals bodies after it) or file is replayed."""
    if feed.url.startswith(("http://", "https://")):
        base = PollerSettings(
            url=feed.url,
            connect_timeout=feed.connect_timeout,
            read_timeout=feed.read_timeout,
            total_timeout=feed.total_timeout,
            max_bytes=feed.max_bytes,
            backoff_base=feed.backoff_base,
            backoff_cap=feed.backoff_cap,
        )
        return OlympicsHttpSource.from_settings(feed.name, base, options)
    adapter = OlympicsAdapter(
        options.games,
        unranked_nocs=options.unranked_nocs,
        max_bytes=feed.max_bytes,
    )
    path = Path(feed.url.removeprefix("file://"))
    if path.is_dir():
        return ReplaySource.from_directory(
            feed.name, path, adapter=adapter, max_bytes=feed.max_bytes
        )
    return ReplaySource(feed.name, [path], adapter=adapter, max_bytes=feed.max_bytes)
