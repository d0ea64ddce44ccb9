"""How long the event loop stalls while a poll routes one alert to 100,000 subscriptions.

The store holds the women's 1000 m up to LEERDAM's Olympic record and 100,000 subscriptions
(``bench.memory``'s mix, inserted through the store); the next snapshot's medal alert goes to
every one of them. Each poll runs on a fresh copy of that store, while a timer every 5 ms
measures how late the loop lets it fire (the longest delay is the longest stall: a slash
command arriving then waits that long before the bot even reads it).

- baseline: the poll as it was, in the same run: every subscription read as a full
  ``Subscription`` and routed on the event loop, then the same commit;
- now: ``PollService.apply``: only the routing fields read, a page at a time, and routed in
  a worker thread.

Both must queue the same outbox rows. Two rounds each, alternating.

    python -m bench.routing_stall [--postgres postgresql://postgres@127.0.0.1:5432/db] [--gc-freeze]

With ``--postgres``, each poll runs on a fresh schema of that database instead (copied from a
template schema), to see the PostgreSQL driver's share. With ``--gc-freeze``, the objects
that exist once everything is imported are frozen first, as ``medalbot run`` does: a full
GC pass during the poll then scans only what came after.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import shutil
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Final
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from bench._stats import load_note
from bench.memory import fill
from medalbot.domain.detection import DetectionPolicy, apply_snapshot
from medalbot.domain.models import Snapshot
from medalbot.domain.state import Applied
from medalbot.feeds.native import parse_snapshot
from medalbot.ops.loop_lag import LoopLagMonitor
from medalbot.samples import sample_files
from medalbot.services.live import LiveState
from medalbot.services.polling import PollService
from medalbot.services.routing import deliveries_for
from medalbot.store import open_store
from medalbot.store.base import Store

SUBSCRIPTIONS: Final = 100_000
ROUNDS: Final = 2
TICK_S: Final = 0.005
TARGET_STALL_S: Final = 0.1  # a third of the 300 ms slash-command goal
OUTBOX_SQL: Final = (
    "SELECT alert_id, subscription_id, guild_id, channel_id, priority, nonce FROM deliveries"
    " ORDER BY alert_id, channel_id"
)
Outbox = list[tuple[object, ...]]


@dataclass(frozen=True)
class Poll:
    seconds: float
    max_stall_s: float
    late_ticks: int  # timers that fired more than 50 ms late
    outbox: Outbox


async def baseline_apply(store: Store, snapshot: Snapshot) -> int:
    """The poll before this bench: ``PollService.apply``'s steps with the routing of old."""
    state = await store.load_state(snapshot.games.code)
    outcome = apply_snapshot(state, snapshot, DetectionPolicy())
    assert isinstance(outcome, Applied) and outcome.alerts, outcome
    rows = deliveries_for(outcome.alerts, await store.list_subscriptions())
    await store.commit_snapshot(outcome.state, outcome.alerts, rows, datetime.now(UTC))
    return len(rows)


async def current_apply(store: Store, snapshot: Snapshot) -> int:
    report = await PollService(store, LiveState()).apply(snapshot, feed="bench")
    assert report.outcome == "applied", report
    return report.deliveries


Apply = Callable[[Store, Snapshot], Awaitable[int]]


async def timed(store: Store, apply: Apply, snapshot: Snapshot) -> tuple[float, list[float]]:
    lags: list[float] = []
    monitor = LoopLagMonitor(lags.append, interval=TICK_S, warn_after=60.0)
    monitor.start()
    await monitor.next_measurement()  # ticking before the poll starts
    started = time.perf_counter()
    deliveries = await apply(store, snapshot)
    seconds = time.perf_counter() - started
    await monitor.next_measurement()  # the tick the poll delayed, if it delayed one
    await monitor.stop()
    assert deliveries == SUBSCRIPTIONS, deliveries
    return seconds, lags


class Stores:
    """Fresh copies of one built store, on SQLite files or PostgreSQL schemas."""

    def __init__(self, postgres: str | None, tmp: Path) -> None:
        self._postgres = postgres
        self._tmp = tmp
        self._template = f"bench_{uuid.uuid4().hex[:10]}" if postgres else str(tmp / "built.db")

    def _url(self, name: str) -> str:
        if self._postgres is None:
            return f"sqlite:///{name}"
        parts = urlsplit(self._postgres)
        return urlunsplit((*parts[:3], f"search_path={name}", ""))

    async def build(self) -> float:
        if self._postgres is not None:
            await self._admin(f'CREATE SCHEMA "{self._template}"')
        store = await open_store(self._url(self._template))
        try:
            return await fill(store, SUBSCRIPTIONS)
        finally:
            await store.close()

    @asynccontextmanager
    async def copy(self) -> AsyncIterator[tuple[Store, Callable[[], Awaitable[Outbox]]]]:
        name = f"{self._template}_{uuid.uuid4().hex[:6]}"
        if self._postgres is None:
            name = str(self._tmp / f"{uuid.uuid4().hex[:6]}.db")
            shutil.copyfile(self._template, name)  # closed: its WAL was checkpointed
        else:
            await self._admin(f'CREATE SCHEMA "{name}"')
            await self._admin(self._copy_tables_sql(name))
        store = await open_store(self._url(name))

        async def outbox() -> Outbox:
            if self._postgres is None:
                with sqlite3.connect(name) as db:
                    return [tuple(row) for row in db.execute(OUTBOX_SQL)]
            conn = await asyncpg.connect(self._postgres, server_settings={"search_path": name})
            try:
                return [tuple(row) for row in await conn.fetch(OUTBOX_SQL)]
            finally:
                await conn.close()

        try:
            yield store, outbox
        finally:
            await store.close()
            if self._postgres is None:
                await asyncio.to_thread(Path(name).unlink)
            else:
                await self._admin(f'DROP SCHEMA "{name}" CASCADE')

    def _copy_tables_sql(self, name: str) -> str:
        # Every table of the template, with its indexes, defaults and rows, in the new schema.
        # (Identity sequences start again at 1: the poll adds rows only to tables that the
        # template has none in.)
        return f"""
        DO $$
        DECLARE t record;
        BEGIN
          FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = '{self._template}' LOOP
            EXECUTE format('CREATE TABLE %I.%I (LIKE %I.%I INCLUDING ALL)',
                           '{name}', t.tablename, '{self._template}', t.tablename);
            EXECUTE format('INSERT INTO %I.%I OVERRIDING SYSTEM VALUE SELECT * FROM %I.%I',
                           '{name}', t.tablename, '{self._template}', t.tablename);
          END LOOP;
        END $$;
        """

    async def _admin(self, sql: str) -> None:
        assert self._postgres is not None
        conn = await asyncpg.connect(self._postgres)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    async def drop_template(self) -> None:
        if self._postgres is not None:
            await self._admin(f'DROP SCHEMA "{self._template}" CASCADE')


async def poll_once(stores: Stores, apply: Apply, snapshot: Snapshot) -> Poll:
    async with stores.copy() as (store, outbox):
        gc.collect()
        seconds, lags = await timed(store, apply, snapshot)
        return Poll(seconds, max(lags), sum(lag > 0.05 for lag in lags), await outbox())


async def measure(stores: Stores) -> tuple[float, list[Poll], list[Poll]]:
    snapshot = parse_snapshot(sample_files("w1000m")[3].read_bytes())  # the medals
    try:
        insert_s = await stores.build()
        before, after = [], []
        for _ in range(ROUNDS):
            before.append(await poll_once(stores, baseline_apply, snapshot))
            after.append(await poll_once(stores, current_apply, snapshot))
    finally:
        await stores.drop_template()
    return insert_s, before, after


def main(argv: list[str] | None = None) -> bool:
    parser = argparse.ArgumentParser(prog="python -m bench.routing_stall")
    parser.add_argument("--postgres", help="a PostgreSQL URL (a schema of its own is used)")
    parser.add_argument("--gc-freeze", action="store_true", help="gc.freeze() first")
    args = parser.parse_args(argv if argv is not None else [])
    if args.gc_freeze:
        gc.collect()
        gc.freeze()
    logging.disable(logging.WARNING)
    load_before = load_note()
    shm = Path("/dev/shm")  # see bench.memory: the disk's fsyncs are not what is measured
    try:
        with tempfile.TemporaryDirectory(dir=shm if shm.is_dir() else None) as tmp:
            insert_s, before, after = asyncio.run(measure(Stores(args.postgres, Path(tmp))))
    finally:
        logging.disable(logging.NOTSET)
    database = "PostgreSQL" if args.postgres else "SQLite"
    print(
        f"one medal alert routed to {SUBSCRIPTIONS:,} subscriptions ({database}, inserted "
        f"through the store in {insert_s:.0f} s); loop timer every {TICK_S * 1e3:.0f} ms"
        + (f"; {gc.get_freeze_count():,} objects frozen at the start" if args.gc_freeze else "")
    )
    for name, polls in (("baseline (routed on the loop)", before), ("now", after)):
        for i, p in enumerate(polls, 1):
            print(
                f"  {name}, round {i}: poll {p.seconds:.2f} s, longest stall "
                f"{p.max_stall_s * 1e3:.0f} ms, {p.late_ticks} timers over 50 ms late"
            )
    worst_before = max(p.max_stall_s for p in before)
    worst_after = max(p.max_stall_s for p in after)
    same = all(p.outbox == before[0].outbox for p in (*before, *after))
    print(
        f"ratio: the longest stall is {worst_after / worst_before:.2f}x the baseline's "
        f"({worst_after * 1e3:.0f} ms against {worst_before * 1e3:.0f} ms); the outbox rows are "
        f"{'the same' if same else 'DIFFERENT'} ({len(before[0].outbox):,})"
    )
    print(f"{load_before} at the start; {load_note()} at the end")
    met = same and worst_after <= TARGET_STALL_S
    print(
        f"goal: no stall over {TARGET_STALL_S * 1e3:.0f} ms while routing, the same rows: "
        f"{'PASS' if met else 'MISS'}"
    )
    return met


if __name__ == "__main__":
    raise SystemExit(0 if main(sys.argv[1:]) else 1)
