"""This process as a live instance (medalbot.cluster.instance): on PostgreSQL a surviving
process takes a killed one's claimed rows back at its next heartbeat, whatever their 30 s
lease says; on SQLite a restarted process takes back every claim when it joins."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime
from pathlib import Path

import asyncpg
import pytest

from medalbot.cluster.instance import InstanceHeartbeat, is_shared
from medalbot.cluster.settings import ClusterSettings
from medalbot.services.clock import utc_now
from medalbot.store import open_store
from medalbot.store.base import Store, StoreError, StoreUnavailable
from medalbot.store.instances import InstanceStore
from medalbot.store.outage import StoreOutage
from tests.store.builders import CHANNEL, delivery, medal_alert, state

LEASE = 30.0


def _instances(store: Store) -> InstanceStore:
    assert isinstance(store, InstanceStore)
    return store


async def _claim_one(store: Store) -> int:
    """Queue one row and claim it now (the heartbeats run on the real clock)."""
    alert = medal_alert("a1")
    await store.commit_snapshot(state(1), [alert], [delivery(alert, CHANNEL)], utc_now())
    [claimed] = await store.claim_deliveries(utc_now(), 10, LEASE)
    return claimed.id


async def test_a_survivor_takes_a_killed_processs_claims_back_at_its_next_beat(
    postgres_url: str,
) -> None:
    crashing, survivor = await open_store(postgres_url), await open_store(postgres_url)
    released = asyncio.Event()
    settings = ClusterSettings(heartbeat_interval=0.5, instance_stale_after=3.0)
    dead = InstanceHeartbeat(_instances(crashing), settings, shared=is_shared(crashing))
    alive = InstanceHeartbeat(_instances(survivor), settings, shared=True, on_released=released.set)
    beating: asyncio.Task[None] | None = None
    try:
        assert is_shared(crashing)
        dead_id = await dead.join()
        claimed = await _claim_one(crashing)
        await alive.join()
        beating = asyncio.create_task(alive.run())

        killed_at = time.monotonic()
        admin = await asyncpg.connect(postgres_url)
        try:  # the server's view of kill -9: the dead process's connections go
            await admin.execute(
                "SELECT pg_terminate_backend(pid, 5000) FROM pg_locks"
                " WHERE locktype = 'advisory' AND objid = $1 AND pid <> pg_backend_pid()",
                dead_id,
            )
        finally:
            await admin.close()
        async with asyncio.timeout(10):
            await released.wait()
        took = time.monotonic() - killed_at
        print(f"claims taken back {took:.2f} s after the kill")
        assert took <= 2 * settings.heartbeat_interval + 0.5, took
        assert alive.released == 1
        # due now, 30 s before its lease would have ended
        [again] = await survivor.claim_deliveries(utc_now(), 10, LEASE)
        assert again.id == claimed
    finally:
        if beating is not None:
            beating.cancel()
            await asyncio.gather(beating, return_exceptions=True)
        await crashing.close()
        await survivor.close()


async def test_a_restarted_process_on_sqlite_takes_back_every_claim_when_it_joins(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'medalbot.db'}"
    before = await open_store(url)
    try:
        await InstanceHeartbeat(_instances(before), ClusterSettings(), shared=False).join()
        claimed = await _claim_one(before)
    finally:
        await before.close()  # as a killed process would: no leave()

    after = await open_store(url)
    woken = asyncio.Event()
    try:
        assert not is_shared(after)
        instance = InstanceHeartbeat(
            _instances(after), ClusterSettings(), shared=False, on_released=woken.set
        )
        await instance.join()
        assert woken.is_set() and instance.released == 1
        [again] = await after.claim_deliveries(utc_now(), 10, LEASE)
        assert again.id == claimed
    finally:
        await after.close()


class LosableInstances:
    """A store whose heartbeats fail while ``reachable`` is false; counts the beats."""

    def __init__(self, error: StoreError) -> None:
        self.error = error
        self.reachable = True
        self.beats = 0
        self.beat = asyncio.Event()

    async def register_instance(self, now: datetime, description: str = "") -> int:
        return 7

    async def heartbeat_instance(self, instance_id: int, now: datetime) -> None:
        self.beats += 1
        self.beat.set()
        if not self.reachable:
            raise self.error

    async def release_orphaned_claims(self, instance_id: int, now: datetime, stale: float) -> int:
        return 0

    async def release_all_claims(self, instance_id: int, now: datetime) -> int:
        return 0

    async def retire_instance(self, instance_id: int, now: datetime) -> int:
        return 0

    async def until_beats(self, count: int) -> None:
        async with asyncio.timeout(5):
            while self.beats < count:
                self.beat.clear()
                await self.beat.wait()


@pytest.mark.parametrize("with_outage", [False, True])
async def test_a_failing_heartbeat_is_said_once_per_outage_not_at_every_beat(
    caplog: pytest.LogCaptureFixture, with_outage: bool
) -> None:
    caplog.set_level(logging.INFO)
    store = LosableInstances(StoreUnavailable("cannot connect to PostgreSQL: refused"))
    outage = StoreOutage(lambda: asyncio.sleep(0), first_retry=3600.0) if with_outage else None
    settings = ClusterSettings(heartbeat_interval=0.01, instance_stale_after=1.0)
    heartbeat = InstanceHeartbeat(store, settings, shared=True, outage=outage)
    await heartbeat.join()
    running = asyncio.create_task(heartbeat.run())
    try:
        await store.until_beats(2)
        store.reachable = False
        await store.until_beats(store.beats + 10)  # ten beats fail
        store.reachable = True
        await store.until_beats(store.beats + 2)
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
        if outage is not None:
            await outage.close()
    said = [(r.name, r.levelname) for r in caplog.records if r.levelno >= logging.WARNING]
    if with_outage:  # the outage says it, once, for everyone
        assert said == [("medalbot.store.outage", "ERROR")]
        assert outage is not None and outage.outages == 1
    else:
        assert said == [("medalbot.cluster.instance", "WARNING")]
    assert "instance 7: heartbeating again" in caplog.text


class SlowChecks(LosableInstances):
    """Checking the others waits (for a connection of a busy pool) until released."""

    def __init__(self) -> None:
        super().__init__(StoreUnavailable("unused"))
        self.checking = asyncio.Event()
        self.go_on = asyncio.Event()
        self.slow = False  # joining checks at once

    async def release_orphaned_claims(self, instance_id: int, now: datetime, stale: float) -> int:
        if self.slow:
            self.checking.set()
            await self.go_on.wait()
        return 0


async def test_a_slow_check_of_the_others_does_not_silence_the_heartbeat() -> None:
    store = SlowChecks()
    settings = ClusterSettings(heartbeat_interval=0.01, instance_stale_after=1.0)
    heartbeat = InstanceHeartbeat(store, settings, shared=True)
    await heartbeat.join()
    store.slow = True
    running = asyncio.create_task(heartbeat.run())
    try:
        async with asyncio.timeout(5):
            await store.checking.wait()
        # the check is stuck: the beats go on (else the others would take this process's
        # claims back once its heartbeat was stale)
        await store.until_beats(store.beats + 5)
    finally:
        store.go_on.set()
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
