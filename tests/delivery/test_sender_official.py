"""When an event's result becomes official, the messages that announced its medals are edited
to say so: the same messages, no new one, nobody pinged."""

from __future__ import annotations

from collections.abc import Sequence

import discord
import msgspec

from medalbot.config import DeliverySettings
from medalbot.delivery.port import TransientFailure
from medalbot.delivery.sender import OutboxSender
from medalbot.domain.alerts import Alert, CorrectionAlert, MedalAlert, RecordAlert
from medalbot.domain.models import EventStatus
from medalbot.services.routing import deliveries_for
from medalbot.store.base import GuildSettings, NewSubscription
from medalbot.store.memory import MemoryStore
from tests.delivery.fixtures import (
    COMMON,
    IDLE_CHECK,
    KOK,
    PODIUM,
    Clock,
    FakeDiscord,
    Posted,
    alerts,
    drain,
    minimal_state,
    sender,
)

GAMES, EVENT = "OWG2026", "SSKW1000M"


def unofficial(alert: Alert) -> Alert:
    return msgspec.structs.replace(alert, event_status=EventStatus.UNOFFICIAL)


def statuses(embeds: Sequence[discord.Embed]) -> list[str | None]:
    return [next((f.value for f in e.fields if f.name == "Status"), None) for e in embeds]


async def queue(store: MemoryStore, batch: list[Alert], sequence: int, clock: Clock) -> None:
    subs = await store.list_subscriptions()
    await store.commit_snapshot(
        minimal_state(sequence), batch, deliveries_for(batch, subs), clock()
    )


async def subscribe(store: MemoryStore, clock: Clock) -> None:
    await store.add_subscription(NewSubscription(guild_id=1, channel_id=10, noc="NED"), clock(), 25)
    await store.add_subscription(NewSubscription(guild_id=2, channel_id=20, noc="JPN"), clock(), 25)


def last_shown(p: Posted) -> list[discord.Embed]:
    return p.edits[-1] if p.edits else list(p.message.embeds)


async def test_the_messages_of_the_podium_are_edited_to_official_in_each_guilds_language() -> None:
    store, port, clock = MemoryStore(), FakeDiscord(), Clock()
    await subscribe(store, clock)
    await store.save_guild_settings(GuildSettings(guild_id=2, locale="nl"))
    await queue(store, [unofficial(a) for a in alerts()], 4, clock)
    s = sender(store, port, clock)
    await drain(s)
    [oranje], [japan] = port.channel(10), port.channel(20)
    assert statuses(oranje.message.embeds)[-1] == "⏳ Unofficial"

    edited = await s.mark_official(GAMES, EVENT, ["m-podium"])

    assert edited == 2
    assert port.channel(10) == [oranje] and port.channel(20) == [japan]  # no new message
    # the whole message is re-rendered: the records of the event there are official too
    assert statuses(last_shown(oranje)) == ["✅ Official"] * 3
    assert [e.title for e in last_shown(oranje)] == [e.title for e in oranje.message.embeds]
    assert statuses(last_shown(japan)) == ["✅ Officieel"]
    # the edit keeps telling each channel about its own nation's medal
    assert [e.title for e in last_shown(japan)] == ["🥉 Miho TAKAGI wint brons voor 🇯🇵 Japan"]
    assert [e.title for e in last_shown(japan)] == [e.title for e in japan.message.embeds]


async def test_another_events_alert_in_the_same_message_is_left_as_it_was() -> None:
    store, port, clock = MemoryStore(), FakeDiscord(), Clock()
    await subscribe(store, clock)
    other = RecordAlert(
        id="r-other",
        sequence=4,
        record=KOK,
        **(COMMON | {"event": "SSKW1500M", "event_status": EventStatus.RUNNING}),
    )
    podium = MedalAlert(id="m-podium", sequence=4, medals=PODIUM, podium=PODIUM, **COMMON)
    await queue(store, [other, unofficial(podium)], 4, clock)
    s = sender(store, port, clock)
    await drain(s)

    assert await s.mark_official(GAMES, EVENT, ["m-podium"]) == 2
    [oranje] = port.channel(10)
    assert statuses(last_shown(oranje)) == ["In progress", "✅ Official"]


async def test_a_corrected_message_stays_corrected_when_it_becomes_official() -> None:
    store, port, clock = MemoryStore(), FakeDiscord(), Clock()
    await subscribe(store, clock)
    await queue(store, [unofficial(alerts()[0])], 2, clock)
    s = sender(store, port, clock)
    await drain(s)
    correction = CorrectionAlert(
        id="c-kok",
        sequence=5,
        before=(KOK,),
        after=(),
        corrects=("r-kok",),
        **COMMON,
    )
    await queue(store, [unofficial(correction)], 5, clock)
    await drain(s)
    original, _notice = port.channel(10)
    corrected_title = original.edits[-1][0].title

    assert await s.mark_official(GAMES, EVENT, ["r-kok", "c-kok"]) == 2
    assert [e.title for e in original.edits[-1]] == [corrected_title]
    assert corrected_title != original.message.embeds[0].title
    assert statuses(original.edits[-1]) == ["✅ Official"]


class EditFails(FakeDiscord):
    async def edit(self, channel_id: int, message_id: int, embeds: Sequence[discord.Embed]) -> None:
        if channel_id == 10:
            raise TransientFailure("HTTP 503")
        await super().edit(channel_id, message_id, embeds)


async def test_a_failed_edit_is_not_retried_and_the_others_still_go() -> None:
    store, port, clock = MemoryStore(), EditFails(), Clock()
    await subscribe(store, clock)
    await queue(store, [unofficial(alerts()[2])], 4, clock)
    s = sender(store, port, clock)
    await drain(s)

    assert await s.mark_official(GAMES, EVENT, ["m-podium"]) == 1
    assert port.channel(10)[0].edits == []
    assert statuses(last_shown(port.channel(20)[0])) == ["✅ Official"]


async def test_nothing_is_edited_for_alerts_never_sent_or_an_unsubscribed_channel() -> None:
    store, port, clock = MemoryStore(), FakeDiscord(), Clock()
    await subscribe(store, clock)
    await queue(store, [unofficial(alerts()[2])], 4, clock)
    s = sender(store, port, clock)
    assert await s.mark_official(GAMES, EVENT, ["m-podium"]) == 0  # not sent yet
    await drain(s)
    [japan_sub] = [sub for sub in await store.list_subscriptions() if sub.channel_id == 20]
    await store.remove_subscription(2, japan_sub.id)

    assert await s.mark_official(GAMES, EVENT, ["m-podium"]) == 1
    assert port.channel(20)[0].edits == []


async def test_an_alert_sent_after_the_result_became_official_says_so_at_once() -> None:
    # The podium was still queued when the official result came in: mark_official found no
    # message to edit, so the message itself must go out saying "official".
    store, port, clock = MemoryStore(), FakeDiscord(), Clock()
    await subscribe(store, clock)
    await queue(store, [unofficial(a) for a in alerts()], 4, clock)
    official = {(GAMES, EVENT)}
    s = OutboxSender(
        store,
        port,
        DeliverySettings(global_rate=1000, global_burst=1000, channel_rate=1000),
        clock=clock,
        official_now=lambda games, event: (games, event) in official,
        idle_check=IDLE_CHECK,
    )
    await drain(s)
    [oranje] = port.channel(10)
    assert statuses(oranje.message.embeds) == ["✅ Official"] * 3
