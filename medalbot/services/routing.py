"""Which subscribed channel gets which alert, and how urgently: the outbox rows of a snapshot.

Pure: the poll service calls it between detection and the store's single transaction (in a
worker thread: a fan-out to 100,000 subscriptions is a few hundred ms of CPU).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

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
from medalbot.domain.subscriptions import NewDelivery

# Lower goes first: records, golds and fixes of what was already said, then a followed
# nation's other medals, then the rest of an everything-feed.
PRIORITY_URGENT = 0
PRIORITY_NATION = 1
PRIORITY_OTHER = 2

NONCE_LENGTH = 25  # Discord accepts nonces of at most 25 characters


class Routable(Protocol):
    """What routing reads of a subscription: a ``Subscription``, or the store's narrower
    ``RoutingEntry`` (what a poll reads, for every subscription)."""

    @property
    def id(self) -> int: ...
    @property
    def guild_id(self) -> int: ...
    @property
    def channel_id(self) -> int: ...
    @property
    def noc(self) -> str | None: ...
    @property
    def sport(self) -> str | None: ...
    @property
    def golds_only(self) -> bool: ...
    @property
    def records(self) -> bool: ...
    @property
    def paused_reason(self) -> str | None: ...
    @property
    def spoiler_safe(self) -> bool: ...


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


@dataclass(frozen=True, slots=True)
class _Facts:
    """What matching asks of an alert, worked out once for all its subscriptions."""

    sport: str  # casefolded
    nocs: frozenset[str]
    records: bool  # it concerns a record
    gold_nocs: frozenset[str]  # the nations of the golds among its subjects
    urgent: bool

    @classmethod
    def of(cls, alert: Alert) -> _Facts:
        subjects = _subjects(alert)
        return cls(
            sport=alert.sport.casefold(),
            nocs=alert_nocs(alert),
            records=any(isinstance(s, RecordSet) for s in subjects),
            gold_nocs=frozenset(
                s.noc for s in subjects if isinstance(s, MedalWon) and s.medal is Medal.GOLD
            ),
            urgent=isinstance(alert, RecordAlert | CorrectionAlert)
            or any(m.medal is Medal.GOLD for m in alert.medals),
        )


def _wants(sub: Routable, facts: _Facts) -> bool:
    if sub.paused_reason is not None:
        return False
    if sub.sport is not None and sub.sport.casefold() != facts.sport:
        return False
    if sub.noc is not None and sub.noc not in facts.nocs:
        return False
    if facts.records:
        return sub.records
    if sub.golds_only:
        return bool(facts.gold_nocs) if sub.noc is None else sub.noc in facts.gold_nocs
    return True


def _rank(sub: Routable, facts: _Facts) -> int:
    if facts.urgent:
        return PRIORITY_URGENT
    return PRIORITY_NATION if sub.noc is not None else PRIORITY_OTHER


def matches(sub: Routable, alert: Alert) -> bool:
    """Whether a subscription wants this alert at all."""
    return _wants(sub, _Facts.of(alert))


def priority(sub: Routable, alert: Alert) -> int:
    return _rank(sub, _Facts.of(alert))


def _better(sub: Routable, best: Routable, facts: _Facts) -> bool:
    """Whether ``sub`` should carry a channel's copy rather than ``best`` (an older one): a
    spoiler-safe one first, since the channel promised its readers no spoiler (a plain
    subscription's readers lose only a click), then the most urgent."""
    if sub.spoiler_safe != best.spoiler_safe:
        return sub.spoiler_safe
    return _rank(sub, facts) < _rank(best, facts)


def deliveries_for(alerts: Sequence[Alert], subscriptions: Iterable[Routable]) -> list[NewDelivery]:
    """One row per (alert, channel): a channel with two matching subscriptions gets it once,
    through a spoiler-safe one if it has one, else the one that makes it most urgent (then the
    oldest subscription); the row is as urgent as its most urgent subscription."""
    subs = sorted(subscriptions, key=lambda s: s.id)
    rows: list[NewDelivery] = []
    for alert in alerts:
        facts = _Facts.of(alert)
        # channel -> its most urgent subscription (no (rank, sub) pairs: 100,000 tuples would
        # wake the garbage collector, which holds the event loop too)
        chosen: dict[int, Routable] = {}
        urgency: dict[int, int] = {}
        for sub in subs:
            if not _wants(sub, facts):
                continue
            rank = _rank(sub, facts)
            best = chosen.get(sub.channel_id)
            if best is None or _better(sub, best, facts):
                chosen[sub.channel_id] = sub
            urgency[sub.channel_id] = min(rank, urgency.get(sub.channel_id, rank))
        rows.extend(
            NewDelivery(
                alert_id=alert.id,
                subscription_id=sub.id,
                guild_id=sub.guild_id,
                channel_id=channel_id,
                priority=urgency[channel_id],
                nonce=delivery_nonce(alert.id, channel_id),
            )
            for channel_id, sub in chosen.items()
        )
    return rows
