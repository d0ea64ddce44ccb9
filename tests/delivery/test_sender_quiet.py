"""Quiet hours in the outbox sender, on a fake clock: held alerts are not sent (no request to
Discord at all) until the quiet hours end, and then go out as one summary, once."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from medalbot.delivery.port import TransientFailure
from medalbot.domain.alerts import Alert, RecordAlert, RecordSet
from medalbot.domain.schedule import Schedule
from medalbot.services.routing import deliveries_for
from medalbot.store.base import NewSubscription
from medalbot.store.memory import MemoryStore
from tests.delivery.fixtures import (
    COMMON,
    Clock,
    Crash,
    FakeDiscord,
    alerts,
    bronzes,
    drain,
    minimal_state,
    sender,
)

NIGHT_START = datetime(2026, 2, 9, 23, 30, tzinfo=UTC)  # 00:30 in Amsterdam
MORNING = datetime(2026, 2, 10, 6, 0, tzinfo=UTC)  # 07:00 in Amsterdam: quiet hours are over
QUIET = Schedule(timezone="Europe/Amsterdam", quiet_start=time(23), quiet_end=time(7))
ROLE = 4242
NED, JPN = 10, 20  # channels


async def world(schedule: Schedule = QUIET) -> tuple[MemoryStore, FakeDiscord, Clock]:
    """#ned follows NED with quiet hours and a role; #jpn follows JPN without quiet hours."""
    store, clock = MemoryStore(), Clock(NIGHT_START)
    ned = await store.add_subscription(
        NewSubscription(guild_id=1, channel_id=NED, noc="NED", role_id=ROLE), clock(), 25
    )
    await store.update_schedule(1, ned.id, schedule, clock())
    await store.add_subscription(
        NewSubscription(guild_id=1, channel_id=JPN, noc="JPN"), clock(), 25
    )
    return store, FakeDiscord(), clock


async def queue(store: MemoryStore, batch: list[Alert], sequence: int, clock: Clock) -> None:
    subs = await store.list_subscriptions()
    await store.commit_snapshot(
        minimal_state(sequence), batch, deliveries_for(batch, subs), clock()
    )


def lines(text: str | None) -> list[str]:
    return (text or "").split("\n")


async def test_nothing_is_sent_in_quiet_hours_and_one_summary_comes_after() -> None:
    store, port, clock = await world()
    await queue(store, alerts(), 4, clock)
    s = sender(store, port, clock)

    await drain(s)

    assert port.channel(NED) == []  # not sent, not even tried
    assert len(port.channel(JPN)) == 1  # the bronze for Japan: no quiet hours there
    stats = await store.outbox_stats()
    assert (stats.held, stats.pending) == (3, 0)
    clock.now = MORNING - timedelta(seconds=1)
    await drain(s)
    assert port.channel(NED) == []  # still 06:59:59 in Amsterdam

    clock.now = MORNING
    await drain(s)

    [summary] = port.channel(NED)
    [embed] = summary.message.embeds
    assert embed.title == "🌙 3 alerts while it was quiet"
    shown = lines(embed.description)
    assert len(shown) == 3
    assert "Femke KOK" in shown[0] and "Jutta LEERDAM" in shown[1] and "gold" in shown[2]
    # the morning's one ping: the subscription's role, nobody else
    assert summary.message.content == f"<@&{ROLE}>"
    # discord.py types AllowedMentions.roles as bool | list; here it is the list
    assert [r.id for r in summary.message.allowed_mentions.roles] == [ROLE]  # type: ignore[union-attr]
    assert not summary.message.allowed_mentions.everyone
    stats = await store.outbox_stats()
    assert (stats.held, stats.pending, stats.sent) == (0, 0, 4)
    await drain(s)  # nothing more
    assert len(port.channel(NED)) == 1


async def test_a_record_breaks_through_when_allowed_and_the_medal_waits() -> None:
    store, port, clock = await world(
        Schedule(
            timezone="Europe/Amsterdam",
            quiet_start=time(23),
            quiet_end=time(7),
            records_break_through=True,
        )
    )
    await queue(store, alerts(), 4, clock)
    s = sender(store, port, clock)

    await drain(s)

    [records] = port.channel(NED)
    assert [e.title for e in records.message.embeds] == [
        "⚡ New Olympic record: Femke KOK, 🇳🇱 Netherlands",
        "⚡ New Olympic record: Jutta LEERDAM, 🇳🇱 Netherlands",
    ]
    # a later record gets through too: the held medal does not hold up the channel
    late = RecordAlert(
        id="r-late", sequence=5, record=RecordSet("WR", "1:11.50", "NED", "Jutta LEERDAM"), **COMMON
    )
    await queue(store, [late], 5, clock)
    await drain(s)
    assert "world record" in (port.channel(NED)[1].message.embeds[0].title or "")

    clock.now = MORNING
    await drain(s)
    summary = port.channel(NED)[2]
    assert summary.message.embeds[0].title == "🌙 1 alert while it was quiet"
    assert "Jutta LEERDAM wins gold" in (summary.message.embeds[0].description or "")
    assert len(port.channel(NED)) == 3


async def test_one_summary_carries_everything_held_however_small_the_claims() -> None:
    store, port, clock = await world()
    await queue(store, bronzes(7), 2, clock)
    s = sender(store, port, clock, batch_size=2)
    await drain(s)
    assert (await store.outbox_stats()).held == 7

    clock.now = MORNING
    await drain(s)

    [summary] = port.channel(NED)
    assert len(lines(summary.message.embeds[0].description)) == 7
    assert (await store.outbox_stats()).held == 0


async def test_a_crash_after_discord_took_the_summary_does_not_post_it_twice() -> None:
    store, port, clock = await world()
    await queue(store, alerts(), 4, clock)
    s = sender(store, port, clock)
    await drain(s)
    clock.now = MORNING
    port.crash_after_commit = True
    with pytest.raises(Crash):
        await drain(sender(store, port, clock, workers=1))
    port.crash_after_commit = False
    # The process restarts while it is quiet again (the next night): the pinned summary is
    # still sent, with its nonce, so Discord hands back the message it already has.
    clock.now = MORNING + timedelta(hours=17)  # 00:00 in Amsterdam
    await drain(sender(store, port, clock))

    [summary] = port.channel(NED)
    assert summary.message.embeds[0].title == "🌙 3 alerts while it was quiet"
    stats = await store.outbox_stats()
    assert (stats.pending, stats.held, stats.sent) == (0, 0, 4)


async def test_an_alert_that_may_be_on_discord_already_is_never_held() -> None:
    store, port, clock = await world()
    clock.now = NIGHT_START - timedelta(hours=2)  # 22:30 in Amsterdam: not quiet yet
    await queue(store, alerts()[:1], 2, clock)
    port.crash_after_commit = True
    with pytest.raises(Crash):
        await drain(sender(store, port, clock))
    port.crash_after_commit = False

    clock.now = NIGHT_START  # the lease has long run out, and it is quiet now
    await drain(sender(store, port, clock))

    [posted] = port.channel(NED)  # re-sent with its nonce: still one message
    assert "Femke KOK" in (posted.message.embeds[0].title or "")
    assert (await store.outbox_stats()).sent == 1


async def test_ending_quiet_hours_early_releases_what_was_held() -> None:
    store, port, clock = await world()
    await queue(store, alerts(), 4, clock)
    s = sender(store, port, clock)
    await drain(s)
    [ned] = [sub for sub in await store.list_subscriptions() if sub.noc == "NED"]

    await store.update_schedule(1, ned.id, Schedule(timezone="Europe/Amsterdam"), clock())
    await drain(s)

    [summary] = port.channel(NED)
    assert summary.message.embeds[0].title == "🌙 3 alerts while it was quiet"


async def test_longer_quiet_hours_hold_what_was_held_again() -> None:
    store, port, clock = await world()
    await queue(store, alerts(), 4, clock)
    s = sender(store, port, clock)
    await drain(s)
    [ned] = [sub for sub in await store.list_subscriptions() if sub.noc == "NED"]
    later = Schedule(timezone="Europe/Amsterdam", quiet_start=time(23), quiet_end=time(9))

    await store.update_schedule(1, ned.id, later, clock())
    await drain(s)
    clock.now = MORNING  # 07:00: the old end
    await drain(s)

    assert port.channel(NED) == []
    clock.now = MORNING + timedelta(hours=2)
    await drain(s)
    assert len(port.channel(NED)) == 1


async def test_a_summary_waiting_for_a_retry_is_not_overtaken_by_a_newer_alert() -> None:
    store, port, clock = await world()
    await queue(store, alerts(), 4, clock)
    s = sender(store, port, clock)
    await drain(s)
    clock.now = MORNING
    port.failures[NED] = [TransientFailure("HTTP 503")]
    await drain(s)  # the summary fails once and waits for its retry
    late = RecordAlert(
        id="r-late", sequence=5, record=RecordSet("WR", "1:11.50", "NED", "Jutta LEERDAM"), **COMMON
    )
    await queue(store, [late], 5, clock)

    await drain(s)
    clock.now += timedelta(minutes=2)
    await drain(s)

    summary, record = port.channel(NED)
    assert summary.message.embeds[0].title == "🌙 3 alerts while it was quiet"
    assert "world record" in (record.message.embeds[0].title or "")
    assert (await store.outbox_stats()).held == 0
