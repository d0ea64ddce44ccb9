"""Poll a feed: fetch, detect, route, commit — four pieces this use case calls in turn.

Nothing here talks to Discord. The outbox rows it commits are drained by the delivery sender,
which the poll job (``medalbot.background``) wakes up with the poll's report.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Literal, Protocol

from msgspec import Struct

from medalbot.domain.alerts import Alert
from medalbot.domain.detection import DetectionPolicy, apply_snapshot
from medalbot.domain.models import EventStatus, Snapshot
from medalbot.domain.state import GamesState, Ignored
from medalbot.domain.subscriptions import NewDelivery
from medalbot.feeds.errors import FeedError
from medalbot.feeds.sources import FeedSource
from medalbot.services.clock import Clock, utc_now
from medalbot.services.live import LiveState
from medalbot.services.routing import deliveries_for
from medalbot.store.base import (
    GamesLogStore,
    OfficialEdit,
    StaleStateError,
    StoreError,
    SubscriptionStore,
)

log = logging.getLogger(__name__)

PollOutcome = Literal["unchanged", "backing_off", "applied", "ignored", "failed"]


class PollReport(Struct, frozen=True):
    feed: str
    outcome: PollOutcome
    alerts: tuple[Alert, ...] = ()
    # their alert messages still say "unofficial": the bot edits them (no new message)
    became_official: tuple[OfficialEdit, ...] = ()
    deliveries: int = 0
    sequence: int | None = None
    reason: str | None = None
    stale: bool = False  # ignored because it was already applied (a replay, a repeat)


def newly_official(
    before: GamesState | None, after: GamesState, feed: str = ""
) -> tuple[OfficialEdit, ...]:
    """Events official in ``after`` but not in ``before`` whose medals ``before`` had announced
    (found by ``feed``'s poll).

    Medals first announced in ``after`` itself were announced as official already."""
    if before is None:
        return ()
    found: list[OfficialEdit] = []
    for code, ledger in after.ledger.items():
        old = before.ledger.get(code)
        if old is None or old.status is EventStatus.OFFICIAL:
            continue
        if ledger.status is not EventStatus.OFFICIAL:
            continue
        earlier = {m.alert_id for m in old.medals}
        ids = tuple(dict.fromkeys(m.alert_id for m in ledger.medals if m.alert_id in earlier))
        if ids:
            found.append(OfficialEdit(games=after.games_code, event=code, alert_ids=ids, feed=feed))
    return tuple(found)


class PollStore(GamesLogStore, SubscriptionStore, Protocol):
    """What a poll uses: the Games' state and alert log, and the subscriptions it routes to."""


class PollService:
    def __init__(
        self,
        store: PollStore,
        live: LiveState,
        *,
        policy: DetectionPolicy | None = None,
        clock: Clock = utc_now,
    ) -> None:
        self._store = store
        self._live = live
        self._policy = policy or DetectionPolicy()
        self._clock = clock
        self._unsaved: dict[str, Snapshot] = {}  # by feed: fetched, but the store failed

    @property
    def live(self) -> LiveState:
        """The states it applies (the background work paces the polls by them)."""
        return self._live

    async def poll(self, source: FeedSource) -> PollReport:
        """Fetch one snapshot from ``source`` and apply it. A failing feed is reported, never
        raised, so one bad feed cannot stop another. A store failure is raised, and the
        snapshot is applied again at the next poll: the source already counts it as read
        (an HTTP feed answers 304 from then on), so dropping it would lose its alerts."""
        try:
            snapshot = await source.poll()
        except FeedError as exc:
            # The source logged the failure with its details; this line ties it to the poll.
            log.info("feed %s: poll failed: %s", source.name, exc.reason)
            return PollReport(feed=source.name, outcome="failed", reason=exc.reason)
        # A new snapshot holds the whole Games, so it supersedes one that was not saved.
        unsaved = self._unsaved.pop(source.name, None)
        if snapshot is None and unsaved is not None:
            log.info("feed %s: applying unsaved snapshot %d again", source.name, unsaved.sequence)
            snapshot = unsaved
        if snapshot is None:
            outcome: PollOutcome = "backing_off" if source.backing_off else "unchanged"
            return PollReport(feed=source.name, outcome=outcome)
        try:
            return await self.apply(snapshot, feed=source.name)
        except StoreError as exc:
            log.warning(
                "feed %s: snapshot %d of %s not saved (%s); it is applied again at the next poll",
                source.name,
                snapshot.sequence,
                snapshot.games.code,
                exc,
            )
            self._unsaved[source.name] = snapshot
            raise

    async def apply(self, snapshot: Snapshot, *, feed: str = "snapshot") -> PollReport:
        code = snapshot.games.code
        state = self._live.get(code) or await self._store.load_state(code)
        outcome = apply_snapshot(state, snapshot, self._policy)
        if isinstance(outcome, Ignored):
            log.info(
                "feed %s: snapshot %d of %s ignored (%s): %s",
                feed,
                snapshot.sequence,
                code,
                outcome.kind,
                outcome.reason,
            )
            if state is not None and self._live.get(code) is None:
                self._live.set(state)
            return PollReport(
                feed=feed,
                outcome="ignored",
                sequence=snapshot.sequence,
                reason=outcome.reason,
                stale=outcome.kind == "stale",
            )
        # Most snapshots reveal nothing: no need to read every subscription for them.
        rows: list[NewDelivery] = []
        if outcome.alerts:
            entries = await self._store.list_routing_entries()
            # Pure CPU, a few hundred ms for 100,000 subscriptions: in a worker thread, the
            # event loop (slash commands, the gateway heartbeat) runs in between, as the
            # interpreter hands the GIL back every few milliseconds.
            rows = await asyncio.to_thread(deliveries_for, outcome.alerts, entries)
        official = newly_official(state, outcome.state, feed)
        try:
            await self._store.commit_snapshot(
                outcome.state, outcome.alerts, rows, self._clock(), official
            )
        except StaleStateError as exc:
            # Another process applied this sequence first: adopt its state, announce nothing.
            log.info(
                "feed %s: snapshot %d of %s already applied elsewhere",
                feed,
                snapshot.sequence,
                code,
            )
            stored = await self._store.load_state(code)
            if stored is not None:
                self._live.set(stored)
            return PollReport(
                feed=feed,
                outcome="ignored",
                sequence=snapshot.sequence,
                reason=str(exc),
                stale=True,
            )
        self._live.set(outcome.state)
        report = PollReport(
            feed=feed,
            outcome="applied",
            alerts=outcome.alerts,
            deliveries=len(rows),
            sequence=snapshot.sequence,
            became_official=official,
        )
        log.info(
            "feed %s: applied snapshot %d of %s: %d alerts, %d deliveries queued",
            feed,
            snapshot.sequence,
            code,
            len(outcome.alerts),
            len(rows),
        )
        return report

    async def restore_all(self) -> None:
        """Load stored state into memory at start-up, so queries answer before the first poll."""
        for code in await self._store.list_games():
            state = await self._store.load_state(code)
            if state is not None:
                self._live.set(state)
