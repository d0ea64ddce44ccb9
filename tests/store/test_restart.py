"""A durable store (SQLite file, PostgreSQL) reopened after a stop or a crash finds everything."""

from __future__ import annotations

from msgspec.structs import replace

from medalbot.store import open_store
from medalbot.store.base import GuildSettings, OutboxStats
from tests.store.builders import (
    CHANNEL,
    GAMES,
    GUILD,
    OTHER_CHANNEL,
    T0,
    at,
    delivery,
    medal_alert,
    record_alert,
    state,
    subscription,
)


async def test_a_reopened_store_keeps_everything(durable_url: str) -> None:
    gold, record = medal_alert("zz-gold"), record_alert("aa-record")
    store = await open_store(durable_url)
    await store.commit_snapshot(
        state(4, ledger_alert="zz-gold"),
        [gold, record],
        [delivery(gold, priority=0, nonce="n-gold"), delivery(record, OTHER_CHANNEL)],
        T0,
    )
    sub = await store.add_subscription(subscription(noc="NED", role_id=5), T0, 10)
    await store.pause_subscriptions(CHANNEL, "403 Missing Access")
    await store.save_guild_settings(GuildSettings(GUILD, locale="nl", log_channel_id=3))
    sending, sent = await store.claim_deliveries(T0, 10, 30)
    await store.mark_sent([sent.id], 4242, at(1))
    await store.close()  # the process stops while `sending` is still out

    reopened = await open_store(durable_url)
    try:
        assert await reopened.load_state(GAMES) == state(4, ledger_alert="zz-gold")
        assert await reopened.list_alerts(GAMES) == [gold, record]
        assert await reopened.list_subscriptions() == [
            replace(sub, paused_reason="403 Missing Access")
        ]
        assert await reopened.get_guild_settings(GUILD) == GuildSettings(GUILD, "nl", 3)
        assert await reopened.message_for("aa-record", OTHER_CHANNEL) == 4242
        assert await reopened.outbox_stats() == OutboxStats(
            pending=1, oldest_pending_at=T0, sent=1, failed=0
        )
        assert await reopened.claim_deliveries(at(29), 10, 30) == []
        [again] = await reopened.claim_deliveries(at(30), 10, 30)
        assert (again.id, again.nonce, again.attempts) == (sending.id, "n-gold", 2)
    finally:
        await reopened.close()
