"""Prometheus metrics of one bot process: feeds, the outbox, Discord HTTP, the event loop, the
database's availability and the process's part in a cluster.

``BotMetrics`` owns its own registry (not prometheus_client's global one) so that two bots in one
process, or two tests, never share counters. The bot feeds it from the places where things
happen (see the ``observe_*`` methods); ``/metrics`` renders ``registry``.
"""

from __future__ import annotations

import logging
import time
import typing
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

import aiohttp
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from medalbot.domain.alerts import Alert
from medalbot.ops.discord_http import (
    INVALID_REQUEST_LIMIT,
    INVALID_REQUEST_WINDOW,
    RATE_LIMIT_SCOPES,
    RateLimitScope,
    counts_as_invalid,
    make_trace_config,
)
from medalbot.ops.window import MonotonicClock, SlidingWindowCounter
from medalbot.store.base import OutboxStats

if TYPE_CHECKING:
    # Type-only: importing the services and the sender would pull the whole bot into ``ops``.
    from medalbot.delivery.sender import SenderStats
    from medalbot.services.polling import PollReport

log = logging.getLogger(__name__)

# PollOutcome's values (services.polling), spelled out: ops does not import the services.
POLL_OUTCOMES = ("unchanged", "backing_off", "applied", "ignored", "failed")
# Outcomes that prove the feed answered; any other (failed, or one added later) does not.
SUCCESS_OUTCOMES = frozenset({"unchanged", "applied", "ignored"})
DELIVERY_RESULTS = ("sent", "failed")
# How the global rate limit is paced (medalbot.ops.health.RateLimitState.mode).
RATE_LIMIT_MODES = ("shared", "fallback", "local")
# Event loop lag worth seeing ranges from a millisecond to a loop blocked for seconds.
LOOP_LAG_BUCKETS = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# Warn in the log when invalid requests reach this share of Discord's limit.
INVALID_REQUEST_WARN_SHARE = 0.5


class OutboxStatsSource(Protocol):
    """The part of ``Store`` the outbox gauges need."""

    async def outbox_stats(self) -> OutboxStats: ...


def alert_type(alert: Alert) -> str:
    """The alert's tag in its JSON form (``medal``, ``record``, ``correction``)."""
    return str(type(alert).__struct_config__.tag)


def _alert_types() -> list[str]:
    return [str(cls.__struct_config__.tag) for cls in typing.get_args(Alert)]


class BotMetrics:
    def __init__(self, *, monotonic: MonotonicClock = time.monotonic) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        registry = self.registry

        # Feeds
        self.feed_last_success = Gauge(
            "medalbot_feed_last_success_timestamp_seconds",
            "Unix time of the feed's last successful poll (unchanged, applied or ignored).",
            ["feed"],
            registry=registry,
        )
        self.feed_polls = Counter(
            "medalbot_feed_polls_total",
            "Polls of a feed by outcome (unchanged, backing_off: skipped while the feed is "
            "failing, applied, ignored, failed).",
            ["feed", "outcome"],
            registry=registry,
        )
        self.alerts = Counter(
            "medalbot_alerts_total",
            "Alerts detected, by type.",
            ["type"],
            registry=registry,
        )
        for kind in _alert_types():
            self.alerts.labels(kind)

        # Outbox and delivery
        self.outbox_pending = Gauge(
            "medalbot_outbox_pending",
            "Deliveries waiting in the outbox (pending or being sent), held ones not counted.",
            registry=registry,
        )
        self.outbox_held = Gauge(
            "medalbot_outbox_held",
            "Deliveries held for a subscription's quiet hours, sent as one summary after.",
            registry=registry,
        )
        self.outbox_oldest_age = Gauge(
            "medalbot_outbox_oldest_pending_age_seconds",
            "Age of the oldest delivery still waiting in the outbox; 0 when it is empty.",
            registry=registry,
        )
        self.deliveries = Counter(
            "medalbot_deliveries_total",
            "Deliveries of alerts to channels by final result, since this process started.",
            ["result"],
            registry=registry,
        )
        for result in DELIVERY_RESULTS:
            self.deliveries.labels(result)
        self.delivery_retries = Counter(
            "medalbot_delivery_retries_total",
            "Deliveries put back in the outbox for a later attempt after a transient failure.",
            registry=registry,
        )
        self.messages = Counter(
            "medalbot_messages_sent_total",
            "Discord messages sent by the outbox (one message may carry several alerts).",
            registry=registry,
        )
        self.paused_channels = Counter(
            "medalbot_paused_channels_total",
            "Channels whose subscriptions were paused because Discord refused them.",
            registry=registry,
        )

        # Discord HTTP
        self.discord_requests = Counter(
            "medalbot_discord_requests_total",
            "HTTP requests to Discord by method and response status ('error': no response).",
            ["method", "status"],
            registry=registry,
        )
        self.discord_429 = Counter(
            "medalbot_discord_429_total",
            "429 responses from Discord by X-RateLimit-Scope (unknown: no scope header).",
            ["scope"],
            registry=registry,
        )
        for scope in RATE_LIMIT_SCOPES:
            self.discord_429.labels(scope)
        self._invalid = SlidingWindowCounter(INVALID_REQUEST_WINDOW, clock=monotonic)
        self._invalid_warned = False
        self.discord_invalid_requests = Gauge(
            "medalbot_discord_invalid_requests_10m",
            "401, 403 and non-shared 429 responses in the last 10 minutes; "
            f"Discord bans the IP for a while at {INVALID_REQUEST_LIMIT}.",
            registry=registry,
        )
        self.discord_invalid_requests.set_function(self._invalid.count)

        # Event loop
        self.loop_lag = Gauge(
            "medalbot_event_loop_lag_seconds",
            "How late the event loop woke a timer at the last measurement.",
            registry=registry,
        )
        self.loop_lag_distribution = Histogram(
            "medalbot_event_loop_lag_distribution_seconds",
            "How late the event loop woke a timer, over all measurements.",
            buckets=LOOP_LAG_BUCKETS,
            registry=registry,
        )

        # The database and the cluster (refreshed at each scrape)
        self.store_up = Gauge(
            "medalbot_store_up",
            "1 while the database answers, 0 during an outage (polling and sending paused).",
            registry=registry,
        )
        self.store_up.set(1)
        self.store_outages = Counter(
            "medalbot_store_outages_total",
            "Times the database stopped answering, since this process started.",
            registry=registry,
        )
        self.instance = Gauge(
            "medalbot_instance_info",
            "1, labelled with this process's instance id in the store (shown once registered).",
            ["instance_id"],
            registry=registry,
        )
        self.feed_leader = Gauge(
            "medalbot_feed_leader",
            "1 when this process polls the feed, 0 when it follows another process's polls.",
            ["feed"],
            registry=registry,
        )
        self.rate_limit_mode = Gauge(
            "medalbot_global_rate_limit_mode",
            "1 for how this process paces the token's global rate limit now: shared (through "
            "the database, with the other processes), fallback (its share, rate / processes: "
            "the database is out of reach) or local (a process on its own).",
            ["mode"],
            registry=registry,
        )
        for mode in RATE_LIMIT_MODES:
            self.rate_limit_mode.labels(mode)
        self.rate_limit_share = Gauge(
            "medalbot_global_rate_limit_share_per_second",
            "The most requests per second this process may send now: the token's whole rate "
            "(shared with the other processes, or its own) or, in fallback, rate / processes.",
            registry=registry,
        )

        self._last_success: dict[str, datetime] = {}
        self._last_error: dict[str, str] = {}
        self._sender_seen: dict[str, int] = {}

    # Feeds -------------------------------------------------------------------------------

    def add_feeds(self, names: Iterable[str]) -> None:
        """Show configured feeds with zero counts before their first poll."""
        for name in names:
            for outcome in POLL_OUTCOMES:
                self.feed_polls.labels(name, outcome)

    def observe_poll(self, report: PollReport, now: datetime) -> None:
        """Count one poll; a successful one moves the feed's last success to ``now``."""
        self.feed_polls.labels(report.feed, report.outcome).inc()
        if report.outcome in SUCCESS_OUTCOMES:
            self.feed_last_success.labels(report.feed).set(now.timestamp())
            self._last_success[report.feed] = now
        if report.outcome == "failed" and report.reason is not None:
            self._last_error[report.feed] = report.reason
        elif report.outcome != "backing_off":  # a skipped poll neither fails nor succeeds
            self._last_error.pop(report.feed, None)
        for alert in report.alerts:
            self.alerts.labels(alert_type(alert)).inc()

    def last_success(self, feed: str) -> datetime | None:
        return self._last_success.get(feed)

    def last_error(self, feed: str) -> str | None:
        """Why the feed's latest poll failed, until a poll succeeds."""
        return self._last_error.get(feed)

    # Outbox ------------------------------------------------------------------------------

    async def refresh_outbox(self, store: OutboxStatsSource, now: datetime) -> OutboxStats:
        stats = await store.outbox_stats()
        self.set_outbox(stats, now)
        return stats

    def set_outbox(self, stats: OutboxStats, now: datetime) -> None:
        self.outbox_pending.set(stats.pending)
        self.outbox_held.set(stats.held)
        oldest = stats.oldest_pending_at
        self.outbox_oldest_age.set(max(0.0, (now - oldest).total_seconds()) if oldest else 0.0)

    def observe_sender(self, stats: SenderStats) -> None:
        """Bring the delivery counters up to the sender's. The sender keeps running totals;
        only the growth since the last call is added. A total that went down means a new
        sender started from zero, so all of its count is new."""
        self._advance("sent", stats.sent, self.deliveries.labels("sent"))
        self._advance("failed", stats.failed, self.deliveries.labels("failed"))
        self._advance("retried", stats.retried, self.delivery_retries)
        self._advance("messages", stats.messages, self.messages)
        self._advance("paused_channels", stats.paused_channels, self.paused_channels)

    def _advance(self, key: str, total: int, counter: Counter) -> None:
        seen = self._sender_seen.get(key, 0)
        growth = total - seen if total >= seen else total
        if growth > 0:
            counter.inc(growth)
        self._sender_seen[key] = total

    # The database and the cluster ---------------------------------------------------------

    def observe_store(self, *, up: bool, outages: int) -> None:
        self.store_up.set(1 if up else 0)
        self._advance("store_outages", outages, self.store_outages)

    def observe_cluster(
        self,
        *,
        instance_id: int | None,
        leads: Mapping[str, bool],
        rate_mode: str | None,
        rate_share: float | None,
    ) -> None:
        """``rate_mode`` one of RATE_LIMIT_MODES (None: not known yet)."""
        if instance_id is not None:
            self.instance.clear()  # a new id after a restart in the same process: only it
            self.instance.labels(str(instance_id)).set(1)
        for feed, leading in leads.items():
            self.feed_leader.labels(feed).set(1 if leading else 0)
        if rate_mode is not None:
            for mode in RATE_LIMIT_MODES:
                self.rate_limit_mode.labels(mode).set(1 if mode == rate_mode else 0)
        if rate_share is not None:
            self.rate_limit_share.set(rate_share)

    # Discord HTTP ------------------------------------------------------------------------

    def discord_trace_config(self) -> aiohttp.TraceConfig:
        """For ``discord.Client(http_trace=...)``: counts every response Discord sends."""
        return make_trace_config(self)

    def observe_discord_response(
        self, method: str, status: int, scope: RateLimitScope | None
    ) -> None:
        self.discord_requests.labels(method.upper(), str(status)).inc()
        if status == 429:
            self.discord_429.labels(scope or "unknown").inc()
        if counts_as_invalid(status, scope):
            self._note_invalid(self._invalid.add())

    def observe_discord_error(self, method: str) -> None:
        self.discord_requests.labels(method.upper(), "error").inc()

    def invalid_requests(self) -> int:
        """Invalid requests (as Discord counts them) in the last 10 minutes."""
        return self._invalid.count()

    def _note_invalid(self, in_window: int) -> None:
        threshold = INVALID_REQUEST_LIMIT * INVALID_REQUEST_WARN_SHARE
        if in_window >= threshold and not self._invalid_warned:
            self._invalid_warned = True
            log.warning(
                "%d invalid requests (401/403/429) to Discord in 10 minutes; at %d Discord "
                "bans this IP for a while",
                in_window,
                INVALID_REQUEST_LIMIT,
            )
        elif in_window < threshold / 2:
            self._invalid_warned = False  # calm again: warn at the next surge

    # Event loop --------------------------------------------------------------------------

    def observe_loop_lag(self, seconds: float) -> None:
        self.loop_lag.set(seconds)
        self.loop_lag_distribution.observe(seconds)
