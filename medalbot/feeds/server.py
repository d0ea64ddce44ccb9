"""A small HTTP feed producer for tests and the demo: serves replay files one at a time.

The current file is served at ``/feed.json`` (and ``/feed.xml``; the content type follows the
file's suffix) with an ETag and a Last-Modified, answering conditional requests with 304.
``advance()`` moves to the next file. Fault switches make the next response(s) misbehave the way
real producers and proxies do, so end-to-end tests can exercise every failure path.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from types import TracebackType
from typing import Final, Literal, Self

from aiohttp import web

log = logging.getLogger(__name__)

Fault = Literal[
    "error", "unavailable", "html", "truncated", "slow", "oversized", "oversized_chunked"
]
FAULTS: Final[tuple[Fault, ...]] = (
    "error",  # 500 with a plain-text body
    "unavailable",  # 503 with Retry-After
    "html",  # 200 with an HTML page, as a captive portal or a misrouted proxy sends
    "truncated",  # 200 with the first half of the document
    "slow",  # headers only after ``slow_seconds``
    "oversized",  # a body past ``oversized_bytes`` with a Content-Length
    "oversized_chunked",  # the same streamed in chunks, without a Content-Length
)
_CONTENT_TYPES: Final = {".json": "application/json", ".xml": "application/xml"}
_HTML_PAGE: Final = (
    b"<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>"
    b"<body><h1>502 Bad Gateway</h1></body></html>\n"
)


class ReplayFeedServer:
    """Serve ``files`` in order on ``host``:``port`` (port 0 picks a free one)."""

    def __init__(
        self,
        files: Sequence[Path],
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        slow_seconds: float = 5.0,
        oversized_bytes: int = 6 * 1024 * 1024,
        retry_after: int = 30,
        max_age: int | None = None,
    ) -> None:
        if not files:
            raise ValueError("a replay server needs at least one file")
        self._files = [Path(f) for f in files]
        self._bodies = [f.read_bytes() for f in self._files]
        self._host = host
        self._port = port
        self.slow_seconds = slow_seconds
        self.oversized_bytes = oversized_bytes
        self.retry_after = retry_after
        self.max_age = max_age
        self._index = 0
        self._last_modified = _whole_seconds(datetime.now(UTC))
        self._faults: list[Fault] = []
        self._closing = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._url: str | None = None
        self.requests = 0  # every request received, answered or not
        self.not_modified = 0  # how many were answered 304

    @property
    def url(self) -> str:
        """The feed URL (``/feed.json`` or ``/feed.xml`` after the first file's suffix)."""
        if self._url is None:
            raise RuntimeError("the replay server is not started")
        suffix = ".xml" if self._files[0].suffix == ".xml" else ".json"
        return f"{self._url}/feed{suffix}"

    @property
    def current(self) -> Path:
        return self._files[self._index]

    @property
    def position(self) -> int:
        return self._index

    def advance(self) -> bool:
        """Serve the next file from now on; False (and no change) when already on the last."""
        if self._index + 1 >= len(self._files):
            return False
        self._index += 1
        # Strictly later than before, so If-Modified-Since alone never hides a new file.
        now = _whole_seconds(datetime.now(UTC))
        self._last_modified = max(now, self._last_modified + timedelta(seconds=1))
        return True

    def inject(self, fault: Fault, *, times: int = 1) -> None:
        """Make the next ``times`` responses misbehave as ``fault`` says (see ``FAULTS``)."""
        if fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; known: {', '.join(FAULTS)}")
        self._faults.extend([fault] * times)

    async def start(self) -> str:
        app = web.Application()
        app.router.add_get("/feed.json", self._handle)
        app.router.add_get("/feed.xml", self._handle)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, self._port)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self._url = f"http://{host}:{port}"
        log.info("replay feed server on %s serving %d files", self.url, len(self._files))
        return self.url

    async def close(self) -> None:
        self._closing.set()  # release any response held back by the "slow" fault
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        self.requests += 1
        fault = self._faults.pop(0) if self._faults else None
        body = self._bodies[self._index]
        content_type = _CONTENT_TYPES.get(self.current.suffix, "application/octet-stream")
        if fault == "slow":
            # Hold the answer back for the full delay (or until the server closes), then answer.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), self.slow_seconds)
        elif fault is not None:
            return await self._misbehave(fault, request, body, content_type)
        etag = f'"{hashlib.sha256(body).hexdigest()[:20]}"'
        headers = {"ETag": etag, "Last-Modified": format_datetime(self._last_modified, usegmt=True)}
        if self.max_age is not None:
            headers["Cache-Control"] = f"max-age={self.max_age}"
        if self._is_fresh(request, etag):
            self.not_modified += 1
            return web.Response(status=304, headers=headers)
        return web.Response(body=body, content_type=content_type, headers=headers)

    def _is_fresh(self, request: web.Request, etag: str) -> bool:
        """RFC 9110 §13.1: If-None-Match wins; If-Modified-Since only counts without it."""
        if_none_match = request.headers.get("If-None-Match")
        if if_none_match is not None:
            tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
            return "*" in tags or etag in tags
        if_modified_since = request.headers.get("If-Modified-Since")
        if if_modified_since is None:
            return False
        try:
            since = parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError):
            return False
        return since.tzinfo is not None and since >= self._last_modified

    async def _misbehave(
        self, fault: Fault, request: web.Request, body: bytes, content_type: str
    ) -> web.StreamResponse:
        if fault == "error":
            return web.Response(status=500, text="Internal Server Error")
        if fault == "unavailable":
            return web.Response(
                status=503,
                text="Service Unavailable",
                headers={"Retry-After": str(self.retry_after)},
            )
        if fault == "html":
            return web.Response(body=_HTML_PAGE, content_type="text/html")
        if fault == "truncated":
            return web.Response(body=body[: len(body) // 2], content_type=content_type)
        if fault == "oversized":
            return web.Response(body=b" " * self.oversized_bytes, content_type=content_type)
        # oversized_chunked: stream without a Content-Length until the client gives up
        response = web.StreamResponse(headers={"Content-Type": content_type})
        response.enable_chunked_encoding()
        await response.prepare(request)
        chunk = b" " * 65536
        sent = 0
        try:
            while sent < self.oversized_bytes:
                await response.write(chunk)
                sent += len(chunk)
            await response.write_eof()
        except ConnectionResetError:
            log.debug("client hung up after %d bytes of an oversized body", sent)
        return response


def _whole_seconds(moment: datetime) -> datetime:
    """HTTP dates have one-second resolution; compare like with like."""
    return moment.replace(microsecond=0)
