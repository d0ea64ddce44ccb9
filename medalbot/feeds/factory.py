"""Build a feed source from its ``[[feeds]]`` settings, whatever its format: an HTTP feed or a
replay of files. What differs between formats comes from ``medalbot.feeds.formats``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from urllib.parse import unquote, urlparse

import msgspec

from medalbot.feeds.errors import DEFAULT_MAX_BYTES, FeedRejected
from medalbot.feeds.formats import feed_format
from medalbot.feeds.poller import HttpPoller, PollerSettings
from medalbot.feeds.settings import FeedSettings
from medalbot.feeds.sources import FeedSource, HttpFeedSource, ReplaySource
from medalbot.store.base import FeedDocumentStore


async def open_feed(settings: FeedSettings, store: FeedDocumentStore) -> FeedSource:
    """The source of one configured feed. A polled feed of a format that keeps its documents
    (ODF) starts from the ones saved in ``store`` and saves what each body brings. A replay
    reads its files from the first again on every start, so it keeps nothing; whole snapshots
    (native) need nothing kept."""
    fmt = feed_format(settings.format)
    settings = fmt.settings_of(settings)
    if fmt.kept_decoder is None or not settings.polled:
        return open_source(settings)
    kept = await fmt.kept_decoder(settings, store)
    poller = HttpPoller(settings.name, poller_settings(settings))
    return HttpFeedSource(settings.name, poller, kept.decode, after_poll=kept.after_poll)


def open_source(settings: FeedSettings) -> FeedSource:
    """Like ``open_feed``, with nothing kept. ``http(s)://`` URLs are polled; ``file://`` URLs
    and plain paths are replayed (a directory's files of the format, in natural order, or one
    file). ODF feeds follow the Games named by their messages' CompetitionCode."""
    fmt = feed_format(settings.format)
    settings = fmt.settings_of(settings)
    if settings.polled and fmt.polled_source is not None:
        return fmt.polled_source(settings)
    decoder = fmt.decoder(settings)
    if settings.polled:
        poller = HttpPoller(settings.name, poller_settings(settings))
        return HttpFeedSource(settings.name, poller, decoder)
    path = _local_path(settings.url)
    if path.is_dir():
        return ReplaySource.from_directory(
            settings.name,
            path,
            pattern=fmt.file_pattern,
            adapter=decoder,
            max_bytes=settings.max_bytes,
        )
    return ReplaySource(settings.name, [path], adapter=decoder, max_bytes=settings.max_bytes)


async def open_files(
    format_name: str,
    files: Sequence[Path],
    store: FeedDocumentStore | None = None,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    options: Mapping[str, object] | None = None,
) -> ReplaySource:
    """A replay of these files, in this order, read as ``format_name`` with its default
    settings and ``options`` (keys of its own, e.g. an ``olympics`` feed's ``games_code``) (the
    offline tools). With a ``store``, a format that keeps its documents keeps them there, as a
    polled feed does: replaying the same files again then changes nothing."""
    fmt = feed_format(format_name)
    table = {"name": "replay", "url": "", "format": fmt.name, "max_bytes": max_bytes}
    try:
        settings = msgspec.convert({**table, **(options or {})}, type=fmt.settings)
    except msgspec.ValidationError as exc:
        raise FeedRejected(f"{format_name}: {exc}") from exc
    if store is None or fmt.kept_decoder is None:
        return ReplaySource("replay", files, adapter=fmt.decoder(settings), max_bytes=max_bytes)
    kept = await fmt.kept_decoder(settings, store)
    return ReplaySource(
        "replay", files, adapter=kept.decode, max_bytes=max_bytes, after_poll=kept.after_poll
    )


def poller_settings(settings: FeedSettings) -> PollerSettings:
    return PollerSettings(
        url=settings.url,
        connect_timeout=settings.connect_timeout,
        read_timeout=settings.read_timeout,
        total_timeout=settings.total_timeout,
        max_bytes=settings.max_bytes,
        backoff_base=settings.backoff_base,
        backoff_cap=settings.backoff_cap,
        content_types=feed_format(settings.format).content_types,
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
