"""Watch every HTTP response discord.py receives, through an aiohttp trace config.

discord.py's ``Client(http_trace=...)`` hands the trace config to the aiohttp session it makes,
so REST calls, interaction replies and the gateway handshake all pass through these hooks.
What counts as an invalid request follows shared/discord-limits.md §1.1: 401, 403 and 429
responses count towards Discord's 10,000 per 10 minutes, except 429s with scope ``shared``.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Literal, Protocol

import aiohttp
from multidict import CIMultiDictProxy

RateLimitScope = Literal["user", "global", "shared", "unknown"]
RATE_LIMIT_SCOPES: tuple[RateLimitScope, ...] = ("user", "global", "shared", "unknown")
_SCOPES: dict[str, RateLimitScope] = {s: s for s in RATE_LIMIT_SCOPES if s != "unknown"}
INVALID_STATUSES = frozenset({401, 403, 429})
INVALID_REQUEST_WINDOW = 600.0  # seconds: Discord counts invalid requests per 10 minutes
INVALID_REQUEST_LIMIT = 10_000  # per window and IP; beyond it Cloudflare bans the IP for a while


class DiscordResponseObserver(Protocol):
    def observe_discord_response(
        self, method: str, status: int, scope: RateLimitScope | None
    ) -> None: ...

    def observe_discord_error(self, method: str) -> None: ...


def rate_limit_scope(headers: CIMultiDictProxy[str]) -> RateLimitScope:
    """The scope Discord names on a 429 (``X-RateLimit-Scope``), or ``unknown``: a 429 without
    it usually comes from Cloudflare rather than from Discord's API."""
    value = headers.get("X-RateLimit-Scope", "").strip().lower()
    return _SCOPES.get(value, "unknown")


def counts_as_invalid(status: int, scope: RateLimitScope | None) -> bool:
    return status in INVALID_STATUSES and not (status == 429 and scope == "shared")


def make_trace_config(observer: DiscordResponseObserver) -> aiohttp.TraceConfig:
    async def on_request_end(
        _session: aiohttp.ClientSession,
        _context: SimpleNamespace,
        params: aiohttp.TraceRequestEndParams,
    ) -> None:
        status = params.response.status
        scope = rate_limit_scope(params.response.headers) if status == 429 else None
        observer.observe_discord_response(params.method, status, scope)

    async def on_request_exception(
        _session: aiohttp.ClientSession,
        _context: SimpleNamespace,
        params: aiohttp.TraceRequestExceptionParams,
    ) -> None:
        # No response at all (DNS, connection reset, timeout): discord.py retries some of these.
        observer.observe_discord_error(params.method)

    config = aiohttp.TraceConfig()
    config.on_request_end.append(on_request_end)
    config.on_request_exception.append(on_request_exception)
    return config
