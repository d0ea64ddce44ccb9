"""Fetch a feed URL politely and defensively (``shared/discord-limits.md`` §6).

- its own aiohttp ``ClientSession`` (discord.py keeps another), created on first use;
- explicit timeouts, because aiohttp's default lets a stalled poll hang for five minutes;
- a body-size cap, because the aiohttp client has none: ``Content-Length`` first, then the
  decompressed bytes as they stream in;
- conditional GET, so an unchanged feed costs a 304 and no parsing;
- exponential backoff with full jitter after a failure, at least as long as ``Retry-After``.

A fetched body is not trusted until its reader says so: the validators (ETag, Last-Modified) are
only kept after ``accept()``, so a body the adapter refused is fetched again in full next time
instead of being skipped as "not modified".
"""

from __future__ import annotations

import asyncio
import logging
import random
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Final, TypeVar

import aiohttp
from msgspec import Struct

from medalbot import __version__
from medalbot.feeds.errors import (
    DEFAULT_MAX_BYTES,
    FeedError,
    FeedRejected,
    FeedUnavailable,
    SiteRefused,
    describe_size,
)
from medalbot.feeds.refusal import refusal_reason

log = logging.getLogger(__name__)
_E = TypeVar("_E", bound=FeedError)

JSON_CONTENT_TYPES: Final = ("application/json",)
XML_CONTENT_TYPES: Final = ("application/xml", "text/xml")
_CHUNK_BYTES: Final = 64 * 1024
_REFUSAL_PAGE_BYTES: Final = 4096  # enough of a 403 page to recognise "Access Denied"
_MAX_AGE: Final = re.compile(r"(?:^|,)\s*max-age\s*=\s*\"?(\d+)", re.IGNORECASE)


class PollerSettings(Struct, frozen=True, kw_only=True):
    """How to fetch one feed URL. Times are in seconds."""

    url: str
    connect_timeout: float = 3.0
    read_timeout: float = 5.0
    total_timeout: float = 10.0
    max_bytes: int = DEFAULT_MAX_BYTES
    backoff_base: float = 1.0
    backoff_cap: float = 120.0
    retry_after_cap: float = 900.0  # a Retry-After longer than this is shortened to it
    max_age_cap: float = 30.0  # Cache-Control: max-age is honoured up to this, to stay live
    user_agent: str = f"medalbot/{__version__} (feed poller)"
    content_types: tuple[str, ...] = JSON_CONTENT_TYPES
    headers: tuple[tuple[str, str], ...] = ()  # sent with every request (e.g. a Referer)

    def __post_init__(self) -> None:
        if not self.url.startswith(("http://", "https://")):
            raise ValueError(f"feed URL must start with http:// or https://, got {self.url!r}")
        for name in ("connect_timeout", "read_timeout", "total_timeout", "backoff_base"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive")
        if self.max_bytes <= 0 or self.backoff_cap < self.backoff_base:
            raise ValueError("max_bytes must be positive and backoff_cap at least backoff_base")
        if not self.content_types:
            raise ValueError("content_types must name at least one accepted type")


class Fetched(Struct, frozen=True):
    """A 200 response whose body the caller must ``accept()`` or ``reject()``."""

    url: str
    body: bytes
    content_type: str
    etag: str | None = None
    last_modified: str | None = None
    max_age: float | None = None


class NotModified(Struct, frozen=True):
    """Nothing new: a 304, or a response still fresh by ``Cache-Control: max-age``."""

    requested: bool = True  # False when no request was made


class BackingOff(Struct, frozen=True):
    """A recent failure: no request was made; the next one is allowed in ``retry_in`` s."""

    retry_in: float


FetchOutcome = Fetched | NotModified | BackingOff


class _StatusError(FeedUnavailable):
    def __init__(self, reason: str, retry_after: float | None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class _RefusedError(SiteRefused):
    def __init__(self, reason: str, retry_after: float | None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class HttpPoller:
    """Fetches one URL; not meant for concurrent ``fetch()`` calls (a lock serialises them)."""

    def __init__(
        self,
        name: str,
        settings: PollerSettings,
        *,
        clock: Callable[[], float] = time.monotonic,
        uniform: Callable[[float, float], float] = random.uniform,
    ) -> None:
        self.name = name
        self.settings = settings
        self._clock = clock
        self._uniform = uniform
        self._session: aiohttp.ClientSession | None = None
        self._lock = asyncio.Lock()
        self._etag: str | None = None
        self._last_modified: str | None = None
        self._failures = 0
        self._next_attempt = float("-inf")
        self._fresh_until = float("-inf")

    @property
    def url(self) -> str:
        return self.settings.url

    @property
    def failures(self) -> int:
        """Consecutive failures since the last accepted body or 304."""
        return self._failures

    def retry_in(self) -> float:
        """Seconds until the next request is allowed (0 when it is allowed now)."""
        return max(0.0, self._next_attempt - self._clock())

    async def fetch(self) -> FetchOutcome:
        """One conditional GET, unless backing off or still fresh. Raises ``FeedError``."""
        async with self._lock:
            now = self._clock()
            if now < self._next_attempt:
                return BackingOff(retry_in=self._next_attempt - now)
            if now < self._fresh_until:
                return NotModified(requested=False)
            try:
                outcome = await self._request()
            except FeedError as exc:
                retry_after = (
                    exc.retry_after if isinstance(exc, _StatusError | _RefusedError) else None
                )
                raise self._failed(exc, retry_after=retry_after) from exc
            if isinstance(outcome, NotModified):
                self._failures = 0
            return outcome

    def accept(self, fetched: Fetched) -> None:
        """The body was good: remember its validators so the next poll can be a 304."""
        self._etag = fetched.etag
        self._last_modified = fetched.last_modified
        self._failures = 0
        if fetched.max_age is not None:
            self._fresh_until = self._clock() + fetched.max_age

    def reject(self, fetched: Fetched, reason: str) -> FeedRejected:
        """The body was refused by its reader: back off like any failure, keep the old
        validators (so the same body is fetched again, not skipped), and return the error
        for the caller to raise."""
        return self._failed(FeedRejected(f"{reason} (from {fetched.url})"), retry_after=None)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _failed(self, error: _E, *, retry_after: float | None) -> _E:
        window = min(
            self.settings.backoff_cap, self.settings.backoff_base * 2.0 ** min(self._failures, 62)
        )
        delay = self._uniform(0.0, window)
        if retry_after is not None:
            delay = max(delay, min(retry_after, self.settings.retry_after_cap))
        self._failures += 1
        self._next_attempt = self._clock() + delay
        error.retry_in = delay
        log.warning(
            "feed %s: %s; next attempt in %.1f s (%d failure%s in a row)",
            self.name,
            error.reason,  # every reason names the URL
            delay,
            self._failures,
            "" if self._failures == 1 else "s",
        )
        return error

    def _session_for_requests(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            s = self.settings
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(
                    total=s.total_timeout, sock_connect=s.connect_timeout, sock_read=s.read_timeout
                ),
                headers={"User-Agent": s.user_agent, **dict(s.headers)},
                raise_for_status=False,
            )
        return self._session

    async def _request(self) -> Fetched | NotModified:
        headers = {"Accept": ", ".join(self.settings.content_types)}
        if self._etag is not None:
            headers["If-None-Match"] = self._etag
        if self._last_modified is not None:
            headers["If-Modified-Since"] = self._last_modified
        url = self.url
        try:
            async with self._session_for_requests().get(url, headers=headers) as response:
                max_age = self._max_age(response)
                if response.status == 304:
                    if max_age is not None:
                        self._fresh_until = self._clock() + max_age
                    return NotModified()
                if response.status == 403:
                    await self._raise_if_refused(response)
                if response.status != 200:
                    raise _StatusError(f"HTTP {response.status} from {url}", _retry_after(response))
                content_type = self._check_content_type(response)
                body = await self._read_capped(response)
                return Fetched(
                    url=url,
                    body=body,
                    content_type=content_type,
                    etag=response.headers.get("ETag"),
                    last_modified=response.headers.get("Last-Modified"),
                    max_age=max_age,
                )
        except TimeoutError as exc:  # aiohttp's socket timeouts are TimeoutErrors too
            detail = str(exc) or f"no complete response within {self.settings.total_timeout:g} s"
            raise FeedUnavailable(f"timed out fetching {url}: {detail}") from exc
        except aiohttp.ClientError as exc:
            detail = str(exc) or type(exc).__name__
            raise FeedUnavailable(f"cannot fetch {url}: {detail}") from exc

    async def _raise_if_refused(self, response: aiohttp.ClientResponse) -> None:
        """A 403 whose body is a bot protection's "Access Denied" page says so (``SiteRefused``),
        so the log and ``/healthz`` tell an operator to change how we ask, not to wait."""
        if response.content_type != "text/html":
            return
        head = await response.content.read(_REFUSAL_PAGE_BYTES)
        reason = refusal_reason(head)
        if reason is not None:
            raise _RefusedError(f"{reason}, HTTP 403 from {self.url}", _retry_after(response))

    def _check_content_type(self, response: aiohttp.ClientResponse) -> str:
        content_type = response.content_type  # the media type, without parameters
        if content_type in self.settings.content_types:
            return content_type
        response.close()  # no need to download what we will not read
        if content_type == "text/html":
            raise FeedRejected(f"got an HTML page (text/html) from {self.url}, not a feed")
        expected = " or ".join(self.settings.content_types)
        raise FeedRejected(
            f"unexpected content type {content_type} from {self.url} (expected {expected})"
        )

    async def _read_capped(self, response: aiohttp.ClientResponse) -> bytes:
        cap = self.settings.max_bytes
        declared = response.content_length
        if declared is not None and declared > cap:
            response.close()
            raise FeedRejected(
                f"body larger than {describe_size(cap)} (Content-Length {describe_size(declared)}) "
                f"from {self.url}"
            )
        body = bytearray()
        async for chunk in response.content.iter_chunked(_CHUNK_BYTES):
            body += chunk  # already decompressed, so this counts what we would hold in memory
            if len(body) > cap:
                response.close()
                raise FeedRejected(
                    f"body larger than {describe_size(cap)} from {self.url} (stopped reading)"
                )
        return bytes(body)

    def _max_age(self, response: aiohttp.ClientResponse) -> float | None:
        match = _MAX_AGE.search(response.headers.get("Cache-Control", ""))
        if match is None or int(match.group(1)) == 0:
            return None
        return min(float(match.group(1)), self.settings.max_age_cap)


def _retry_after(response: aiohttp.ClientResponse) -> float | None:
    """``Retry-After`` as seconds from now: either delta-seconds or an HTTP date."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        log.debug("ignoring unreadable Retry-After %r", value)
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
