"""The operators' view assembled for a running bot: one object to build, start and stop."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from medalbot.ops.health import ClusterWatch, GatewayWatch, HealthProbe, StoreWatch
from medalbot.ops.loop_lag import LoopLagMonitor
from medalbot.ops.metrics import BotMetrics, OutboxStatsSource
from medalbot.ops.server import OpsServer
from medalbot.ops.settings import OpsSettings
from medalbot.services.clock import Clock, utc_now

if TYPE_CHECKING:
    from medalbot.delivery.sender import SenderStats

log = logging.getLogger(__name__)


class OpsRuntime:
    """Metrics, gateway watch, health probe, endpoint and loop lag monitor of one bot.

    The bot feeds ``metrics`` and ``gateway`` (see the report of the ops package); the
    outbox gauges, the sender's counters, the database's availability and the process's part
    in a cluster (``cluster``, which the wiring fills in) are brought up to date at each scrape.
    """

    def __init__(
        self,
        settings: OpsSettings,
        *,
        store: OutboxStatsSource,
        feeds: Sequence[tuple[str, float]],  # (name, poll interval in seconds)
        sender_stats: Callable[[], SenderStats] | None = None,
        clock: Clock = utc_now,
    ) -> None:
        self.settings = settings
        self.metrics = BotMetrics()
        self.metrics.add_feeds(name for name, _ in feeds)
        self.gateway = GatewayWatch()
        self.cluster = ClusterWatch()
        self._feeds = [name for name, _ in feeds]
        self._store_watch: StoreWatch | None = None
        self._store = store
        self._sender_stats = sender_stats
        self._clock = clock
        self.health = HealthProbe(
            store=store,
            metrics=self.metrics,
            feeds=feeds,
            gateway=self.gateway,
            policy=settings.health,
            clock=clock,
            cluster=self.cluster,
        )
        self.server = OpsServer(
            self.metrics, self.health, settings.host, settings.port, refresh=self.refresh
        )
        self.loop_lag = LoopLagMonitor(
            self.metrics.observe_loop_lag, interval=settings.loop_lag_interval
        )

    def set_sender_stats(self, sender_stats: Callable[[], SenderStats]) -> None:
        """For a sender built after this object (the bot makes its sender in its __init__)."""
        self._sender_stats = sender_stats

    def watch_store(self, watch: StoreWatch) -> None:
        """Whether the database answers (medalbot.store.outage.StoreOutage)."""
        self._store_watch = watch
        self.health.watch_store(watch)

    async def refresh(self) -> None:
        """Bring the gauges read on demand up to date: the sender's counters, the cluster, the
        database, the outbox (not read while the database is out of reach)."""
        if self._sender_stats is not None:
            self.metrics.observe_sender(self._sender_stats())
        cluster = self.cluster.state(self._feeds)
        limit = cluster.rate_limit
        self.metrics.observe_cluster(
            instance_id=cluster.instance_id,
            leads={feed: feed not in cluster.followed for feed in self._feeds},
            rate_mode=None if limit is None else limit.mode,
            rate_share=None if limit is None else limit.share,
        )
        watch = self._store_watch
        if watch is not None:
            self.metrics.observe_store(up=not watch.down, outages=watch.outages)
            if watch.down:
                return
        await self.metrics.refresh_outbox(self._store, self._clock())

    async def start(self) -> None:
        if not self.settings.enabled:
            log.info("ops endpoint disabled ([ops] enabled = false)")
            return
        await self.server.start()
        self.loop_lag.start()

    async def stop(self) -> None:
        await self.loop_lag.stop()
        await self.server.stop()
