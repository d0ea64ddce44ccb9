"""The operators' HTTP endpoint: ``GET /healthz`` (JSON) and ``GET /metrics`` (Prometheus).

It has no authentication and binds to loopback by default; scrape it from the same host or
through a deliberately configured listener.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import msgspec
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from medalbot.ops.health import HealthReport
from medalbot.ops.metrics import BotMetrics

log = logging.getLogger(__name__)

HealthCheck = Callable[[], Awaitable[HealthReport]]
Refresh = Callable[[], Awaitable[object]]


class OpsServer:
    def __init__(
        self,
        metrics: BotMetrics,
        health: HealthCheck,
        host: str = "127.0.0.1",
        port: int = 9464,
        *,
        refresh: Refresh | None = None,
    ) -> None:
        """``refresh`` runs before each scrape to update gauges read on demand (the outbox)."""
        self._metrics = metrics
        self._health = health
        self._refresh = refresh
        self._host = host
        self._port = port
        self._runner: web.AppRunner | None = None
        app = web.Application()
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/metrics", self._render_metrics)
        self._app = app

    @property
    def port(self) -> int:
        """The port bound (the chosen one when started with port 0)."""
        if self._runner is None:
            raise RuntimeError("the ops server is not running")
        address = self._runner.addresses[0]
        return int(address[1])

    @property
    def url(self) -> str:
        host = f"[{self._host}]" if ":" in self._host else self._host  # IPv6 literal
        return f"http://{host}:{self.port}"

    async def start(self) -> None:
        if self._runner is not None:
            return
        # No access log: a scrape every few seconds would drown the bot's own log lines.
        runner = web.AppRunner(self._app, access_log=None)
        await runner.setup()
        try:
            await web.TCPSite(runner, self._host, self._port).start()
        except OSError:
            await runner.cleanup()
            raise
        self._runner = runner
        log.info("ops endpoint listening on %s (/healthz, /metrics)", self.url)

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def _healthz(self, _request: web.Request) -> web.Response:
        try:
            report = await self._health()
        except Exception as exc:  # a broken check is itself a failing health
            log.exception("health check raised")
            body = {"status": "failing", "problems": [f"health check raised {exc!r}"]}
            return web.Response(
                status=503, body=msgspec.json.encode(body), content_type="application/json"
            )
        status = 503 if report.status == "failing" else 200
        return web.Response(
            status=status, body=msgspec.json.encode(report), content_type="application/json"
        )

    async def _render_metrics(self, _request: web.Request) -> web.Response:
        if self._refresh is not None:
            try:
                await self._refresh()
            except Exception:  # serve the other metrics; the stale gauges are logged
                log.warning("metrics: refresh before the scrape failed", exc_info=True)
        return web.Response(
            body=generate_latest(self._metrics.registry),
            headers={"Content-Type": CONTENT_TYPE_LATEST},
        )
