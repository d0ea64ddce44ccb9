"""Why a feed gave us nothing usable, in words an operator can act on."""

from __future__ import annotations

from typing import Final

DEFAULT_MAX_BYTES: Final = 5 * 1024 * 1024


class FeedError(Exception):
    """A feed could not be read or its content was refused.

    ``reason`` is meant for a human reading the log ("HTTP 500 from http://…",
    "wrong format tag 'medalbot.feed/2' (expected 'medalbot.feed/1')").
    ``retry_in`` is set by the HTTP poller: seconds until it will try again.
    """

    def __init__(self, reason: str, *, retry_in: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_in = retry_in

    def __str__(self) -> str:
        return self.reason

    def prefixed(self, context: str) -> FeedError:
        """The same kind of error with ``context`` (a file name, a message) put in front."""
        return type(self)(f"{context}: {self.reason}", retry_in=self.retry_in)


class FeedRejected(FeedError):
    """The content arrived but is not an acceptable feed (bad JSON/XML, wrong type, too big)."""


class FeedUnavailable(FeedError):
    """The content could not be fetched (connection refused, timeout, HTTP error status)."""


class SiteRefused(FeedUnavailable):
    """The site's bot protection refused us (an "Access Denied" page instead of the feed):
    a request to change (User-Agent, Referer, a slower interval), not a broken feed."""


def describe_size(n_bytes: int) -> str:
    """A byte count the way a person would say it: ``5 MiB``, ``812 bytes``."""
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n_bytes >= size:
            return f"{n_bytes / size:.1f}".removesuffix(".0") + f" {unit}"
    return f"{n_bytes} bytes"
