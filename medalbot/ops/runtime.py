"""The operators' view assembled for a running bot: one object to build, start and stop."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from medalbot.ops.health import GatewayWatch, HealthProbe
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
    outbox gauges and the sender's counters are brought up to date at each scrape.
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

    async def refresh(self) -> None:
        """Bring the gauges read on demand up to date: the sender's counters, the outbox."""
        if self._sender_stats is not None:
            self.metrics.observe_sender(self._sender_stats())
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
