"""The Store contract for a large outbox batch, on memory, SQLite and PostgreSQL.

One poll can route an alert to thousands of channels: the SQL stores insert such a batch in
chunks (and PostgreSQL as arrays), and every row must still read back as offered, in order.
"""

from __future__ import annotations

from medalbot.domain.alerts import Alert
from medalbot.domain.subscriptions import NewDelivery
from medalbot.store import sql
from medalbot.store.base import Delivery, DeliveryStatus, Store
from tests.store.builders import CHANNEL, GUILD, T0, delivery, medal_alert, record_alert, state

LEASE = 30.0
CHANNELS = 3_000  # two alerts each: more rows than one INSERT chunk of the SQL stores


def offered_as(row: Delivery) -> NewDelivery:
    return NewDelivery(
        alert_id=row.alert_id,
        subscription_id=row.subscription_id,
        guild_id=row.guild_id,
        channel_id=row.channel_id,
        priority=row.priority,
        nonce=row.nonce,
    )


async def test_a_large_batch_reads_back_as_offered_in_order(store: Store) -> None:
    alerts: list[Alert] = [medal_alert("gold"), record_alert("record")]
    offered = [
        delivery(
            alert,
            CHANNEL + i,  # 64-bit snowflakes near the top of BIGINT
            priority=i % 3,
            subscription_id=1_000_000 + i,
            guild_id=GUILD + i % 7,
            nonce=f"{alert.id}·{i}",  # not ASCII
        )
        for alert in alerts
        for i in range(CHANNELS)
    ]
    assert len(offered) > sql._INSERT_CHUNK
    # Offered again for the same channels by other subscriptions: one against a row of an
    # earlier chunk, one against a row of its own chunk. The first offer stands.
    again = [
        delivery(alerts[0], CHANNEL, subscription_id=7),
        delivery(alerts[1], CHANNEL + CHANNELS - 1, subscription_id=8),
    ]

    await store.commit_snapshot(state(1), alerts, [*offered, *again], T0)
    claimed = await store.claim_deliveries(T0, 2 * len(offered), LEASE)

    assert [offered_as(row) for row in sorted(claimed, key=lambda row: row.id)] == offered
    assert {(row.created_at, row.next_attempt_at) for row in claimed} == {(T0, T0)}
    assert {(row.status, row.attempts) for row in claimed} == {(DeliveryStatus.SENDING, 1)}
