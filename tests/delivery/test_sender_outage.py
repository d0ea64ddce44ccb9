"""The sender through a database outage: a message posted but not recorded when the database
went away is sent again with its nonce once it is back (Discord hands back the first), the
claims wait meanwhile, and the outage is reported once, not logged at every try."""

from __future__ import annotations

import asyncio
import logging

import pytest

from medalbot.config import DeliverySettings
from medalbot.delivery.sender import OutboxSender
from medalbot.render.alerts import RenderedMessage
from medalbot.store.base import OutboxStats, StoreUnavailable
from medalbot.store.memory import MemoryStore
from medalbot.store.outage import StoreOutage
from tests.delivery.fixtures import IDLE_CHECK, Clock, FakeDiscord, Posted, bronzes
from tests.delivery.test_sender_pipeline import queue, running, subscribe

CHANNELS = [1, 2, 3]


class LosableStore(MemoryStore):
    """A store whose database can be made unreachable: every outbox call then fails."""

    def __init__(self) -> None:
        super().__init__()
        self.reachable = True
        self.refused = 0  # calls made while unreachable
        self._refusal = asyncio.Event()
        self.outage: StoreOutage | None = None
        self.claims_during_outage = 0  # claims tried once the outage was known: none

    def _check(self) -> None:
        if not self.reachable:
            self.refused += 1
            self._refusal.set()
            raise StoreUnavailable("PostgreSQL error: connection was closed")

    async def until_refused(self, count: int, probes: int = 0) -> None:
        """Until ``count`` calls were refused, ``probes`` of them the outage's probe."""
        async with asyncio.timeout(5):
            while self.refused < count or (self.outage and self.outage.probes < probes):
                self._refusal.clear()
                await self._refusal.wait()

    async def claim_deliveries(self, now, limit, lease_seconds):  # type: ignore[no-untyped-def]
        if self.outage is not None and self.outage.down:
            self.claims_during_outage += 1
        self._check()
        return await super().claim_deliveries(now, limit, lease_seconds)

    async def mark_sent(self, delivery_ids, message_id, now):  # type: ignore[no-untyped-def]
        self._check()
        await super().mark_sent(delivery_ids, message_id, now)

    async def set_batch(self, delivery_ids, nonce):  # type: ignore[no-untyped-def]
        self._check()
        return await super().set_batch(delivery_ids, nonce)

    async def mark_retry(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        self._check()
        await super().mark_retry(*args, **kwargs)

    async def outbox_stats(self) -> OutboxStats:
        self._check()
        return await super().outbox_stats()


class CutAfterFirstPost(FakeDiscord):
    """The database goes away right after Discord took the first message."""

    def __init__(self, store: LosableStore) -> None:
        super().__init__()
        self.store = store
        self.first = asyncio.Event()

    async def send(self, channel_id: int, message: RenderedMessage, nonce: str) -> int:
        message_id = await super().send(channel_id, message, nonce)
        if not self.first.is_set():
            self.first.set()
            self.store.reachable = False
        return message_id


async def test_an_outage_mid_send_loses_nothing_and_doubles_nothing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock, store = Clock(), LosableStore()
    await subscribe(store, clock, CHANNELS)
    await queue(store, clock, bronzes(3), sequence=2)
    discord = CutAfterFirstPost(store)
    outage = StoreOutage(store.outbox_stats, first_retry=0.01, max_retry=0.02)
    store.outage = outage
    delivery = DeliverySettings(
        global_rate=1000, global_burst=1000, channel_rate=1000, max_embeds_per_message=1
    )
    sender = OutboxSender(
        store, discord, delivery, clock=clock, idle_check=IDLE_CHECK, outage=outage
    )
    async with running(sender):
        await asyncio.wait_for(discord.first.wait(), timeout=5)
        await store.until_refused(1)  # recording the first message
        assert outage.down
        await store.until_refused(1, probes=outage.probes + 5)  # the probe tries, again and again
        posted_while_down = len(discord.posted)
        store.reachable = True  # the database is back
        await asyncio.wait_for(outage.wait_up(), timeout=5)
        await asyncio.wait_for(sender.wait_idle(), timeout=5)
    assert posted_while_down <= len(CHANNELS)  # the jobs on the wire when it went, no more
    for channel_id in CHANNELS:
        posted = discord.channel(channel_id)
        # each alert once, in order
        assert [skater(p) for p in posted] == ["Skater 0", "Skater 1", "Skater 2"]
    stats = await store.outbox_stats()
    assert (stats.pending, stats.sent) == (0, 9)
    said = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.name for r in said] == ["medalbot.store.outage", "medalbot.store.outage"], [
        r.getMessage() for r in said
    ]
    assert outage.outages == 1
    assert store.claims_during_outage == 0  # the claims waited for the database


def skater(posted: Posted) -> str:
    (embed,) = posted.message.embeds
    (name,) = {f"Skater {i}" for i in range(3) if f"Skater {i}" in str(embed.to_dict())}
    return name
