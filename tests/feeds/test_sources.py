"""Feed sources: an HTTP feed through the replay server, a replay of files, and the rule that one
failing source never affects another."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from medalbot.domain.models import Snapshot
from medalbot.feeds.errors import FeedError, FeedRejected, FeedUnavailable
from medalbot.feeds.native import parse_snapshot
from medalbot.feeds.poller import HttpPoller, PollerSettings
from medalbot.feeds.server import ReplayFeedServer
from medalbot.feeds.sources import FeedSource, HttpFeedSource, ReplaySource
from tests.feeds.conftest import FakeClock, RecordingJitter, write_snapshots


def _source(name: str, url: str, clock: FakeClock, jitter: RecordingJitter) -> HttpFeedSource:
    poller = HttpPoller(name, PollerSettings(url=url), clock=clock, uniform=jitter)
    return HttpFeedSource(name, poller, parse_snapshot)


async def test_http_source_yields_new_snapshots_and_none_when_unchanged(
    tmp_path: Path, clock: FakeClock, jitter: RecordingJitter
) -> None:
    async with ReplayFeedServer(write_snapshots(tmp_path, [1, 2])) as server:
        source = _source("main", server.url, clock, jitter)
        first = await source.poll()
        unchanged = await source.poll()
        server.advance()
        second = await source.poll()
        await source.close()

    assert first is not None and first.sequence == 1
    assert unchanged is None
    assert second is not None and second.sequence == 2
    assert server.not_modified == 1


async def test_a_bad_body_is_rejected_and_fetched_again_in_full(
    tmp_path: Path, clock: FakeClock, jitter: RecordingJitter
) -> None:
    good = write_snapshots(tmp_path, [1])[0]
    bad = tmp_path / "bad.json"
    bad.write_bytes(good.read_bytes().replace(b'"medalbot.feed/1"', b'"medalbot.feed/2"'))
    async with ReplayFeedServer([good, bad]) as server:
        source = _source("main", server.url, clock, jitter)
        assert await source.poll() is not None
        server.advance()
        with pytest.raises(FeedRejected) as first:
            await source.poll()
        assert await source.poll() is None  # backing off: no request
        clock.advance(first.value.retry_in or 0.0)
        with pytest.raises(FeedRejected) as second:
            await source.poll()
        await source.close()

    assert first.value.reason == (
        f"wrong format tag 'medalbot.feed/2' (expected 'medalbot.feed/1') (from {server.url})"
    )
    assert second.value.reason == first.value.reason
    assert (server.requests, server.not_modified) == (3, 0)


async def test_a_truncated_body_is_rejected_and_the_next_good_one_applies(
    tmp_path: Path, clock: FakeClock, jitter: RecordingJitter
) -> None:
    async with ReplayFeedServer(write_snapshots(tmp_path, [7])) as server:
        source = _source("main", server.url, clock, jitter)
        server.inject("truncated")
        with pytest.raises(FeedRejected) as caught:
            await source.poll()
        clock.advance(caught.value.retry_in or 0.0)
        snapshot = await source.poll()
        await source.close()

    assert caught.value.reason.startswith("not JSON: input data was truncated")
    assert snapshot is not None and snapshot.sequence == 7


async def test_one_failing_source_does_not_affect_another(
    tmp_path: Path, clock: FakeClock, jitter: RecordingJitter
) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    async with (
        ReplayFeedServer(write_snapshots(tmp_path / "a", [5])) as broken,
        ReplayFeedServer(write_snapshots(tmp_path / "b", [9])) as healthy,
    ):
        broken.inject("error", times=3)
        sources: list[FeedSource] = [
            _source("broken", broken.url, clock, jitter),
            _source("healthy", healthy.url, clock, jitter),
        ]
        outcomes = await asyncio.gather(*(s.poll() for s in sources), return_exceptions=True)
        for source in sources:
            await source.close()

    failed, succeeded = outcomes
    assert isinstance(failed, FeedUnavailable)
    assert failed.reason == f"HTTP 500 from {broken.url}"
    assert not isinstance(succeeded, BaseException)
    assert succeeded is not None and succeeded.sequence == 9


async def test_replay_returns_each_file_then_none(tmp_path: Path) -> None:
    files = write_snapshots(tmp_path, [1, 2, 3])
    replay = ReplaySource("replay", files)

    sequences = []
    while not replay.exhausted:
        snapshot = await replay.poll()
        assert snapshot is not None
        sequences.append(snapshot.sequence)

    assert sequences == [1, 2, 3]
    assert await replay.poll() is None
    assert replay.position == 3


async def test_a_bad_replay_file_is_named_and_skipped(tmp_path: Path) -> None:
    first, second = write_snapshots(tmp_path, [1, 2])
    broken = tmp_path / "broken.json"
    broken.write_bytes(b'{"format": "medalbot.feed/1", "games": ')
    missing = tmp_path / "missing.json"
    replay = ReplaySource("replay", [first, broken, missing, second])

    assert (await replay.poll()) is not None
    with pytest.raises(FeedError) as bad:
        await replay.poll()
    with pytest.raises(FeedError) as absent:
        await replay.poll()
    last = await replay.poll()

    assert bad.value.reason == (
        f"{broken}: not JSON: input data was truncated (the body ends after 39 bytes)"
    )
    assert absent.value.reason == f"{missing}: cannot read: No such file or directory"
    assert last is not None and last.sequence == 2
    assert replay.exhausted


async def test_replay_refuses_an_oversized_file_without_reading_it(tmp_path: Path) -> None:
    (path,) = write_snapshots(tmp_path, [1])
    replay = ReplaySource("replay", [path], max_bytes=64)

    with pytest.raises(FeedRejected) as caught:
        await replay.poll()

    assert caught.value.reason.startswith(f"{path}: body larger than 64 bytes")


def test_replay_directory_is_read_in_natural_order(tmp_path: Path) -> None:
    write_snapshots(tmp_path, [10, 2, 1])

    replay = ReplaySource.from_directory("replay", tmp_path)

    assert [f.name for f in replay.files] == [
        "snapshot-1.json",
        "snapshot-2.json",
        "snapshot-10.json",
    ]
    with pytest.raises(FeedRejected, match="no replay files matching"):
        ReplaySource.from_directory("replay", tmp_path / "nothing-here")


async def test_native_constructor_polls_a_real_server(tmp_path: Path) -> None:
    async with ReplayFeedServer(write_snapshots(tmp_path, [3])) as server:
        source = HttpFeedSource.native("main", PollerSettings(url=server.url))
        snapshot = await source.poll()
        await source.close()

    assert snapshot is not None and snapshot.sequence == 3


async def test_a_decoder_bug_refuses_the_body_backs_off_and_recovers(
    tmp_path: Path, clock: FakeClock, jitter: RecordingJitter, caplog: pytest.LogCaptureFixture
) -> None:
    """An exception other than FeedError from a decoder is a refused body, not a crashed poll."""
    calls = 0

    def flaky(body: bytes) -> Snapshot | None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise ValueError("a bug in the decoder")
        return parse_snapshot(body)

    async with ReplayFeedServer(write_snapshots(tmp_path, [4])) as server:
        poller = HttpPoller("main", PollerSettings(url=server.url), clock=clock, uniform=jitter)
        source = HttpFeedSource("main", poller, flaky)
        with pytest.raises(FeedRejected) as caught:
            await source.poll()
        assert await source.poll() is None  # backing off: no request
        clock.advance(caught.value.retry_in or 0.0)
        snapshot = await source.poll()
        await source.close()

    assert caught.value.reason == (
        f"could not be read (decoder error: ValueError) (from {server.url})"
    )
    assert snapshot is not None and snapshot.sequence == 4
    assert server.requests == 2
    assert "a bug in the decoder" in caplog.text
