"""The Store contract, run against every implementation (memory, SQLite, PostgreSQL).

Times are passed in explicitly (fixed aware UTC datetimes): leases and retries are tested by
claiming "later", never by sleeping.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import pytest

from medalbot.domain.alerts import Alert
from medalbot.domain.subscriptions import NewDelivery
from medalbot.store.base import (
    DeliveryStatus,
    GuildSettings,
    OutboxStats,
    SentMessage,
    StaleStateError,
    Store,
    StoreError,
    SubscriptionLimitError,
)
from tests.store.builders import (
    CHANNEL,
    GAMES,
    GUILD,
    OTHER_CHANNEL,
    OTHER_GUILD,
    T0,
    at,
    correction_alert,
    delivery,
    medal_alert,
    record_alert,
    state,
    subscription,
)

LEASE = 30.0

# Feed state and the alert log -------------------------------------------------------------


async def test_unknown_games_has_no_state(store: Store) -> None:
    assert await store.load_state(GAMES) is None
    assert await store.list_games() == []


async def test_state_round_trips_with_its_ledger(store: Store) -> None:
    saved = state(5, ledger_alert="a-gold")
    await store.commit_snapshot(saved, [], [], T0)

    loaded = await store.load_state(GAMES)

    assert loaded == saved
    assert loaded is not None and loaded.ledger["SSKW1500M"].medals[0].alert_id == "a-gold"


async def test_a_newer_snapshot_replaces_the_state(store: Store) -> None:
    await store.commit_snapshot(state(1), [], [], T0)
    await store.commit_snapshot(state(2, ledger_alert="a1"), [], [], at(1))

    assert await store.load_state(GAMES) == state(2, ledger_alert="a1")


async def test_games_are_listed_most_recently_updated_last(store: Store) -> None:
    await store.commit_snapshot(state(1, "BETA"), [], [], at(0))
    await store.commit_snapshot(state(1, "ALPHA"), [], [], at(10))
    await store.commit_snapshot(state(2, "BETA"), [], [], at(20))

    assert await store.list_games() == ["ALPHA", "BETA"]


@pytest.mark.parametrize("sequence", [3, 2])  # the same sequence again, or an older one
async def test_stale_snapshot_is_rejected_and_writes_nothing(store: Store, sequence: int) -> None:
    first = medal_alert("a1", sequence=3)
    await store.commit_snapshot(state(3, ledger_alert="a1"), [first], [delivery(first)], T0)
    late = record_alert("late", sequence=sequence)

    with pytest.raises(StaleStateError):
        await store.commit_snapshot(state(sequence), [late], [delivery(late, OTHER_CHANNEL)], at(5))

    assert await store.load_state(GAMES) == state(3, ledger_alert="a1")
    assert await store.list_alerts(GAMES) == [first]
    assert await store.get_alerts(["late"]) == {}
    assert (await store.outbox_stats()).pending == 1


async def test_stale_check_is_per_games(store: Store) -> None:
    await store.commit_snapshot(state(7, "ALPHA"), [], [], T0)
    await store.commit_snapshot(state(1, "BETA"), [], [], T0)

    assert await store.load_state("BETA") == state(1, "BETA")


FAILURES: dict[str, Callable[[], tuple[list[Alert], list[NewDelivery]]]] = {
    # a delivery for an alert that is neither logged nor in the batch (foreign key)
    "unknown alert": lambda: ([record_alert("new")], [delivery("new"), delivery("ghost")]),
    # an alert id that is already in the log (primary key)
    "alert logged twice": lambda: ([record_alert("new"), medal_alert("old")], []),
    # a nonce Discord would refuse (over 25 characters)
    "nonce too long": lambda: ([record_alert("new")], [delivery("new", nonce="n" * 26)]),
}


@pytest.mark.parametrize("failure", FAILURES)
async def test_failed_commit_writes_nothing(store: Store, failure: str) -> None:
    old = medal_alert("old")
    await store.commit_snapshot(state(1, ledger_alert="old"), [old], [delivery(old)], T0)
    alerts, deliveries = FAILURES[failure]()

    with pytest.raises(StoreError):
        await store.commit_snapshot(state(2), alerts, deliveries, at(10))

    assert await store.load_state(GAMES) == state(1, ledger_alert="old")
    assert await store.list_alerts(GAMES) == [old]
    assert await store.get_alerts(["new"]) == {}
    assert await store.outbox_stats() == OutboxStats(
        pending=1, oldest_pending_at=T0, sent=0, failed=0
    )
    # The store is still usable: the same snapshot goes through once the batch is right.
    fixed = record_alert("new", sequence=2)
    await store.commit_snapshot(state(2), [fixed], [delivery(fixed)], at(11))
    assert await store.list_alerts(GAMES) == [old, fixed]


async def test_alerts_of_another_games_are_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="do not belong"):
        await store.commit_snapshot(state(1), [medal_alert("x", games="OTHER")], [], T0)

    assert await store.load_state(GAMES) is None


async def test_naive_times_are_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="naive"):
        await store.commit_snapshot(state(1), [], [], datetime(2026, 2, 9, 9, 0))  # noqa: DTZ001 - naive on purpose

    assert await store.load_state(GAMES) is None


async def test_alert_log_keeps_detection_order(store: Store) -> None:
    # Ids deliberately out of alphabetical order: the log must not sort them.
    batch1: list[Alert] = [medal_alert("zz-1"), record_alert("aa-2")]
    batch2 = [correction_alert("mm-3", corrects="zz-1")]
    await store.commit_snapshot(state(1), batch1, [], T0)
    await store.commit_snapshot(state(2, "OTHER"), [medal_alert("o-1", games="OTHER")], [], T0)
    await store.commit_snapshot(state(2), batch2, [], at(1))

    assert [a.id for a in await store.list_alerts(GAMES)] == ["zz-1", "aa-2", "mm-3"]
    assert [a.id for a in await store.list_alerts("OTHER")] == ["o-1"]
    assert await store.list_alerts("NOBODY") == []


async def test_alerts_of_every_kind_come_back_equal(store: Store) -> None:
    alerts: list[Alert] = [medal_alert("m"), record_alert("r"), correction_alert("c", corrects="m")]
    await store.commit_snapshot(state(1), alerts, [], T0)

    found = await store.get_alerts(["c", "m", "r", "missing"])

    assert found == {a.id: a for a in alerts}
    assert [type(found[k]) for k in ("m", "r", "c")] == [type(a) for a in alerts]


# The outbox ---------------------------------------------------------------------------------


async def _queue(store: Store, *specs: tuple[str, int, int], now: datetime = T0) -> None:
    """Commit one snapshot whose alerts each go to one channel: (alert id, channel, priority)."""
    current = await store.load_state(GAMES)
    sequence = 1 if current is None else current.sequence + 1
    alerts = [medal_alert(alert_id, sequence=sequence) for alert_id, _, _ in specs]
    rows = [delivery(alert_id, channel, priority=p) for alert_id, channel, p in specs]
    await store.commit_snapshot(state(sequence), alerts, rows, now)


async def test_claim_serves_urgent_channels_first_each_in_order(store: Store) -> None:
    await _queue(store, ("old-low", CHANNEL, 5), ("old-high", CHANNEL, 0), now=T0)
    await _queue(store, ("new-high", CHANNEL, 0), ("new-mid", OTHER_CHANNEL, 2), now=at(1))

    first = await store.claim_deliveries(at(2), 3, LEASE)
    rest = await store.claim_deliveries(at(2), 3, LEASE)

    # CHANNEL holds the most urgent row, so it goes first, in the order its alerts were found
    assert [d.alert_id for d in first] == ["old-low", "old-high", "new-high"]
    assert [d.alert_id for d in rest] == ["new-mid"]
    assert {d.status for d in first + rest} == {DeliveryStatus.SENDING}
    assert {d.attempts for d in first + rest} == {1}
    assert await store.claim_deliveries(at(2), 3, LEASE) == []


async def test_a_channel_waits_behind_its_row_on_the_wire(store: Store) -> None:
    await _queue(store, ("first", CHANNEL, 2), now=T0)
    (on_the_wire,) = await store.claim_deliveries(at(1), 10, LEASE)
    await _queue(store, ("second", CHANNEL, 0), ("elsewhere", OTHER_CHANNEL, 2), now=at(2))

    # "second" may not overtake "first" while first's sender may still be posting it
    assert [d.alert_id for d in await store.claim_deliveries(at(3), 10, LEASE)] == ["elsewhere"]
    await store.mark_sent([on_the_wire.id], 1234, at(4))
    assert [d.alert_id for d in await store.claim_deliveries(at(5), 10, LEASE)] == ["second"]


async def test_a_channel_waits_behind_its_row_waiting_for_a_retry(store: Store) -> None:
    await _queue(store, ("first", CHANNEL, 2), ("second", CHANNEL, 2), now=T0)
    first, second = await store.claim_deliveries(at(1), 10, LEASE)
    await store.mark_retry([first.id], at(60), "HTTP 503")
    await store.mark_retry([second.id], at(2), "waiting on an earlier message")

    assert await store.claim_deliveries(at(10), 10, LEASE) == []
    assert [d.alert_id for d in await store.claim_deliveries(at(61), 10, LEASE)] == [
        "first",
        "second",
    ]


async def test_claimed_rows_carry_what_the_sender_needs(store: Store) -> None:
    alert = medal_alert("a1")
    await store.commit_snapshot(
        state(1), [alert], [delivery(alert, priority=3, subscription_id=42, nonce="n-a1")], T0
    )

    [row] = await store.claim_deliveries(T0, 10, LEASE)

    assert (row.alert_id, row.subscription_id, row.guild_id, row.channel_id) == (
        "a1",
        42,
        GUILD,
        CHANNEL,
    )
    assert (row.priority, row.nonce, row.created_at, row.next_attempt_at) == (3, "n-a1", T0, T0)
    assert (row.message_id, row.last_error, row.batch_nonce) == (None, None, None)


async def test_nothing_is_claimed_before_it_is_created(store: Store) -> None:
    await _queue(store, ("a1", CHANNEL, 1), now=at(10))

    assert await store.claim_deliveries(at(9), 10, LEASE) == []
    assert len(await store.claim_deliveries(at(10), 10, LEASE)) == 1


async def test_crashed_senders_rows_come_back_after_the_lease(store: Store) -> None:
    await _queue(store, ("a1", CHANNEL, 1))
    [claimed] = await store.claim_deliveries(T0, 10, LEASE)

    # The sender "crashes": it never marks the row. Until the lease ends nobody else takes it.
    assert await store.claim_deliveries(at(LEASE - 0.001), 10, LEASE) == []
    [again] = await store.claim_deliveries(at(LEASE), 10, LEASE)

    assert again.id == claimed.id
    assert again.nonce == claimed.nonce  # Discord's enforce_nonce then returns the first message
    assert again.attempts == 2
    assert again.status == DeliveryStatus.SENDING


async def test_sent_rows_record_their_message(store: Store) -> None:
    await _queue(store, ("a1", CHANNEL, 1), ("a2", CHANNEL, 1), ("a3", CHANNEL, 1))
    rows = await store.claim_deliveries(T0, 10, LEASE)
    assert await store.message_for("a1", CHANNEL) is None

    await store.mark_sent([rows[0].id, rows[1].id], 777_000_000_000_000_001, at(1))

    assert await store.message_for("a1", CHANNEL) == 777_000_000_000_000_001
    assert await store.message_for("a2", CHANNEL) == 777_000_000_000_000_001
    assert await store.message_for("a3", CHANNEL) is None  # claimed, not sent
    assert await store.message_for("a1", OTHER_CHANNEL) is None
    assert await store.message_alerts(CHANNEL, 777_000_000_000_000_001) == ["a1", "a2"]
    assert await store.message_alerts(OTHER_CHANNEL, 777_000_000_000_000_001) == []
    # A sent row never comes back, even after its lease would have ended.
    assert [d.alert_id for d in await store.claim_deliveries(at(LEASE), 10, LEASE)] == ["a3"]
    stats = await store.outbox_stats()
    assert (stats.pending, stats.sent, stats.failed) == (1, 2, 0)


async def test_sent_messages_of_alerts_are_listed_once_each(store: Store) -> None:
    alerts = [medal_alert(a, sequence=1) for a in ("a1", "a2", "a3")]
    rows = [
        delivery("a1", CHANNEL),
        delivery("a2", CHANNEL),
        delivery("a1", OTHER_CHANNEL, subscription_id=2, guild_id=OTHER_GUILD),
        delivery("a3", CHANNEL),
    ]
    await store.commit_snapshot(state(1), alerts, rows, T0)
    claimed = {
        (d.alert_id, d.channel_id): d.id for d in await store.claim_deliveries(T0, 10, LEASE)
    }
    await store.mark_sent([claimed["a1", CHANNEL], claimed["a2", CHANNEL]], 11, at(1))
    await store.mark_sent([claimed["a1", OTHER_CHANNEL]], 12, at(1))

    in_channel = SentMessage(guild_id=GUILD, channel_id=CHANNEL, message_id=11, subscription_id=1)
    elsewhere = SentMessage(
        guild_id=OTHER_GUILD, channel_id=OTHER_CHANNEL, message_id=12, subscription_id=2
    )
    assert await store.sent_messages(["a1", "a2", "a3"]) == [in_channel, elsewhere]
    assert await store.sent_messages(["a2"]) == [in_channel]
    assert await store.sent_messages(["a3"]) == []  # claimed, not sent
    assert await store.sent_messages([]) == []


async def test_retry_waits_until_its_time(store: Store) -> None:
    await _queue(store, ("a1", CHANNEL, 1))
    [row] = await store.claim_deliveries(T0, 10, LEASE)

    await store.mark_retry([row.id], at(60), "429 Too Many Requests")

    assert await store.claim_deliveries(at(59), 10, LEASE) == []
    [again] = await store.claim_deliveries(at(60), 10, LEASE)
    assert (again.id, again.attempts, again.last_error) == (row.id, 2, "429 Too Many Requests")
    assert again.next_attempt_at == at(60)


async def test_a_row_put_back_unsent_keeps_its_attempts(store: Store) -> None:
    await _queue(store, ("a1", CHANNEL, 1), ("a2", CHANNEL, 1))
    first, second = await store.claim_deliveries(T0, 10, LEASE)

    await store.mark_retry([first.id], at(1), "HTTP 503")
    await store.mark_retry([second.id], at(1), "waiting on an earlier message", attempted=False)

    again = await store.claim_deliveries(at(1), 10, LEASE)
    assert [(d.alert_id, d.attempts) for d in again] == [("a1", 2), ("a2", 1)]


async def test_failed_rows_are_final(store: Store) -> None:
    await _queue(store, ("a1", CHANNEL, 1), ("a2", CHANNEL, 1))
    rows = await store.claim_deliveries(T0, 10, LEASE)

    await store.mark_failed([rows[0].id], "50035 Invalid Form Body")
    await store.mark_retry([rows[0].id], at(1), "too late")  # must not revive it
    await store.mark_retry([rows[1].id], at(1), "503")

    claimed = await store.claim_deliveries(at(LEASE), 10, LEASE)
    assert [d.alert_id for d in claimed] == ["a2"]
    assert await store.message_for("a1", CHANNEL) is None
    stats = await store.outbox_stats()
    assert (stats.pending, stats.sent, stats.failed) == (1, 0, 1)


async def test_a_message_that_went_out_is_recorded_whatever_the_row_state(store: Store) -> None:
    await _queue(store, ("a1", CHANNEL, 1))
    [row] = await store.claim_deliveries(T0, 10, LEASE)
    await store.fail_pending_for_channel(CHANNEL, "403 Missing Access")

    await store.mark_sent([row.id], 5, at(1))  # the send had gone through after all

    assert await store.message_for("a1", CHANNEL) == 5


async def test_refused_channel_drops_only_its_unfinished_rows(store: Store) -> None:
    await _queue(
        store,
        ("sent", CHANNEL, 0),
        ("sending", CHANNEL, 1),
        ("pending", CHANNEL, 2),
        ("elsewhere", OTHER_CHANNEL, 2),
    )
    [sent, _sending] = await store.claim_deliveries(T0, 2, LEASE)
    await store.mark_sent([sent.id], 1, T0)

    dropped = await store.fail_pending_for_channel(CHANNEL, "403 Missing Access")

    assert dropped == 2
    assert await store.fail_pending_for_channel(CHANNEL, "403 Missing Access") == 0
    assert [d.alert_id for d in await store.claim_deliveries(at(LEASE), 10, LEASE)] == ["elsewhere"]
    assert await store.message_for("sent", CHANNEL) == 1
    stats = await store.outbox_stats()
    assert (stats.pending, stats.sent, stats.failed) == (1, 1, 2)


async def test_a_channel_gets_an_alert_once_even_when_two_subscriptions_match(
    store: Store,
) -> None:
    alert = medal_alert("a1")
    both = [delivery(alert, subscription_id=1), delivery(alert, subscription_id=2)]
    await store.commit_snapshot(state(1), [alert], [*both, delivery(alert, OTHER_CHANNEL)], T0)
    # A later commit offering the same alert to the same channel again adds nothing either.
    await store.commit_snapshot(state(2), [], [delivery(alert, subscription_id=3)], at(1))

    claimed = await store.claim_deliveries(at(1), 10, LEASE)

    assert sorted((d.channel_id, d.subscription_id) for d in claimed) == [
        (CHANNEL, 1),
        (OTHER_CHANNEL, 1),
    ]


async def test_concurrent_claims_never_share_a_row(store: Store) -> None:
    await _queue(store, *((f"a{i}", CHANNEL + i, i % 3) for i in range(7)))

    batches = await asyncio.gather(*(store.claim_deliveries(T0, 2, LEASE) for _ in range(5)))

    ids = [d.id for batch in batches for d in batch]
    assert len(ids) == len(set(ids)) == 7


async def test_a_pinned_batch_keeps_its_nonce_across_a_crash(store: Store) -> None:
    await _queue(store, ("a1", CHANNEL, 1), ("a2", CHANNEL, 1), ("a3", CHANNEL, 1))
    rows = await store.claim_deliveries(T0, 10, LEASE)

    await store.set_batch([rows[0].id, rows[1].id], "batch-a1a2")

    again = await store.claim_deliveries(at(LEASE), 10, LEASE)  # the sender crashed
    assert [(d.alert_id, d.batch_nonce) for d in again] == [
        ("a1", "batch-a1a2"),
        ("a2", "batch-a1a2"),
        ("a3", None),
    ]


async def test_a_pinned_batch_is_claimed_whole_even_past_the_limit(store: Store) -> None:
    await _queue(store, *((f"a{i}", CHANNEL, 1) for i in range(1, 5)), ("b", OTHER_CHANNEL, 2))
    rows = await store.claim_deliveries(T0, 10, LEASE)
    await store.set_batch([r.id for r in rows[:3]], "batch-a1a3")

    # After a crash, a claim of two rows must not cut the message in half: re-sent with its
    # nonce, the half would come back as the whole (Discord returns the first message).
    again = await store.claim_deliveries(at(LEASE), 2, LEASE)

    assert [(d.alert_id, d.batch_nonce) for d in again] == [
        ("a1", "batch-a1a3"),
        ("a2", "batch-a1a3"),
        ("a3", "batch-a1a3"),
    ]
    rest = await store.claim_deliveries(at(LEASE), 10, LEASE)
    assert [d.alert_id for d in rest] == ["b"]  # a4 waits behind the batch on the wire


async def test_a_batch_is_pinned_whole_or_not_at_all(store: Store) -> None:
    await _queue(store, ("a1", CHANNEL, 1), ("a2", CHANNEL, 1), ("a3", CHANNEL, 1))
    a1, a2, a3 = await store.claim_deliveries(T0, 10, LEASE)

    assert await store.set_batch([a1.id, a2.id], "batch-a1a2") is True
    # Rows already pinned (or sent) belong to another message: a sender that took them over
    # after a lease cannot pin them into one of its own, nor the rest of its batch.
    assert await store.set_batch([a2.id, a3.id], "batch-a2a3") is False
    await store.mark_sent([a3.id], 7, at(1))
    assert await store.set_batch([a3.id], "batch-a3") is False

    again = await store.claim_deliveries(at(LEASE), 10, LEASE)
    assert [(d.alert_id, d.batch_nonce) for d in again] == [
        ("a1", "batch-a1a2"),
        ("a2", "batch-a1a2"),
    ]


async def test_outbox_stats_count_every_state(store: Store) -> None:
    assert await store.outbox_stats() == OutboxStats(
        pending=0, oldest_pending_at=None, sent=0, failed=0
    )
    await _queue(store, ("a1", CHANNEL, 0), ("a2", CHANNEL, 1), now=at(5))
    await _queue(store, ("a3", CHANNEL, 1), ("a4", CHANNEL, 1), now=at(9))
    a1, a2, _ = await store.claim_deliveries(at(9), 3, LEASE)
    await store.mark_sent([a1.id], 1, at(10))
    await store.mark_failed([a2.id], "gone")

    # a3 is sending and a4 pending: both still to go, the oldest since at(9).
    assert await store.outbox_stats() == OutboxStats(
        pending=2, oldest_pending_at=at(9), sent=1, failed=1
    )


async def test_times_come_back_as_the_same_instant_in_utc(store: Store) -> None:
    paris = timezone(timedelta(hours=1))
    created = datetime(2026, 2, 9, 10, 0, 0, 123456, tzinfo=paris)
    await _queue(store, ("a1", CHANNEL, 1), now=created)

    [row] = await store.claim_deliveries(created, 1, LEASE)

    assert row.created_at == created
    assert row.created_at.utcoffset() == timedelta(0)


# Subscriptions and server settings ---------------------------------------------------------


async def test_subscriptions_are_added_and_listed(store: Store) -> None:
    everything = await store.add_subscription(subscription(), T0, 10)
    dutch = await store.add_subscription(
        subscription(noc="NED", golds_only=True, role_id=55), at(1), 10
    )
    skating = await store.add_subscription(subscription(sport="Speed Skating"), at(2), 10)
    elsewhere = await store.add_subscription(subscription(guild_id=OTHER_GUILD), at(3), 10)

    assert (everything.noc, everything.sport, everything.created_at) == (None, None, T0)
    assert (dutch.noc, dutch.golds_only, dutch.records, dutch.role_id) == ("NED", True, True, 55)
    assert (skating.noc, skating.sport) == (None, "Speed Skating")
    assert len({everything.id, dutch.id, skating.id, elsewhere.id}) == 4
    assert await store.list_subscriptions(GUILD) == [everything, dutch, skating]
    assert await store.list_subscriptions() == [everything, dutch, skating, elsewhere]
    assert await store.list_subscriptions(333) == []


async def test_subscriptions_are_looked_up_by_id(store: Store) -> None:
    everything = await store.add_subscription(subscription(), T0, 10)
    dutch = await store.add_subscription(subscription(noc="NED"), at(1), 10)
    elsewhere = await store.add_subscription(subscription(guild_id=OTHER_GUILD), at(2), 10)
    await store.remove_subscription(GUILD, everything.id)

    found = await store.get_subscriptions([dutch.id, everything.id, elsewhere.id, dutch.id])

    assert found == {dutch.id: dutch, elsewhere.id: elsewhere}  # the removed one is missing
    assert await store.get_subscriptions([]) == {}


async def test_subscribing_again_updates_in_place(store: Store) -> None:
    first = await store.add_subscription(subscription(noc="NED"), T0, 10)
    await store.pause_subscriptions(CHANNEL, "403 Missing Access")

    again = await store.add_subscription(
        subscription(noc="NED", golds_only=True, records=False, role_id=9), at(60), 10
    )

    assert (again.id, again.created_at) == (first.id, T0)
    assert (again.golds_only, again.records, again.role_id) == (True, False, 9)
    assert again.paused_reason is None  # subscribing again lifts the pause
    assert await store.list_subscriptions(GUILD) == [again]


async def test_every_nation_and_one_nation_are_different_subscriptions(store: Store) -> None:
    # '' stands for "all" in the databases: NULLs would never collide in the UNIQUE key.
    await store.add_subscription(subscription(), T0, 10)
    await store.add_subscription(subscription(), T0, 10)
    await store.add_subscription(subscription(noc="NED"), T0, 10)
    await store.add_subscription(subscription(OTHER_CHANNEL), T0, 10)

    listed = await store.list_subscriptions(GUILD)
    assert [(s.channel_id, s.noc) for s in listed] == [
        (CHANNEL, None),
        (CHANNEL, "NED"),
        (OTHER_CHANNEL, None),
    ]


async def test_a_server_cannot_exceed_its_subscription_limit(store: Store) -> None:
    await store.add_subscription(subscription(noc="NED"), T0, 2)
    await store.add_subscription(subscription(noc="JPN"), T0, 2)

    with pytest.raises(SubscriptionLimitError):
        await store.add_subscription(subscription(noc="USA"), T0, 2)

    # Updating an existing one is not a new one; other servers have their own limit.
    await store.add_subscription(subscription(noc="NED", golds_only=True), T0, 2)
    await store.add_subscription(subscription(noc="USA", guild_id=OTHER_GUILD), T0, 2)
    assert [s.noc for s in await store.list_subscriptions(GUILD)] == ["NED", "JPN"]


async def test_the_limit_holds_under_concurrent_adds(store: Store) -> None:
    results = await asyncio.gather(
        *(store.add_subscription(subscription(CHANNEL + i), T0, 3) for i in range(6)),
        return_exceptions=True,
    )

    refused = [r for r in results if isinstance(r, SubscriptionLimitError)]
    assert len(refused) == 3
    assert len(await store.list_subscriptions(GUILD)) == 3


async def test_subscriptions_are_removed_only_by_their_server(store: Store) -> None:
    sub = await store.add_subscription(subscription(noc="NED"), T0, 10)

    assert await store.remove_subscription(OTHER_GUILD, sub.id) is False
    assert await store.remove_subscription(GUILD, sub.id) is True
    assert await store.remove_subscription(GUILD, sub.id) is False
    assert await store.list_subscriptions() == []
    # An id once shown to a server is never given to another subscription.
    newer = await store.add_subscription(subscription(noc="NED"), T0, 10)
    assert newer.id != sub.id


async def test_pausing_a_channel_pauses_its_subscriptions_once(store: Store) -> None:
    ned = await store.add_subscription(subscription(noc="NED"), T0, 10)
    jpn = await store.add_subscription(subscription(noc="JPN"), T0, 10)
    other = await store.add_subscription(subscription(OTHER_CHANNEL), T0, 10)

    paused = await store.pause_subscriptions(CHANNEL, "403 Missing Access")

    assert [(s.id, s.paused_reason) for s in paused] == [
        (ned.id, "403 Missing Access"),
        (jpn.id, "403 Missing Access"),
    ]
    assert await store.pause_subscriptions(CHANNEL, "404 Unknown Channel") == []
    listed = {s.id: s.paused_reason for s in await store.list_subscriptions(GUILD)}
    assert listed == {ned.id: "403 Missing Access", jpn.id: "403 Missing Access", other.id: None}


async def test_resuming_lifts_a_pause(store: Store) -> None:
    sub = await store.add_subscription(subscription(noc="NED"), T0, 10)
    await store.pause_subscriptions(CHANNEL, "403 Missing Access")

    assert await store.resume_subscription(OTHER_GUILD, sub.id) is False
    assert await store.resume_subscription(GUILD, sub.id) is True
    assert await store.resume_subscription(GUILD, sub.id) is False  # not paused any more
    assert await store.resume_subscription(GUILD, 424242) is False
    [listed] = await store.list_subscriptions(GUILD)
    assert listed.paused_reason is None
    # Resumed, it can be paused again when the channel refuses again.
    assert len(await store.pause_subscriptions(CHANNEL, "404 Unknown Channel")) == 1


async def test_guild_settings_default_then_saved(store: Store) -> None:
    assert await store.get_guild_settings(GUILD) == GuildSettings(guild_id=GUILD)

    await store.save_guild_settings(GuildSettings(GUILD, locale="nl", log_channel_id=CHANNEL))
    await store.save_guild_settings(GuildSettings(OTHER_GUILD, locale="fr"))
    await store.save_guild_settings(GuildSettings(GUILD, locale="ja", log_channel_id=None))

    assert await store.get_guild_settings(GUILD) == GuildSettings(GUILD, locale="ja")
    assert await store.get_guild_settings(OTHER_GUILD) == GuildSettings(OTHER_GUILD, "fr")


async def test_guild_settings_keep_the_discord_language_apart_from_the_choice(
    store: Store,
) -> None:
    # a new server: only its Discord language is known, and it is in force
    await store.save_guild_settings(GuildSettings(GUILD, discord_locale="pt-BR"))
    seen = await store.get_guild_settings(GUILD)
    assert (seen.locale, seen.discord_locale, seen.language) == (None, "pt-BR", "pt_BR")
    assert not seen.language_chosen

    # a moderator's choice wins, and the Discord language is still known beside it
    await store.save_guild_settings(GuildSettings(GUILD, "de", CHANNEL, discord_locale="pt-BR"))
    chosen = await store.get_guild_settings(GUILD)
    assert (chosen.language, chosen.discord_locale, chosen.log_channel_id) == (
        "de",
        "pt-BR",
        CHANNEL,
    )
    assert chosen.language_chosen

    # a Discord language we do not speak leaves the server in English
    await store.save_guild_settings(GuildSettings(OTHER_GUILD, discord_locale="ko"))
    assert (await store.get_guild_settings(OTHER_GUILD)).language == "en"
