"""An ``olympics`` feed over HTTP: the medals endpoint, and optionally the medallists endpoint,
each through its own ``HttpPoller`` (conditional GET, size cap, backoff)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

import msgspec

from medalbot.domain.models import Snapshot
from medalbot.feeds.errors import FeedError
from medalbot.feeds.olympics.adapter import OlympicsAdapter
from medalbot.feeds.olympics.endpoints import api_url, olympics_poller_settings
from medalbot.feeds.olympics.options import OlympicsOptions
from medalbot.feeds.poller import Fetched, HttpPoller, PollerSettings

log = logging.getLogger(__name__)


class OlympicsHttpSource:
    """A ``FeedSource``. The medallists body only enriches the medals body (team members,
    neutral athletes' medals): when it cannot be fetched, the medals still are."""

    def __init__(
        self,
        name: str,
        medals: HttpPoller,
        adapter: OlympicsAdapter,
        *,
        medallists: HttpPoller | None = None,
    ) -> None:
        self.name = name
        self.poller = medals
        self.medallists_poller = medallists
        self.adapter = adapter

    @classmethod
    def from_settings(
        cls,
        name: str,
        base: PollerSettings,
        options: OlympicsOptions,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> OlympicsHttpSource:
        """``base.url`` is the Games' root (``https://www.olympics.com/wmr-owg2026/``);
        ``clock`` times the backoff (monotonic seconds)."""
        polite = olympics_poller_settings(base, options)

        def poller(endpoint: str) -> HttpPoller:
            url = api_url(base.url, options.language, endpoint)
            return HttpPoller(name, msgspec.structs.replace(polite, url=url), clock=clock)

        adapter = OlympicsAdapter(
            options.games,
            unranked_nocs=options.unranked_nocs,
            max_bytes=base.max_bytes,
        )
        medallists = poller("medallists") if options.medallists else None
        return cls(name, poller("medals"), adapter, medallists=medallists)

    @property
    def backing_off(self) -> bool:
        return self.poller.failures > 0 and self.poller.retry_in() > 0

    async def poll(self) -> Snapshot | None:
        medallists_changed = await self._poll_medallists()
        outcome = await self.poller.fetch()  # raises FeedError, logged by the poller
        if isinstance(outcome, Fetched):
            snapshot = await self._take(self.poller, outcome)
            if snapshot is not None or not medallists_changed:
                return snapshot
        if medallists_changed:
            return await asyncio.to_thread(self.adapter.rebuild)
        return None

    async def _poll_medallists(self) -> bool:
        poller = self.medallists_poller
        if poller is None:
            return False
        try:
            outcome = await poller.fetch()
            if not isinstance(outcome, Fetched):
                return False
            await self._take(poller, outcome)
        except FeedError as exc:  # the poller logged it; the medals go on without
            log.info("feed %s: medallists not read (%s); medals are", self.name, exc.reason)
            return False
        return True

    async def _take(self, poller: HttpPoller, outcome: Fetched) -> Snapshot | None:
        try:
            snapshot = await asyncio.to_thread(self.adapter, outcome.body)
        except FeedError as exc:
            raise poller.reject(outcome, exc.reason) from exc
        except Exception as exc:
            log.exception("feed %s: the decoder failed on a body from %s", self.name, outcome.url)
            reason = f"could not be read (decoder error: {type(exc).__name__})"
            raise poller.reject(outcome, reason) from exc
        poller.accept(outcome)
        return snapshot

    async def close(self) -> None:
        await self.poller.close()
        if self.medallists_poller is not None:
            await self.medallists_poller.close()
