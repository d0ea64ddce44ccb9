"""Is the bot doing its job? ``assess_health`` decides from plain inputs; ``HealthProbe``
gathers those inputs from the running bot for ``GET /healthz``.

Statuses: ``ok``; ``degraded`` (working, but something needs a look: a stale feed, a
backlog, a brief gateway outage, the global rate limit paced locally because its database
is out of reach); ``failing`` (alerts are not going out: every feed stale, the outbox stuck,
the gateway down past its grace, or the store unreadable or out of reach).

A process of a cluster says its part: its instance id, which feeds it polls (it leads them)
and which it follows (another process polls them: their freshness is that one's to report),
whether it posts the daily digests, and its share of the global rate limit. The outbox is the
one every process shares.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Literal, Protocol

from msgspec import Struct

from medalbot.cluster.settings import DIGESTS
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


class StoreState(Struct, frozen=True):
    reachable: bool
    since: datetime | None = None  # when the database stopped answering
    error: str | None = None  # what failed first, and why


RateLimitMode = Literal["shared", "fallback", "local"]


class RateLimitState(Struct, frozen=True):
    """How the token's global rate limit is paced (``SharedRateLimiter.health()``, or a
    process's own bucket)."""

    # shared: through the database with the other processes; fallback: the database is out
    # of reach, this process paces at its share; local: a process pacing itself alone
    mode: RateLimitMode
    rate: float  # the token's budget, requests per second, over all processes
    share: float  # the most this process may send per second now
    processes: int
    error: str | None = None


class ClusterState(Struct, frozen=True):
    instance_id: int | None = None  # None: not registered (yet)
    followed: frozenset[str] = frozenset()  # feeds another process polls
    rate_limit: RateLimitState | None = None  # None: not known
    posts_digests: bool = True  # False: another process posts the daily digests


# The report (the JSON body of /healthz) --------------------------------------------------


class FeedHealth(Struct, frozen=True):
    name: str
    status: HealthStatus
    interval_seconds: float
    last_success_at: datetime | None
    last_success_age_seconds: float | None
    # Why the latest poll failed ("refused by the site's bot protection: …"); None if it did not
    last_error: str | None = None
    # leader: this process polls the feed; follower: another one does, this one reloads what
    # it commits (its freshness is the leader's to report)
    role: Literal["leader", "follower"] = "leader"


class GatewayHealth(Struct, frozen=True):
    status: HealthStatus
    connected: bool
    for_seconds: float | None  # how long it has been connected or disconnected


class OutboxHealth(Struct, frozen=True):
    status: HealthStatus
    pending: int | None  # None: the store could not be read
    oldest_pending_age_seconds: float | None


class StoreHealth(Struct, frozen=True):
    status: HealthStatus
    reachable: bool
    unreachable_for_seconds: float | None = None
    error: str | None = None


class ClusterHealth(Struct, frozen=True):
    status: HealthStatus
    instance_id: int | None
    polls: tuple[str, ...]  # the feeds this process polls
    follows: tuple[str, ...]  # the feeds another process polls
    rate_limit: RateLimitState | None
    posts_digests: bool = True  # this process posts the daily digests (one process does)


class HealthReport(Struct, frozen=True):
    status: HealthStatus
    checked_at: datetime
    problems: tuple[str, ...]  # one sentence per part that is not ok
    feeds: tuple[FeedHealth, ...]
    gateway: GatewayHealth
    outbox: OutboxHealth
    store: StoreHealth = StoreHealth(status="ok", reachable=True)
    cluster: ClusterHealth | None = None


def assess_health(
    *,
    now: datetime,
    started_at: datetime,
    feeds: Sequence[FeedCheck],
    gateway: GatewayState,
    outbox: OutboxStats | None,
    policy: HealthPolicy,
    store: StoreState | None = None,
    cluster: ClusterState | None = None,
) -> HealthReport:
    """Decide the bot's health. ``outbox`` None means the store could not be read; ``store``
    says whether the database answers (None: as far as is known); ``cluster`` this process's
    part in a cluster (None: a process on its own).

    A feed that has never succeeded is aged from ``started_at``, so a fresh start is not
    reported stale. One stale feed among several only degrades (the others still announce);
    all feeds failing is failing. A feed another process polls is not judged here.
    """
    problems: list[str] = []
    store_report = _store(store or StoreState(reachable=True), now, problems)
    followed = cluster.followed if cluster is not None else frozenset()
    feed_reports = tuple(
        _feed(f, now, started_at, policy, problems, follower=f.name in followed) for f in feeds
    )
    led = [f.status for f in feed_reports if f.role == "leader"]
    if led and all(s == "failing" for s in led):
        feeds_status: HealthStatus = "failing"
    else:
        feeds_status = "degraded" if any(s != "ok" for s in led) else "ok"
    gateway_report = _gateway(gateway, now, started_at, policy, problems)
    if store_report.reachable:
        outbox_report = _outbox(outbox, now, policy, problems)
    else:  # not read: the store's own problem says why
        outbox_report = OutboxHealth(
            status="failing", pending=None, oldest_pending_age_seconds=None
        )
    cluster_report = None if cluster is None else _cluster(cluster, feed_reports, problems)
    return HealthReport(
        status=worst(
            (
                feeds_status,
                gateway_report.status,
                outbox_report.status,
                store_report.status,
                "ok" if cluster_report is None else cluster_report.status,
            )
        ),
        checked_at=now,
        problems=tuple(problems),
        feeds=feed_reports,
        gateway=gateway_report,
        outbox=outbox_report,
        store=store_report,
        cluster=cluster_report,
    )


def _store(store: StoreState, now: datetime, problems: list[str]) -> StoreHealth:
    if store.reachable:
        return StoreHealth(status="ok", reachable=True)
    age = None if store.since is None else max(0.0, (now - store.since).total_seconds())
    since = "" if age is None else f" for {age:.0f} s"
    problems.append(
        f"store: the database has not answered{since} ({store.error or 'no reason given'}); "
        "polling and sending are paused until it does"
    )
    return StoreHealth(
        status="failing", reachable=False, unreachable_for_seconds=age, error=store.error
    )


def _cluster(
    cluster: ClusterState, feeds: Sequence[FeedHealth], problems: list[str]
) -> ClusterHealth:
    limit = cluster.rate_limit
    status: HealthStatus = "ok"
    if limit is not None and limit.mode == "fallback":
        status = "degraded"  # safe (no burst), but slower than the token allows
        problems.append(
            f"global rate limit: not shared ({limit.error or 'the database is out of reach'});"
            f" pacing at this process's share, {limit.share:g}/s of {limit.rate:g}/s"
        )
    return ClusterHealth(
        status=status,
        instance_id=cluster.instance_id,
        polls=tuple(f.name for f in feeds if f.role == "leader"),
        follows=tuple(f.name for f in feeds if f.role == "follower"),
        rate_limit=limit,
        posts_digests=cluster.posts_digests,
    )


def _feed(
    feed: FeedCheck,
    now: datetime,
    started_at: datetime,
    policy: HealthPolicy,
    problems: list[str],
    *,
    follower: bool = False,
) -> FeedHealth:
    age = (now - (feed.last_success or started_at)).total_seconds()
    status: HealthStatus = "ok"
    if follower:
        pass  # another process polls it, and says how that goes
    elif age > policy.feed_failing_intervals * feed.interval:
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
        role="follower" if follower else "leader",
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


class StoreWatch(Protocol):
    """Whether the database answers (medalbot.store.outage.StoreOutage)."""

    @property
    def down(self) -> bool: ...

    since: datetime | None
    reason: str | None
    outages: int


class ClusterWatch:
    """What this process knows of its part in a cluster, set by the wiring once each piece
    exists: its instance id, whether it leads a feed, the global rate limit's health."""

    def __init__(self) -> None:
        self.instance_id: Callable[[], int | None] = lambda: None
        self.leads: Callable[[str], bool] | None = None  # None: it polls every feed
        # SharedRateLimiter.health(), or local_rate_limit(rate) for a process on its own
        self.rate_limit: Callable[[], Mapping[str, object]] | None = None

    def state(self, feeds: Iterable[str]) -> ClusterState:
        leads = self.leads
        followed = frozenset(f for f in feeds if leads is not None and not leads(f))
        limit = None
        if self.rate_limit is not None:
            h = self.rate_limit()
            mode: RateLimitMode = (
                "local" if h.get("local") else "shared" if h["shared"] else "fallback"
            )
            limit = RateLimitState(
                mode=mode,
                rate=float(h["rate"]),  # type: ignore[arg-type]
                share=float(h["share"]),  # type: ignore[arg-type]
                processes=int(h["processes"]),  # type: ignore[call-overload]
                error=None if h.get("error") is None else str(h["error"]),
            )
        return ClusterState(
            instance_id=self.instance_id(),
            followed=followed,
            rate_limit=limit,
            posts_digests=leads is None or leads(DIGESTS),
        )


def local_rate_limit(rate: float) -> Mapping[str, object]:
    """The rate limit of a process pacing itself alone, as ``SharedRateLimiter.health()``
    says its own."""
    return {"local": True, "shared": False, "rate": rate, "share": rate, "processes": 1}


def store_state(watch: StoreWatch | None) -> StoreState | None:
    if watch is None or not watch.down:
        return None
    return StoreState(reachable=False, since=watch.since, error=watch.reason)


class HealthProbe:
    """The ``health`` callable of ``OpsServer``: reads the outbox, the feeds' last successes,
    the gateway state, whether the database answers and the process's part in a cluster, and
    assesses them. It also refreshes the outbox gauges (not while the database is out of
    reach: a read could wait on a connection that never comes)."""

    def __init__(
        self,
        *,
        store: OutboxStatsSource,
        metrics: BotMetrics,
        feeds: Sequence[tuple[str, float]],  # (name, poll interval in seconds)
        gateway: GatewayWatch,
        policy: HealthPolicy,
        clock: Clock = utc_now,
        cluster: ClusterWatch | None = None,
    ) -> None:
        self._store = store
        self._cluster = cluster
        self._store_watch: StoreWatch | None = None
        self._metrics = metrics
        self._feeds = tuple(feeds)
        self._gateway = gateway
        self._policy = policy
        self._clock = clock
        self._started_at = clock()

    def watch_store(self, watch: StoreWatch) -> None:
        self._store_watch = watch

    async def __call__(self) -> HealthReport:
        now = self._clock()
        store = store_state(self._store_watch)
        outbox: OutboxStats | None = None
        if store is None:
            try:
                outbox = await self._metrics.refresh_outbox(self._store, now)
            except Exception:  # a health check reports a broken store rather than crashing
                log.warning("health check: could not read the outbox", exc_info=True)
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
            store=store,
            cluster=None
            if self._cluster is None
            else self._cluster.state(name for name, _ in self._feeds),
        )
