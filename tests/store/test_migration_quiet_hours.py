"""Upgrading a database of the first schema: subscriptions and queued deliveries from before
quiet hours existed keep working, with no quiet hours and no digest."""

from __future__ import annotations

from medalbot.domain.schedule import Schedule
from medalbot.store.migrate import apply_migrations, bundled_migrations
from medalbot.store.sql import SqlStore
from tests.store.builders import CHANNEL, GAMES, GUILD, T0
from tests.store.test_migrations import connect


async def test_an_existing_database_upgrades_with_empty_schedules(durable_url: str) -> None:
    db = await connect(durable_url)
    try:
        first, *later = bundled_migrations()
        assert [m.name for m in later][:1] == ["quiet_hours_digests"]
        await apply_migrations(db, [first])
        async with db.transaction() as conn:
            await conn.execute(
                "INSERT INTO subscriptions (guild_id, channel_id, noc, created_at)"
                " VALUES (?, ?, ?, ?)",
                GUILD,
                CHANNEL,
                "NED",
                0,
            )
            await conn.execute(
                "INSERT INTO alerts (id, games_code, event_code, sequence, type, position,"
                " alert_json, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                "a1",
                GAMES,
                "SSKW1500M",
                1,
                "medal",
                1,
                '{"type":"medal","id":"a1"}',
                0,
            )
            await conn.execute(
                "INSERT INTO deliveries (alert_id, subscription_id, guild_id, channel_id,"
                " priority, nonce, status, created_at, next_attempt_at)"
                " VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?)",
                "a1",
                1,
                GUILD,
                CHANNEL,
                0,
                "n-a1",
                0,
                0,
            )

        assert await apply_migrations(db) == [m.version for m in later]

        store = SqlStore(db)
        [sub] = await store.list_subscriptions(GUILD)
        assert (sub.noc, sub.schedule) == ("NED", Schedule())
        [row] = await store.claim_deliveries(T0, 10, 30.0)
        assert (row.alert_id, row.held_at) == ("a1", None)
        stats = await store.outbox_stats()
        assert (stats.pending, stats.held) == (1, 0)
    finally:
        await db.close()
