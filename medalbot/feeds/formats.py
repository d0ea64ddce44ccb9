"""The feed formats by name: what ``format`` in ``[[feeds]]`` and ``--format`` may say.

The configuration validates each ``[[feeds]]`` table against its format's settings, the feed
factory builds sources from the format's decoder, and the offline tools offer these names. A
new format is a ``FeedFormat`` (``medalbot.feeds.format``) in its own module and one entry
here.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from types import MappingProxyType
from typing import Any, Final

from medalbot.feeds.format import FeedFormat
from medalbot.feeds.native import parse_snapshot
from medalbot.feeds.odf.format import ODF
from medalbot.feeds.olympics.format import OLYMPICS
from medalbot.feeds.poller import JSON_CONTENT_TYPES
from medalbot.feeds.settings import FeedSettings
from medalbot.feeds.sources import BodyAdapter

DEFAULT_FORMAT: Final = "native"


def native_decoder(settings: FeedSettings) -> BodyAdapter:
    return partial(parse_snapshot, max_bytes=settings.max_bytes)


NATIVE: Final = FeedFormat(
    name="native",
    summary="medalbot.feed/1 JSON: one whole snapshot of the Games per body",
    content_types=JSON_CONTENT_TYPES,
    file_pattern="*.json",
    decoder=native_decoder,
    settings=FeedSettings,
)

FORMATS: Final[Mapping[str, FeedFormat[Any]]] = MappingProxyType(
    {f.name: f for f in (NATIVE, ODF, OLYMPICS)}
)


class UnknownFormat(ValueError):
    """A ``format`` that names no entry of ``FORMATS``."""


def feed_format(name: str) -> FeedFormat[Any]:
    try:
        return FORMATS[name]
    except KeyError:
        known = ", ".join(repr(n) for n in FORMATS)
        raise UnknownFormat(f"unknown feed format {name!r} (known: {known})") from None
