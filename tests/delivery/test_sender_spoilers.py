"""A channel with a spoiler-safe and a plain subscription: an alert both want comes once, through
the spoiler-safe one; the sender renders each message for its subscription, never mixing the
two, and a spoiler-safe message stays so in its official and corrected edits and in its
quiet-hours summary."""

from __future__ import annotations

from datetime import time

import msgspec

from medalbot.domain.alerts import Alert, AlertBase, CorrectionAlert, MedalAlert
from medalbot.domain.models import EventStatus, Medal
from medalbot.domain.schedule import Schedule
from medalbot.services.routing import deliveries_for
from medalbot.store.base import NewSubscription
from medalbot.store.memory import MemoryStore
from tests.delivery.fixtures import (
    COMMON,
    PODIUM,
    Clock,
    FakeDiscord,
    Posted,
    alerts,
    drain,
    minimal_state,
    sender,
)
from tests.render.spoilers import message_texts, spoiled

CHANNEL = 10
NAMES = {"Jutta LEERDAM", "Femke KOK", "Miho TAKAGI", "1:12.31", "1:12.59", "(NED)", "(JPN)"}


def unofficial(alert: AlertBase) -> Alert:
    return msgspec.structs.replace(alert, event_status=EventStatus.UNOFFICIAL)  # type: ignore[return-value]


async def queue(store: MemoryStore, batch: list[Alert], sequence: int, clock: Clock) -> None:
    subs = await store.list_subscriptions()
    await store.commit_snapshot(
        minimal_state(sequence), batch, deliveries_for(batch, subs), clock()
    )


async def two_subscriptions(
    store: MemoryStore, clock: Clock, safe_noc: str | None = None
) -> tuple[int, int]:
    """One channel: the Netherlands shown plainly (the older subscription), and ``safe_noc``
    (all nations by default) spoiler-safe, pinging role 77."""
    plain = await store.add_subscription(
        NewSubscription(guild_id=1, channel_id=CHANNEL, noc="NED"), clock(), 25
    )
    safe = await store.add_subscription(
        NewSubscription(
            guild_id=1, channel_id=CHANNEL, noc=safe_noc, role_id=77, spoiler_safe=True
        ),
        clock(),
        25,
    )
    return safe.id, plain.id


def shown(p: Posted) -> list[str]:
    return message_texts(p.message.content, p.edits[-1] if p.edits else p.message.embeds)


async def test_an_alert_both_want_comes_once_and_spoiler_safe() -> None:
    store, port, clock = MemoryStore(), FakeDiscord(), Clock()
    await two_subscriptions(store, clock)
    await queue(store, alerts(), 4, clock)

    await drain(sender(store, port, clock))

    [message] = port.channel(CHANNEL)
    assert message.message.content is not None and "<@&77>" in message.message.content
    assert [e.title for e in message.message.embeds] == [
        "⚡ Record set: Speed Skating · Women's 1000m",
        "⚡ Record set: Speed Skating · Women's 1000m",
        "🥇 Medal decided: Speed Skating · Women's 1000m",
    ]
    assert spoiled(shown(message), NAMES) == []


async def test_a_spoiler_safe_and_a_plain_subscription_never_share_a_message() -> None:
    store, port, clock = MemoryStore(), FakeDiscord(), Clock()
    await two_subscriptions(store, clock, safe_noc="JPN")
    await queue(store, alerts(), 4, clock)  # two Dutch records, then a Dutch-Japanese podium

    await drain(sender(store, port, clock))

    plain, safe = port.channel(CHANNEL)
    # the records only the plain subscription wants, shown plainly, together
    assert plain.message.content is None
    assert [e.title for e in plain.message.embeds] == [
        "⚡ New Olympic record: Femke KOK, 🇳🇱 Netherlands",
        "⚡ New Olympic record: Jutta LEERDAM, 🇳🇱 Netherlands",
    ]
    # the podium both want, alone in a message of the spoiler-safe one
    assert safe.message.content == "<@&77>\n🥇 Medal decided: Speed Skating · Women's 1000m"
    assert len(safe.message.embeds) == 1
    assert spoiled(shown(safe), NAMES) == []


async def test_the_official_edit_keeps_the_spoilers() -> None:
    store, port, clock = MemoryStore(), FakeDiscord(), Clock()
    await two_subscriptions(store, clock)
    await queue(store, [unofficial(a) for a in alerts()], 4, clock)
    s = sender(store, port, clock)
    await drain(s)

    assert await s.mark_official("OWG2026", "SSKW1000M", ["m-podium"]) == 1

    [safe] = port.channel(CHANNEL)
    [edit] = safe.edits
    assert [f.value for e in edit for f in e.fields if f.name == "Status"] == ["✅ Official"] * 3
    assert [e.title for e in edit] == [e.title for e in safe.message.embeds]
    assert spoiled(shown(safe), NAMES) == []


async def test_a_correction_and_its_edit_keep_the_spoilers() -> None:
    store, port, clock = MemoryStore(), FakeDiscord(), Clock()
    await two_subscriptions(store, clock)
    podium = MedalAlert(id="m-podium", sequence=4, medals=PODIUM, podium=PODIUM, **COMMON)
    await queue(store, [podium], 4, clock)
    s = sender(store, port, clock)
    await drain(s)
    swapped = (
        msgspec.structs.replace(PODIUM[1], medal=Medal.BRONZE),
        msgspec.structs.replace(PODIUM[2], medal=Medal.SILVER),
    )
    fix = CorrectionAlert(
        id="c-swap",
        sequence=5,
        before=PODIUM[1:],
        after=swapped,
        podium=(PODIUM[0], *swapped),
        corrects=("m-podium",),
        **COMMON,
    )
    await queue(store, [fix], 5, clock)
    await drain(s)

    safe = [p for p in port.channel(CHANNEL) if p.message.content]
    assert len(safe) == 2  # the original (edited) and the notice
    original, notice = safe
    assert original.edits, "the original was edited to show the correction"
    assert notice.message.embeds[0].title == "⚠️ Correction: Speed Skating · Women's 1000m"
    for p in safe:
        assert spoiled(shown(p), NAMES) == []


async def test_a_quiet_hours_summary_keeps_the_spoilers() -> None:
    store, port, clock = MemoryStore(), FakeDiscord(), Clock()
    safe_id, plain_id = await two_subscriptions(store, clock, safe_noc="JPN")
    night = Schedule(quiet_start=time(15, 0), quiet_end=time(17, 0))  # the clock is at 16:00
    for sub_id in (safe_id, plain_id):
        await store.update_schedule(1, sub_id, night, clock())
    await queue(store, alerts(), 4, clock)
    s = sender(store, port, clock)
    await drain(s)
    assert port.channel(CHANNEL) == []

    clock.now = clock.now.replace(hour=17, minute=1)
    s.wake()
    await drain(s)

    plain, safe = port.channel(CHANNEL)  # one summary per subscription
    assert spoiled(shown(safe), NAMES) == []
    assert safe.message.content == "<@&77>"
    assert "Medal decided: Speed Skating · Women's 1000m" in (
        safe.message.embeds[0].description or ""
    )
    assert plain.message.content is None
    assert "Jutta LEERDAM" in (plain.message.embeds[0].description or "")
