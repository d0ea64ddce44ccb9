"""The sender's run loop is a pipeline: a slow channel holds up only itself; a channel is still
sent by one job at a time, in order, even when its lease runs out mid-send; and a job does not
start a message its claim's lease might not cover."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import datetime, timedelta
from typing import TypedDict

import discord

from medalbot.config import DeliverySettings
from medalbot.delivery.sender import OutboxSender
from medalbot.domain.alerts import Alert, RecordAlert
from medalbot.render.alerts import RenderedMessage
from medalbot.services.routing import deliveries_for
from medalbot.store.base import Delivery, NewSubscription
from medalbot.store.memory import MemoryStore
from tests.delivery.fixtures import (
    COMMON,
    IDLE_CHECK,
    KOK,
    LEERDAM,
    Clock,
    FakeDiscord,
    bronzes,
    drain,
    minimal_state,
)

SLOW = 1  # the channel Discord answers slowly
OTHERS = list(range(2, 52))  # 50 channels answered at once


class Rates(TypedDict):
    global_rate: float
    global_burst: int
    channel_rate: int


UNLIMITED = Rates(global_rate=1000.0, global_burst=1000, channel_rate=1000)


class Held(FakeDiscord):
    """Answers message creates in one channel only when the test releases them; counts how
    many of that channel's are on the wire at once."""

    def __init__(self, channel_id: int) -> None:
        super().__init__()
        self.held = channel_id
        self.entered = asyncio.Event()
        self.release = asyncio.Event()
        self.in_flight = 0
        self.most_in_flight = 0
        self.posted_one = asyncio.Event()

    async def send(self, channel_id: int, message: RenderedMessage, nonce: str) -> int:
        if channel_id != self.held:
            return await self._post(channel_id, message, nonce)
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            self.entered.set()
            await self.release.wait()
            return await self._post(channel_id, message, nonce)
        finally:
            self.in_flight -= 1

    async def _post(self, channel_id: int, message: RenderedMessage, nonce: str) -> int:
        message_id = await super().send(channel_id, message, nonce)
        self.posted_one.set()
        return message_id

    async def until(self, condition: Callable[[], bool]) -> None:
        """Until what the channels show meets ``condition`` (a generous deadline)."""
        async with asyncio.timeout(10):
            while not condition():
                self.posted_one.clear()
                await self.posted_one.wait()

    async def edit(self, channel_id: int, message_id: int, embeds: Sequence[discord.Embed]) -> None:
        await super().edit(channel_id, message_id, embeds)


async def subscribe(store: MemoryStore, clock: Clock, channels: list[int]) -> None:
    for channel_id in channels:  # a server each (25 subscriptions at most per server)
        sub = NewSubscription(guild_id=channel_id, channel_id=channel_id, noc="NED")
        await store.add_subscription(sub, clock(), 25)


async def queue(store: MemoryStore, clock: Clock, batch: list[Alert], sequence: int) -> None:
    subs = await store.list_subscriptions()
    await store.commit_snapshot(
        minimal_state(sequence), batch, deliveries_for(batch, subs), clock()
    )


@contextlib.asynccontextmanager
async def running(s: OutboxSender) -> AsyncIterator[asyncio.Task[None]]:
    task = asyncio.create_task(s.run())
    try:
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_a_slow_channel_holds_up_none_of_the_others() -> None:
    store, port, clock = MemoryStore(), Held(SLOW), Clock()
    await subscribe(store, clock, [SLOW, *OTHERS])  # the slow one is claimed first
    kok = RecordAlert(id="r-kok", sequence=2, record=KOK, **COMMON)
    await queue(store, clock, [kok], 2)
    # small claims, few workers: the 50 others need several claims after the slow one's
    settings = DeliverySettings(**UNLIMITED, batch_size=10, workers=4)
    s = OutboxSender(store, port, settings, clock=clock, idle_check=0.05)
    async with running(s):
        await asyncio.wait_for(port.entered.wait(), 10)
        # every other channel gets its alert while the slow channel's is still unanswered
        await port.until(lambda: all(port.channel(c) for c in OTHERS))
        assert port.channel(SLOW) == [] and port.in_flight == 1
        port.release.set()
        await port.until(lambda: bool(port.channel(SLOW)))
        await asyncio.wait_for(s.wait_idle(), 10)
    assert all(len(port.channel(c)) == 1 for c in [SLOW, *OTHERS])
    assert (await store.outbox_stats()).pending == 0


async def test_a_channel_whose_lease_runs_out_mid_send_is_not_sent_twice_at_once() -> None:
    store, port, clock = MemoryStore(), Held(SLOW), Clock()
    await subscribe(store, clock, [SLOW, 2])
    kok = RecordAlert(id="r-kok", sequence=2, record=KOK, **COMMON)
    await queue(store, clock, [kok], 2)
    s = OutboxSender(store, port, DeliverySettings(**UNLIMITED), clock=clock, idle_check=0.05)
    async with running(s):
        await asyncio.wait_for(port.entered.wait(), 10)
        # the send hangs past its lease; a new alert comes: the next claims take the hung row
        # again (its lease ran out) with the new one behind it
        leerdam = RecordAlert(id="r-leerdam", sequence=3, record=LEERDAM, **COMMON)
        await queue(store, clock, [leerdam], 3)
        clock.now += timedelta(seconds=31)
        s.wake()
        await port.until(lambda: len(port.channel(2)) == 2)  # the other channel got both
        assert port.channel(SLOW) == [] and port.most_in_flight == 1
        port.release.set()
        await port.until(lambda: len(port.channel(SLOW)) == 2)
        await asyncio.wait_for(s.wait_idle(), 10)
    assert port.most_in_flight == 1  # never two messages on the wire for one channel
    shown = [e.title or "" for p in port.channel(SLOW) for e in p.message.embeds]
    assert len(shown) == 2 and "KOK" in shown[0] and "LEERDAM" in shown[1]  # once each, in order
    assert (await store.outbox_stats()).pending == 0


class Slow(FakeDiscord):
    """Each message create in #1 takes ``answer`` seconds of a fake monotonic clock."""

    def __init__(self, answer: float) -> None:
        super().__init__()
        self.answer = answer
        self.now = 0.0

    def monotonic(self) -> float:
        return self.now

    async def send(self, channel_id: int, message: RenderedMessage, nonce: str) -> int:
        self.now += self.answer
        return await super().send(channel_id, message, nonce)

    async def edit(self, channel_id: int, message_id: int, embeds: Sequence[discord.Embed]) -> None:
        await super().edit(channel_id, message_id, embeds)


class Claims(MemoryStore):
    """Notes the ids of the rows each claim that found some returned."""

    def __init__(self) -> None:
        super().__init__()
        self.claims: list[list[int]] = []

    async def claim_deliveries(
        self, now: datetime, limit: int, lease_seconds: float
    ) -> list[Delivery]:
        rows = await super().claim_deliveries(now, limit, lease_seconds)
        if rows:
            self.claims.append(sorted(r.id for r in rows))
        return rows


async def test_a_message_the_lease_might_not_cover_is_put_back_not_sent() -> None:
    store, clock = Claims(), Clock()
    port = Slow(answer=25.0)  # a slow answer, in time (send_timeout 10 s is the adapter's)
    await subscribe(store, clock, [SLOW])
    await queue(store, clock, bronzes(2), 2)
    settings = DeliverySettings(
        **UNLIMITED,
        max_embeds_per_message=1,  # two messages
        lease_seconds=30.0,
        send_timeout=10.0,
    )
    s = OutboxSender(
        store, port, settings, clock=clock, monotonic=port.monotonic, idle_check=IDLE_CHECK
    )
    await drain(s)
    # After the first answer 5 s of lease were left: the second message could still have been
    # on the wire when it ran out, so it was put back and claimed again, with a lease of its own.
    first, second = store.claims[0]
    assert store.claims == [[first, second], [second]]
    assert [len(p.message.embeds) for p in port.channel(SLOW)] == [1, 1]
    assert (await store.outbox_stats()).pending == 0
