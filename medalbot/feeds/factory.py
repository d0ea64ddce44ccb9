"""Build a feed source from its ``[[feeds]]`` settings: an HTTP feed or a replay of files."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from urllib.parse import unquote, urlparse

from medalbot.config import FeedSettings
from medalbot.feeds.errors import FeedRejected
from medalbot.feeds.native import parse_snapshot
from medalbot.feeds.odf import OdfAccumulator, OdfAdapter
from medalbot.feeds.odf_documents import FeedDocumentStore, OdfDocumentKeeper
from medalbot.feeds.poller import (
    JSON_CONTENT_TYPES,
    XML_CONTENT_TYPES,
    HttpPoller,
    PollerSettings,
)
from medalbot.feeds.sources import BodyAdapter, FeedSource, HttpFeedSource, ReplaySource


def open_source(settings: FeedSettings) -> FeedSource:
    """``http(s)://`` URLs are polled; ``file://`` URLs and plain paths are replayed (a
    directory in natural file order, or one file). ODF feeds follow the Games named by their
    messages' CompetitionCode."""
    adapter: BodyAdapter
    if settings.format == "odf":
        adapter = OdfAdapter(OdfAccumulator(max_bytes=settings.max_bytes))
    else:
        adapter = partial(parse_snapshot, max_bytes=settings.max_bytes)
    if settings.url.startswith(("http://", "https://")):
        poller = HttpPoller(settings.name, poller_settings(settings))
        return HttpFeedSource(settings.name, poller, adapter)
    path = _local_path(settings.url)
    if path.is_dir():
        pattern = "*.xml" if settings.format == "odf" else "*.json"
        return ReplaySource.from_directory(
            settings.name, path, pattern=pattern, adapter=adapter, max_bytes=settings.max_bytes
        )
    return ReplaySource(settings.name, [path], adapter=adapter, max_bytes=settings.max_bytes)


async def open_kept_source(settings: FeedSettings, store: FeedDocumentStore) -> FeedSource:
    """Like ``open_source``, but an ODF feed over HTTP keeps its documents in ``store``: it
    starts with the ones saved before and saves what each body brings. A replay reads its
    files from the first again on every start, so it keeps nothing; native snapshots are
    whole, so they need nothing kept."""
    if settings.format != "odf" or not settings.url.startswith(("http://", "https://")):
        return open_source(settings)
    keeper = OdfDocumentKeeper(settings.name, OdfAccumulator(max_bytes=settings.max_bytes), store)
    adapter = OdfAdapter(keeper.accumulator)
    if await keeper.restore():
        adapter.resync()  # the first body is compared with the saved state, changed or not
    poller = HttpPoller(settings.name, poller_settings(settings))
    return HttpFeedSource(settings.name, poller, adapter, after_poll=keeper.save)


async def open_feed(settings: FeedSettings, store: FeedDocumentStore) -> FeedSource:
    """The source of one configured feed, as the bot opens it: the format decides whether
    it keeps documents in ``store`` (``open_kept_source``) or needs none (``open_source``)."""
    return await open_kept_source(settings, store)


def poller_settings(settings: FeedSettings) -> PollerSettings:
    return PollerSettings(
        url=settings.url,
        connect_timeout=settings.connect_timeout,
        read_timeout=settings.read_timeout,
        total_timeout=settings.total_timeout,
        max_bytes=settings.max_bytes,
        backoff_base=settings.backoff_base,
        backoff_cap=settings.backoff_cap,
        content_types=XML_CONTENT_TYPES if settings.format == "odf" else JSON_CONTENT_TYPES,
    )


def _local_path(url: str) -> Path:
    if url.startswith("file://"):
        parsed = urlparse(url)
        if parsed.netloc not in ("", "localhost"):
            raise FeedRejected(f"cannot replay {url}: only local file:// URLs are supported")
        return Path(unquote(parsed.path))
    if "://" in url:
        raise FeedRejected(f"unsupported feed URL {url!r} (expected http(s)://, file:// or a path)")
    return Path(url)
