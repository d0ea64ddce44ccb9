"""A feed server that misbehaves on demand, for the fault suite.

``FaultyFeed`` is the product's ``ReplayFeedServer`` (files served in order, ETags, 304s) with
the faults real producers, proxies and networks add: error statuses and HTML error pages,
bodies cut short or reset mid-way, oversized and gzip-bomb bodies, the wrong content type, a
server that never answers, a cache answering 304 over new content, and substitute bodies
(stale, suspect or duplicated snapshots). Every request is logged with the time of the test's
clock, so the poller's backoff can be checked against its schedule without sleeping.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

from aiohttp import web

from medalbot.feeds.server import ReplayFeedServer

Kind = Literal[
    "status",  # an error status with a plain-text body (``status``, ``retry_after``)
    "html_page",  # an HTML error page with ``status`` (a proxy's 502, a captive portal's 200)
    "wrong_type",  # the current body, labelled text/plain
    "cut_json",  # the first half of the current body (its Content-Length, the file's ETag)
    "short_body",  # the whole body, a Content-Length larger than that, then the socket closes
    "reset",  # half the body, then the connection is aborted (TCP RST)
    "drop",  # the connection is aborted before any response
    "hang",  # no answer at all until the server closes
    "oversized",  # ``size`` bytes, announced by Content-Length
    "oversized_chunked",  # ``size`` bytes streamed without a Content-Length
    "gzip_bomb",  # ``size`` bytes of JSON-looking spaces, gzip-compressed to a few KiB
    "not_modified",  # 304 whatever the request said (a confused cache)
    "body",  # ``body`` served as a good response would be (200, ETag, 304 when unchanged)
]


@dataclass(frozen=True)
class Fault:
    kind: Kind
    status: int = 500
    retry_after: int | None = None
    size: int = 0
    body: bytes = b""
    label: str = ""

    def __str__(self) -> str:
        return self.label or self.kind


@dataclass(frozen=True)
class Seen:
    """One request the server received: when (test clock), and which fault answered it."""

    at: float
    fault: str | None
    if_none_match: str | None


class FaultyFeed(ReplayFeedServer):
    def __init__(
        self, files: Sequence[Path], *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        super().__init__(files)
        self._clock = clock
        self._script: list[Fault] = []
        self._forever: Fault | None = None
        self._released = asyncio.Event()
        self.seen: list[Seen] = []

    # the fault server speaks its own faults, not ReplayFeedServer's names
    def inject(self, fault: Fault, *, times: int | None = 1) -> None:  # type: ignore[override]
        """Answer the next ``times`` requests with ``fault`` (None: every one until ``heal``).
        Faults queue up in the order they were injected."""
        if times is None:
            self._forever = fault
        else:
            self._script.extend([fault] * times)

    def heal(self) -> None:
        self._script.clear()
        self._forever = None

    @property
    def pending_faults(self) -> int:
        return len(self._script) + (self._forever is not None)

    def seen_since(self, at: float) -> list[Seen]:
        return [s for s in self.seen if s.at >= at]

    async def close(self) -> None:
        self._released.set()  # let hung handlers end, or the runner waits for them
        await super().close()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        fault = self._script.pop(0) if self._script else self._forever
        self.seen.append(Seen(self._clock(), str(fault) if fault else None, _etag_sent(request)))
        if fault is None:
            return await super()._handle(request)  # the current file, 304 when unchanged
        self.requests += 1
        return await self._misbehave_more(fault, request, self.current.read_bytes())

    async def _misbehave_more(
        self, fault: Fault, request: web.Request, body: bytes
    ) -> web.StreamResponse:
        json_type = "application/json"
        match fault.kind:
            case "status":
                headers = (
                    {} if fault.retry_after is None else {"Retry-After": str(fault.retry_after)}
                )
                return web.Response(status=fault.status, text="Server Error", headers=headers)
            case "html_page":
                return web.Response(status=fault.status, body=HTML_PAGE, content_type="text/html")
            case "wrong_type":
                return web.Response(body=body, content_type="text/plain")
            case "cut_json":  # with the whole file's ETag, as a cache holding a cut copy has
                headers = {"ETag": _etag(body)}
                cut = body[: len(body) // 2]
                return web.Response(body=cut, content_type=json_type, headers=headers)
            case "short_body" | "reset":
                declared = len(body) + (4096 if fault.kind == "short_body" else 0)
                sent = body if fault.kind == "short_body" else body[: len(body) // 2]
                return await self._cut_off(request, declared, sent, abort=fault.kind == "reset")
            case "drop":
                _transport(request).abort()
                return web.Response(status=500)  # never sent: the connection is gone
            case "hang":
                await self._released.wait()
                return web.Response(status=503)
            case "oversized":
                return web.Response(body=b" " * fault.size, content_type=json_type)
            case "oversized_chunked":
                return await self._stream_spaces(request, fault.size)
            case "gzip_bomb":
                return web.Response(
                    body=gzip_bomb(fault.size),
                    headers={"Content-Type": json_type, "Content-Encoding": "gzip"},
                )
            case "not_modified":
                self.not_modified += 1
                return web.Response(status=304)
            case "body":
                etag = _etag(fault.body)
                if _etag_sent(request) == etag:
                    self.not_modified += 1
                    return web.Response(status=304, headers={"ETag": etag})
                return web.Response(body=fault.body, content_type=json_type, headers={"ETag": etag})

    async def _cut_off(
        self, request: web.Request, declared: int, sent: bytes, *, abort: bool
    ) -> web.StreamResponse:
        response = web.StreamResponse(
            headers={"Content-Type": "application/json", "Content-Length": str(declared)}
        )
        await response.prepare(request)
        await response.write(sent)
        transport = _transport(request)
        if abort:
            transport.abort()
        else:
            transport.close()
        return response

    async def _stream_spaces(self, request: web.Request, size: int) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        chunk = b" " * 65536
        try:
            for _ in range(0, size, len(chunk)):
                await response.write(chunk)
            await response.write_eof()
        except ConnectionError:
            pass  # the client stopped reading, as it should
        return response


HTML_PAGE = (
    b"<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>"
    b"<body><h1>502 Bad Gateway</h1><hr><center>nginx</center></body></html>\n"
)


def status(code: int, *, retry_after: int | None = None) -> Fault:
    label = f"HTTP {code}" + ("" if retry_after is None else f" Retry-After {retry_after}")
    return Fault("status", status=code, retry_after=retry_after, label=label)


def substitute(body: bytes, label: str) -> Fault:
    """Serve ``body`` instead of the current file, as a well-behaved server would."""
    return Fault("body", body=body, label=label)


@cache
def gzip_bomb(size: int) -> bytes:
    """A valid gzip stream of ``size`` spaces that is about a thousand times smaller.

    Compressing gigabytes takes seconds; instead one MiB is compressed with a full flush
    (byte-aligned, no back-references across it) and that segment is repeated."""
    segment_size = 1 << 20
    assert size % segment_size == 0, "whole MiB only"
    block = b" " * segment_size
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    segment = deflate.compress(block) + deflate.flush(zlib.Z_FULL_FLUSH)
    end = zlib.compressobj(9, zlib.DEFLATED, -15).flush()  # the final, empty block
    crc = 0
    for _ in range(size // segment_size):
        crc = zlib.crc32(block, crc)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    trailer = crc.to_bytes(4, "little") + (size & 0xFFFFFFFF).to_bytes(4, "little")
    return header + segment * (size // segment_size) + end + trailer


def _etag(body: bytes) -> str:
    """The ETag ``ReplayFeedServer`` gives the same body."""
    return f'"{hashlib.sha256(body).hexdigest()[:20]}"'


def _etag_sent(request: web.Request) -> str | None:
    return request.headers.get("If-None-Match")


def _transport(request: web.Request) -> asyncio.Transport:
    transport = request.transport
    assert isinstance(transport, asyncio.Transport)
    return transport
