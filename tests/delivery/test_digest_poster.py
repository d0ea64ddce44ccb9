"""The daily digest on a fake clock: the day's summary at the chosen local time, posted once."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import msgspec
import pytest

from medalbot.config import DeliverySettings
from medalbot.delivery.digest import DigestOutcome, DigestPoster, digest_nonce
from medalbot.delivery.port import ChannelRefused, TransientFailure
from medalbot.delivery.sender import OutboxSender
from medalbot.domain.alerts import Alert, MedalAlert, MedalWon
from medalbot.domain.models import Medal
from medalbot.domain.schedule import Schedule
from medalbot.domain.subscriptions import Subscription
from medalbot.store.base import NewSubscription
from medalbot.store.memory import MemoryStore
from tests.delivery.fixtures import COMMON, Clock, Crash, FakeDiscord, alerts, minimal_state

AMS = "Europe/Amsterdam"
DIGEST_AT = datetime(2026, 2, 10, 7, 0, tzinfo=UTC)  # 08:00 in Amsterdam
ROLE = 31
CHANNEL = 10
FAST = DeliverySettings(
    global_rate=1000, global_burst=1000, channel_rate=1000, retry_base=0.001, retry_cap=0.01
)


def bronze(alert_id: str, name: str) -> MedalAlert:
    won = MedalWon(Medal.BRONZE, "NED", name)
    return MedalAlert(id=alert_id, sequence=9, medals=(won,), **COMMON)


class World:
    def __init__(self) -> None:
        self.store = MemoryStore()
        self.port = FakeDiscord()
        self.clock = Clock(DIGEST_AT - timedelta(days=1, hours=1))
        self.sequence = 0

    async def subscribe(self, schedule: Schedule) -> Subscription:
        sub = await self.store.add_subscription(
            NewSubscription(guild_id=1, channel_id=CHANNEL, noc="NED", role_id=ROLE),
            self.clock(),
            25,
        )
        updated = await self.store.update_schedule(1, sub.id, schedule, self.clock())
        assert updated is not None
        return updated

    async def log(self, batch: list[Alert], at: datetime) -> None:
        """Alerts detected (and logged) at ``at``; no outbox rows: only the digest reads them."""
        self.sequence += 1
        await self.store.commit_snapshot(
            minimal_state(self.sequence),
            [msgspec.structs.replace(a, sequence=self.sequence) for a in batch],
            [],
            at,
        )

    def poster(self) -> DigestPoster:
        sender = OutboxSender(self.store, self.port, FAST, clock=self.clock)
        return DigestPoster(self.store, sender, FAST, clock=self.clock)


MORNING = Schedule(timezone=AMS, digest_time=time(8))


async def test_the_digest_posts_the_days_summary_at_its_time_once() -> None:
    w = World()
    sub = await w.subscribe(MORNING)
    await w.log([bronze("before", "Too EARLY")], DIGEST_AT - timedelta(days=1))  # yesterday's
    await w.log(alerts(), DIGEST_AT - timedelta(hours=10))
    await w.log([bronze("at-8", "Right ONTIME")], DIGEST_AT)
    await w.log([bronze("after", "Too LATE")], DIGEST_AT + timedelta(seconds=1))
    w.clock.now = DIGEST_AT + timedelta(seconds=2)

    assert await w.poster().post_due(sub.id) == DigestOutcome.POSTED

    [posted] = w.port.channel(CHANNEL)
    [embed] = posted.message.embeds
    assert embed.title == "📰 Daily digest for 🇳🇱 Netherlands, Feb 10, 2026"
    medals = next(f.value for f in embed.fields if f.name == "Medals") or ""
    assert "Jutta LEERDAM" in medals and "Right ONTIME" in medals
    assert "Too EARLY" not in medals and "Too LATE" not in medals
    assert posted.message.content == f"<@&{ROLE}>"
    assert posted.nonce == digest_nonce(sub.id, DIGEST_AT.date())
    # again, and after a restart (a new poster on the same store): nothing more
    assert await w.poster().post_due(sub.id) == DigestOutcome.ALREADY_POSTED
    w.clock.now += timedelta(hours=2)
    assert await w.poster().post_due(sub.id) == DigestOutcome.ALREADY_POSTED
    assert len(w.port.channel(CHANNEL)) == 1


async def test_before_its_time_only_a_recent_missed_digest_is_posted() -> None:
    w = World()
    sub = await w.subscribe(MORNING)
    w.clock.now = DIGEST_AT - timedelta(minutes=1)  # yesterday's is 24 hours old

    assert await w.poster().post_due(sub.id) == DigestOutcome.TOO_LATE

    w.clock.now = DIGEST_AT + timedelta(hours=2, minutes=59)  # the bot was down at 08:00
    assert await w.poster().post_due(sub.id) == DigestOutcome.POSTED
    [posted] = w.port.channel(CHANNEL)
    assert posted.message.embeds[0].description == "No medals or records since the last digest."


async def test_a_crash_after_discord_took_the_digest_does_not_post_it_twice() -> None:
    w = World()
    sub = await w.subscribe(MORNING)
    w.clock.now = DIGEST_AT
    w.port.crash_after_commit = True
    with pytest.raises(Crash):
        await w.poster().post_due(sub.id)
    w.port.crash_after_commit = False

    assert await w.poster().post_due(sub.id) == DigestOutcome.POSTED

    assert len(w.port.channel(CHANNEL)) == 1  # the same nonce: Discord returned the first
    assert await w.poster().post_due(sub.id) == DigestOutcome.ALREADY_POSTED


async def test_a_failing_send_is_retried_with_the_same_nonce() -> None:
    w = World()
    sub = await w.subscribe(MORNING)
    w.clock.now = DIGEST_AT
    w.port.failures[CHANNEL] = [TransientFailure("HTTP 503"), TransientFailure("HTTP 502")]

    assert await w.poster().post_due(sub.id) == DigestOutcome.POSTED

    assert len(w.port.channel(CHANNEL)) == 1 and w.port.failures[CHANNEL] == []


async def test_a_refused_channel_pauses_the_subscription() -> None:
    w = World()
    sub = await w.subscribe(MORNING)
    w.clock.now = DIGEST_AT
    w.port.failures[CHANNEL] = [ChannelRefused("Missing Access", status=403, code=50001)]

    assert await w.poster().post_due(sub.id) == DigestOutcome.PAUSED

    [listed] = await w.store.list_subscriptions()
    assert listed.paused_reason == "Missing Access"
    assert await w.poster().post_due(sub.id) == DigestOutcome.PAUSED
    assert w.port.channel(CHANNEL) == []


async def test_a_digest_inside_quiet_hours_pings_nobody() -> None:
    w = World()
    night_owl = Schedule(timezone=AMS, quiet_start=time(23), quiet_end=time(9), digest_time=time(8))
    sub = await w.subscribe(night_owl)
    w.clock.now = DIGEST_AT

    assert await w.poster().post_due(sub.id) == DigestOutcome.POSTED

    [posted] = w.port.channel(CHANNEL)
    assert posted.message.content is None
    assert posted.message.allowed_mentions.roles is False


async def test_without_a_digest_or_a_subscription_nothing_is_posted() -> None:
    w = World()
    sub = await w.subscribe(Schedule(timezone=AMS))
    w.clock.now = DIGEST_AT

    assert await w.poster().post_due(sub.id) == DigestOutcome.NO_DIGEST
    assert await w.poster().post_due(sub.id + 1) == DigestOutcome.GONE
    assert w.port.channel(CHANNEL) == []


def test_digest_nonces_are_per_subscription_and_day_and_fit_discord() -> None:
    day = DIGEST_AT.date()
    nonces = {
        digest_nonce(1, day),
        digest_nonce(2, day),
        digest_nonce(1, day + timedelta(days=1)),
    }
    assert len(nonces) == 3 and all(len(n) == 25 and n.startswith("d") for n in nonces)
    assert digest_nonce(1, day) == digest_nonce(1, day)
