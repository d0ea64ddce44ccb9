"""The ``olympics`` entry of the feed formats: olympics.com's public competition API, whose
feed is a Games' root (medals, optionally medallists, under it), with no marks and no records."""

from __future__ import annotations

from typing import Final

from medalbot.feeds.format import FeedFormat
from medalbot.feeds.olympics.adapter import OlympicsAdapter
from medalbot.feeds.olympics.factory import open_olympics_source
from medalbot.feeds.olympics.options import OlympicsFeedSettings
from medalbot.feeds.poller import JSON_CONTENT_TYPES
from medalbot.feeds.sources import FeedSource


def olympics_decoder(settings: OlympicsFeedSettings) -> OlympicsAdapter:
    """A decoder of saved bodies (medals, and medallists ones kept for those after them)."""
    options = settings.options
    return OlympicsAdapter(
        options.games, unranked_nocs=options.unranked_nocs, max_bytes=settings.max_bytes
    )


def olympics_polled_source(settings: OlympicsFeedSettings) -> FeedSource:
    return open_olympics_source(settings, settings.options)


OLYMPICS: Final = FeedFormat(
    name="olympics",
    summary="olympics.com's competition API (JSON medals table; no marks, no records)",
    content_types=JSON_CONTENT_TYPES,
    file_pattern="*.json",
    decoder=olympics_decoder,
    polled_source=olympics_polled_source,
    carries_records=False,
    settings=OlympicsFeedSettings,
)
