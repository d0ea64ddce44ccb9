"""Keeps an ODF feed's documents in the store, so that a restart does not forget them.

An ODF feed may send only what changed; the accumulator alone would come back empty after a
restart, and its first snapshot would read as every earlier medal and record withdrawn. The
keeper seeds a new accumulator with the saved documents at start-up and saves the ones each
accepted body brought, before the poll hands its snapshot on for detection.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from medalbot.feeds.odf.accumulator import OdfAccumulator
from medalbot.store.base import FeedDocumentStore, StoreError

log = logging.getLogger(__name__)


class OdfDocumentKeeper:
    """Saves and restores the documents of one ODF feed (named as in ``[[feeds]]``)."""

    def __init__(
        self,
        feed: str,
        accumulator: OdfAccumulator,
        store: FeedDocumentStore,
        *,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.feed = feed
        self.accumulator = accumulator
        self._store = store
        self._clock = clock or (lambda: datetime.now(UTC))

    async def restore(self) -> int:
        """Seed the accumulator with the saved documents; returns how many it took."""
        saved = await self._store.load_feed_documents(self.feed)
        taken = self.accumulator.seed(saved)
        log.info("feed %s: restored %d of %d saved ODF documents", self.feed, taken, len(saved))
        return taken

    async def save(self) -> None:
        """Save the documents taken since the last save. A failed save is logged and the
        documents stay unsaved, to go with the next save: this run's snapshots are right
        either way, only a restart before then would miss them."""
        documents = self.accumulator.unsaved_documents()
        if not documents:
            return
        try:
            await self._store.save_feed_documents(self.feed, documents, self._clock())
        except StoreError as exc:
            log.warning(
                "feed %s: could not save %d ODF documents (kept for the next try): %s",
                self.feed,
                len(documents),
                exc,
            )
            return
        self.accumulator.mark_saved(documents)
