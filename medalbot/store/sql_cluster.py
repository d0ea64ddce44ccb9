"""What several processes on one database need of the SQL stores, mixed into ``SqlStore``:
``InstanceStore`` and ``CommittedStates`` (medalbot.store.instances).

Taking a claim back sets its lease to ``now``: the row is then due exactly as one whose lease
ran out, so the claim's rules (each channel a FIFO, a pinned batch claimed whole and re-sent
with its nonce) stay the only ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from medalbot.store.times import to_epoch_us

if TYPE_CHECKING:  # medalbot.store.sql mixes this class in
    from medalbot.store.sql_db import Connection, Database

# A claimed row of no live instance (two placeholders: me, now).
_ORPHANED = (
    "status = 'sending' AND claimed_by IS NOT NULL AND claimed_by <> ?"
    " AND claimed_by NOT IN (SELECT id FROM instances) AND lease_until > ?"
)


class SqlCluster:
    _db: Database
    # the instance this store's claims record (None: not registered, claims record nothing)
    _instance_id: int | None = None

    @property
    def instance_id(self) -> int | None:
        return self._instance_id

    async def register_instance(self, now: datetime, description: str = "") -> int:
        now_us = to_epoch_us(now)
        async with self._db.transaction() as conn:
            row = await conn.fetchone(
                "INSERT INTO instances (started_at, heartbeat_at, description)"
                " VALUES (?, ?, ?) RETURNING id",
                now_us,
                now_us,
                description,
            )
        assert row is not None  # RETURNING of an INSERT
        self._instance_id = int(row["id"])
        return self._instance_id

    async def heartbeat_instance(self, instance_id: int, now: datetime) -> None:
        async with self._db.transaction() as conn:
            await beat(conn, instance_id, to_epoch_us(now))

    async def release_orphaned_claims(
        self, instance_id: int, now: datetime, stale_after: float
    ) -> int:
        now_us = to_epoch_us(now)
        stale_us = to_epoch_us(now - timedelta(seconds=stale_after))
        async with self._db.transaction() as conn:
            others = await conn.fetch(
                "SELECT id, heartbeat_at FROM instances WHERE id <> ?", instance_id
            )
            dead = [row["id"] for row in others if row["heartbeat_at"] < stale_us]
            alive = [row["id"] for row in others if row["heartbeat_at"] >= stale_us]
            dead += await self._dead_by_lock(conn, alive)
            for instance in dead:
                await conn.execute("DELETE FROM instances WHERE id = ?", instance)
            released = await conn.fetch(
                f"UPDATE deliveries SET lease_until = ? WHERE {_ORPHANED} RETURNING id",
                now_us,
                instance_id,
                now_us,
            )
        return len(released)

    async def release_all_claims(self, instance_id: int, now: datetime) -> int:
        now_us = to_epoch_us(now)
        async with self._db.transaction() as conn:
            await conn.execute("DELETE FROM instances WHERE id <> ?", instance_id)
            released = await conn.fetch(
                "UPDATE deliveries SET lease_until = ? WHERE status = 'sending'"
                " AND (claimed_by IS NULL OR claimed_by <> ?) AND lease_until > ? RETURNING id",
                now_us,
                instance_id,
                now_us,
            )
        return len(released)

    async def retire_instance(self, instance_id: int, now: datetime) -> int:
        now_us = to_epoch_us(now)
        async with self._db.transaction() as conn:
            await conn.execute("DELETE FROM instances WHERE id = ?", instance_id)
            released = await conn.fetch(
                "UPDATE deliveries SET lease_until = ? WHERE status = 'sending'"
                " AND claimed_by = ? AND lease_until > ? RETURNING id",
                now_us,
                instance_id,
                now_us,
            )
        if self._instance_id == instance_id:
            self._instance_id = None
        return len(released)

    async def committed_sequences(self) -> dict[str, int]:
        async with self._db.reading() as conn:
            rows = await conn.fetch("SELECT games_code, sequence FROM feed_state")
        return {row["games_code"]: int(row["sequence"]) for row in rows}

    async def _dead_by_lock(self, conn: Connection, instance_ids: Sequence[int]) -> list[int]:
        """Those of these instances known dead without waiting for their heartbeat to go
        stale: none here; PostgreSQL checks their connection's advisory lock."""
        return []


async def beat(conn: Connection, instance_id: int, now_us: int) -> None:
    await conn.execute(
        "INSERT INTO instances (id, started_at, heartbeat_at) VALUES (?, ?, ?)"
        " ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at",
        instance_id,
        now_us,
        now_us,
    )
