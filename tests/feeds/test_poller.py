"""The HTTP poller against real local servers (127.0.0.1, free port). Time is a fake clock and
jitter is deterministic, so backoff is checked without sleeping."""

from __future__ import annotations

import gzip
import logging
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from medalbot.feeds.errors import FeedRejected, FeedUnavailable, SiteRefused
from medalbot.feeds.poller import (
    XML_CONTENT_TYPES,
    BackingOff,
    Fetched,
    HttpPoller,
    NotModified,
    PollerSettings,
)
from medalbot.feeds.server import ReplayFeedServer
from tests.feeds.conftest import FakeClock, RecordingJitter, write_snapshots

MakePoller = Callable[..., HttpPoller]


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[ReplayFeedServer]:
    async with ReplayFeedServer(write_snapshots(tmp_path, [1, 2]), slow_seconds=2.0) as running:
        yield running


@pytest.fixture
async def make_poller(clock: FakeClock, jitter: RecordingJitter) -> AsyncIterator[MakePoller]:
    pollers: list[HttpPoller] = []

    def make(url: str, **settings: Any) -> HttpPoller:
        poller = HttpPoller(
            "test-feed", PollerSettings(url=url, **settings), clock=clock, uniform=jitter
        )
        pollers.append(poller)
        return poller

    yield make
    for poller in pollers:
        await poller.close()


async def _fetched(poller: HttpPoller) -> Fetched:
    outcome = await poller.fetch()
    assert isinstance(outcome, Fetched), outcome
    return outcome


async def test_200_then_304_once_the_body_is_accepted(
    server: ReplayFeedServer, make_poller: MakePoller
) -> None:
    poller = make_poller(server.url)

    first = await _fetched(poller)
    poller.accept(first)
    second = await poller.fetch()

    assert first.body == server.current.read_bytes()
    assert first.content_type == "application/json"
    assert first.etag is not None and first.last_modified is not None
    assert second == NotModified(requested=True)
    assert (server.requests, server.not_modified) == (2, 1)


async def test_a_new_file_is_fetched_in_full(
    server: ReplayFeedServer, make_poller: MakePoller
) -> None:
    poller = make_poller(server.url)
    poller.accept(await _fetched(poller))

    server.advance()
    fetched = await _fetched(poller)

    assert fetched.body == server.current.read_bytes()
    assert server.not_modified == 0


async def test_a_rejected_body_is_fetched_again_not_skipped_as_304(
    server: ReplayFeedServer, make_poller: MakePoller, clock: FakeClock
) -> None:
    poller = make_poller(server.url)
    fetched = await _fetched(poller)

    error = poller.reject(fetched, "not JSON: input data was truncated")
    clock.advance(error.retry_in or 0.0)
    again = await _fetched(poller)

    assert error.reason == f"not JSON: input data was truncated (from {server.url})"
    assert again.body == fetched.body
    assert (server.requests, server.not_modified) == (2, 0)


async def test_conditional_headers_user_agent_and_accept_are_sent(
    make_poller: MakePoller,
) -> None:
    seen: list[dict[str, str]] = []

    async def handler(request: web.Request) -> web.Response:
        seen.append(dict(request.headers))
        return web.Response(
            body=b"{}",
            content_type="application/json",
            headers={"ETag": '"v1"', "Last-Modified": "Mon, 09 Feb 2026 16:41:05 GMT"},
        )

    async with _serve(handler) as url:
        poller = make_poller(url, user_agent="medalbot-test/1")
        poller.accept(await _fetched(poller))
        await poller.fetch()

    assert "If-None-Match" not in seen[0]
    assert seen[0]["User-Agent"] == "medalbot-test/1"
    assert seen[0]["Accept"] == "application/json"
    assert seen[1]["If-None-Match"] == '"v1"'
    assert seen[1]["If-Modified-Since"] == "Mon, 09 Feb 2026 16:41:05 GMT"


async def test_http_500_backs_off_without_requests_until_the_delay_passed(
    server: ReplayFeedServer, make_poller: MakePoller, clock: FakeClock
) -> None:
    poller = make_poller(server.url, backoff_base=2.0)
    server.inject("error")

    with pytest.raises(FeedUnavailable) as caught:
        await poller.fetch()
    during = await poller.fetch()
    clock.advance(2.0)
    after = await poller.fetch()

    assert caught.value.reason == f"HTTP 500 from {server.url}"
    assert caught.value.retry_in == 2.0
    assert during == BackingOff(retry_in=2.0)
    assert isinstance(after, Fetched)
    assert server.requests == 2  # the failed one and the one after the delay


async def test_backoff_window_doubles_up_to_the_cap(
    server: ReplayFeedServer, make_poller: MakePoller, clock: FakeClock, jitter: RecordingJitter
) -> None:
    poller = make_poller(server.url, backoff_base=1.0, backoff_cap=10.0)
    server.inject("error", times=6)

    for _ in range(6):
        with pytest.raises(FeedUnavailable) as caught:
            await poller.fetch()
        clock.advance(caught.value.retry_in or 0.0)
    poller.accept(await _fetched(poller))

    assert jitter.windows == [1.0, 2.0, 4.0, 8.0, 10.0, 10.0]
    assert poller.failures == 0


async def test_full_jitter_draws_anywhere_in_the_window(make_poller: MakePoller) -> None:
    draws: list[tuple[float, float]] = []

    def low_end(low: float, high: float) -> float:
        draws.append((low, high))
        return 0.25

    poller = HttpPoller(
        "jittery", PollerSettings(url=f"http://127.0.0.1:{_free_port()}/"), uniform=low_end
    )
    with pytest.raises(FeedUnavailable) as caught:
        await poller.fetch()
    await poller.close()

    assert draws == [(0.0, 1.0)]
    assert caught.value.retry_in == 0.25


async def test_retry_after_is_honoured(
    server: ReplayFeedServer, make_poller: MakePoller, clock: FakeClock
) -> None:
    server.retry_after = 30
    server.inject("unavailable")
    poller = make_poller(server.url)

    with pytest.raises(FeedUnavailable) as caught:
        await poller.fetch()
    clock.advance(29.0)
    still_waiting = await poller.fetch()
    clock.advance(1.0)

    assert caught.value.reason == f"HTTP 503 from {server.url}"
    assert caught.value.retry_in == 30.0
    assert still_waiting == BackingOff(retry_in=1.0)
    assert isinstance(await poller.fetch(), Fetched)


async def test_retry_after_as_an_http_date_and_its_cap(make_poller: MakePoller) -> None:
    async def handler(request: web.Request) -> web.Response:
        when = datetime.now(UTC) + timedelta(seconds=60)
        return web.Response(status=429, headers={"Retry-After": format_datetime(when, usegmt=True)})

    async with _serve(handler) as url:
        with pytest.raises(FeedUnavailable) as dated:
            await make_poller(url).fetch()
        with pytest.raises(FeedUnavailable) as capped:
            await make_poller(url, retry_after_cap=10.0).fetch()

    assert dated.value.reason == f"HTTP 429 from {url}"
    assert dated.value.retry_in is not None and 58.0 <= dated.value.retry_in <= 60.0
    assert capped.value.retry_in == 10.0


async def test_one_log_line_per_failure_names_feed_url_reason_and_next_attempt(
    server: ReplayFeedServer, make_poller: MakePoller, caplog: pytest.LogCaptureFixture
) -> None:
    server.inject("error")
    poller = make_poller(server.url, backoff_base=4.0)

    with caplog.at_level(logging.WARNING, logger="medalbot.feeds"), pytest.raises(FeedUnavailable):
        await poller.fetch()
    await poller.fetch()  # backing off: no request, no new line

    assert [r.getMessage() for r in caplog.records] == [
        f"feed test-feed: HTTP 500 from {server.url}; next attempt in 4.0 s (1 failure in a row)"
    ]


async def test_a_slow_server_times_out(server: ReplayFeedServer, make_poller: MakePoller) -> None:
    server.inject("slow")
    poller = make_poller(server.url, read_timeout=0.05, total_timeout=0.5)

    with pytest.raises(FeedUnavailable) as caught:
        await poller.fetch()

    assert caught.value.reason.startswith(f"timed out fetching {server.url}")


async def test_an_unreachable_feed_is_unavailable(make_poller: MakePoller) -> None:
    url = f"http://127.0.0.1:{_free_port()}/feed.json"
    poller = make_poller(url)

    with pytest.raises(FeedUnavailable) as caught:
        await poller.fetch()

    assert caught.value.reason.startswith(f"cannot fetch {url}: Cannot connect to host")


async def test_oversized_body_is_refused_by_content_length(
    server: ReplayFeedServer, make_poller: MakePoller
) -> None:
    server.oversized_bytes = 300_000
    server.inject("oversized")
    poller = make_poller(server.url, max_bytes=100_000)

    with pytest.raises(FeedRejected) as caught:
        await poller.fetch()

    assert caught.value.reason == (
        f"body larger than 97.7 KiB (Content-Length 293 KiB) from {server.url}"
    )


async def test_oversized_body_is_refused_while_streaming_without_content_length(
    server: ReplayFeedServer, make_poller: MakePoller
) -> None:
    server.oversized_bytes = 50 * 1024 * 1024  # the server would send 50 MiB; we stop early
    server.inject("oversized_chunked")
    poller = make_poller(server.url, max_bytes=256 * 1024)

    with pytest.raises(FeedRejected) as caught:
        await poller.fetch()

    assert caught.value.reason == f"body larger than 256 KiB from {server.url} (stopped reading)"


async def test_size_cap_counts_decompressed_bytes(make_poller: MakePoller) -> None:
    inflated = b" " * (2 * 1024 * 1024)
    compressed = gzip.compress(inflated)
    assert len(compressed) < 64 * 1024

    async def handler(request: web.Request) -> web.Response:
        return web.Response(
            body=compressed,
            headers={"Content-Type": "application/json", "Content-Encoding": "gzip"},
        )

    async with _serve(handler) as url:
        poller = make_poller(url, max_bytes=1024 * 1024)
        with pytest.raises(FeedRejected) as caught:
            await poller.fetch()

    assert caught.value.reason == f"body larger than 1 MiB from {url} (stopped reading)"


async def test_html_page_is_refused_by_content_type(
    server: ReplayFeedServer, make_poller: MakePoller
) -> None:
    server.inject("html")
    poller = make_poller(server.url)

    with pytest.raises(FeedRejected) as caught:
        await poller.fetch()

    assert caught.value.reason == f"got an HTML page (text/html) from {server.url}, not a feed"


async def test_unexpected_content_type_is_refused(
    server: ReplayFeedServer, make_poller: MakePoller
) -> None:
    poller = make_poller(server.url, content_types=XML_CONTENT_TYPES)

    with pytest.raises(FeedRejected) as caught:
        await poller.fetch()

    assert caught.value.reason == (
        f"unexpected content type application/json from {server.url} "
        "(expected application/xml or text/xml)"
    )


async def test_cache_control_max_age_spares_requests(
    tmp_path: Path, make_poller: MakePoller, clock: FakeClock
) -> None:
    files = write_snapshots(tmp_path, [1])
    async with ReplayFeedServer(files, max_age=10) as server:
        poller = make_poller(server.url, max_age_cap=5.0)
        poller.accept(await _fetched(poller))
        fresh = await poller.fetch()
        clock.advance(5.0)
        revalidated = await poller.fetch()

    assert fresh == NotModified(requested=False)
    assert revalidated == NotModified(requested=True)
    assert server.requests == 2


async def test_the_session_is_created_lazily_and_recreated_after_close(
    server: ReplayFeedServer, make_poller: MakePoller
) -> None:
    poller = make_poller(server.url)
    assert poller._session is None

    await _fetched(poller)
    await poller.close()
    assert poller._session is None
    await _fetched(poller)

    assert server.requests == 2


def test_settings_refuse_nonsense() -> None:
    with pytest.raises(ValueError, match="must start with http"):
        PollerSettings(url="ftp://example.org/feed")
    with pytest.raises(ValueError, match="read_timeout must be positive"):
        PollerSettings(url="http://example.org/feed", read_timeout=0)


async def test_extra_headers_are_sent_with_every_request(make_poller: MakePoller) -> None:
    seen: list[dict[str, str]] = []

    async def handler(request: web.Request) -> web.Response:
        seen.append(dict(request.headers))
        return web.Response(body=b"{}", content_type="application/json")

    async with _serve(handler) as url:
        poller = make_poller(url, headers=(("Referer", "https://www.olympics.com/"),))
        await poller.fetch()
        await poller.fetch()

    assert [h.get("Referer") for h in seen] == ["https://www.olympics.com/"] * 2


ACCESS_DENIED = (
    Path(__file__).parent / "fixtures/olympics/owg2026-access-denied-403.html"
).read_bytes()


async def test_a_bot_protection_403_page_says_the_site_refused_us_and_backs_off(
    make_poller: MakePoller, clock: FakeClock
) -> None:
    requests = 0

    async def handler(request: web.Request) -> web.Response:
        nonlocal requests
        requests += 1
        return web.Response(status=403, body=ACCESS_DENIED, content_type="text/html")

    async with _serve(handler) as url:
        poller = make_poller(url, backoff_base=30.0)
        with pytest.raises(SiteRefused) as caught:
            await poller.fetch()
        during = await poller.fetch()
        clock.advance(30.0)
        with pytest.raises(SiteRefused):
            await poller.fetch()

    assert caught.value.reason == (
        'refused by the site\'s bot protection: an "Access Denied" page '
        f"(reference #18.d2a0d517.1770630655.dc86c9b1), HTTP 403 from {url}"
    )
    assert during == BackingOff(retry_in=30.0)
    assert requests == 2 and poller.failures == 2


async def test_another_403_is_an_http_403(make_poller: MakePoller) -> None:
    async def handler(request: web.Request) -> web.Response:
        return web.Response(
            status=403, text="<html><title>Forbidden</title></html>", content_type="text/html"
        )

    async with _serve(handler) as url:
        with pytest.raises(FeedUnavailable) as caught:
            await make_poller(url).fetch()

    assert not isinstance(caught.value, SiteRefused)
    assert caught.value.reason == f"HTTP 403 from {url}"


class _serve:
    """A one-handler aiohttp server on 127.0.0.1; yields the URL of ``/feed``."""

    def __init__(self, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]) -> None:
        app = web.Application()
        app.router.add_get("/feed", handler)
        self._server = TestServer(app, host="127.0.0.1")

    async def __aenter__(self) -> str:
        await self._server.start_server()
        return str(self._server.make_url("/feed"))

    async def __aexit__(self, *exc: object) -> None:
        await self._server.close()


def _free_port() -> int:
    """A port nobody listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port
