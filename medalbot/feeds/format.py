"""What a feed format is: how its bodies become snapshots, and what the rest of the bot needs to
know about it (content types, replay files, documents kept, settings of its own).

Each format declares one ``FeedFormat`` (``medalbot.feeds.formats.NATIVE``,
``medalbot.feeds.odf.format.ODF``, ``medalbot.feeds.olympics.format.OLYMPICS``);
``medalbot.feeds.formats`` lists them by name, and the configuration, the feed factory and
the command line read that list.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

import msgspec

from medalbot.feeds.errors import FeedRejected
from medalbot.feeds.settings import FeedSettings
from medalbot.feeds.sources import AfterPoll, BodyAdapter, FeedSource
from medalbot.store.base import FeedDocumentStore

S = TypeVar("S", bound=FeedSettings)


@dataclass(frozen=True, kw_only=True)
class KeptDecoder:
    """A decoder whose documents outlive the process: ``after_poll`` saves what each body
    brought, before the poll hands its snapshot on."""

    decode: BodyAdapter
    after_poll: AfterPoll


@dataclass(frozen=True, kw_only=True)
class FeedFormat(Generic[S]):
    name: str  # the value of ``format`` in ``[[feeds]]`` and of ``--format``
    summary: str  # one line, for ``--help`` and ``check-config``
    content_types: tuple[str, ...]  # what an HTTP feed of this format may answer with
    file_pattern: str  # the files a replay of a directory reads, e.g. "*.json"
    decoder: Callable[[S], BodyAdapter]  # a fresh decoder for one feed
    # Set for a format whose feed sends only what changed (ODF): a polled feed keeps its
    # documents in the store, restores them at start-up and saves each body's after it.
    kept_decoder: Callable[[S, FeedDocumentStore], Awaitable[KeptDecoder]] | None = None
    # FeedSettings, or a subclass adding this format's own ``[[feeds]]`` keys. The offline
    # tools read files with the format's defaults; a key without one (olympics' games_code)
    # comes from the command line (``open_files(options=...)``).
    settings: type[S]
    # Set for a format whose polled feed is more than one URL through one decoder (olympics:
    # a root, medals and medallists endpoints under it): the source of such a feed.
    polled_source: Callable[[S], FeedSource] | None = None
    # Whether this format's bodies can say a record was set (the olympics.com API cannot):
    # the bot tells fans and moderators plainly rather than staying silent.
    carries_records: bool = True

    @property
    def keeps_documents(self) -> bool:
        return self.kept_decoder is not None

    @property
    def own_settings(self) -> tuple[str, ...]:
        """The ``[[feeds]]`` keys only this format accepts."""
        shared = set(FeedSettings.__struct_fields__)
        return tuple(f for f in self.settings.__struct_fields__ if f not in shared)

    def settings_of(self, settings: FeedSettings) -> S:
        """``settings`` as this format's class (the class ``load_settings`` gives a table; one
        built in code as a plain ``FeedSettings`` gets this format's defaults)."""
        if isinstance(settings, self.settings):
            return settings
        try:
            return msgspec.convert(msgspec.structs.asdict(settings), type=self.settings)
        except msgspec.ValidationError as exc:
            raise FeedRejected(f"feed {settings.name}: {exc}") from exc
