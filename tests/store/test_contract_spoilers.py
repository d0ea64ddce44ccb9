"""The Store contract for spoiler-safe subscriptions, on memory, SQLite and PostgreSQL, and the
upgrade of a database from before they existed (migration 0006)."""

from __future__ import annotations

from medalbot.store.base import Store
from medalbot.store.migrate import apply_migrations, bundled_migrations
from medalbot.store.sql import SqlStore
from tests.store.builders import CHANNEL, GUILD, OTHER_GUILD, T0, at, subscription
from tests.store.test_migrations import connect


async def test_a_subscription_is_not_spoiler_safe_unless_asked(store: Store) -> None:
    plain = await store.add_subscription(subscription(noc="NED"), T0, 10)
    safe = await store.add_subscription(subscription(noc="JPN", spoiler_safe=True), T0, 10)

    assert (plain.spoiler_safe, safe.spoiler_safe) == (False, True)
    listed = {s.noc: s.spoiler_safe for s in await store.list_subscriptions(GUILD)}
    assert listed == {"NED": False, "JPN": True}
    got = await store.get_subscriptions([safe.id])
    assert got[safe.id].spoiler_safe


async def test_spoiler_safe_is_turned_on_and_off(store: Store) -> None:
    sub = await store.add_subscription(subscription(noc="NED", role_id=7), T0, 10)

    on = await store.set_spoiler_safe(GUILD, sub.id, True)

    assert on is not None and on.spoiler_safe
    assert (on.id, on.noc, on.role_id, on.created_at) == (sub.id, "NED", 7, T0)
    [listed] = await store.list_subscriptions(GUILD)
    assert listed == on
    off = await store.set_spoiler_safe(GUILD, sub.id, False)
    assert off is not None and not off.spoiler_safe
    assert not (await store.get_subscriptions([sub.id]))[sub.id].spoiler_safe


async def test_only_the_subscriptions_server_changes_it(store: Store) -> None:
    sub = await store.add_subscription(subscription(noc="NED"), T0, 10)

    assert await store.set_spoiler_safe(OTHER_GUILD, sub.id, True) is None
    assert await store.set_spoiler_safe(GUILD, 424242, True) is None
    [listed] = await store.list_subscriptions(GUILD)
    assert not listed.spoiler_safe


async def test_subscribing_again_replaces_it_like_the_other_options(store: Store) -> None:
    sub = await store.add_subscription(subscription(noc="NED", spoiler_safe=True), T0, 10)

    again = await store.add_subscription(subscription(noc="NED", role_id=7), at(2), 10)

    assert (again.id, again.role_id, again.spoiler_safe) == (sub.id, 7, False)
    safe_again = await store.add_subscription(subscription(noc="NED", spoiler_safe=True), at(3), 10)
    assert (safe_again.id, safe_again.spoiler_safe) == (sub.id, True)


async def test_a_database_from_before_upgrades_with_spoilers_shown(durable_url: str) -> None:
    db = await connect(durable_url)
    try:
        earlier = [m for m in bundled_migrations() if m.name != "spoiler_safe"]
        [spoilers] = [m for m in bundled_migrations() if m.name == "spoiler_safe"]
        await apply_migrations(db, earlier)
        async with db.transaction() as conn:
            await conn.execute(
                "INSERT INTO subscriptions (guild_id, channel_id, noc, created_at)"
                " VALUES (?, ?, ?, ?)",
                GUILD,
                CHANNEL,
                "NED",
                0,
            )

        assert await apply_migrations(db) == [spoilers.version]

        store = SqlStore(db)
        [sub] = await store.list_subscriptions(GUILD)
        assert (sub.noc, sub.spoiler_safe) == ("NED", False)
        on = await store.set_spoiler_safe(GUILD, sub.id, True)
        assert on is not None and on.spoiler_safe
    finally:
        await db.close()


async def test_routing_reads_which_subscriptions_are_spoiler_safe(store: Store) -> None:
    plain = await store.add_subscription(subscription(noc="NED"), T0, 10)
    safe = await store.add_subscription(subscription(noc="JPN", spoiler_safe=True), T0, 10)

    entries = {e.id: e.spoiler_safe for e in await store.list_routing_entries()}

    assert entries == {plain.id: False, safe.id: True}
