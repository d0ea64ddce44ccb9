"""The InstanceStore contract (medalbot.store.instances) on memory, SQLite and PostgreSQL: a
claim belongs to the instance that made it, and comes back as soon as that instance is dead,
not when its 30 s lease runs out, with the channel's order and the pinned nonce intact."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import cast

import asyncpg

from medalbot.store import open_store
from medalbot.store.base import Store
from medalbot.store.instances import InstanceStore
from tests.store.builders import CHANNEL, OTHER_CHANNEL, T0, at, delivery, medal_alert, state

LEASE = 30.0
STALE = 3.0


def _instances(store: Store) -> InstanceStore:
    assert isinstance(store, InstanceStore)
    return store


def _store(instances: InstanceStore) -> Store:
    return cast(Store, instances)  # every store is both


@asynccontextmanager
async def two_processes(store_url: str) -> AsyncIterator[tuple[InstanceStore, InstanceStore]]:
    """Two processes' stores on one database (memory: one store, it has no other process)."""
    first = await open_store(store_url)
    second = first if store_url == "memory://" else await open_store(store_url)
    try:
        yield _instances(first), _instances(second)
    finally:
        await first.close()
        if second is not first:
            await second.close()


async def _queue(store: Store, *specs: tuple[str, int]) -> None:
    """One snapshot whose alerts each go to one channel: (alert id, channel)."""
    alerts = [medal_alert(alert_id) for alert_id, _ in specs]
    await store.commit_snapshot(state(1), alerts, [delivery(a, c) for a, c in specs], T0)


async def test_a_silent_instances_claim_comes_back_at_once_in_order_with_its_nonce(
    store_url: str,
) -> None:
    async with two_processes(store_url) as (crashing, survivor):
        store, other = _store(crashing), _store(survivor)
        await _queue(store, ("a1", CHANNEL), ("a2", CHANNEL), ("b1", OTHER_CHANNEL))
        dead = await crashing.register_instance(T0, "the one that stops")
        # it claims a1 (the limit cuts the channel) and pins it to a message it never records
        [a1] = await store.claim_deliveries(T0, 1, LEASE)
        assert a1.alert_id == "a1"
        assert await store.set_batch([a1.id], "nonce-a1") is True

        alive = await survivor.register_instance(at(1), "the one that takes over")
        # a2 waits behind a1, on the wire as far as anyone knows; b1 is free
        assert [d.alert_id for d in await other.claim_deliveries(at(1), 10, LEASE)] == ["b1"]
        # heartbeats within stale_after: it still counts as alive
        await crashing.heartbeat_instance(dead, at(1))
        await survivor.heartbeat_instance(alive, at(3.9))
        assert await survivor.release_orphaned_claims(alive, at(3.9), STALE) == 0
        assert await other.claim_deliveries(at(3.9), 10, LEASE) == []

        # silent for more than stale_after (a host gone without a word): its claim is due
        # again, long before its lease ends
        assert await survivor.release_orphaned_claims(alive, at(4.1), STALE) == 1
        again = await other.claim_deliveries(at(4.1), 10, LEASE)
        assert [(d.alert_id, d.batch_nonce) for d in again] == [("a1", "nonce-a1"), ("a2", None)]
        assert again[0].id == a1.id and again[0].attempts == 2
        # the dead instance is forgotten; the live one's claims are its own
        assert await survivor.release_orphaned_claims(alive, at(60), STALE) == 0


async def test_a_live_instances_claims_stay_claimed(store_url: str) -> None:
    async with two_processes(store_url) as (first, second):
        await _queue(_store(first), ("a1", CHANNEL))
        first_id = await first.register_instance(T0)
        [claimed] = await _store(first).claim_deliveries(T0, 10, LEASE)
        second_id = await second.register_instance(T0)
        for moment in range(1, 20):
            await first.heartbeat_instance(first_id, at(moment))
            assert await second.release_orphaned_claims(second_id, at(moment), STALE) == 0
            assert await _store(second).claim_deliveries(at(moment), 10, LEASE) == []
        # its lease still ends it, as before
        again = await _store(second).claim_deliveries(at(LEASE), 10, LEASE)
        assert [d.id for d in again] == [claimed.id]


async def test_one_process_takes_back_every_claim_at_start_up(store: Store) -> None:
    instances = _instances(store)
    await _queue(store, ("a1", CHANNEL), ("b1", OTHER_CHANNEL))
    # a claim without an instance (an older release), and one of an instance that just died
    [a1] = await store.claim_deliveries(T0, 1, LEASE)
    await instances.register_instance(T0)
    [b1] = await store.claim_deliveries(T0, 10, LEASE)
    assert (a1.alert_id, b1.alert_id) == ("a1", "b1")

    restarted = await instances.register_instance(at(0.5))
    assert await instances.release_all_claims(restarted, at(0.5)) == 2
    again = await store.claim_deliveries(at(0.5), 10, LEASE)
    assert sorted(d.alert_id for d in again) == ["a1", "b1"]
    # its own claims are not taken back from it
    assert await instances.release_all_claims(restarted, at(1)) == 0


async def test_a_clean_exit_hands_its_claims_back(store: Store) -> None:
    instances = _instances(store)
    await _queue(store, ("a1", CHANNEL))
    leaving = await instances.register_instance(T0)
    [claimed] = await store.claim_deliveries(T0, 10, LEASE)
    assert await instances.retire_instance(leaving, at(1)) == 1
    assert [d.id for d in await store.claim_deliveries(at(1), 10, LEASE)] == [claimed.id]


async def test_a_killed_processs_instance_is_dead_at_once_on_postgres(postgres_url: str) -> None:
    """The dead process's connection drops its advisory lock: its claim comes back although
    its last heartbeat is fresh."""
    crashing = await open_store(postgres_url)
    survivor = await open_store(postgres_url)
    try:
        assert isinstance(crashing, InstanceStore) and isinstance(survivor, InstanceStore)
        await _queue(crashing, ("a1", CHANNEL))
        dead = await crashing.register_instance(T0)
        [claimed] = await crashing.claim_deliveries(T0, 10, LEASE)
        alive = await survivor.register_instance(T0)
        await crashing.heartbeat_instance(dead, at(1))
        assert await survivor.release_orphaned_claims(alive, at(1), STALE) == 0

        # kill -9 as the server sees it: every connection of the process goes away
        admin = await asyncpg.connect(postgres_url)
        try:
            await admin.execute(
                "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                " AND application_name = '' AND pid IN (SELECT pid FROM pg_locks"
                " WHERE locktype = 'advisory' AND objid = $1)",
                dead,
            )
        finally:
            await admin.close()

        assert await survivor.release_orphaned_claims(alive, at(1.5), STALE) == 1
        [again] = await survivor.claim_deliveries(at(1.5), 10, LEASE)
        assert again.id == claimed.id
    finally:
        await crashing.close()
        await survivor.close()


async def test_claims_taken_back_go_before_older_rows_never_claimed(store_url: str) -> None:
    async with two_processes(store_url) as (crashing, survivor):
        store, other = _store(crashing), _store(survivor)
        dead = await crashing.register_instance(T0, "the one that stops")
        await _queue(store, ("a1", CHANNEL), ("x1", OTHER_CHANNEL), ("a2", CHANNEL))
        claimed = {d.alert_id: d for d in await store.claim_deliveries(T0, 10, LEASE)}
        # it puts OTHER_CHANNEL's x1 back unsent (older than a2, never claimed now), sends a1,
        # and pins a2 to a message that may be on Discord already
        await store.mark_retry([claimed["x1"].id], T0, "put back unsent", attempted=False)
        await store.mark_sent([claimed["a1"].id], 1, at(1))
        assert await store.set_batch([claimed["a2"].id], "nonce-a2") is True

        alive = await survivor.register_instance(at(5), "the one that takes over")
        await survivor.heartbeat_instance(alive, at(5))
        assert await survivor.release_orphaned_claims(alive, at(5), STALE) == 1
        assert dead != alive
        # Its work was at the head of the queue when it was claimed: it goes first again,
        # not behind every row older than it (the whole tail of a fan-out, seconds).
        first = await other.claim_deliveries(at(5), 1, LEASE)
        assert [(d.alert_id, d.batch_nonce) for d in first] == [("a2", "nonce-a2")]
        assert [d.alert_id for d in await other.claim_deliveries(at(5), 1, LEASE)] == ["x1"]
