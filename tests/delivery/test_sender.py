"""The outbox sender against an in-memory store and a fake Discord that honours nonces."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Sequence
from datetime import datetime, timedelta

import discord
import pytest

from medalbot.config import DeliverySettings
from medalbot.delivery.port import ChannelRefused, TransientFailure
from medalbot.delivery.sender import OutboxSender
from medalbot.domain.alerts import (
    Alert,
    CorrectionAlert,
    RecordAlert,
    RecordSet,
)
from medalbot.domain.state import GamesState
from medalbot.render.alerts import RenderedMessage, render_batch
from medalbot.services.routing import deliveries_for
from medalbot.store.base import Delivery, GuildSettings, NewSubscription, StoreError
from medalbot.store.memory import MemoryStore
from tests.delivery.fixtures import (
    COMMON,
    IDLE_CHECK,
    KOK,
    LEERDAM,
    PODIUM,
    Clock,
    Crash,
    FakeDiscord,
    Posted,
    alerts,
    bronzes,
    drain,
    minimal_state,
    sender,
)


async def setup(store: MemoryStore, batch: list[Alert], state: GamesState, clock: Clock) -> None:
    await store.add_subscription(NewSubscription(guild_id=1, channel_id=10, noc="NED"), clock(), 25)
    await store.add_subscription(NewSubscription(guild_id=1, channel_id=20, noc="JPN"), clock(), 25)
    subs = await store.list_subscriptions()
    await store.commit_snapshot(state, batch, deliveries_for(batch, subs), clock())


def titles(p: Posted) -> list[str | None]:
    return [e.title for e in p.message.embeds]


async def test_a_backlog_for_one_channel_goes_out_as_one_message_in_order() -> None:
    store, port, clock = MemoryStore(), FakeDiscord(), Clock()
    await setup(store, alerts(), minimal_state(sequence=4), clock)
    await drain(sender(store, port, clock))
    oranje = port.channel(10)
    assert len(oranje) == 1 and len(oranje[0].message.embeds) == 3
    assert ["KOK" in (t or "") for t in titles(oranje[0])] == [True, False, False]
    assert "LEERDAM" in (titles(oranje[0])[1] or "")
    assert len(port.channel(20)) == 1  # JPN: the podium only
    assert (await store.outbox_stats()).pending == 0


async def test_a_crash_after_discord_committed_does_not_duplicate() -> None:
    store, port, clock = MemoryStore(), FakeDiscord(), Clock()
    await setup(store, alerts(), minimal_state(sequence=4), clock)
    port.crash_after_commit = True
    with pytest.raises(Crash):
        await drain(sender(store, port, clock, workers=1))
    port.crash_after_commit = False
    # Meanwhile a new alert is queued for the same channel: it must not change the message
    # the crashed batch is re-sent as, or Discord could not recognise the retry.
    late = RecordAlert(
        id="r-late", sequence=5, record=RecordSet("WR", "1:11.50", "NED", "Jutta LEERDAM"), **COMMON
    )
    subs = await store.list_subscriptions()
    await store.commit_snapshot(
        minimal_state(sequence=5), [late], deliveries_for([late], subs), clock()
    )
    clock.now += timedelta(seconds=31)  # the dead sender's lease runs out
    await drain(sender(store, port, clock))
    first, second = port.channel(10)
    assert len(first.message.embeds) == 3 and len(second.message.embeds) == 1
    assert len(port.channel(20)) == 1
    assert (await store.outbox_stats()).pending == 0


async def test_a_5xx_is_retried_later_with_the_same_nonce() -> None:
    store, port, clock = MemoryStore(), FakeDiscord(), Clock()
    await setup(store, alerts()[:1], minimal_state(sequence=2), clock)
    port.failures[10] = [TransientFailure("HTTP 503")]
    s = sender(store, port, clock)
    await drain(s)
    assert port.channel(10) == []
    await drain(s)
    assert port.channel(10) == []  # not due yet: backoff
    clock.now += timedelta(seconds=120)
    await drain(s)
    assert len(port.channel(10)) == 1


async def test_a_429_is_not_retried_before_discord_said_even_after_a_restart() -> None:
    store, port, clock = MemoryStore(), FakeDiscord(), Clock()
    await setup(store, alerts()[:1], minimal_state(sequence=2), clock)
    port.failures[10] = [TransientFailure("HTTP 429: You are being rate limited.", retry_after=30)]
    quick = {"retry_base": 0.01, "retry_cap": 0.01}  # backoff alone would retry at once
    await drain(sender(store, port, clock, **quick))
    assert port.channel(10) == []
    # A restarted sender has no memory of the 429 (its pacer is new): the outbox row must.
    clock.now += timedelta(seconds=29)
    await drain(sender(store, port, clock, **quick))
    assert port.channel(10) == []
    clock.now += timedelta(seconds=2)
    await drain(sender(store, port, clock, **quick))
    assert len(port.channel(10)) == 1


async def test_after_a_429_nothing_else_goes_to_that_channel_while_discord_holds_it() -> None:
    store, port, clock = MemoryStore(), FakeDiscord(), Clock()
    await setup(store, alerts()[:1], minimal_state(sequence=2), clock)
    port.failures[10] = [TransientFailure("HTTP 429: You are being rate limited.", retry_after=30)]
    s = sender(store, port, clock)
    await drain(s)
    digest = render_batch(alerts()[:1], locale="en")  # a message that is no outbox row
    await asyncio.wait_for(s.post(1, 20, digest, "other-channel"), timeout=5)
    assert len(port.channel(20)) == 1  # other channels are not held up
    # The held channel's send must still be waiting (it would go at once without the hold).
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(s.post(1, 10, digest, "held-channel"), timeout=0.3)
    assert port.channel(10) == []


async def test_messages_wait_for_the_global_and_the_channel_rate_limits() -> None:
    # Real time, as the sender's limiters use it; only lower bounds, which a slow machine
    # cannot break. The asyncio clock may wake a hair early, hence the 0.01 s allowance.
    message = render_batch(alerts()[:1], locale="en")
    everywhere = OutboxSender(
        MemoryStore(),
        FakeDiscord(),
        DeliverySettings(global_rate=20, global_burst=1, channel_rate=1000),
    )
    started = time.monotonic()
    for channel in (10, 20, 30):  # three channels: only the global limit applies
        await everywhere.post(1, channel, message, f"global-{channel}")
    assert time.monotonic() - started >= 0.1 - 0.01  # a burst of 1 at 20/s: two waits of 0.05 s
    one_channel = OutboxSender(
        MemoryStore(),
        FakeDiscord(),
        DeliverySettings(global_rate=1000, global_burst=1000, channel_rate=2, channel_period=0.1),
    )
    started = time.monotonic()
    for n in range(3):  # the third message waits for the channel's window to move on
        await one_channel.post(1, 10, message, f"channel-{n}")
    assert time.monotonic() - started >= 0.1 - 0.01


async def test_a_refusing_channel_is_paused_and_reported_once() -> None:
    store, port, clock = MemoryStore(), FakeDiscord(), Clock()
    await setup(store, alerts(), minimal_state(sequence=4), clock)
    port.failures[10] = [ChannelRefused("Missing Permissions", status=403, code=50013)]
    told: list[tuple[int, int, str]] = []

    async def tell(guild: int, channel: int, reason: str) -> None:
        told.append((guild, channel, reason))

    s = OutboxSender(
        store,
        port,
        DeliverySettings(global_rate=1000, global_burst=1000),
        clock=clock,
        on_channel_refused=tell,
        idle_check=IDLE_CHECK,
    )
    await drain(s)
    paused = [sub for sub in await store.list_subscriptions(1) if sub.paused_reason]
    assert [(sub.channel_id, sub.paused_reason) for sub in paused] == [(10, "Missing Permissions")]
    assert told == [(1, 10, "Missing Permissions")]
    assert len(port.channel(20)) == 1  # the other channel is unaffected
    assert (await store.outbox_stats()).pending == 0


async def withdraw_kok_record(locale: str) -> tuple[MemoryStore, Posted, Posted]:
    """Kok's record goes out in a server speaking ``locale``, then is withdrawn."""
    store, port, clock = MemoryStore(), FakeDiscord(), Clock()
    await store.save_guild_settings(GuildSettings(guild_id=1, locale=locale))
    await setup(store, alerts()[:1], minimal_state(sequence=2), clock)
    s = sender(store, port, clock)
    await drain(s)
    correction = CorrectionAlert(
        id="c-kok", sequence=5, before=(KOK,), after=(), corrects=("r-kok",), **COMMON
    )
    subs = await store.list_subscriptions()
    await store.commit_snapshot(
        minimal_state(sequence=5), [correction], deliveries_for([correction], subs), clock()
    )
    await drain(s)
    original, notice = port.channel(10)
    return store, original, notice


async def test_a_correction_edits_the_original_and_posts_a_notice() -> None:
    store, original, notice = await withdraw_kok_record("en")
    assert len(original.edits) == 1 and len(notice.message.embeds) == 1
    assert await store.message_for("c-kok", 10) == notice.id
    (edited,) = original.edits[0]
    assert edited.title == "⚠️ Corrected: Speed Skating · Women's 1000m"
    shown = edited.description or ""
    assert shown.startswith("~~⚡ New Olympic record: Femke KOK") and shown.endswith("→ withdrawn")
    assert (notice.message.embeds[0].description or "").endswith("→ withdrawn")


async def test_a_correction_is_shown_in_the_servers_language_in_the_edit_too() -> None:
    _, original, notice = await withdraw_kok_record("nl")
    (edited,) = original.edits[0]
    assert edited.title == "⚠️ Gecorrigeerd: Schaatsen · Women's 1000m"
    shown = edited.description or ""
    assert shown.startswith("~~⚡ Nieuw olympisch record: Femke KOK")
    assert shown.endswith("→ ingetrokken")
    assert (notice.message.embeds[0].title or "").startswith("⚠️ Correctie: Schaatsen")


async def test_a_corrected_podium_keeps_the_channels_own_nation_in_the_edited_headline() -> None:
    store, port, clock = MemoryStore(), FakeDiscord(), Clock()
    await setup(store, alerts()[2:], minimal_state(sequence=4), clock)  # the podium only
    s = sender(store, port, clock)
    await drain(s)
    takagi = PODIUM[2]
    correction = CorrectionAlert(
        id="c-takagi", sequence=5, before=(takagi,), after=(), corrects=("m-podium",), **COMMON
    )
    subs = await store.list_subscriptions()
    await store.commit_snapshot(
        minimal_state(sequence=5), [correction], deliveries_for([correction], subs), clock()
    )
    await drain(s)
    original, _notice = port.channel(20)
    assert original.message.embeds[0].title == "🥉 Miho TAKAGI wins bronze for 🇯🇵 Japan"
    (edited,) = original.edits[0]
    assert (edited.description or "").startswith("~~🥉 Miho TAKAGI wins bronze for 🇯🇵 Japan~~")


async def test_a_pinned_batch_cut_by_the_claim_limit_still_shows_every_alert() -> None:
    store, port, clock = MemoryStore(), FakeDiscord(), Clock()
    await setup(store, alerts(), minimal_state(sequence=4), clock)
    # The three NED alerts are pinned to one message, then the process dies before Discord
    # has it; it comes back claiming fewer rows per pass than the message carries.
    port.failures[10] = [Crash()]
    with pytest.raises(Crash):
        await drain(sender(store, port, clock, workers=1))
    clock.now += timedelta(seconds=31)
    s = sender(store, port, clock, batch_size=2)
    await drain(s)

    shown = [title for p in port.channel(10) for title in titles(p)]
    assert len(shown) == 3  # none marked sent inside a message that does not carry it
    assert (await store.outbox_stats()).sent == 4


class FlakyStore(MemoryStore):
    """The database is unreachable for the first claim, then back."""

    def __init__(self) -> None:
        super().__init__()
        self.claim_failures = 1

    async def claim_deliveries(
        self, now: datetime, limit: int, lease_seconds: float
    ) -> list[Delivery]:
        if self.claim_failures:
            self.claim_failures -= 1
            raise StoreError("database is locked")
        return await super().claim_deliveries(now, limit, lease_seconds)


async def test_the_sender_keeps_running_after_a_database_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    store, port, clock = FlakyStore(), FakeDiscord(), Clock()
    await setup(store, alerts()[:1], minimal_state(sequence=2), clock)
    s = OutboxSender(
        store,
        port,
        DeliverySettings(global_rate=1000, global_burst=1000),
        clock=clock,
        idle_check=0.01,
    )
    running = asyncio.create_task(s.run())
    try:
        await asyncio.wait_for(s.wait_idle(), 5)
    finally:
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running

    assert len(port.channel(10)) == 1
    assert "database is locked" in caplog.text


async def test_an_unexpected_failure_in_one_channel_is_logged_and_the_others_go_out(
    caplog: pytest.LogCaptureFixture,
) -> None:
    store, port, clock = MemoryStore(), FakeDiscord(), Clock()
    await setup(store, alerts(), minimal_state(sequence=4), clock)
    port.failures[10] = [RuntimeError("boom")]

    await drain(sender(store, port, clock))

    assert len(port.channel(20)) == 1
    [failure] = [r for r in caplog.records if r.exc_info]
    assert failure.getMessage() == "channel 10: sending alerts r-kok,r-leerdam,m-podium failed"


async def test_alerts_waiting_behind_a_failing_message_keep_all_their_attempts() -> None:
    store, port, clock = MemoryStore(), FakeDiscord(), Clock()
    await setup(store, bronzes(11), minimal_state(sequence=2), clock)  # two messages for #10
    s = sender(store, port, clock, max_attempts=3, retry_base=0.01, retry_cap=0.01)
    # The first message fails twice and then goes; the second then fails once, its first try.
    port.failures[10] = [TransientFailure("HTTP 503"), TransientFailure("HTTP 503")]
    port.failures[10] += [None, TransientFailure("HTTP 502")]
    for _ in range(4):
        await drain(s)
        clock.now += timedelta(seconds=1)

    assert sum(len(p.message.embeds) for p in port.channel(10)) == 11
    assert (await store.outbox_stats()).failed == 0


class Stalled:
    """A sender's view of Discord that hangs in its first send until released (a long pass)."""

    def __init__(self, discord: FakeDiscord) -> None:
        self._discord = discord
        self.entered = asyncio.Event()
        self.release = asyncio.Event()

    async def send(self, channel_id: int, message: RenderedMessage, nonce: str) -> int:
        if not self.release.is_set():
            self.entered.set()
            await self.release.wait()
        return await self._discord.send(channel_id, message, nonce)

    async def edit(self, channel_id: int, message_id: int, embeds: Sequence[discord.Embed]) -> None:
        await self._discord.edit(channel_id, message_id, embeds)


async def test_rows_another_sender_took_over_after_the_lease_are_not_sent_again() -> None:
    store, port, clock = MemoryStore(), FakeDiscord(), Clock()
    await setup(store, bronzes(11), minimal_state(sequence=2), clock)  # two messages for #10
    stalled = Stalled(port)
    settings = DeliverySettings(global_rate=1000, global_burst=1000, channel_rate=1000)
    first = asyncio.create_task(
        drain(OutboxSender(store, stalled, settings, clock=clock, idle_check=IDLE_CHECK))
    )
    await asyncio.wait_for(stalled.entered.wait(), 5)
    # The first sender hangs past its lease; another process takes the rows over, together
    # with an alert that came in meanwhile, and sends them in messages of its own making.
    late = RecordAlert(id="r-late", sequence=3, record=LEERDAM, **COMMON)
    subs = await store.list_subscriptions()
    await store.commit_snapshot(
        minimal_state(sequence=3), [late], deliveries_for([late], subs), clock()
    )
    clock.now += timedelta(seconds=31)
    await drain(sender(store, port, clock))
    stalled.release.set()
    await first

    shown = [title for p in port.channel(10) for title in titles(p)]
    assert len(shown) == 12 and len(set(shown)) == 12  # each alert once


async def test_alerts_queued_before_an_unsubscribe_are_not_sent(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="medalbot.delivery.sender")
    store, port, clock = MemoryStore(), FakeDiscord(), Clock()
    await setup(store, alerts(), minimal_state(sequence=4), clock)
    [ned] = [sub for sub in await store.list_subscriptions() if sub.channel_id == 10]
    await store.remove_subscription(1, ned.id)

    await drain(sender(store, port, clock))

    assert port.channel(10) == [] and len(port.channel(20)) == 1
    assert (await store.outbox_stats()).failed == 3
    assert "channel 10: alerts r-kok,r-leerdam,m-podium not sent: subscription removed" in (
        caplog.text
    )


async def test_alerts_of_a_paused_subscription_still_queued_are_not_sent() -> None:
    store, port, clock = MemoryStore(), FakeDiscord(), Clock()
    await setup(store, alerts(), minimal_state(sequence=4), clock)
    # Paused, but its queued rows were not dropped with it (the process died in between, or
    # a poll queued them as the channel refused us): asking Discord again only costs a 403.
    await store.pause_subscriptions(10, "Missing Access")

    await drain(sender(store, port, clock))

    assert port.channel(10) == [] and len(port.channel(20)) == 1
    stats = await store.outbox_stats()
    assert (stats.pending, stats.failed) == (0, 3)
