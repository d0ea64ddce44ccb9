"""The Store contract for what a poll reads to route an alert, on memory, SQLite and PostgreSQL.

Routing reads every subscription, but only the fields it matches on: the narrow entries must
say exactly what the full subscriptions say, in the same order, however many pages they take.
"""

from __future__ import annotations

import pytest

from medalbot.domain.subscriptions import RoutingEntry, Subscription
from medalbot.store import sql
from medalbot.store.base import Store
from tests.store.builders import CHANNEL, OTHER_CHANNEL, OTHER_GUILD, T0, at, subscription


def entry(sub: Subscription) -> RoutingEntry:
    return RoutingEntry(
        id=sub.id,
        guild_id=sub.guild_id,
        channel_id=sub.channel_id,
        noc=sub.noc,
        sport=sub.sport,
        golds_only=sub.golds_only,
        records=sub.records,
        paused_reason=sub.paused_reason,
    )


async def test_routing_entries_say_what_the_subscriptions_say(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sql, "_ROUTING_PAGE", 2)  # five entries: three pages, the last short
    await store.add_subscription(subscription(), T0, 10)
    await store.add_subscription(subscription(noc="NED", golds_only=True, role_id=7), at(1), 10)
    removed = await store.add_subscription(subscription(noc="USA"), at(2), 10)
    await store.add_subscription(subscription(sport="Speed Skating", records=False), at(3), 10)
    await store.add_subscription(subscription(OTHER_CHANNEL, noc="JPN"), at(4), 10)
    await store.add_subscription(subscription(OTHER_CHANNEL, guild_id=OTHER_GUILD), at(5), 10)
    await store.remove_subscription(removed.guild_id, removed.id)
    await store.pause_subscriptions(OTHER_CHANNEL, "403 Missing Access")

    entries = await store.list_routing_entries()

    subs = await store.list_subscriptions()
    assert entries == [entry(s) for s in subs]
    assert [e.id for e in entries] == sorted(e.id for e in entries)
    assert [(e.channel_id, e.noc, e.sport, e.paused_reason) for e in entries] == [
        (CHANNEL, None, None, None),
        (CHANNEL, "NED", None, None),
        (CHANNEL, None, "Speed Skating", None),
        (OTHER_CHANNEL, "JPN", None, "403 Missing Access"),
        (OTHER_CHANNEL, None, None, "403 Missing Access"),
    ]
    assert [(e.golds_only, e.records) for e in entries][1:3] == [(True, True), (False, False)]


async def test_routing_entries_of_an_empty_store_and_of_exactly_full_pages(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sql, "_ROUTING_PAGE", 2)
    assert await store.list_routing_entries() == []
    for i in range(4):  # two full pages, then an empty one ends the reading
        await store.add_subscription(subscription(CHANNEL + i), at(i), 10)
    assert [e.channel_id for e in await store.list_routing_entries()] == [
        CHANNEL + i for i in range(4)
    ]
