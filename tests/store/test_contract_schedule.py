"""The Store contract for quiet hours and digests, on memory, SQLite and PostgreSQL.

Schedules, held deliveries (waiting for quiet hours to end, blocking nothing), the alert log by
time for a digest's period, and the digests record that makes a digest post once.
"""

from __future__ import annotations

from datetime import date, time

import pytest

from medalbot.domain.schedule import Schedule
from medalbot.store.base import DeliveryStatus, NewSubscription, Store, StoreError
from tests.store.builders import (
    CHANNEL,
    GAMES,
    GUILD,
    OTHER_CHANNEL,
    OTHER_GUILD,
    T0,
    at,
    delivery,
    medal_alert,
    record_alert,
    state,
    subscription,
)

LEASE = 30.0
NIGHT = Schedule(
    timezone="Europe/Amsterdam",
    quiet_start=time(23, 15),
    quiet_end=time(6, 45),
    records_break_through=True,
    digest_time=time(8, 5),
)
DAY = date(2026, 2, 10)

# Schedules ----------------------------------------------------------------------------------


async def test_a_new_subscription_has_no_quiet_hours_and_no_digest(store: Store) -> None:
    sub = await store.add_subscription(subscription(noc="NED"), T0, 10)

    assert sub.schedule == Schedule()
    assert (sub.timezone, sub.quiet_start, sub.digest_time) == ("UTC", None, None)


async def test_a_schedule_is_saved_and_listed(store: Store) -> None:
    sub = await store.add_subscription(subscription(noc="NED"), T0, 10)

    updated = await store.update_schedule(GUILD, sub.id, NIGHT, at(1))

    assert updated is not None and updated.schedule == NIGHT
    assert (updated.id, updated.noc, updated.created_at) == (sub.id, "NED", T0)
    [listed] = await store.list_subscriptions(GUILD)
    assert listed == updated
    cleared = await store.update_schedule(GUILD, sub.id, Schedule(timezone="Asia/Tokyo"), at(2))
    assert cleared is not None and cleared.schedule == Schedule(timezone="Asia/Tokyo")


async def test_only_the_subscriptions_server_changes_its_schedule(store: Store) -> None:
    sub = await store.add_subscription(subscription(noc="NED"), T0, 10)

    assert await store.update_schedule(OTHER_GUILD, sub.id, NIGHT, at(1)) is None
    assert await store.update_schedule(GUILD, 424242, NIGHT, at(1)) is None
    [listed] = await store.list_subscriptions(GUILD)
    assert listed.schedule == Schedule()


async def test_subscribing_again_keeps_the_schedule(store: Store) -> None:
    sub = await store.add_subscription(subscription(noc="NED"), T0, 10)
    await store.update_schedule(GUILD, sub.id, NIGHT, at(1))

    again = await store.add_subscription(subscription(noc="NED", role_id=7), at(2), 10)

    assert (again.id, again.role_id, again.schedule) == (sub.id, 7, NIGHT)


async def test_a_new_subscription_may_come_with_a_schedule(store: Store) -> None:
    new = NewSubscription(
        guild_id=GUILD,
        channel_id=CHANNEL,
        noc="JPN",
        timezone="Asia/Tokyo",
        quiet_start=time(0),
        quiet_end=time(23, 59),
        digest_time=time(21, 30),
    )

    sub = await store.add_subscription(new, T0, 10)

    assert sub.schedule == Schedule("Asia/Tokyo", time(0), time(23, 59), False, time(21, 30))
    assert (await store.list_subscriptions(GUILD)) == [sub]


# Held deliveries ----------------------------------------------------------------------------


async def _queue(store: Store, *specs: tuple[str, int, int]) -> None:
    """One snapshot whose alerts each go to one channel: (alert id, channel, subscription)."""
    current = await store.load_state(GAMES)
    sequence = 1 if current is None else current.sequence + 1
    alerts = [medal_alert(alert_id, sequence=sequence) for alert_id, _, _ in specs]
    rows = [delivery(a, channel, subscription_id=sub) for a, channel, sub in specs]
    await store.commit_snapshot(state(sequence), alerts, rows, T0)


async def test_a_held_row_waits_for_its_time_and_blocks_nothing(store: Store) -> None:
    await _queue(store, ("night", CHANNEL, 1), ("later", CHANNEL, 1))
    [night, later] = await store.claim_deliveries(T0, 10, LEASE)
    await store.mark_retry([later.id], at(1), "waiting on an earlier message")

    await store.hold_deliveries([night.id], at(3600), at(1))

    # "later" is no longer stuck behind "night": held rows do not keep a channel in order.
    [again] = await store.claim_deliveries(at(2), 10, LEASE)
    assert again.alert_id == "later"
    await store.mark_sent([again.id], 1, at(3))
    assert await store.claim_deliveries(at(3599), 10, LEASE) == []
    stats = await store.outbox_stats()
    assert (stats.pending, stats.held, stats.sent, stats.oldest_pending_at) == (0, 1, 1, None)
    [released] = await store.claim_deliveries(at(3600), 10, LEASE)
    assert (released.alert_id, released.held_at, released.status) == (
        "night",
        at(1),
        DeliveryStatus.SENDING,
    )
    assert released.attempts == 1  # being held was not an attempt to send it


async def test_holding_again_keeps_when_it_was_first_held(store: Store) -> None:
    await _queue(store, ("night", CHANNEL, 1))
    [row] = await store.claim_deliveries(T0, 10, LEASE)
    await store.hold_deliveries([row.id], at(100), at(1))
    [row] = await store.claim_deliveries(at(100), 10, LEASE)

    await store.hold_deliveries([row.id], at(200), at(100))

    assert await store.claim_deliveries(at(199), 10, LEASE) == []
    [row] = await store.claim_deliveries(at(200), 10, LEASE)
    assert (row.held_at, row.next_attempt_at) == (at(1), at(200))


async def test_a_row_pinned_to_a_batch_is_never_held(store: Store) -> None:
    await _queue(store, ("pinned", CHANNEL, 1))
    [row] = await store.claim_deliveries(T0, 10, LEASE)
    await store.set_batch([row.id], "batch-pinned")

    await store.hold_deliveries([row.id], at(3600), at(1))

    # Its message may be on Discord already: it comes back after its lease, to be re-sent.
    [again] = await store.claim_deliveries(at(LEASE), 10, LEASE)
    assert (again.id, again.batch_nonce, again.held_at) == (row.id, "batch-pinned", None)


async def test_claim_held_takes_every_due_held_row_of_one_subscription(store: Store) -> None:
    await _queue(
        store,
        ("n1", CHANNEL, 1),
        ("n2", CHANNEL, 1),
        ("other-sub", CHANNEL, 2),
        ("other-channel", OTHER_CHANNEL, 1),
        ("n3", CHANNEL, 1),
    )
    rows = await store.claim_deliveries(T0, 10, LEASE)
    await store.hold_deliveries([r.id for r in rows if r.alert_id != "n3"], at(60), at(1))
    await store.hold_deliveries([r.id for r in rows if r.alert_id == "n3"], at(120), at(1))

    assert await store.claim_held(CHANNEL, 1, at(59), LEASE) == []
    taken = await store.claim_held(CHANNEL, 1, at(60), LEASE)

    assert [d.alert_id for d in taken] == ["n1", "n2"]
    assert {d.status for d in taken} == {DeliveryStatus.SENDING}
    assert await store.claim_held(CHANNEL, 1, at(60), LEASE) == []  # already claimed
    assert [d.alert_id for d in await store.claim_held(CHANNEL, 1, at(120), LEASE)] == ["n3"]


async def test_a_new_schedule_makes_held_rows_due_at_once(store: Store) -> None:
    sub = await store.add_subscription(subscription(noc="NED"), T0, 10)
    await _queue(store, ("night", CHANNEL, sub.id), ("theirs", OTHER_CHANNEL, sub.id + 1))
    rows = await store.claim_deliveries(T0, 10, LEASE)
    await store.hold_deliveries([r.id for r in rows], at(3600), at(1))

    await store.update_schedule(GUILD, sub.id, Schedule(), at(5))

    assert [d.alert_id for d in await store.claim_deliveries(at(5), 10, LEASE)] == ["night"]


async def test_a_summarised_row_is_sent_but_its_message_is_not_the_alerts_own(
    store: Store,
) -> None:
    await _queue(store, ("night", CHANNEL, 1), ("day", CHANNEL, 1))
    night, day = await store.claim_deliveries(T0, 10, LEASE)
    await store.hold_deliveries([night.id], at(60), at(1))
    [night] = await store.claim_held(CHANNEL, 1, at(60), LEASE)

    await store.mark_sent([night.id, day.id], 555, at(61))

    stats = await store.outbox_stats()
    assert (stats.sent, stats.held, stats.pending) == (2, 0, 0)
    # A correction must not rewrite the summary as if it were the alert's own embed.
    assert await store.message_for("night", CHANNEL) is None
    assert await store.message_for("day", CHANNEL) == 555
    assert await store.message_alerts(CHANNEL, 555) == ["day"]


async def test_a_summary_waiting_for_a_retry_keeps_its_channel_in_order(store: Store) -> None:
    sub = await store.add_subscription(subscription(noc="NED"), T0, 10)
    await _queue(store, ("night", CHANNEL, sub.id))
    [row] = await store.claim_deliveries(T0, 10, LEASE)
    await store.hold_deliveries([row.id], at(60), at(1))
    [row] = await store.claim_held(CHANNEL, sub.id, at(60), LEASE)
    await store.set_batch([row.id], "summary")
    await store.mark_retry([row.id], at(120), "HTTP 503")
    await _queue(store, ("morning", CHANNEL, sub.id))

    # Pinned to its summary, it is no longer held: it waits for its retry like any message,
    # and what came after it waits behind it; a new schedule does not hurry it.
    await store.update_schedule(GUILD, sub.id, Schedule(), at(61))
    assert await store.claim_deliveries(at(61), 10, LEASE) == []
    assert await store.claim_held(CHANNEL, sub.id, at(120), LEASE) == []
    stats = await store.outbox_stats()
    assert (stats.held, stats.pending) == (0, 2)
    claimed = await store.claim_deliveries(at(120), 10, LEASE)
    assert [(d.alert_id, d.batch_nonce) for d in claimed] == [
        ("night", "summary"),
        ("morning", None),
    ]


async def test_a_refused_channel_drops_its_held_rows_too(store: Store) -> None:
    await _queue(store, ("night", CHANNEL, 1))
    [row] = await store.claim_deliveries(T0, 10, LEASE)
    await store.hold_deliveries([row.id], at(60), at(1))

    assert await store.fail_pending_for_channel(CHANNEL, "403 Missing Access") == 1

    stats = await store.outbox_stats()
    assert (stats.held, stats.failed) == (0, 1)
    assert await store.claim_held(CHANNEL, 1, at(60), LEASE) == []


# The alert log by time ----------------------------------------------------------------------


async def test_alerts_between_two_moments_in_the_order_they_were_logged(store: Store) -> None:
    await store.commit_snapshot(state(1), [medal_alert("early", sequence=1)], [], at(0))
    await store.commit_snapshot(
        state(2), [record_alert("b", sequence=2), medal_alert("a", sequence=2)], [], at(10)
    )
    await store.commit_snapshot(
        state(1, "OTHER"), [medal_alert("o", games="OTHER", sequence=1)], [], at(15)
    )
    await store.commit_snapshot(state(3), [medal_alert("late", sequence=3)], [], at(20))

    between = await store.list_alerts_between(at(0), at(15))  # after 0, up to 15 included

    assert [a.id for a in between] == ["b", "a", "o"]
    assert await store.list_alerts_between(at(20), at(30)) == []


# Digests --------------------------------------------------------------------------------------


async def test_a_digest_is_recorded_once_per_subscription_and_day(store: Store) -> None:
    first = await store.begin_digest(7, DAY, CHANNEL, "d-first", at(1))
    again = await store.begin_digest(7, DAY, CHANNEL, "d-again", at(2))

    assert again == first
    assert (first.nonce, first.created_at, first.sent, first.day) == ("d-first", at(1), False, DAY)
    assert await store.get_digest(7, DAY) == first
    assert await store.get_digest(7, date(2026, 2, 11)) is None
    other = await store.begin_digest(8, DAY, OTHER_CHANNEL, "d-other", at(3))
    assert (other.subscription_id, other.nonce) == (8, "d-other")


async def test_a_sent_digest_says_which_message_carried_it(store: Store) -> None:
    await store.begin_digest(7, DAY, CHANNEL, "d-first", at(1))

    await store.mark_digest_sent(7, DAY, 777_000_000_000_000_001, at(2))

    sent = await store.begin_digest(7, DAY, CHANNEL, "d-again", at(3))
    assert (sent.sent, sent.message_id, sent.sent_at) == (True, 777_000_000_000_000_001, at(2))


async def test_a_digest_nonce_discord_would_refuse_is_refused(store: Store) -> None:
    with pytest.raises(StoreError):
        await store.begin_digest(7, DAY, CHANNEL, "n" * 26, at(1))
