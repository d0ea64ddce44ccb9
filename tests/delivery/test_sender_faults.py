"""The outbox's promise under random faults: whatever fails, crashes or restarts on the way, every
alert queued for a channel shows there exactly once.

Each case is a fixed random script (deterministic): alerts keep arriving; sends fail with a 503,
or the process dies before Discord has the message or just after; the sender restarts with
another claim size; the clock moves by less or more than a lease. Then Discord behaves and the
outbox drains.
"""

from __future__ import annotations

import contextlib
import random
from datetime import timedelta

import pytest

from medalbot.delivery.port import TransientFailure
from medalbot.domain.alerts import Alert, MedalAlert, MedalWon
from medalbot.domain.models import Medal
from medalbot.services.routing import deliveries_for
from medalbot.store.base import NewSubscription
from medalbot.store.memory import MemoryStore
from tests.delivery.fixtures import COMMON, Clock, Crash, FakeDiscord, drain, minimal_state, sender

CHANNELS = (10, 20, 30)


def skaters(first: int, count: int, sequence: int) -> list[Alert]:
    return [
        MedalAlert(
            id=f"m-{i}",
            sequence=sequence,
            medals=(MedalWon(Medal.BRONZE, "NED", f"Skater {i}"),),
            **COMMON,
        )
        for i in range(first, first + count)
    ]


def shown(port: FakeDiscord, channel_id: int) -> list[str]:
    """The skaters a channel shows, one entry per embed."""
    titles = [e.title or "" for p in port.channel(channel_id) for e in p.message.embeds]
    return sorted(t.split(" wins")[0].removeprefix("🥉 ") for t in titles)


@pytest.mark.parametrize("seed", range(12))
async def test_every_alert_shows_once_whatever_fails_on_the_way(seed: int) -> None:
    script = random.Random(seed)
    store, port, clock = MemoryStore(), FakeDiscord(), Clock()
    for channel_id in CHANNELS:
        sub = NewSubscription(guild_id=1, channel_id=channel_id, noc="NED")
        await store.add_subscription(sub, clock(), 25)
    subs = await store.list_subscriptions()
    queued = 0
    for sequence in range(1, 41):
        if script.random() < 0.5:
            batch = skaters(queued, script.randint(1, 14), sequence)
            await store.commit_snapshot(
                minimal_state(sequence), batch, deliveries_for(batch, subs), clock()
            )
            queued += len(batch)
        port.failures[script.choice(CHANNELS)] = [
            script.choice([None, None, TransientFailure("HTTP 503"), Crash()])
        ]
        port.crash_after_commit = script.random() < 0.15
        restarted = sender(
            store,
            port,
            clock,
            batch_size=script.randint(1, 12),
            workers=script.randint(1, 3),
            max_attempts=100,  # nothing is given up: every alert must arrive
            retry_base=0.01,
            retry_cap=0.5,
        )
        with contextlib.suppress(Crash):  # the process died; the next starts from the store
            await drain(restarted)
        port.crash_after_commit = False
        clock.now += timedelta(seconds=script.choice([0.2, 1, 5, 31]))

    port.failures.clear()
    final = sender(store, port, clock)
    for _ in range(20):
        clock.now += timedelta(seconds=31)  # past every lease and retry time
        await drain(final)
        if (await store.outbox_stats()).pending == 0:
            break

    everyone = sorted(f"Skater {i}" for i in range(queued))
    for channel_id in CHANNELS:
        assert shown(port, channel_id) == everyone
    stats = await store.outbox_stats()
    assert (stats.pending, stats.failed) == (0, 0)
