from __future__ import annotations

import typing
from datetime import UTC, datetime, timedelta

from prometheus_client import generate_latest

from medalbot.delivery.sender import SenderStats
from medalbot.domain.detection import apply_snapshot
from medalbot.domain.state import Applied
from medalbot.domain.subscriptions import NewDelivery
from medalbot.ops.metrics import POLL_OUTCOMES, BotMetrics
from medalbot.services.polling import PollOutcome, PollReport
from medalbot.store.memory import MemoryStore
from tests.domain.factories import G, S, event, result, snapshot
from tests.ops.promtext import value

NOW = datetime(2026, 2, 9, 12, 0, tzinfo=UTC)


def scrape(metrics: BotMetrics) -> str:
    return generate_latest(metrics.registry).decode()


def applied_first_snapshot() -> Applied:
    # A world record and a gold/silver: one record alert and one medal alert.
    outcome = apply_snapshot(
        None,
        snapshot(
            1,
            event(
                "E1",
                result("Anna", "NED", rank=1, medal=G, mark="1:50.00", records=("WR",)),
                result("Bea", "USA", rank=2, medal=S),
            ),
        ),
    )
    assert isinstance(outcome, Applied)
    return outcome


def test_poll_reports_count_outcomes_alerts_and_last_success() -> None:
    metrics = BotMetrics()
    metrics.add_feeds(["main", "backup"])
    alerts = applied_first_snapshot().alerts
    metrics.observe_poll(PollReport(feed="main", outcome="applied", alerts=alerts), NOW)
    later = NOW + timedelta(seconds=5)
    metrics.observe_poll(PollReport(feed="main", outcome="unchanged"), later)
    metrics.observe_poll(
        PollReport(feed="main", outcome="failed", reason="HTTP 503"), later + timedelta(seconds=5)
    )
    metrics.observe_poll(PollReport(feed="backup", outcome="failed", reason="timeout"), later)

    text = scrape(metrics)
    assert value(text, "medalbot_feed_polls_total", feed="main", outcome="applied") == 1
    assert value(text, "medalbot_feed_polls_total", feed="main", outcome="unchanged") == 1
    assert value(text, "medalbot_feed_polls_total", feed="main", outcome="failed") == 1
    assert value(text, "medalbot_feed_polls_total", feed="main", outcome="ignored") == 0
    assert value(text, "medalbot_feed_polls_total", feed="backup", outcome="failed") == 1
    assert value(text, "medalbot_alerts_total", type="medal") == 1
    assert value(text, "medalbot_alerts_total", type="record") == 1
    assert value(text, "medalbot_alerts_total", type="correction") == 0
    # The failed poll leaves the last success at the unchanged poll before it.
    assert value(text, "medalbot_feed_last_success_timestamp_seconds", feed="main") == (
        later.timestamp()
    )
    assert metrics.last_success("main") == later
    # A feed that never answered has no last success to show.
    assert value(text, "medalbot_feed_last_success_timestamp_seconds", feed="backup") is None
    assert metrics.last_success("backup") is None


def stats(**counts: int) -> SenderStats:
    s = SenderStats()
    for name, count in counts.items():
        setattr(s, name, count)
    return s


def test_sender_counters_follow_the_sender_and_never_go_down() -> None:
    metrics = BotMetrics()
    sender = stats(sent=3, failed=1, messages=2, retried=4, paused_channels=1)
    metrics.observe_sender(sender)
    metrics.observe_sender(sender)  # observing twice adds nothing
    sender.sent, sender.messages = 10, 5
    metrics.observe_sender(sender)

    text = scrape(metrics)
    assert value(text, "medalbot_deliveries_total", result="sent") == 10
    assert value(text, "medalbot_deliveries_total", result="failed") == 1
    assert value(text, "medalbot_messages_sent_total") == 5
    assert value(text, "medalbot_delivery_retries_total") == 4
    assert value(text, "medalbot_paused_channels_total") == 1

    # A restarted sender counts from zero again: its counts are new, not a decrease.
    metrics.observe_sender(stats(sent=2))
    text = scrape(metrics)
    assert value(text, "medalbot_deliveries_total", result="sent") == 12
    assert value(text, "medalbot_deliveries_total", result="failed") == 1


async def test_outbox_gauges_read_the_store() -> None:
    store = MemoryStore()
    metrics = BotMetrics()
    await metrics.refresh_outbox(store, NOW)
    text = scrape(metrics)
    assert value(text, "medalbot_outbox_pending") == 0
    assert value(text, "medalbot_outbox_oldest_pending_age_seconds") == 0

    applied = applied_first_snapshot()
    rows = [
        NewDelivery(
            alert_id=alert.id,
            subscription_id=1,
            guild_id=10,
            channel_id=100 + i,
            priority=0,
            nonce=f"n{i}",
        )
        for i, alert in enumerate(applied.alerts)
    ]
    await store.commit_snapshot(applied.state, applied.alerts, rows, NOW)
    await metrics.refresh_outbox(store, NOW + timedelta(seconds=42))
    text = scrape(metrics)
    assert value(text, "medalbot_outbox_pending") == len(rows) == 2
    assert value(text, "medalbot_outbox_oldest_pending_age_seconds") == 42
    assert value(text, "medalbot_outbox_held") == 0

    # Held for quiet hours: waiting, but not late; shown apart from the pending ones.
    first, _ = await store.claim_deliveries(NOW, 10, 30)
    await store.hold_deliveries([first.id], NOW + timedelta(hours=8), NOW)
    await metrics.refresh_outbox(store, NOW + timedelta(seconds=50))
    text = scrape(metrics)
    assert value(text, "medalbot_outbox_held") == 1
    assert value(text, "medalbot_outbox_pending") == 1


def test_every_delivery_result_and_429_scope_is_shown_before_it_happens() -> None:
    text = scrape(BotMetrics())
    for result_ in ("sent", "failed"):
        assert value(text, "medalbot_deliveries_total", result=result_) == 0
    for scope in ("user", "global", "shared", "unknown"):
        assert value(text, "medalbot_discord_429_total", scope=scope) == 0


def test_two_bots_do_not_share_counters() -> None:
    first, second = BotMetrics(), BotMetrics()
    first.observe_poll(PollReport(feed="main", outcome="unchanged"), NOW)
    assert value(scrape(second), "medalbot_feed_polls_total", feed="main", outcome="unchanged") is (
        None
    )


def test_loop_lag_sets_the_gauge_and_fills_the_histogram() -> None:
    metrics = BotMetrics()
    for lag in (0.002, 0.3):
        metrics.observe_loop_lag(lag)
    text = scrape(metrics)
    assert value(text, "medalbot_event_loop_lag_seconds") == 0.3
    assert value(text, "medalbot_event_loop_lag_distribution_seconds_count") == 2
    assert value(text, "medalbot_event_loop_lag_distribution_seconds_bucket", le="0.005") == 1
    assert value(text, "medalbot_event_loop_lag_distribution_seconds_bucket", le="0.5") == 2


def test_every_poll_outcome_is_shown_from_the_start() -> None:
    assert set(POLL_OUTCOMES) == set(typing.get_args(PollOutcome))
    metrics = BotMetrics()
    metrics.add_feeds(["main"])
    text = scrape(metrics)
    for outcome in typing.get_args(PollOutcome):
        assert value(text, "medalbot_feed_polls_total", feed="main", outcome=outcome) == 0
    metrics.observe_poll(PollReport(feed="main", outcome="backing_off"), NOW)
    text = scrape(metrics)
    assert value(text, "medalbot_feed_polls_total", feed="main", outcome="backing_off") == 1
    assert metrics.last_success("main") is None  # a poll skipped in backoff is no success
