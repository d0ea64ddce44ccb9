"""An ``olympics`` feed over HTTP: the medals endpoint, and optionally the medallists endpoint
and the day's schedule, each through its own ``HttpPoller`` (conditional GET, size cap,
backoff)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import UTC, date, datetime

import msgspec

from medalbot.domain.models import Snapshot
from medalbot.feeds.errors import FeedError
from medalbot.feeds.olympics.adapter import OlympicsAdapter
from medalbot.feeds.olympics.endpoints import api_url, olympics_poller_settings, schedule_url
from medalbot.feeds.olympics.options import OlympicsOptions
from medalbot.feeds.poller import Fetched, HttpPoller, PollerSettings

log = logging.getLogger(__name__)


class OlympicsHttpSource:
    """A ``FeedSource``. The medallists and schedule bodies only enrich the medals body (team
    members, neutral athletes' medals; event times): when they cannot be fetched, the medals
    still are."""

    def __init__(
        self,
        name: str,
        medals: HttpPoller,
        adapter: OlympicsAdapter,
        *,
        medallists: HttpPoller | None = None,
        schedule: Callable[[date], HttpPoller] | None = None,
        today: Callable[[], date] = lambda: datetime.now(UTC).date(),
    ) -> None:
        self.name = name
        self.poller = medals
        self.medallists_poller = medallists
        self.adapter = adapter
        self._schedule_of = schedule  # the poller of one day's schedule
        self._today = today
        self.schedule_poller: HttpPoller | None = None  # today's, once polled

    @classmethod
    def from_settings(
        cls,
        name: str,
        base: PollerSettings,
        options: OlympicsOptions,
        *,
        clock: Callable[[], float] = time.monotonic,
        today: Callable[[], date] = lambda: datetime.now(UTC).date(),
    ) -> OlympicsHttpSource:
        """``base.url`` is the Games' root (``https://www.olympics.com/wmr-owg2026/``);
        ``clock`` times the backoff (monotonic seconds); ``today`` says which day's schedule
        to read (the UTC date by default)."""
        polite = olympics_poller_settings(base, options)

        def at(url: str) -> HttpPoller:
            return HttpPoller(name, msgspec.structs.replace(polite, url=url), clock=clock)

        def poller(endpoint: str) -> HttpPoller:
            return at(api_url(base.url, options.language, endpoint))

        def schedule(day: date) -> HttpPoller:
            return at(schedule_url(base.url, options.language, day))

        adapter = OlympicsAdapter(
            options.games,
            unranked_nocs=options.unranked_nocs,
            max_bytes=base.max_bytes,
        )
        medallists = poller("medallists") if options.medallists else None
        return cls(
            name,
            poller("medals"),
            adapter,
            medallists=medallists,
            schedule=schedule if options.schedule else None,
            today=today,
        )

    @property
    def backing_off(self) -> bool:
        return self.poller.failures > 0 and self.poller.retry_in() > 0

    async def poll(self) -> Snapshot | None:
        enriched = await self._poll_extra(self.medallists_poller, "medallists")
        enriched |= await self._poll_extra(await self._schedule_today(), "schedule")
        outcome = await self.poller.fetch()  # raises FeedError, logged by the poller
        if isinstance(outcome, Fetched):
            snapshot = await self._take(self.poller, outcome)
            if snapshot is not None or not enriched:
                return snapshot
        if enriched:
            return await asyncio.to_thread(self.adapter.rebuild)
        return None

    async def _schedule_today(self) -> HttpPoller | None:
        """Today's schedule poller: a new one (a new URL) when the day changes."""
        if self._schedule_of is None:
            return None
        url_day = self._today()
        current = self.schedule_poller
        if current is None or not current.settings.url.endswith(url_day.isoformat()):
            if current is not None:
                await current.close()
            self.schedule_poller = self._schedule_of(url_day)
        return self.schedule_poller

    async def _poll_extra(self, poller: HttpPoller | None, what: str) -> bool:
        """Whether a body that enriches the medals (``what``) came and was taken."""
        if poller is None:
            return False
        try:
            outcome = await poller.fetch()
            if not isinstance(outcome, Fetched):
                return False
            await self._take(poller, outcome)
        except FeedError as exc:  # the poller logged it; the medals go on without
            log.info("feed %s: %s not read (%s); medals are", self.name, what, exc.reason)
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
        if self.schedule_poller is not None:
            await self.schedule_poller.close()
