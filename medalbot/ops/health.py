"""Is the bot doing its job? ``assess_health`` decides from plain inputs; ``HealthProbe``
gathers those inputs from the running bot for ``GET /healthz``.

Statuses: ``ok``; ``degraded`` (working, but something needs a look: a stale feed, a
backlog, a brief gateway outage); ``failing`` (alerts are not going out: every feed stale,
the outbox stuck, the gateway down past its grace, or the store unreadable).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Literal

from msgspec import Struct

from medalbot.ops.metrics import BotMetrics, OutboxStatsSource
from medalbot.ops.settings import HealthPolicy
from medalbot.services.clock import Clock, utc_now
from medalbot.store.base import OutboxStats

log = logging.getLogger(__name__)

HealthStatus = Literal["ok", "degraded", "failing"]
_RANK: dict[HealthStatus, int] = {"ok": 0, "degraded": 1, "failing": 2}


def worst(statuses: Iterable[HealthStatus]) -> HealthStatus:
    return max(statuses, key=_RANK.__getitem__, default="ok")


# Inputs ----------------------------------------------------------------------------------


class FeedCheck(Struct, frozen=True):
    name: str
    interval: float  # seconds between polls, as configured
    last_success: datetime | None  # None: no successful poll since start-up
    last_error: str | None = None  # why the latest poll failed; None when it did not


class GatewayState(Struct, frozen=True):
    connected: bool
    since: datetime | None = None  # when it last connected or disconnected; None: never


# The report (the JSON body of /healthz) --------------------------------------------------


class FeedHealth(Struct, frozen=True):
    name: str
    status: HealthStatus
    interval_seconds: float
    last_success_at: datetime | None
    last_success_age_seconds: float | None
    # Why the latest poll failed ("refused by the site's bot protection: …"); None if it did not
    last_error: str | None = None


class GatewayHealth(Struct, frozen=True):
    status: HealthStatus
    connected: bool
    for_seconds: float | None  # how long it has been connected or disconnected


class OutboxHealth(Struct, frozen=True):
    status: HealthStatus
    pending: int | None  # None: the store could not be read
    oldest_pending_age_seconds: float | None


class HealthReport(Struct, frozen=True):
    status: HealthStatus
    checked_at: datetime
    problems: tuple[str, ...]  # one sentence per part that is not ok
    feeds: tuple[FeedHealth, ...]
    gateway: GatewayHealth
    outbox: OutboxHealth


def assess_health(
    *,
    now: datetime,
    started_at: datetime,
    feeds: Sequence[FeedCheck],
    gateway: GatewayState,
    outbox: OutboxStats | None,
    policy: HealthPolicy,
) -> HealthReport:
    """Decide the bot's health. ``outbox`` None means the store could not be read.

    A feed that has never succeeded is aged from ``started_at``, so a fresh start is not
    reported stale. One stale feed among several only degrades (the others still announce);
    all feeds failing is failing.
    """
    problems: list[str] = []
    feed_reports = tuple(_feed(f, now, started_at, policy, problems) for f in feeds)
    feed_statuses = [f.status for f in feed_reports]
    if feed_statuses and all(s == "failing" for s in feed_statuses):
        feeds_status: HealthStatus = "failing"
    else:
        feeds_status = "degraded" if any(s != "ok" for s in feed_statuses) else "ok"
    gateway_report = _gateway(gateway, now, started_at, policy, problems)
    outbox_report = _outbox(outbox, now, policy, problems)
    return HealthReport(
        status=worst((feeds_status, gateway_report.status, outbox_report.status)),
        checked_at=now,
        problems=tuple(problems),
        feeds=feed_reports,
        gateway=gateway_report,
        outbox=outbox_report,
    )


def _feed(
    feed: FeedCheck,
    now: datetime,
    started_at: datetime,
    policy: HealthPolicy,
    problems: list[str],
) -> FeedHealth:
    age = (now - (feed.last_success or started_at)).total_seconds()
    status: HealthStatus = "ok"
    if age > policy.feed_failing_intervals * feed.interval:
        status = "failing"
    elif age > policy.feed_degraded_intervals * feed.interval:
        status = "degraded"
    if status != "ok":
        since = "since start-up" if feed.last_success is None else f"for {age:.0f} s"
        problem = f"feed {feed.name}: no successful poll {since} (polls every {feed.interval:g} s)"
        if feed.last_error is not None:
            problem += f"; last error: {feed.last_error}"
        problems.append(problem)
    return FeedHealth(
        name=feed.name,
        status=status,
        interval_seconds=feed.interval,
        last_success_at=feed.last_success,
        last_success_age_seconds=None if feed.last_success is None else age,
        last_error=feed.last_error,
    )


def _gateway(
    gateway: GatewayState,
    now: datetime,
    started_at: datetime,
    policy: HealthPolicy,
    problems: list[str],
) -> GatewayHealth:
    age = (now - (gateway.since or started_at)).total_seconds()
    status: HealthStatus = "ok"
    if not gateway.connected:
        status = "failing" if age > policy.gateway_grace_seconds else "degraded"
        never = " (never connected)" if gateway.since is None else ""
        problems.append(f"gateway: disconnected for {age:.0f} s{never}")
    return GatewayHealth(
        status=status,
        connected=gateway.connected,
        for_seconds=None if gateway.since is None else age,
    )


def _outbox(
    outbox: OutboxStats | None, now: datetime, policy: HealthPolicy, problems: list[str]
) -> OutboxHealth:
    if outbox is None:
        problems.append("outbox: the store could not be read")
        return OutboxHealth(status="failing", pending=None, oldest_pending_age_seconds=None)
    oldest = outbox.oldest_pending_at
    age = None if oldest is None else max(0.0, (now - oldest).total_seconds())
    status: HealthStatus = "ok"
    if age is not None and age > policy.outbox_failing_seconds:
        status = "failing"
    elif age is not None and age > policy.outbox_degraded_seconds:
        status = "degraded"
    if status != "ok":
        problems.append(f"outbox: {outbox.pending} deliveries waiting, the oldest for {age:.0f} s")
    return OutboxHealth(status=status, pending=outbox.pending, oldest_pending_age_seconds=age)


# Gathering the inputs from the running bot -----------------------------------------------


class GatewayWatch:
    """Connection state of the gateway shards, fed by discord.py's shard events.

    Connected means every shard seen so far is connected."""

    def __init__(self) -> None:
        self._shards: dict[int | None, bool] = {}
        self._since: datetime | None = None

    def connected(self, shard_id: int | None, now: datetime) -> None:
        self._set(shard_id, True, now)

    def disconnected(self, shard_id: int | None, now: datetime) -> None:
        self._set(shard_id, False, now)

    def state(self) -> GatewayState:
        up = bool(self._shards) and all(self._shards.values())
        return GatewayState(connected=up, since=self._since)

    def _set(self, shard_id: int | None, up: bool, now: datetime) -> None:
        was = self.state().connected
        self._shards[shard_id] = up
        if self.state().connected != was or self._since is None:
            self._since = now


class HealthProbe:
    """The ``health`` callable of ``OpsServer``: reads the outbox, the feeds' last successes
    and the gateway state, and assesses them. It also refreshes the outbox gauges."""

    def __init__(
        self,
        *,
        store: OutboxStatsSource,
        metrics: BotMetrics,
        feeds: Sequence[tuple[str, float]],  # (name, poll interval in seconds)
        gateway: GatewayWatch,
        policy: HealthPolicy,
        clock: Clock = utc_now,
    ) -> None:
        self._store = store
        self._metrics = metrics
        self._feeds = tuple(feeds)
        self._gateway = gateway
        self._policy = policy
        self._clock = clock
        self._started_at = clock()

    async def __call__(self) -> HealthReport:
        now = self._clock()
        outbox: OutboxStats | None
        try:
            outbox = await self._metrics.refresh_outbox(self._store, now)
        except Exception:  # a health check reports a broken store rather than crashing
            log.warning("health check: could not read the outbox", exc_info=True)
            outbox = None
        return assess_health(
            now=now,
            started_at=self._started_at,
            feeds=[
                FeedCheck(
                    name,
                    interval,
                    self._metrics.last_success(name),
                    self._metrics.last_error(name),
                )
                for name, interval in self._feeds
            ],
            gateway=self._gateway.state(),
            outbox=outbox,
            policy=self._policy,
        )
