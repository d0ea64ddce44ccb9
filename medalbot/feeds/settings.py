"""The settings of one ``[[feeds]]`` table that every format shares.

A format with keys of its own subclasses ``FeedSettings`` (``FeedFormat.settings``), and
``medalbot.config.load_settings`` reads each table as the class of the format it names.
"""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta, Struct

Positive = Annotated[float, Meta(gt=0)]
NonNegative = Annotated[float, Meta(ge=0)]


class FeedSettings(Struct, frozen=True, forbid_unknown_fields=True):
    name: Annotated[str, Meta(min_length=1, max_length=64)]
    url: str  # http(s)://… for a live feed, or file:// / a directory path for a replay
    format: str = "native"  # a name in medalbot.feeds.formats.FORMATS
    interval: Positive = 5.0  # seconds between polls
    jitter: NonNegative = 1.0  # up to this many seconds added to each poll, spreading load
    misfire_grace_time: Annotated[int, Meta(ge=1)] = 10  # a poll later than this (s) is skipped
    connect_timeout: Positive = 3.0
    read_timeout: Positive = 5.0
    total_timeout: Positive = 10.0
    max_bytes: Annotated[int, Meta(gt=0)] = 5 * 1024 * 1024
    backoff_base: Positive = 1.0
    backoff_cap: Positive = 120.0

    def __post_init__(self) -> None:
        # Checked here so check-config says it, not the poller at start-up.
        if self.backoff_cap < self.backoff_base:
            raise ValueError(
                f"backoff_cap ({self.backoff_cap:g}) must be at least backoff_base "
                f"({self.backoff_base:g})"
            )

    @property
    def polled(self) -> bool:
        """An HTTP feed (polled), as opposed to a replay of local files."""
        return self.url.startswith(("http://", "https://"))
