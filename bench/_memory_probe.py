"""What one bot process holds for its subscriptions, measured in a fresh interpreter
(``bench/memory.py`` runs one per subscription count, so nothing of an earlier run is counted).

In the probe: the bot is built as ``build_bot`` builds it (store, services, the subscription
service's cache, the stored Games restored), each server's settings are read as when Discord
says it is available, and the background work's scheduler gets its digest jobs; then one snapshot
is polled whose medal alert goes to every subscription (routing and the outbox commit). Python
allocations are traced (``tracemalloc``: current and peak) and the resident set read from
``/proc`` (it also counts SQLite's own caches and what the allocator keeps).
"""

from __future__ import annotations

import asyncio
import gc
import logging
import time
import tracemalloc
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from medalbot.app import build_bot
from medalbot.config import Settings, StoreSettings
from medalbot.feeds.native import parse_snapshot
from medalbot.ops.loop_lag import LoopLagMonitor
from medalbot.ops.settings import OpsSettings


def memory_kib() -> dict[str, int]:
    """VmRSS (resident now) and VmHWM (the most ever resident) of this process, in KiB."""
    found = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            found[key] = int(value.split()[0])
    return found


def traced() -> tuple[int, int]:
    """Traced Python memory (current, peak) after a collection; zeros when not tracing."""
    gc.collect()
    return tracemalloc.get_traced_memory() if tracemalloc.is_tracing() else (0, 0)


def probe(
    reply: Connection, store_url: str, guild_ids: list[int], snapshot: bytes, trace: bool
) -> None:
    """Measure, and send the figures through ``reply``. With ``trace``, Python allocations are
    traced; without, only the resident set is read (tracing costs memory of its own)."""
    logging.disable(logging.WARNING)
    reply.send(asyncio.run(_probe(store_url, guild_ids, snapshot, trace)))


async def _probe(store_url: str, guild_ids: list[int], body: bytes, trace: bool) -> dict[str, Any]:
    snapshot = parse_snapshot(body)
    figures: dict[str, Any] = {"rss_start": memory_kib()["VmRSS"]}
    if trace:
        tracemalloc.start()
    settings = Settings(store=StoreSettings(url=store_url), ops=OpsSettings(enabled=False))
    bot = await build_bot(settings)
    try:
        for guild_id in guild_ids:  # as on_guild_available does for each server
            await bot.services.guilds.get(guild_id)
        background = bot.background
        background.scheduler.start(paused=True)
        before_jobs, _ = traced()
        await background.rebuild_digest_jobs()
        # aiosqlite's thread keeps a query's rows until its next query (a local of its loop):
        # without one more, the 100,000 rows read for the jobs would count as theirs
        await bot.services.store.get_guild_settings(guild_ids[0])
        after_jobs, _ = traced()
        figures["digest_jobs"] = len(background.scheduler.get_jobs())
        figures["digest_bytes"] = after_jobs - before_jobs
        figures["held"], figures["startup_peak"] = traced()
        ready = memory_kib()
        figures["rss_ready"], figures["hwm_ready"] = ready["VmRSS"], ready["VmHWM"]

        if trace:
            tracemalloc.reset_peak()
        lags: list[float] = []
        monitor = LoopLagMonitor(lags.append, interval=0.01)
        monitor.start()
        started = time.perf_counter()
        report = await bot.services.polling.apply(snapshot, feed="probe")
        figures["poll_s"] = time.perf_counter() - started
        await monitor.stop()
        figures["max_lag_s"] = max(lags, default=0.0)
        figures["poll_peak"] = tracemalloc.get_traced_memory()[1] if trace else 0
        figures["deliveries"] = report.deliveries
        figures["alerts"] = len(report.alerts)
        del report
        figures["after_poll"], _ = traced()
        polled = memory_kib()
        figures["rss_poll"], figures["hwm_poll"] = polled["VmRSS"], polled["VmHWM"]
        background.scheduler.shutdown(wait=False)
    finally:
        # never started, so nothing to close on discord.py's side (its close() expects a start)
        await bot.services.store.close()
        if trace:
            tracemalloc.stop()
    return figures
