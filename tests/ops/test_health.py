"""assess_health decides from plain inputs; no server needed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from medalbot.ops.health import (
    ClusterState,
    ClusterWatch,
    FeedCheck,
    GatewayState,
    GatewayWatch,
    HealthProbe,
    HealthReport,
    RateLimitState,
    StoreState,
    assess_health,
    local_rate_limit,
)
from medalbot.ops.metrics import BotMetrics
from medalbot.ops.settings import HealthPolicy
from medalbot.services.polling import PollReport
from medalbot.store.base import OutboxStats
from medalbot.store.memory import MemoryStore

START = datetime(2026, 2, 9, 9, 0, tzinfo=UTC)
NOW = START + timedelta(hours=1)
POLICY = HealthPolicy(
    feed_degraded_intervals=3,
    feed_failing_intervals=10,
    outbox_degraded_seconds=60,
    outbox_failing_seconds=600,
    gateway_grace_seconds=60,
)
UP = GatewayState(connected=True, since=START)
EMPTY = OutboxStats(pending=0, oldest_pending_at=None, sent=0, failed=0)


def ago(seconds: float) -> datetime:
    return NOW - timedelta(seconds=seconds)


def assess(
    feeds: list[FeedCheck] | None = None,
    gateway: GatewayState = UP,
    outbox: OutboxStats | None = EMPTY,
) -> HealthReport:
    return assess_health(
        now=NOW,
        started_at=START,
        feeds=[FeedCheck("main", 5.0, ago(4))] if feeds is None else feeds,
        gateway=gateway,
        outbox=outbox,
        policy=POLICY,
    )


def test_all_well_is_ok() -> None:
    report = assess()
    assert report.status == "ok"
    assert report.problems == ()
    assert report.feeds[0].last_success_age_seconds == 4
    assert report.outbox.pending == 0
    assert report.gateway.connected


@pytest.mark.parametrize(
    ("age", "status"),
    [(15, "ok"), (16, "degraded"), (50, "degraded"), (51, "failing")],
)
def test_a_feed_is_judged_by_its_last_success_against_its_interval(age: int, status: str) -> None:
    report = assess([FeedCheck("main", 5.0, ago(age))])
    assert report.feeds[0].status == status
    assert report.status == status


def test_one_stale_feed_among_working_ones_only_degrades() -> None:
    report = assess([FeedCheck("main", 5.0, ago(3)), FeedCheck("backup", 5.0, ago(3600))])
    assert [f.status for f in report.feeds] == ["ok", "failing"]
    assert report.status == "degraded"
    assert report.problems == ("feed backup: no successful poll for 3600 s (polls every 5 s)",)


def test_a_feed_that_never_answered_is_aged_from_start_up() -> None:
    fresh = assess_health(
        now=START + timedelta(seconds=10),
        started_at=START,
        feeds=[FeedCheck("main", 5.0, None)],
        gateway=UP,
        outbox=EMPTY,
        policy=POLICY,
    )
    assert fresh.status == "ok"
    stale = assess([FeedCheck("main", 5.0, None)])
    assert stale.status == "failing"
    assert stale.feeds[0].last_success_age_seconds is None
    assert stale.problems == ("feed main: no successful poll since start-up (polls every 5 s)",)


@pytest.mark.parametrize(
    ("age", "status"),
    [(None, "ok"), (60, "ok"), (61, "degraded"), (600, "degraded"), (601, "failing")],
)
def test_the_outbox_is_judged_by_its_oldest_waiting_delivery(age: int | None, status: str) -> None:
    oldest = None if age is None else ago(age)
    report = assess(outbox=OutboxStats(pending=7, oldest_pending_at=oldest, sent=0, failed=0))
    assert report.outbox.status == status
    assert report.outbox.oldest_pending_age_seconds == age
    assert report.status == status


def test_an_unreadable_store_is_failing() -> None:
    report = assess(outbox=None)
    assert report.status == "failing"
    assert report.problems == ("outbox: the store could not be read",)


@pytest.mark.parametrize(
    ("down_for", "status"), [(30, "degraded"), (60, "degraded"), (61, "failing")]
)
def test_a_gateway_outage_fails_only_after_its_grace(down_for: int, status: str) -> None:
    report = assess(gateway=GatewayState(connected=False, since=ago(down_for)))
    assert report.gateway.status == status
    assert report.status == status
    assert report.problems == (f"gateway: disconnected for {down_for} s",)


def test_the_worst_part_decides() -> None:
    report = assess(
        feeds=[FeedCheck("main", 5.0, ago(20))],  # degraded
        gateway=GatewayState(connected=False, since=ago(3600)),  # failing
    )
    assert report.status == "failing"
    assert len(report.problems) == 2


def test_gateway_watch_is_connected_only_when_every_shard_is() -> None:
    watch = GatewayWatch()
    assert watch.state() == GatewayState(connected=False, since=None)
    watch.connected(0, ago(100))
    watch.connected(1, ago(90))
    assert watch.state() == GatewayState(connected=True, since=ago(100))
    watch.disconnected(1, ago(50))
    assert watch.state() == GatewayState(connected=False, since=ago(50))
    watch.disconnected(0, ago(40))  # still down: the outage started at the first shard
    assert watch.state() == GatewayState(connected=False, since=ago(50))
    watch.connected(0, ago(30))
    watch.connected(1, ago(20))
    assert watch.state() == GatewayState(connected=True, since=ago(20))


def test_the_policy_refuses_thresholds_in_the_wrong_order() -> None:
    with pytest.raises(ValueError, match="feed_failing_intervals"):
        HealthPolicy(feed_degraded_intervals=10, feed_failing_intervals=3)


class BrokenStore:
    async def outbox_stats(self) -> OutboxStats:
        raise OSError("database is locked")


async def test_the_probe_gathers_feeds_gateway_and_outbox() -> None:
    metrics = BotMetrics()
    watch = GatewayWatch()
    clock_now = [START]
    probe = HealthProbe(
        store=MemoryStore(),
        metrics=metrics,
        feeds=[("main", 5.0)],
        gateway=watch,
        policy=POLICY,
        clock=lambda: clock_now[0],
    )
    watch.connected(None, START)
    metrics.observe_poll(PollReport(feed="main", outcome="unchanged"), START)
    clock_now[0] = START + timedelta(seconds=2)
    report = await probe()
    assert report.status == "ok"
    assert report.feeds[0].last_success_age_seconds == 2

    clock_now[0] = START + timedelta(seconds=30)  # six intervals without a poll
    report = await probe()
    assert report.status == "degraded"
    assert report.feeds[0].status == "degraded"


async def test_the_probe_reports_a_broken_store_as_failing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    probe = HealthProbe(
        store=BrokenStore(),
        metrics=BotMetrics(),
        feeds=[],
        gateway=GatewayWatch(),
        policy=POLICY,
        clock=lambda: START,
    )
    report = await probe()
    assert report.status == "failing"
    assert report.outbox.pending is None
    assert "could not read the outbox" in caplog.text


async def test_the_probe_says_why_the_latest_poll_failed_until_one_succeeds() -> None:
    metrics = BotMetrics()
    clock_now = [START]
    probe = HealthProbe(
        store=MemoryStore(),
        metrics=metrics,
        feeds=[("milano", 25.0)],
        gateway=GatewayWatch(),
        policy=POLICY,
        clock=lambda: clock_now[0],
    )
    refused = (
        'refused by the site\'s bot protection: an "Access Denied" page (reference #18.d2a0), '
        "HTTP 403 from https://www.olympics.com/wmr-owg2026/competition/api/ENG/medals"
    )
    metrics.observe_poll(PollReport(feed="milano", outcome="failed", reason=refused), START)
    clock_now[0] = START + timedelta(seconds=10)
    early = await probe()
    metrics.observe_poll(PollReport(feed="milano", outcome="backing_off"), clock_now[0])
    clock_now[0] = START + timedelta(seconds=100)  # four intervals without a good poll
    later = await probe()
    metrics.observe_poll(PollReport(feed="milano", outcome="unchanged"), clock_now[0])
    recovered = await probe()

    assert early.feeds[0].status == "ok" and early.feeds[0].last_error == refused
    assert later.feeds[0].status == "degraded" and later.feeds[0].last_error == refused
    assert f"; last error: {refused}" in later.problems[0]
    assert recovered.feeds[0].last_error is None


# The database and the cluster --------------------------------------------------------------


def assess_cluster(
    *,
    feeds: list[FeedCheck] | None = None,
    store: StoreState | None = None,
    cluster: ClusterState | None = None,
    outbox: OutboxStats | None = EMPTY,
) -> HealthReport:
    return assess_health(
        now=NOW,
        started_at=START,
        feeds=[FeedCheck("main", 5.0, ago(4))] if feeds is None else feeds,
        gateway=UP,
        outbox=outbox,
        policy=POLICY,
        store=store,
        cluster=cluster,
    )


SHARED = RateLimitState(mode="shared", rate=40.0, share=40.0, processes=3)


def test_a_database_out_of_reach_is_failing_with_its_reason_and_for_how_long() -> None:
    lost = StoreState(
        reachable=False, since=ago(42), error="claiming deliveries: connection was closed"
    )
    report = assess_cluster(store=lost, outbox=None)
    assert report.status == "failing"
    assert report.store.status == "failing" and not report.store.reachable
    assert report.store.unreachable_for_seconds == 42
    assert report.store.error == "claiming deliveries: connection was closed"
    # one sentence, with the reason: the outbox was not read, and does not say so again
    assert report.problems == (
        "store: the database has not answered for 42 s (claiming deliveries: connection was "
        "closed); polling and sending are paused until it does",
    )
    assert report.outbox.pending is None


def test_a_database_that_answers_is_ok() -> None:
    report = assess_cluster(store=StoreState(reachable=True))
    assert report.status == "ok" and report.store.reachable and report.problems == ()


def test_a_feed_another_process_polls_is_not_judged_here() -> None:
    # "backup" has not been polled here for an hour: its leader polls it, not this process
    feeds = [FeedCheck("main", 5.0, ago(4)), FeedCheck("backup", 5.0, None)]
    cluster = ClusterState(instance_id=7, followed=frozenset({"backup"}), rate_limit=SHARED)
    report = assess_cluster(feeds=feeds, cluster=cluster)
    assert report.status == "ok", report.problems
    assert [(f.name, f.role, f.status) for f in report.feeds] == [
        ("main", "leader", "ok"),
        ("backup", "follower", "ok"),
    ]
    assert report.cluster is not None
    assert report.cluster.instance_id == 7
    assert report.cluster.polls == ("main",) and report.cluster.follows == ("backup",)
    assert report.cluster.rate_limit == SHARED


def test_a_process_that_follows_every_feed_is_not_failing_for_it() -> None:
    cluster = ClusterState(instance_id=8, followed=frozenset({"main"}))
    report = assess_cluster(feeds=[FeedCheck("main", 5.0, None)], cluster=cluster)
    assert report.status == "ok"
    assert report.cluster is not None and report.cluster.polls == ()


def test_a_stale_feed_this_process_polls_still_counts() -> None:
    cluster = ClusterState(instance_id=9, followed=frozenset())
    report = assess_cluster(feeds=[FeedCheck("main", 5.0, ago(3600))], cluster=cluster)
    assert report.status == "failing"


def test_the_global_limit_at_its_fallback_share_degrades_and_says_why() -> None:
    fallback = RateLimitState(
        mode="fallback", rate=40.0, share=40 / 3, processes=3, error="OSError: refused"
    )
    report = assess_cluster(cluster=ClusterState(instance_id=7, rate_limit=fallback))
    assert report.status == "degraded"
    assert report.cluster is not None and report.cluster.status == "degraded"
    assert report.problems == (
        "global rate limit: not shared (OSError: refused); pacing at this process's share, "
        "13.3333/s of 40/s",
    )


@pytest.mark.parametrize(
    ("health", "mode", "share"),
    [
        (
            {"shared": True, "rate": 40.0, "share": 40.0, "processes": 3, "error": None},
            "shared",
            40.0,
        ),
        (
            {"shared": False, "rate": 40.0, "share": 20.0, "processes": 2, "error": "gone"},
            "fallback",
            20.0,
        ),
        (local_rate_limit(35.0), "local", 35.0),
    ],
)
def test_the_cluster_watch_reads_the_rate_limiters_health(
    health: dict[str, object], mode: str, share: float
) -> None:
    watch = ClusterWatch()
    watch.instance_id = lambda: 12
    watch.leads = lambda feed: feed == "main"
    watch.rate_limit = lambda: health
    state = watch.state(["main", "backup"])
    assert state.instance_id == 12
    assert state.followed == frozenset({"backup"})
    assert state.rate_limit is not None
    assert (state.rate_limit.mode, state.rate_limit.share) == (mode, share)


class FakeOutage:
    def __init__(self) -> None:
        self.down = False
        self.since: datetime | None = None
        self.reason: str | None = None
        self.outages = 0


class CountingStore(MemoryStore):
    def __init__(self) -> None:
        super().__init__()
        self.reads = 0

    async def outbox_stats(self) -> OutboxStats:
        self.reads += 1
        return await super().outbox_stats()


async def test_the_probe_does_not_read_the_outbox_while_the_database_is_out_of_reach() -> None:
    store = CountingStore()
    watch = GatewayWatch()
    watch.connected(0, START)
    probe = HealthProbe(
        store=store,
        metrics=BotMetrics(),
        feeds=[("main", 5.0)],
        gateway=watch,
        policy=POLICY,
        clock=lambda: START + timedelta(seconds=3),
        cluster=ClusterWatch(),
    )
    outage = FakeOutage()
    probe.watch_store(outage)
    assert (await probe()).status == "ok" and store.reads == 1
    outage.down, outage.since, outage.reason = True, START, "feed main: saving a snapshot: gone"
    report = await probe()
    assert report.status == "failing" and store.reads == 1  # a read could hang: not tried
    assert report.store.error == "feed main: saving a snapshot: gone"
    assert report.store.unreachable_for_seconds == 3
    outage.down = False
    assert (await probe()).status == "ok" and store.reads == 2
