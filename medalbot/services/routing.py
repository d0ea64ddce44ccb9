"""Which subscribed channel gets which alert, and how urgently: the outbox rows of a snapshot.

Pure: the poll service calls it between detection and the store's single transaction.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

from medalbot.domain.alerts import (
    Alert,
    CorrectionAlert,
    MedalAlert,
    MedalWon,
    RecordAlert,
    RecordSet,
    alert_nocs,
)
from medalbot.domain.models import Medal
from medalbot.store.base import NewDelivery, Subscription

# Lower goes first: records, golds and fixes of what was already said, then a followed
# nation's other medals, then the rest of an everything-feed.
PRIORITY_URGENT = 0
PRIORITY_NATION = 1
PRIORITY_OTHER = 2

NONCE_LENGTH = 25  # Discord accepts nonces of at most 25 characters


def delivery_nonce(alert_id: str, channel_id: int) -> str:
    """Deterministic per (alert, channel), so a resend after a crash is deduplicated by Discord.
    Hex (100 bits): a fan-out makes one per channel, so it must be cheap."""
    return hashlib.sha256(f"{alert_id}:{channel_id}".encode()).hexdigest()[:NONCE_LENGTH]


def _subjects(alert: Alert) -> tuple[MedalWon | RecordSet, ...]:
    if isinstance(alert, MedalAlert):
        return alert.medals
    if isinstance(alert, RecordAlert):
        return (alert.record,)
    return (*alert.before, *alert.after)


def _concerns_records(alert: Alert) -> bool:
    return any(isinstance(s, RecordSet) for s in _subjects(alert))


def matches(sub: Subscription, alert: Alert) -> bool:
    """Whether a subscription wants this alert at all."""
    if sub.paused_reason is not None:
        return False
    if sub.sport is not None and sub.sport.casefold() != alert.sport.casefold():
        return False
    if sub.noc is not None and sub.noc not in alert_nocs(alert):
        return False
    if _concerns_records(alert):
        return sub.records
    if sub.golds_only:
        return any(
            isinstance(s, MedalWon)
            and s.medal is Medal.GOLD
            and (sub.noc is None or s.noc == sub.noc)
            for s in _subjects(alert)
        )
    return True


def priority(sub: Subscription, alert: Alert) -> int:
    if isinstance(alert, RecordAlert | CorrectionAlert):
        return PRIORITY_URGENT
    if any(m.medal is Medal.GOLD for m in alert.medals):
        return PRIORITY_URGENT
    return PRIORITY_NATION if sub.noc is not None else PRIORITY_OTHER


def deliveries_for(
    alerts: Sequence[Alert], subscriptions: Iterable[Subscription]
) -> list[NewDelivery]:
    """One row per (alert, channel): a channel with two matching subscriptions gets it once,
    through the one that makes it most urgent (then the oldest subscription)."""
    subs = sorted(subscriptions, key=lambda s: s.id)
    rows: list[NewDelivery] = []
    for alert in alerts:
        chosen: dict[int, tuple[int, Subscription]] = {}  # channel -> (priority, subscription)
        for sub in subs:
            if not matches(sub, alert):
                continue
            rank = priority(sub, alert)
            best = chosen.get(sub.channel_id)
            if best is None or rank < best[0]:
                chosen[sub.channel_id] = (rank, sub)
        rows.extend(
            NewDelivery(
                alert_id=alert.id,
                subscription_id=sub.id,
                guild_id=sub.guild_id,
                channel_id=channel_id,
                priority=rank,
                nonce=delivery_nonce(alert.id, channel_id),
            )
            for channel_id, (rank, sub) in chosen.items()
        )
    return rows
