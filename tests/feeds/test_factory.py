"""Feed settings → sources: HTTP feeds are polled, paths and file:// URLs are replayed."""

from __future__ import annotations

from pathlib import Path

import pytest

from medalbot.config import FeedSettings
from medalbot.feeds.errors import FeedRejected
from medalbot.feeds.factory import open_feed, open_source, poller_settings
from medalbot.feeds.server import ReplayFeedServer
from medalbot.feeds.sources import HttpFeedSource, ReplaySource
from medalbot.store.memory import MemoryStore
from tests.feeds.conftest import FIXTURES, write_snapshots


async def test_an_http_url_is_polled_with_the_configured_limits(tmp_path: Path) -> None:
    async with ReplayFeedServer(write_snapshots(tmp_path, [4])) as server:
        settings = FeedSettings(name="main", url=server.url, read_timeout=2.5, max_bytes=1 << 20)
        source = open_source(settings)
        snapshot = await source.poll()
        await source.close()

    assert isinstance(source, HttpFeedSource)
    assert source.poller.settings.read_timeout == 2.5
    assert source.poller.settings.max_bytes == 1 << 20
    assert snapshot is not None and snapshot.sequence == 4


def test_odf_feeds_accept_xml() -> None:
    settings = FeedSettings(name="odf", url="https://odf.example/feed", format="odf")

    assert poller_settings(settings).content_types == ("application/xml", "text/xml")


async def test_a_directory_is_replayed_in_order(tmp_path: Path) -> None:
    write_snapshots(tmp_path, [2, 1])

    source = open_source(FeedSettings(name="replay", url=tmp_path.as_uri()))
    assert isinstance(source, ReplaySource)
    sequences = []
    while (snapshot := await source.poll()) is not None:
        sequences.append(snapshot.sequence)

    assert sequences == [1, 2]


async def test_an_odf_directory_is_replayed_through_the_accumulator(tmp_path: Path) -> None:
    for i, name in enumerate(["result_ssk_w1000m_official.xml", "medallists_ssk_w1000m.xml"]):
        (tmp_path / f"{i}.xml").write_bytes((FIXTURES / "odf" / name).read_bytes())

    source = open_source(FeedSettings(name="odf", url=str(tmp_path), format="odf"))
    first = await source.poll()
    second = await source.poll()

    assert first is not None and second is not None
    assert first.games.code == "OWG2022"
    assert [r.medal for r in first.events[0].results if r.medal] == []
    assert len([r.medal for r in second.events[0].results if r.medal]) == 3
    assert second.sequence > first.sequence


def test_unsupported_urls_are_refused() -> None:
    with pytest.raises(FeedRejected, match=r"unsupported feed URL 'ftp://example\.org/feed'"):
        open_source(FeedSettings(name="x", url="ftp://example.org/feed"))
    with pytest.raises(FeedRejected, match="only local file:// URLs"):
        open_source(FeedSettings(name="x", url="file://server/share/feed"))


async def test_only_a_polled_feed_of_a_keeping_format_keeps_its_documents(tmp_path: Path) -> None:
    store = MemoryStore()
    odf_dir = tmp_path / "odf"
    odf_dir.mkdir()
    (odf_dir / "1.xml").write_bytes((FIXTURES / "odf" / "medallists_ssk_w1000m.xml").read_bytes())
    replay = await open_feed(FeedSettings(name="odf", url=str(odf_dir), format="odf"), store)
    assert isinstance(replay, ReplaySource) and await replay.poll() is not None

    async with ReplayFeedServer([odf_dir / "1.xml"]) as server:
        polled = await open_feed(FeedSettings(name="live", url=server.url, format="odf"), store)
        try:
            assert await polled.poll() is not None
        finally:
            await polled.close()

    assert await store.load_feed_documents("odf") == []  # a replay starts from its first file
    assert len(await store.load_feed_documents("live")) == 1
