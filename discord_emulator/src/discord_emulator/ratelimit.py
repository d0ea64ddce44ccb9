"""Discord-style rate limits: a global budget per bot token and per-channel message buckets.

Discord documents the headers and the 429 body but not the per-route numbers; the defaults
(50 requests/s global, 5 messages per 5 s per channel) are the documented global limit and the
widely reported message bucket. Interaction callbacks and webhooks are exempt from the global
limit. Requests answered 401, 403 or 429 (except shared-scope 429s) count as invalid requests
over a rolling 10 minutes, the figure Cloudflare bans on.
"""

from __future__ import annotations

import math
from collections import Counter, deque
from dataclasses import dataclass

from .clock import Clock

INVALID_REQUEST_WINDOW = 600.0
MESSAGE_CREATE_BUCKET = "emulator-message-create"


@dataclass(slots=True)
class WindowBucket:
    """`limit` requests per fixed `window`, the window starting at the first request."""

    limit: int
    window: float
    used: int = 0
    resets_at: float = 0.0

    def take(self, now: float) -> bool:
        if now >= self.resets_at:
            self.used = 0
            self.resets_at = now + self.window
        if self.used >= self.limit:
            return False
        self.used += 1
        return True

    def remaining(self) -> int:
        return max(0, self.limit - self.used)

    def reset_after(self, now: float) -> float:
        return max(0.0, self.resets_at - now)


@dataclass(frozen=True, slots=True)
class RateLimitVerdict:
    """The outcome of taking from a bucket: headers to send, and whether it was a 429."""

    allowed: bool
    headers: dict[str, str]
    retry_after: float = 0.0
    scope: str = "user"
    is_global: bool = False

    def body(self) -> dict[str, object]:
        return {
            "message": "You are being rate limited.",
            "retry_after": self.retry_after,
            "global": self.is_global,
        }


def limited_headers(retry_after: float, *, scope: str, is_global: bool) -> dict[str, str]:
    """The headers of a 429: `Via` makes discord.py treat it as Discord's, not Cloudflare's."""
    headers = {
        "Via": "1.1 google",
        "Retry-After": str(max(1, math.ceil(retry_after))),
        "X-RateLimit-Scope": scope,
    }
    if is_global:
        headers["X-RateLimit-Global"] = "true"
    return headers


class RateLimiter:
    def __init__(
        self,
        clock: Clock,
        *,
        global_limit: int = 50,
        global_window: float = 1.0,
        channel_message_limit: int = 5,
        channel_message_window: float = 5.0,
    ) -> None:
        self._clock = clock
        self.global_limit = global_limit
        self.global_window = global_window
        self.channel_message_limit = channel_message_limit
        self.channel_message_window = channel_message_window
        self._global: dict[str, WindowBucket] = {}
        self._channels: dict[int, WindowBucket] = {}
        self._invalid: deque[float] = deque()
        self.limited: Counter[str] = Counter()  # 429 answers by X-RateLimit-Scope, ever

    def record_limited(self, scope: str) -> None:
        self.limited[scope] += 1

    def take_global(self, token: str) -> RateLimitVerdict:
        now = self._clock.monotonic()
        bucket = self._global.setdefault(token, WindowBucket(self.global_limit, self.global_window))
        if bucket.take(now):
            return RateLimitVerdict(True, {})
        retry_after = round(bucket.reset_after(now), 3)
        return RateLimitVerdict(
            False,
            limited_headers(retry_after, scope="global", is_global=True),
            retry_after,
            "global",
            True,
        )

    def take_channel_message(self, channel_id: int) -> RateLimitVerdict:
        now = self._clock.monotonic()
        bucket = self._channels.setdefault(
            channel_id, WindowBucket(self.channel_message_limit, self.channel_message_window)
        )
        allowed = bucket.take(now)
        reset_after = round(bucket.reset_after(now), 3)
        headers = {
            "X-RateLimit-Limit": str(bucket.limit),
            "X-RateLimit-Remaining": str(bucket.remaining()),
            "X-RateLimit-Reset": f"{self._clock.time() + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": MESSAGE_CREATE_BUCKET,
        }
        if allowed:
            return RateLimitVerdict(True, headers)
        headers.update(limited_headers(reset_after, scope="user", is_global=False))
        return RateLimitVerdict(False, headers, reset_after, "user", False)

    def record_invalid(self) -> None:
        self._invalid.append(self._clock.monotonic())

    def invalid_requests(self) -> int:
        """Invalid requests (401/403/non-shared 429) in the last 10 minutes."""
        horizon = self._clock.monotonic() - INVALID_REQUEST_WINDOW
        while self._invalid and self._invalid[0] <= horizon:
            self._invalid.popleft()
        return len(self._invalid)

    def reset(self) -> None:
        self._global.clear()
        self._channels.clear()
