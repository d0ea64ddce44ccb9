"""The Store contract for how a claim is cut, on memory, SQLite and PostgreSQL: channels are
claimed whole, so the claim's row limit never splits one channel's waiting alerts over two
claims (each claim's rows of a channel go out as their own messages: a split costs a message
more, which bench/fanout_limits.py saw as 1,010 messages for 1,000 channels)."""

from __future__ import annotations

from medalbot.store.base import Delivery, Store
from tests.store.builders import CHANNEL, T0, at, delivery, medal_alert, state

LEASE = 30.0


async def _queue(store: Store, alert_ids: list[str], channels: list[int]) -> None:
    """Every alert to every channel, alert after alert (as polls one after another queue them):
    the rows of one channel are interleaved with the others' in id order."""
    alerts = [medal_alert(a) for a in alert_ids]
    rows = [delivery(a, c) for a in alert_ids for c in channels]
    await store.commit_snapshot(state(1), alerts, rows, T0)


def _by_channel(rows: list[Delivery]) -> list[tuple[int, list[str]]]:
    """The claim as channels in its order, each with its alerts in its order."""
    out: list[tuple[int, list[str]]] = []
    for row in rows:
        if not out or out[-1][0] != row.channel_id:
            out.append((row.channel_id, []))
        out[-1][1].append(row.alert_id)
    return out


async def test_the_limit_never_cuts_a_channel_in_two(store: Store) -> None:
    channels = [CHANNEL + k for k in range(4)]
    await _queue(store, ["a1", "a2", "a3"], channels)
    whole = ["a1", "a2", "a3"]

    # 7 rows would be two channels and one row of the third: it waits whole for the next claim
    first = await store.claim_deliveries(at(1), 7, LEASE)
    second = await store.claim_deliveries(at(1), 7, LEASE)

    assert _by_channel(first) == [(channels[0], whole), (channels[1], whole)]
    assert _by_channel(second) == [(channels[2], whole), (channels[3], whole)]
    assert await store.claim_deliveries(at(1), 7, LEASE) == []


async def test_a_claim_fills_up_to_the_limit_with_whole_channels(store: Store) -> None:
    channels = [CHANNEL + k for k in range(3)]
    await _queue(store, ["a1", "a2"], channels)

    # exactly two channels fit: both taken, the third not touched
    first = await store.claim_deliveries(at(1), 4, LEASE)
    assert [c for c, _ in _by_channel(first)] == channels[:2]
    assert [len(a) for _, a in _by_channel(first)] == [2, 2]
    assert _by_channel(await store.claim_deliveries(at(1), 4, LEASE)) == [
        (channels[2], ["a1", "a2"])
    ]


async def test_a_channel_longer_than_the_limit_goes_in_order_over_several_claims(
    store: Store,
) -> None:
    busy, quiet = CHANNEL, CHANNEL + 1
    await _queue(store, ["a1", "a2", "a3", "a4", "a5"], [busy])
    await store.commit_snapshot(
        state(2), [medal_alert("q1", sequence=2)], [delivery("q1", quiet)], T0
    )

    head = await store.claim_deliveries(at(1), 3, LEASE)
    # the rest of the busy channel waits behind its head on the wire; the quiet one goes
    other = await store.claim_deliveries(at(1), 3, LEASE)
    await store.mark_sent([r.id for r in head], 1, at(2))
    tail = await store.claim_deliveries(at(3), 3, LEASE)

    assert _by_channel(head) == [(busy, ["a1", "a2", "a3"])]
    assert _by_channel(other) == [(quiet, ["q1"])]
    assert _by_channel(tail) == [(busy, ["a4", "a5"])]
