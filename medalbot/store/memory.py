"""An in-memory Store with the same behaviour as the SQL ones (the CLI without ``--db``, tests).

It keeps the same JSON text the databases keep, so what goes in and comes out is checked the
same way, and it mirrors their constraints (unique alert ids, a delivery's alert must exist,
nonce length, one delivery per alert and channel). Every method runs without awaiting, so each
is atomic under asyncio; commit_snapshot validates everything before it changes anything.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from msgspec.structs import replace as replace_struct

from medalbot.domain.alerts import Alert
from medalbot.domain.schedule import Schedule
from medalbot.domain.state import GamesState
from medalbot.domain.subscriptions import NewDelivery, RoutingEntry, Subscription
from medalbot.store.base import (
    Delivery,
    DeliveryStatus,
    DigestRecord,
    FeedDocument,
    GuildSettings,
    NewSubscription,
    OfficialEdit,
    OutboxStats,
    SentMessage,
    StaleStateError,
    StoreError,
    SubscriptionLimitError,
)
from medalbot.store.checks import MAX_NONCE_LENGTH, check_commit_batch
from medalbot.store.codec import decode_alert, decode_state, encode_alert, encode_state
from medalbot.store.sql import whole_channels
from medalbot.store.times import as_stored

_UNFINISHED = frozenset({DeliveryStatus.PENDING, DeliveryStatus.SENDING})


@dataclass(frozen=True)
class _SavedState:
    sequence: int
    json: str
    updated_at: datetime


@dataclass(frozen=True)
class _LoggedAlert:
    games_code: str
    json: str
    created_at: datetime


@dataclass(frozen=True)
class _Row:
    """A delivery with the columns the Delivery struct does not show."""

    delivery: Delivery
    lease_until: datetime | None = None
    sent_at: datetime | None = None
    claimed_by: int | None = None  # the instance that claimed it (medalbot.store.instances)


class MemoryStore:
    """See ``medalbot.store.base.Store`` for the contract."""

    def __init__(self) -> None:
        self._states: dict[str, _SavedState] = {}
        self._official: dict[tuple[str, str], OfficialEdit] = {}  # by (games, event)
        self._alerts: dict[str, _LoggedAlert] = {}  # insertion order is detection order
        self._subscriptions: dict[int, Subscription] = {}
        self._settings: dict[int, GuildSettings] = {}
        self._deliveries: dict[int, _Row] = {}
        self._delivery_keys: set[tuple[str, int]] = set()
        self._subscription_ids = itertools.count(1)  # never reused, like the databases' keys
        self._delivery_ids = itertools.count(1)
        self._digests: dict[tuple[int, date], DigestRecord] = {}
        self._feed_documents: dict[tuple[str, str], FeedDocument] = {}
        self._instances: dict[int, datetime] = {}  # id -> last heartbeat
        self._instance_ids = itertools.count(1)
        self.instance_id: int | None = None  # the instance this store's claims record

    async def close(self) -> None:
        """Nothing to release."""

    # Feed state and the alert log -------------------------------------------------------

    async def load_state(self, games_code: str) -> GamesState | None:
        saved = self._states.get(games_code)
        return None if saved is None else decode_state(saved.json)

    async def list_games(self) -> list[str]:
        return sorted(self._states, key=lambda code: (self._states[code].updated_at, code))

    async def commit_snapshot(
        self,
        state: GamesState,
        alerts: Sequence[Alert],
        deliveries: Sequence[NewDelivery],
        now: datetime,
        official: Sequence[OfficialEdit] = (),
    ) -> None:
        check_commit_batch(state, alerts)
        created_at = as_stored(now)
        saved = self._states.get(state.games_code)
        if saved is not None and saved.sequence >= state.sequence:
            raise StaleStateError(
                f"Games {state.games_code!r} is already saved at sequence {saved.sequence},"
                f" not older than {state.sequence}"
            )
        logged = [a.id for a in alerts if a.id in self._alerts]
        if logged:
            raise StoreError(f"alerts {logged} are already in the log")
        batch_ids = {a.id for a in alerts}
        for d in deliveries:
            if d.alert_id not in batch_ids and d.alert_id not in self._alerts:
                raise StoreError(f"delivery for unknown alert {d.alert_id!r}")
            _check_nonce(d.nonce)
        new_alerts = {a.id: _LoggedAlert(a.games, encode_alert(a), created_at) for a in alerts}
        new_state = _SavedState(state.sequence, encode_state(state), created_at)

        # Everything is checked and encoded: from here on nothing can fail half-way.
        self._states[state.games_code] = new_state
        self._alerts.update(new_alerts)
        for edit in official:  # a later one for the same event replaces it, last in order
            self._official.pop((edit.games, edit.event), None)
            self._official[(edit.games, edit.event)] = edit
        for d in deliveries:
            key = (d.alert_id, d.channel_id)
            if key in self._delivery_keys:
                continue
            self._delivery_keys.add(key)
            row_id = next(self._delivery_ids)
            self._deliveries[row_id] = _Row(
                Delivery(
                    id=row_id,
                    alert_id=d.alert_id,
                    subscription_id=d.subscription_id,
                    guild_id=d.guild_id,
                    channel_id=d.channel_id,
                    priority=d.priority,
                    nonce=d.nonce,
                    status=DeliveryStatus.PENDING,
                    attempts=0,
                    created_at=created_at,
                    next_attempt_at=created_at,
                )
            )

    async def official_edits_owed(self, feed: str) -> list[OfficialEdit]:
        return [edit for edit in self._official.values() if edit.feed == feed]

    async def official_edits_made(self, edit: OfficialEdit) -> None:
        key = (edit.games, edit.event)
        owed = self._official.get(key)
        if owed is not None and owed.alert_ids == edit.alert_ids:
            del self._official[key]

    async def get_alerts(self, alert_ids: Sequence[str]) -> dict[str, Alert]:
        return {
            alert_id: decode_alert(self._alerts[alert_id].json)
            for alert_id in alert_ids
            if alert_id in self._alerts
        }

    async def list_alerts(self, games_code: str) -> list[Alert]:
        return [decode_alert(a.json) for a in self._alerts.values() if a.games_code == games_code]

    async def list_alerts_between(self, since: datetime, until: datetime) -> list[Alert]:
        start, end = as_stored(since), as_stored(until)
        logged = [
            (a.created_at, a.games_code, index, a.json)
            for index, a in enumerate(self._alerts.values())  # detection order within a Games
            if start < a.created_at <= end
        ]
        return [decode_alert(text) for *_, text in sorted(logged)]

    # Subscriptions and server settings --------------------------------------------------

    async def add_subscription(
        self, sub: NewSubscription, now: datetime, max_per_guild: int
    ) -> Subscription:
        created_at = as_stored(now)
        noc, sport = sub.noc or None, sub.sport or None
        existing = next(
            (
                s
                for s in self._subscriptions.values()
                if (s.guild_id, s.channel_id, s.noc, s.sport)
                == (sub.guild_id, sub.channel_id, noc, sport)
            ),
            None,
        )
        if existing is not None:
            # Subscribing again replaces the options and lifts a pause (the admin came back).
            updated = replace_struct(
                existing,
                golds_only=sub.golds_only,
                records=sub.records,
                role_id=sub.role_id,
                spoiler_safe=sub.spoiler_safe,
                paused_reason=None,
            )
            self._subscriptions[existing.id] = updated
            return updated
        count = sum(1 for s in self._subscriptions.values() if s.guild_id == sub.guild_id)
        if count >= max_per_guild:
            raise SubscriptionLimitError(
                f"server {sub.guild_id} already has {count} subscriptions (limit {max_per_guild})"
            )
        created = Subscription(
            id=next(self._subscription_ids),
            guild_id=sub.guild_id,
            channel_id=sub.channel_id,
            noc=noc,
            sport=sport,
            golds_only=sub.golds_only,
            records=sub.records,
            role_id=sub.role_id,
            created_at=created_at,
            timezone=sub.timezone,
            quiet_start=sub.quiet_start,
            quiet_end=sub.quiet_end,
            records_break_through=sub.records_break_through,
            digest_time=sub.digest_time,
            spoiler_safe=sub.spoiler_safe,
        )
        self._subscriptions[created.id] = created
        return created

    async def remove_subscription(self, guild_id: int, subscription_id: int) -> bool:
        found = self._subscriptions.get(subscription_id)
        if found is None or found.guild_id != guild_id:
            return False
        del self._subscriptions[subscription_id]
        return True

    async def list_subscriptions(self, guild_id: int | None = None) -> list[Subscription]:
        return [
            s
            for _, s in sorted(self._subscriptions.items())
            if guild_id is None or s.guild_id == guild_id
        ]

    async def list_routing_entries(self) -> list[RoutingEntry]:
        return [
            RoutingEntry(
                id=s.id,
                guild_id=s.guild_id,
                channel_id=s.channel_id,
                noc=s.noc,
                sport=s.sport,
                golds_only=s.golds_only,
                records=s.records,
                paused_reason=s.paused_reason,
                spoiler_safe=s.spoiler_safe,
            )
            for _, s in sorted(self._subscriptions.items())
        ]

    async def get_subscriptions(self, subscription_ids: Sequence[int]) -> dict[int, Subscription]:
        return {i: self._subscriptions[i] for i in subscription_ids if i in self._subscriptions}

    async def pause_subscriptions(self, channel_id: int, reason: str) -> list[Subscription]:
        paused = []
        for sub_id, sub in sorted(self._subscriptions.items()):
            if sub.channel_id == channel_id and sub.paused_reason is None:
                self._subscriptions[sub_id] = sub = replace_struct(sub, paused_reason=reason)
                paused.append(sub)
        return paused

    async def resume_subscription(self, guild_id: int, subscription_id: int) -> bool:
        found = self._subscriptions.get(subscription_id)
        if found is None or found.guild_id != guild_id or found.paused_reason is None:
            return False
        self._subscriptions[subscription_id] = replace_struct(found, paused_reason=None)
        return True

    async def update_schedule(
        self, guild_id: int, subscription_id: int, schedule: Schedule, now: datetime
    ) -> Subscription | None:
        found = self._subscriptions.get(subscription_id)
        if found is None or found.guild_id != guild_id:
            return None
        due = as_stored(now)
        updated = replace_struct(
            found,
            timezone=schedule.timezone,
            quiet_start=schedule.quiet_start,
            quiet_end=schedule.quiet_end,
            records_break_through=schedule.records_break_through,
            digest_time=schedule.digest_time,
        )
        self._subscriptions[subscription_id] = updated
        for row in list(self._deliveries.values()):
            d = row.delivery
            if d.subscription_id == subscription_id and _is_held(d):
                self._deliveries[d.id] = replace(
                    row, delivery=replace_struct(d, next_attempt_at=due)
                )
        return updated

    async def set_spoiler_safe(
        self, guild_id: int, subscription_id: int, spoiler_safe: bool
    ) -> Subscription | None:
        found = self._subscriptions.get(subscription_id)
        if found is None or found.guild_id != guild_id:
            return None
        updated = replace_struct(found, spoiler_safe=spoiler_safe)
        self._subscriptions[subscription_id] = updated
        return updated

    async def get_guild_settings(self, guild_id: int) -> GuildSettings:
        return self._settings.get(guild_id, GuildSettings(guild_id=guild_id))

    async def save_guild_settings(self, settings: GuildSettings) -> None:
        self._settings[settings.guild_id] = settings

    # The outbox ---------------------------------------------------------------------------

    async def claim_deliveries(
        self, now: datetime, limit: int, lease_seconds: float
    ) -> list[Delivery]:
        moment = as_stored(now)
        lease_until = as_stored(now + timedelta(seconds=lease_seconds))
        rows = sorted(self._deliveries.values(), key=lambda r: r.delivery.id)
        blocked: set[int] = set()  # channels with an earlier row on the wire or waiting
        head_priority: dict[int, int] = {}
        head_id: dict[int, int] = {}  # each channel's oldest unfinished row
        taken_back: set[int] = set()  # channels with a claimed row whose lease ran out
        candidates: list[Delivery] = []
        for row in rows:
            d = row.delivery
            if d.status not in _UNFINISHED:
                continue
            head_priority[d.channel_id] = min(
                head_priority.get(d.channel_id, d.priority), d.priority
            )
            head_id.setdefault(d.channel_id, d.id)
            row_due = _is_due(row, moment)
            if row_due and d.status is DeliveryStatus.SENDING:
                taken_back.add(d.channel_id)
            if d.channel_id in blocked:
                continue
            if row_due:
                candidates.append(d)
            elif not _is_held(d):  # a held row waits for its quiet hours, blocking nothing
                blocked.add(d.channel_id)

        def order(d: Delivery) -> tuple[int, bool, int, int]:
            channel = d.channel_id
            return head_priority[channel], channel not in taken_back, head_id[channel], d.id

        if limit <= 0:
            return []
        due = sorted(candidates, key=order)[: limit + 1]
        due = due[: whole_channels([d.channel_id for d in due], limit)]
        # A batch pinned to one message is claimed whole, past the limit (see the SQL store).
        pinned = {(d.channel_id, d.batch_nonce) for d in due if d.batch_nonce}
        taken_ids = {d.id for d in due}
        rest = [
            d
            for d in candidates
            if (d.channel_id, d.batch_nonce) in pinned and d.id not in taken_ids
        ]
        due = sorted([*due, *rest], key=order)
        claimed = []
        for delivery in due:
            taken = replace_struct(
                delivery, status=DeliveryStatus.SENDING, attempts=delivery.attempts + 1
            )
            self._deliveries[delivery.id] = replace(
                self._deliveries[delivery.id],
                delivery=taken,
                lease_until=lease_until,
                claimed_by=self.instance_id,
            )
            claimed.append(taken)
        return claimed

    async def mark_sent(self, delivery_ids: Sequence[int], message_id: int, now: datetime) -> None:
        sent_at = as_stored(now)
        for row in self._rows(delivery_ids, only_unfinished=False):
            self._deliveries[row.delivery.id] = _Row(
                replace_struct(row.delivery, status=DeliveryStatus.SENT, message_id=message_id),
                lease_until=None,
                sent_at=sent_at,
            )

    async def mark_retry(
        self,
        delivery_ids: Sequence[int],
        next_attempt_at: datetime,
        error: str,
        *,
        attempted: bool = True,
    ) -> None:
        retry_at = as_stored(next_attempt_at)
        for row in self._rows(delivery_ids, only_unfinished=True):
            d = row.delivery
            self._deliveries[d.id] = _Row(
                replace_struct(
                    d,
                    status=DeliveryStatus.PENDING,
                    next_attempt_at=retry_at,
                    last_error=error,
                    attempts=d.attempts if attempted else max(d.attempts - 1, 0),
                )
            )

    async def mark_failed(self, delivery_ids: Sequence[int], error: str) -> None:
        for row in self._rows(delivery_ids, only_unfinished=True):
            self._fail(row, error)

    async def fail_pending_for_channel(self, channel_id: int, error: str) -> int:
        doomed = [
            row
            for row in self._deliveries.values()
            if row.delivery.channel_id == channel_id and row.delivery.status in _UNFINISHED
        ]
        for row in doomed:
            self._fail(row, error)
        return len(doomed)

    async def message_for(self, alert_id: str, channel_id: int) -> int | None:
        for row in self._deliveries.values():
            d = row.delivery
            if (d.alert_id, d.channel_id, d.status) == (
                alert_id,
                channel_id,
                DeliveryStatus.SENT,
            ) and d.held_at is None:
                return d.message_id
        return None

    async def set_batch(self, delivery_ids: Sequence[int], nonce: str) -> bool:
        _check_nonce(nonce)
        rows = self._rows(delivery_ids, only_unfinished=True)
        if len(rows) < len(set(delivery_ids)) or any(r.delivery.batch_nonce for r in rows):
            return False
        for row in rows:
            self._deliveries[row.delivery.id] = replace(
                row, delivery=replace_struct(row.delivery, batch_nonce=nonce)
            )
        return True

    async def message_alerts(self, channel_id: int, message_id: int) -> list[str]:
        return [
            r.delivery.alert_id
            for _, r in sorted(self._deliveries.items())
            if (r.delivery.channel_id, r.delivery.message_id, r.delivery.status)
            == (channel_id, message_id, DeliveryStatus.SENT)
            and r.delivery.held_at is None
        ]

    async def sent_messages(self, alert_ids: Sequence[str]) -> list[SentMessage]:
        wanted = set(alert_ids)
        found: dict[tuple[int, int], SentMessage] = {}
        for _, r in sorted(self._deliveries.items()):
            d = r.delivery
            if (
                d.alert_id in wanted
                and d.status == DeliveryStatus.SENT
                and d.held_at is None
                and d.message_id is not None
            ):
                found.setdefault(
                    (d.channel_id, d.message_id),
                    SentMessage(d.guild_id, d.channel_id, d.message_id, d.subscription_id),
                )
        return list(found.values())

    async def hold_deliveries(
        self, delivery_ids: Sequence[int], until: datetime, now: datetime
    ) -> None:
        due, held_at = as_stored(until), as_stored(now)
        for row in self._rows(delivery_ids, only_unfinished=True):
            d = row.delivery
            if d.batch_nonce is not None:  # may already be on Discord: never held
                continue
            self._deliveries[d.id] = _Row(
                replace_struct(
                    d,
                    status=DeliveryStatus.PENDING,
                    next_attempt_at=due,
                    held_at=d.held_at or held_at,
                    attempts=max(d.attempts - 1, 0),
                )
            )

    async def claim_held(
        self, channel_id: int, subscription_id: int, now: datetime, lease_seconds: float
    ) -> list[Delivery]:
        moment = as_stored(now)
        lease_until = as_stored(now + timedelta(seconds=lease_seconds))
        claimed = []
        for row_id, row in sorted(self._deliveries.items()):
            d = row.delivery
            if (
                (d.channel_id, d.subscription_id) == (channel_id, subscription_id)
                and _is_held(d)
                and d.next_attempt_at <= moment
            ):
                taken = replace_struct(d, status=DeliveryStatus.SENDING, attempts=d.attempts + 1)
                self._deliveries[row_id] = replace(
                    row, delivery=taken, lease_until=lease_until, claimed_by=self.instance_id
                )
                claimed.append(taken)
        return claimed

    async def outbox_stats(self) -> OutboxStats:
        rows = [r.delivery for r in self._deliveries.values()]
        unfinished = [d for d in rows if d.status in _UNFINISHED and not _is_held(d)]
        return OutboxStats(
            pending=len(unfinished),
            oldest_pending_at=min((d.created_at for d in unfinished), default=None),
            sent=self._count(DeliveryStatus.SENT),
            failed=self._count(DeliveryStatus.FAILED),
            held=sum(1 for d in rows if _is_held(d)),
        )

    # Daily digests --------------------------------------------------------------------------

    async def begin_digest(
        self, subscription_id: int, day: date, channel_id: int, nonce: str, now: datetime
    ) -> DigestRecord:
        _check_nonce(nonce)
        key = (subscription_id, day)
        if key not in self._digests:
            self._digests[key] = DigestRecord(
                subscription_id=subscription_id,
                day=day,
                channel_id=channel_id,
                nonce=nonce,
                created_at=as_stored(now),
            )
        return self._digests[key]

    async def mark_digest_sent(
        self, subscription_id: int, day: date, message_id: int, now: datetime
    ) -> None:
        found = self._digests.get((subscription_id, day))
        if found is not None:
            self._digests[(subscription_id, day)] = replace_struct(
                found, message_id=message_id, sent_at=as_stored(now)
            )

    async def get_digest(self, subscription_id: int, day: date) -> DigestRecord | None:
        return self._digests.get((subscription_id, day))

    # Feed documents -------------------------------------------------------------------------

    async def save_feed_documents(
        self, feed: str, documents: Sequence[FeedDocument], now: datetime
    ) -> None:
        as_stored(now)  # the same check of ``now`` as the databases' columns get
        for document in documents:
            held = self._feed_documents.get((feed, document.key))
            if held is None:
                self._feed_documents[(feed, document.key)] = document
            elif document.version > held.version:
                self._feed_documents[(feed, document.key)] = replace_struct(
                    document, position=held.position
                )

    async def load_feed_documents(self, feed: str) -> list[FeedDocument]:
        kept = [d for (name, _), d in self._feed_documents.items() if name == feed]
        return sorted(kept, key=lambda d: (d.position, d.key))

    # Instances and commits (medalbot.store.instances) ------------------------------------

    async def committed_sequences(self) -> dict[str, int]:
        return {code: saved.sequence for code, saved in self._states.items()}

    async def register_instance(self, now: datetime, description: str = "") -> int:
        self.instance_id = next(self._instance_ids)
        self._instances[self.instance_id] = as_stored(now)
        return self.instance_id

    async def heartbeat_instance(self, instance_id: int, now: datetime) -> None:
        self._instances[instance_id] = as_stored(now)

    async def release_orphaned_claims(
        self, instance_id: int, now: datetime, stale_after: float
    ) -> int:
        stale = as_stored(now - timedelta(seconds=stale_after))
        for other, beat in list(self._instances.items()):
            if other != instance_id and beat < stale:
                del self._instances[other]
        return self._release(
            now,
            lambda by: by is not None and by != instance_id and by not in self._instances,
        )

    async def release_all_claims(self, instance_id: int, now: datetime) -> int:
        self._instances = {i: b for i, b in self._instances.items() if i == instance_id}
        return self._release(now, lambda by: by != instance_id)

    async def retire_instance(self, instance_id: int, now: datetime) -> int:
        self._instances.pop(instance_id, None)
        if self.instance_id == instance_id:
            self.instance_id = None
        return self._release(now, lambda by: by == instance_id)

    def _release(self, now: datetime, whose: Callable[[int | None], bool]) -> int:
        """Claims of the instances ``whose`` picks become due at ``now`` (their lease ends)."""
        moment = as_stored(now)
        released = 0
        for row_id, row in list(self._deliveries.items()):
            if (
                row.delivery.status == DeliveryStatus.SENDING
                and whose(row.claimed_by)
                and row.lease_until is not None
                and row.lease_until > moment
            ):
                self._deliveries[row_id] = replace(row, lease_until=moment)
                released += 1
        return released

    # Helpers ----------------------------------------------------------------------------

    def _rows(self, delivery_ids: Sequence[int], *, only_unfinished: bool) -> list[_Row]:
        rows = [self._deliveries[i] for i in dict.fromkeys(delivery_ids) if i in self._deliveries]
        if only_unfinished:
            rows = [r for r in rows if r.delivery.status in _UNFINISHED]
        return rows

    def _fail(self, row: _Row, error: str) -> None:
        self._deliveries[row.delivery.id] = _Row(
            replace_struct(row.delivery, status=DeliveryStatus.FAILED, last_error=error),
            sent_at=row.sent_at,
        )

    def _count(self, status: DeliveryStatus) -> int:
        return sum(1 for r in self._deliveries.values() if r.delivery.status == status)


def _check_nonce(nonce: str) -> None:
    if not 1 <= len(nonce) <= MAX_NONCE_LENGTH:
        raise StoreError(f"nonce {nonce!r} is not 1 to {MAX_NONCE_LENGTH} characters")


def _is_held(d: Delivery) -> bool:
    """Waiting for quiet hours to end (not yet pinned to its summary), blocking nothing."""
    return d.status == DeliveryStatus.PENDING and d.held_at is not None and d.batch_nonce is None


def _is_due(row: _Row, now: datetime) -> bool:
    d = row.delivery
    if d.status == DeliveryStatus.PENDING:
        return d.next_attempt_at <= now
    return (
        d.status == DeliveryStatus.SENDING
        and row.lease_until is not None
        and row.lease_until <= now
    )
