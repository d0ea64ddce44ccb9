"""The Store logic for SQL databases, written once over a tiny driver interface.

``SqliteStore`` and ``PostgresStore`` only supply a ``Database``: how to open a transaction,
run a statement and lock. The SQL here is portable (SQLite >= 3.35 and PostgreSQL): ``?``
placeholders (the PostgreSQL driver renumbers them), ``ON CONFLICT`` upserts and ``RETURNING``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any, Final

import msgspec

from medalbot.domain.alerts import Alert
from medalbot.domain.schedule import Schedule, minutes_of, time_of
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
    SubscriptionLimitError,
)
from medalbot.store.checks import check_commit_batch
from medalbot.store.codec import alert_type, decode_alert, decode_state, encode_alert, encode_state
from medalbot.store.sql_cluster import SqlCluster
from medalbot.store.sql_db import Columns, Connection, Database, Dialect, Row
from medalbot.store.times import from_epoch_us, opt_from_epoch_us, to_epoch_us

log = logging.getLogger(__name__)

ALL: Final = ""  # how "every nation"/"every sport" is stored (see migrations/0001_initial.sql)
# Serialises claims across processes (PostgreSQL advisory lock; SQLite's BEGIN IMMEDIATE
# already does). Discord ids name locks too (add_subscription); theirs reach this in the 2070s.
CLAIM_LOCK_KEY: Final = 0x6D6564616C636C6D  # "medalclm"
_IN_CHUNK: Final = 500  # ids per IN (...) list, far below either database's parameter limit
# Routing entries read per query: turning one page into structs holds the event loop for a few
# milliseconds, where 100,000 at once held it for a quarter of a second.
_ROUTING_PAGE: Final = 5_000
# Outbox rows per INSERT: each chunk's columns are built between two turns of the event loop
# (100,000 rows' tuples built at once held it for tens of milliseconds).
_INSERT_CHUNK: Final = 5_000


class _NotPinned(Exception):
    """Rolls back a set_batch that could not pin every row."""


_DELIVERY_COLUMNS: Final = (
    "id, alert_id, subscription_id, guild_id, channel_id, priority, nonce, status, attempts,"
    " created_at, next_attempt_at, message_id, last_error, batch_nonce, held_at"
)
_SUBSCRIPTION_COLUMNS: Final = (
    "id, guild_id, channel_id, noc, sport, golds_only, records, role_id, paused_reason, created_at,"
    " time_zone, quiet_start, quiet_end, records_break_through, digest_time, spoiler_safe"
)
_ROUTING_COLUMNS: Final = (
    "id, guild_id, channel_id, noc, sport, golds_only, records, paused_reason, spoiler_safe"
)
_DIGEST_COLUMNS: Final = (
    "subscription_id, local_date, channel_id, nonce, message_id, created_at, sent_at"
)
# A held row waiting for its quiet hours to end: it holds nothing up behind it.
# Once pinned to its summary, it is a message waiting for a retry like any other.
_HELD: Final = "status = 'pending' AND held_at IS NOT NULL AND batch_nonce IS NULL"
# Due to be claimed (two placeholders: now, now): pending and its time has come, or claimed by
# a sender whose lease ran out (it crashed or stalled).
_DUE: Final = (
    "((status = 'pending' AND next_attempt_at <= ?) OR (status = 'sending' AND lease_until <= ?))"
)
# Undoes a claim's count for a row put back unsent (portable: no GREATEST/MAX of two values).
_UNDO_ATTEMPT: Final = "attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END"
# Both unfinished states: a claimed row may still come back as pending when its lease expires.
_UNFINISHED: Final = "('pending', 'sending')"


def _ids_json(ids: Sequence[str]) -> str:
    """An official edit's alert ids as stored: its row is found again by the same text."""
    return msgspec.json.encode(list(ids)).decode()


def _marks(count: int) -> str:
    return ", ".join("?" * count)


def _chunks(ids: Sequence[int] | Sequence[str]) -> list[list[Any]]:
    return [list(ids[i : i + _IN_CHUNK]) for i in range(0, len(ids), _IN_CHUNK)]


_NEW_DELIVERY_COLUMNS: Final[Columns] = (
    ("alert_id", "TEXT"),
    ("subscription_id", "BIGINT"),
    ("guild_id", "BIGINT"),
    ("channel_id", "BIGINT"),
    ("priority", "INTEGER"),
    ("nonce", "TEXT"),
    ("status", "TEXT"),
    ("created_at", "BIGINT"),
    ("next_attempt_at", "BIGINT"),
)


async def _insert_deliveries(conn: Connection, rows: Sequence[NewDelivery], now_us: int) -> None:
    count = len(rows)
    await conn.insert_columns(
        "deliveries",
        _NEW_DELIVERY_COLUMNS,
        (
            [d.alert_id for d in rows],
            [d.subscription_id for d in rows],
            [d.guild_id for d in rows],
            [d.channel_id for d in rows],
            [d.priority for d in rows],
            [d.nonce for d in rows],
            ["pending"] * count,
            [now_us] * count,
            [now_us] * count,
        ),
        "ON CONFLICT (alert_id, channel_id) DO NOTHING",
    )


def whole_channels(channels: Sequence[int], limit: int) -> int:
    """How many of the claim's candidate rows to take, given their channels in claim order
    (each channel's rows together) and up to one row past ``limit``: whole channels only, so
    that a channel's waiting alerts go out in as few messages as they fit in, not cut in two
    by the limit (one more message per claim, e.g. 1,010 messages for three alerts waiting in
    each of 1,000 channels). A first channel longer than ``limit`` is cut: its rows past the
    limit wait for its next claim (FIFO)."""
    if len(channels) <= limit:
        return len(channels)
    cut = channels[limit]
    if channels[limit - 1] != cut:
        return limit
    start = limit - 1
    while start > 0 and channels[start - 1] == cut:
        start -= 1
    return start or limit


async def _lease(
    conn: Connection, ids: Sequence[int], lease_until: int, claimed_by: int | None
) -> list[Delivery]:
    """Claim rows: ``sending`` until ``lease_until`` by instance ``claimed_by``, one attempt
    more."""
    leased: list[Delivery] = []
    for chunk in _chunks(ids):
        rows = await conn.fetch(
            "UPDATE deliveries SET status = 'sending', lease_until = ?, claimed_by = ?,"
            f" attempts = attempts + 1 WHERE id IN ({_marks(len(chunk))})"
            f" RETURNING {_DELIVERY_COLUMNS}",
            lease_until,
            claimed_by,
            *chunk,
        )
        leased += (_delivery(row) for row in rows)
    return leased


def _delivery(row: Row) -> Delivery:
    return Delivery(
        id=row["id"],
        alert_id=row["alert_id"],
        subscription_id=row["subscription_id"],
        guild_id=row["guild_id"],
        channel_id=row["channel_id"],
        priority=row["priority"],
        nonce=row["nonce"],
        status=DeliveryStatus(row["status"]),
        attempts=row["attempts"],
        created_at=from_epoch_us(row["created_at"]),
        next_attempt_at=from_epoch_us(row["next_attempt_at"]),
        message_id=row["message_id"],
        last_error=row["last_error"],
        batch_nonce=row["batch_nonce"],
        held_at=opt_from_epoch_us(row["held_at"]),
    )


def _opt_minutes(moment: time | None) -> int | None:
    return None if moment is None else minutes_of(moment)


def _opt_time(minutes: int | None) -> time | None:
    return None if minutes is None else time_of(minutes)


def _digest(row: Row) -> DigestRecord:
    return DigestRecord(
        subscription_id=row["subscription_id"],
        day=date.fromisoformat(row["local_date"]),
        channel_id=row["channel_id"],
        nonce=row["nonce"],
        created_at=from_epoch_us(row["created_at"]),
        message_id=row["message_id"],
        sent_at=opt_from_epoch_us(row["sent_at"]),
    )


def _subscription(row: Row) -> Subscription:
    return Subscription(
        id=row["id"],
        guild_id=row["guild_id"],
        channel_id=row["channel_id"],
        noc=row["noc"] or None,
        sport=row["sport"] or None,
        golds_only=bool(row["golds_only"]),
        records=bool(row["records"]),
        role_id=row["role_id"],
        paused_reason=row["paused_reason"],
        created_at=opt_from_epoch_us(row["created_at"]),
        timezone=row["time_zone"],
        quiet_start=_opt_time(row["quiet_start"]),
        quiet_end=_opt_time(row["quiet_end"]),
        records_break_through=bool(row["records_break_through"]),
        digest_time=_opt_time(row["digest_time"]),
        spoiler_safe=bool(row["spoiler_safe"]),
    )


def _routing_entry(row: Row) -> RoutingEntry:
    return RoutingEntry(
        id=row["id"],
        guild_id=row["guild_id"],
        channel_id=row["channel_id"],
        noc=row["noc"] or None,
        sport=row["sport"] or None,
        golds_only=bool(row["golds_only"]),
        records=bool(row["records"]),
        paused_reason=row["paused_reason"],
        spoiler_safe=bool(row["spoiler_safe"]),
    )


class SqlStore(SqlCluster):
    """A Store over any ``Database``; see ``medalbot.store.base.Store`` for the contract (and
    ``medalbot.store.instances.InstanceStore`` for the instances its claims belong to)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    @property
    def dialect(self) -> Dialect:
        return self._db.dialect

    async def close(self) -> None:
        await self._db.close()

    # Feed state and the alert log -------------------------------------------------------

    async def load_state(self, games_code: str) -> GamesState | None:
        async with self._db.reading() as conn:
            row = await conn.fetchone(
                "SELECT state_json FROM feed_state WHERE games_code = ?", games_code
            )
        return None if row is None else decode_state(row["state_json"])

    async def list_games(self) -> list[str]:
        async with self._db.reading() as conn:
            rows = await conn.fetch(
                "SELECT games_code FROM feed_state ORDER BY updated_at, games_code"
            )
        return [row["games_code"] for row in rows]

    async def commit_snapshot(
        self,
        state: GamesState,
        alerts: Sequence[Alert],
        deliveries: Sequence[NewDelivery],
        now: datetime,
        official: Sequence[OfficialEdit] = (),
    ) -> None:
        check_commit_batch(state, alerts)
        now_us = to_epoch_us(now)
        state_json = encode_state(state)
        alert_json = [encode_alert(a) for a in alerts]
        async with self._db.transaction() as conn:
            # The conditional upsert is the optimistic check: it writes (and returns a row)
            # only when the stored sequence is older, and holds the row lock until commit.
            saved = await conn.fetchone(
                "INSERT INTO feed_state (games_code, sequence, state_json, updated_at)"
                " VALUES (?, ?, ?, ?)"
                " ON CONFLICT (games_code) DO UPDATE SET sequence = excluded.sequence,"
                " state_json = excluded.state_json, updated_at = excluded.updated_at"
                " WHERE feed_state.sequence < excluded.sequence"
                " RETURNING games_code",
                state.games_code,
                state.sequence,
                state_json,
                now_us,
            )
            if saved is None:
                stored = await conn.fetchone(
                    "SELECT sequence FROM feed_state WHERE games_code = ?", state.games_code
                )
                stored_seq = None if stored is None else stored["sequence"]
                raise StaleStateError(
                    f"Games {state.games_code!r} is already saved at sequence {stored_seq},"
                    f" not older than {state.sequence}"
                )
            if alerts:
                last = await conn.fetchone(
                    "SELECT COALESCE(MAX(position), 0) AS last FROM alerts WHERE games_code = ?",
                    state.games_code,
                )
                first_position = (0 if last is None else int(last["last"])) + 1
                await conn.execute_many(
                    "INSERT INTO alerts (id, games_code, event_code, sequence, type, position,"
                    " alert_json, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        (
                            a.id,
                            a.games,
                            a.event,
                            a.sequence,
                            alert_type(a),
                            first_position + i,
                            text,
                            now_us,
                        )
                        for i, (a, text) in enumerate(zip(alerts, alert_json, strict=True))
                    ],
                )
            for start in range(0, len(deliveries), _INSERT_CHUNK):
                await _insert_deliveries(conn, deliveries[start : start + _INSERT_CHUNK], now_us)
            for edit in official:
                await conn.execute(
                    "INSERT INTO official_edits (games_code, event_code, feed, alert_ids_json,"
                    " created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (games_code, event_code)"
                    " DO UPDATE SET feed = excluded.feed,"
                    " alert_ids_json = excluded.alert_ids_json, created_at = excluded.created_at",
                    edit.games,
                    edit.event,
                    edit.feed,
                    _ids_json(edit.alert_ids),
                    now_us,
                )
        log.debug(
            "committed %s sequence %d: %d alerts, %d deliveries offered",
            state.games_code,
            state.sequence,
            len(alerts),
            len(deliveries),
        )

    async def official_edits_owed(self, feed: str) -> list[OfficialEdit]:
        async with self._db.reading() as conn:
            rows = await conn.fetch(
                "SELECT games_code, event_code, feed, alert_ids_json FROM official_edits"
                " WHERE feed = ? ORDER BY created_at, games_code, event_code",
                feed,
            )
        return [
            OfficialEdit(
                games=row["games_code"],
                event=row["event_code"],
                alert_ids=tuple(msgspec.json.decode(row["alert_ids_json"], type=list[str])),
                feed=row["feed"],
            )
            for row in rows
        ]

    async def official_edits_made(self, edit: OfficialEdit) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                "DELETE FROM official_edits WHERE games_code = ? AND event_code = ?"
                " AND alert_ids_json = ?",
                edit.games,
                edit.event,
                _ids_json(edit.alert_ids),
            )

    async def get_alerts(self, alert_ids: Sequence[str]) -> dict[str, Alert]:
        found: dict[str, Alert] = {}
        async with self._db.reading() as conn:
            for chunk in _chunks(alert_ids):
                rows = await conn.fetch(
                    f"SELECT id, alert_json FROM alerts WHERE id IN ({_marks(len(chunk))})",
                    *chunk,
                )
                found.update((row["id"], decode_alert(row["alert_json"])) for row in rows)
        return found

    async def list_alerts(self, games_code: str) -> list[Alert]:
        async with self._db.reading() as conn:
            rows = await conn.fetch(
                "SELECT alert_json FROM alerts WHERE games_code = ? ORDER BY position",
                games_code,
            )
        return [decode_alert(row["alert_json"]) for row in rows]

    async def list_alerts_between(self, since: datetime, until: datetime) -> list[Alert]:
        async with self._db.reading() as conn:
            rows = await conn.fetch(
                "SELECT alert_json FROM alerts WHERE created_at > ? AND created_at <= ?"
                " ORDER BY created_at, games_code, position",
                to_epoch_us(since),
                to_epoch_us(until),
            )
        return [decode_alert(row["alert_json"]) for row in rows]

    # Subscriptions and server settings --------------------------------------------------

    async def add_subscription(
        self, sub: NewSubscription, now: datetime, max_per_guild: int
    ) -> Subscription:
        noc, sport = sub.noc or ALL, sub.sport or ALL
        created_at = to_epoch_us(now)
        async with self._db.transaction() as conn:
            await conn.lock(sub.guild_id)  # so two concurrent adds cannot both pass the count
            existing = await conn.fetchone(
                "SELECT id FROM subscriptions"
                " WHERE guild_id = ? AND channel_id = ? AND noc = ? AND sport = ?",
                sub.guild_id,
                sub.channel_id,
                noc,
                sport,
            )
            if existing is None:
                counted = await conn.fetchone(
                    "SELECT COUNT(*) AS n FROM subscriptions WHERE guild_id = ?", sub.guild_id
                )
                if counted is not None and counted["n"] >= max_per_guild:
                    raise SubscriptionLimitError(
                        f"server {sub.guild_id} already has {counted['n']} subscriptions"
                        f" (limit {max_per_guild})"
                    )
            # Subscribing again replaces the options and lifts a pause (the admin came back).
            row = await conn.fetchone(
                # The schedule is kept when subscribing again: only update_schedule sets it.
                "INSERT INTO subscriptions (guild_id, channel_id, noc, sport, golds_only,"
                " records, role_id, paused_reason, created_at, time_zone, quiet_start,"
                " quiet_end, records_break_through, digest_time, spoiler_safe)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (guild_id, channel_id, noc, sport) DO UPDATE SET"
                " golds_only = excluded.golds_only, records = excluded.records,"
                " role_id = excluded.role_id, spoiler_safe = excluded.spoiler_safe,"
                " paused_reason = NULL"
                f" RETURNING {_SUBSCRIPTION_COLUMNS}",
                sub.guild_id,
                sub.channel_id,
                noc,
                sport,
                int(sub.golds_only),
                int(sub.records),
                sub.role_id,
                created_at,
                sub.timezone,
                _opt_minutes(sub.quiet_start),
                _opt_minutes(sub.quiet_end),
                int(sub.records_break_through),
                _opt_minutes(sub.digest_time),
                int(sub.spoiler_safe),
            )
        if row is None:  # pragma: no cover - RETURNING always yields the upserted row
            raise AssertionError("the subscription upsert returned no row")
        return _subscription(row)

    async def remove_subscription(self, guild_id: int, subscription_id: int) -> bool:
        async with self._db.transaction() as conn:
            row = await conn.fetchone(
                "DELETE FROM subscriptions WHERE guild_id = ? AND id = ? RETURNING id",
                guild_id,
                subscription_id,
            )
        return row is not None

    async def list_subscriptions(self, guild_id: int | None = None) -> list[Subscription]:
        async with self._db.reading() as conn:
            if guild_id is None:
                rows = await conn.fetch(
                    f"SELECT {_SUBSCRIPTION_COLUMNS} FROM subscriptions ORDER BY id"
                )
            else:
                rows = await conn.fetch(
                    f"SELECT {_SUBSCRIPTION_COLUMNS} FROM subscriptions"
                    " WHERE guild_id = ? ORDER BY id",
                    guild_id,
                )
        return [_subscription(row) for row in rows]

    async def list_routing_entries(self) -> list[RoutingEntry]:
        found: list[RoutingEntry] = []
        after = 0  # identity ids start at 1
        while True:  # by pages, keyed on the id: each query starts where the last one ended
            async with self._db.reading() as conn:
                rows = await conn.fetch(
                    f"SELECT {_ROUTING_COLUMNS} FROM subscriptions"
                    " WHERE id > ? ORDER BY id LIMIT ?",
                    after,
                    _ROUTING_PAGE,
                )
            found.extend(_routing_entry(row) for row in rows)
            if len(rows) < _ROUTING_PAGE:
                return found
            after = found[-1].id

    async def get_subscriptions(self, subscription_ids: Sequence[int]) -> dict[int, Subscription]:
        found: dict[int, Subscription] = {}
        async with self._db.reading() as conn:
            for chunk in _chunks(sorted(set(subscription_ids))):
                rows = await conn.fetch(
                    f"SELECT {_SUBSCRIPTION_COLUMNS} FROM subscriptions"
                    f" WHERE id IN ({_marks(len(chunk))})",
                    *chunk,
                )
                found.update((row["id"], _subscription(row)) for row in rows)
        return found

    async def pause_subscriptions(self, channel_id: int, reason: str) -> list[Subscription]:
        async with self._db.transaction() as conn:
            rows = await conn.fetch(
                "UPDATE subscriptions SET paused_reason = ?"
                " WHERE channel_id = ? AND paused_reason IS NULL"
                f" RETURNING {_SUBSCRIPTION_COLUMNS}",
                reason,
                channel_id,
            )
        return sorted((_subscription(row) for row in rows), key=lambda s: s.id)

    async def resume_subscription(self, guild_id: int, subscription_id: int) -> bool:
        async with self._db.transaction() as conn:
            row = await conn.fetchone(
                "UPDATE subscriptions SET paused_reason = NULL"
                " WHERE guild_id = ? AND id = ? AND paused_reason IS NOT NULL RETURNING id",
                guild_id,
                subscription_id,
            )
        return row is not None

    async def set_spoiler_safe(
        self, guild_id: int, subscription_id: int, spoiler_safe: bool
    ) -> Subscription | None:
        async with self._db.transaction() as conn:
            row = await conn.fetchone(
                "UPDATE subscriptions SET spoiler_safe = ? WHERE guild_id = ? AND id = ?"
                f" RETURNING {_SUBSCRIPTION_COLUMNS}",
                int(spoiler_safe),
                guild_id,
                subscription_id,
            )
        return None if row is None else _subscription(row)

    async def update_schedule(
        self, guild_id: int, subscription_id: int, schedule: Schedule, now: datetime
    ) -> Subscription | None:
        async with self._db.transaction() as conn:
            row = await conn.fetchone(
                "UPDATE subscriptions SET time_zone = ?, quiet_start = ?, quiet_end = ?,"
                " records_break_through = ?, digest_time = ? WHERE guild_id = ? AND id = ?"
                f" RETURNING {_SUBSCRIPTION_COLUMNS}",
                schedule.timezone,
                _opt_minutes(schedule.quiet_start),
                _opt_minutes(schedule.quiet_end),
                int(schedule.records_break_through),
                _opt_minutes(schedule.digest_time),
                guild_id,
                subscription_id,
            )
            if row is None:
                return None
            await conn.execute(
                f"UPDATE deliveries SET next_attempt_at = ? WHERE subscription_id = ? AND {_HELD}",
                to_epoch_us(now),
                subscription_id,
            )
        return _subscription(row)

    async def get_guild_settings(self, guild_id: int) -> GuildSettings:
        async with self._db.reading() as conn:
            row = await conn.fetchone(
                "SELECT locale, log_channel_id, discord_locale FROM guild_settings"
                " WHERE guild_id = ?",
                guild_id,
            )
        if row is None:
            return GuildSettings(guild_id=guild_id)
        return GuildSettings(
            guild_id=guild_id,
            locale=row["locale"],
            log_channel_id=row["log_channel_id"],
            discord_locale=row["discord_locale"],
        )

    async def save_guild_settings(self, settings: GuildSettings) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT INTO guild_settings (guild_id, locale, log_channel_id, discord_locale)"
                " VALUES (?, ?, ?, ?)"
                " ON CONFLICT (guild_id) DO UPDATE SET locale = excluded.locale,"
                " log_channel_id = excluded.log_channel_id,"
                " discord_locale = excluded.discord_locale",
                settings.guild_id,
                settings.locale,
                settings.log_channel_id,
                settings.discord_locale,
            )

    # The outbox ---------------------------------------------------------------------------

    async def claim_deliveries(
        self, now: datetime, limit: int, lease_seconds: float
    ) -> list[Delivery]:
        if limit <= 0:
            return []
        now_us = to_epoch_us(now)
        lease_until = to_epoch_us(now + timedelta(seconds=lease_seconds))
        async with self._db.transaction() as conn:
            # One claim at a time: the FIFO check below reads the rows of a claim still in
            # progress as pending (SKIP LOCKED only skips them), so two concurrent claims
            # would each take rows of the same channel.
            await conn.lock(CLAIM_LOCK_KEY)
            # Each channel is a FIFO: a row waits while an earlier one of its channel is on
            # the wire (leased) or waiting for a retry. Channels go in the order of their most
            # urgent row, then of their oldest, and a channel's rows are claimed as a prefix in
            # id order. One row
            # past the limit tells whether the last channel was cut (see whole_channels).
            due = await conn.fetch(
                "SELECT d.id, d.channel_id, d.batch_nonce FROM deliveries d"
                f" WHERE {_DUE} AND NOT EXISTS (SELECT 1 FROM deliveries e"
                " WHERE e.channel_id = d.channel_id AND e.id < d.id"
                " AND ((e.status = 'pending' AND e.next_attempt_at > ?"
                " AND (e.held_at IS NULL OR e.batch_nonce IS NOT NULL))"
                " OR (e.status = 'sending' AND e.lease_until > ?)))"
                " ORDER BY (SELECT MIN(f.priority) FROM deliveries f"
                " WHERE f.channel_id = d.channel_id AND f.status IN ('pending', 'sending')),"
                # Work taken back from a dead (or stalled) sender first: it was at the head of
                # the queue when claimed, and part of it may be on Discord already; behind
                # older rows of other channels it waited out their whole backlog.
                " (SELECT MIN(CASE WHEN t.status = 'sending' AND t.lease_until <= ? THEN 0"
                " ELSE 1 END) FROM deliveries t"
                " WHERE t.channel_id = d.channel_id AND t.status IN ('pending', 'sending')),"
                # then the oldest work: a channel's oldest unfinished row goes before the rows
                # of a newer alert elsewhere
                " (SELECT MIN(g.id) FROM deliveries g"
                " WHERE g.channel_id = d.channel_id AND g.status IN ('pending', 'sending')),"
                f" d.id LIMIT ? {self._db.claim_lock_clause}",
                now_us,
                now_us,
                now_us,
                now_us,
                now_us,
                limit + 1,
            )
            due = due[: whole_channels([row["channel_id"] for row in due], limit)]
            if not due:
                return []
            ids = [row["id"] for row in due]
            # A batch pinned to one message is claimed whole, past the limit if need be: re-sent
            # in part with its nonce, Discord would hand back the whole message for the part,
            # and the rows left behind would later be "sent" as that same message, unseen.
            pinned = {(row["channel_id"], row["batch_nonce"]) for row in due if row["batch_nonce"]}
            for channel_id, nonce in sorted(pinned):
                rest = await conn.fetch(
                    "SELECT id FROM deliveries"
                    f" WHERE channel_id = ? AND batch_nonce = ? AND {_DUE}"
                    f" {self._db.claim_lock_clause}",
                    channel_id,
                    nonce,
                    now_us,
                    now_us,
                )
                ids += [row["id"] for row in rest if row["id"] not in ids]
            rows = await _lease(conn, ids, lease_until, self._instance_id)
        # channels in the order the claim chose them, each in id order
        rank: dict[int, int] = {}
        for row in due:
            rank.setdefault(row["channel_id"], len(rank))
        return sorted(rows, key=lambda d: (rank[d.channel_id], d.id))

    async def mark_sent(self, delivery_ids: Sequence[int], message_id: int, now: datetime) -> None:
        # Whatever the row's state: a message that exists is the record, even if a lease
        # expired meanwhile or the channel was failed.
        sent_at = to_epoch_us(now)
        async with self._db.transaction() as conn:
            for chunk in _chunks(delivery_ids):
                await conn.execute(
                    "UPDATE deliveries SET status = 'sent', message_id = ?, sent_at = ?,"
                    f" lease_until = NULL WHERE id IN ({_marks(len(chunk))})",
                    message_id,
                    sent_at,
                    *chunk,
                )

    async def mark_retry(
        self,
        delivery_ids: Sequence[int],
        next_attempt_at: datetime,
        error: str,
        *,
        attempted: bool = True,
    ) -> None:
        retry_at = to_epoch_us(next_attempt_at)
        undo = "" if attempted else f", {_UNDO_ATTEMPT}"
        async with self._db.transaction() as conn:
            for chunk in _chunks(delivery_ids):
                await conn.execute(
                    "UPDATE deliveries SET status = 'pending', next_attempt_at = ?,"
                    f" last_error = ?, lease_until = NULL{undo}"
                    f" WHERE id IN ({_marks(len(chunk))}) AND status IN {_UNFINISHED}",
                    retry_at,
                    error,
                    *chunk,
                )

    async def mark_failed(self, delivery_ids: Sequence[int], error: str) -> None:
        async with self._db.transaction() as conn:
            for chunk in _chunks(delivery_ids):
                await conn.execute(
                    "UPDATE deliveries SET status = 'failed', last_error = ?, lease_until = NULL"
                    f" WHERE id IN ({_marks(len(chunk))}) AND status IN {_UNFINISHED}",
                    error,
                    *chunk,
                )

    async def fail_pending_for_channel(self, channel_id: int, error: str) -> int:
        async with self._db.transaction() as conn:
            rows = await conn.fetch(
                "UPDATE deliveries SET status = 'failed', last_error = ?, lease_until = NULL"
                f" WHERE channel_id = ? AND status IN {_UNFINISHED} RETURNING id",
                error,
                channel_id,
            )
        return len(rows)

    async def message_for(self, alert_id: str, channel_id: int) -> int | None:
        async with self._db.reading() as conn:
            row = await conn.fetchone(
                "SELECT message_id FROM deliveries"
                " WHERE alert_id = ? AND channel_id = ? AND status = 'sent' AND held_at IS NULL",
                alert_id,
                channel_id,
            )
        return None if row is None else row["message_id"]

    async def set_batch(self, delivery_ids: Sequence[int], nonce: str) -> bool:
        wanted = sorted(set(delivery_ids))
        try:
            async with self._db.transaction() as conn:
                pinned = 0
                for chunk in _chunks(wanted):
                    rows = await conn.fetch(
                        "UPDATE deliveries SET batch_nonce = ?"
                        f" WHERE id IN ({_marks(len(chunk))}) AND status IN {_UNFINISHED}"
                        " AND batch_nonce IS NULL RETURNING id",
                        nonce,
                        *chunk,
                    )
                    pinned += len(rows)
                if pinned < len(wanted):
                    raise _NotPinned
        except _NotPinned:  # rolled back: all or nothing
            return False
        return True

    async def message_alerts(self, channel_id: int, message_id: int) -> list[str]:
        async with self._db.reading() as conn:
            rows = await conn.fetch(
                "SELECT alert_id FROM deliveries WHERE channel_id = ? AND message_id = ?"
                " AND status = 'sent' AND held_at IS NULL ORDER BY id",
                channel_id,
                message_id,
            )
        return [row["alert_id"] for row in rows]

    async def sent_messages(self, alert_ids: Sequence[str]) -> list[SentMessage]:
        found: dict[tuple[int, int], tuple[int, SentMessage]] = {}
        async with self._db.reading() as conn:
            for chunk in _chunks(sorted(set(alert_ids))):
                rows = await conn.fetch(
                    "SELECT id, guild_id, channel_id, message_id, subscription_id FROM deliveries"
                    f" WHERE alert_id IN ({_marks(len(chunk))})"
                    " AND status = 'sent' AND held_at IS NULL",
                    *chunk,
                )
                for row in rows:
                    key = (row["channel_id"], row["message_id"])
                    if key not in found or row["id"] < found[key][0]:
                        found[key] = (
                            row["id"],
                            SentMessage(
                                guild_id=row["guild_id"],
                                channel_id=row["channel_id"],
                                message_id=row["message_id"],
                                subscription_id=row["subscription_id"],
                            ),
                        )
        return [message for _, message in sorted(found.values(), key=lambda f: f[0])]

    async def hold_deliveries(
        self, delivery_ids: Sequence[int], until: datetime, now: datetime
    ) -> None:
        until_us, now_us = to_epoch_us(until), to_epoch_us(now)
        async with self._db.transaction() as conn:
            for chunk in _chunks(delivery_ids):
                await conn.execute(
                    "UPDATE deliveries SET status = 'pending', next_attempt_at = ?,"
                    f" held_at = COALESCE(held_at, ?), lease_until = NULL, {_UNDO_ATTEMPT}"
                    f" WHERE id IN ({_marks(len(chunk))}) AND status IN {_UNFINISHED}"
                    " AND batch_nonce IS NULL",
                    until_us,
                    now_us,
                    *chunk,
                )

    async def claim_held(
        self, channel_id: int, subscription_id: int, now: datetime, lease_seconds: float
    ) -> list[Delivery]:
        now_us = to_epoch_us(now)
        lease_until = to_epoch_us(now + timedelta(seconds=lease_seconds))
        async with self._db.transaction() as conn:
            await conn.lock(CLAIM_LOCK_KEY)  # see claim_deliveries
            due = await conn.fetch(
                "SELECT id FROM deliveries WHERE channel_id = ? AND subscription_id = ?"
                f" AND {_HELD} AND next_attempt_at <= ? ORDER BY id"
                f" {self._db.claim_lock_clause}",
                channel_id,
                subscription_id,
                now_us,
            )
            rows = await _lease(conn, [row["id"] for row in due], lease_until, self._instance_id)
        return sorted(rows, key=lambda d: d.id)

    async def outbox_stats(self) -> OutboxStats:
        async with self._db.reading() as conn:
            rows = await conn.fetch(
                f"SELECT CASE WHEN {_HELD} THEN 'held'"
                " ELSE status END AS state, COUNT(*) AS n, MIN(created_at) AS oldest"
                " FROM deliveries GROUP BY 1"
            )
        by_state = {row["state"]: (int(row["n"]), row["oldest"]) for row in rows}
        unfinished = [by_state[s] for s in ("pending", "sending") if s in by_state]
        oldest = min((oldest for _, oldest in unfinished), default=None)
        return OutboxStats(
            pending=sum(n for n, _ in unfinished),
            oldest_pending_at=opt_from_epoch_us(oldest),
            sent=by_state.get("sent", (0, None))[0],
            failed=by_state.get("failed", (0, None))[0],
            held=by_state.get("held", (0, None))[0],
        )

    # Daily digests --------------------------------------------------------------------------

    async def begin_digest(
        self, subscription_id: int, day: date, channel_id: int, nonce: str, now: datetime
    ) -> DigestRecord:
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT INTO digests (subscription_id, local_date, channel_id, nonce, created_at)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (subscription_id, local_date) DO NOTHING",
                subscription_id,
                day.isoformat(),
                channel_id,
                nonce,
                to_epoch_us(now),
            )
            row = await conn.fetchone(
                f"SELECT {_DIGEST_COLUMNS} FROM digests"
                " WHERE subscription_id = ? AND local_date = ?",
                subscription_id,
                day.isoformat(),
            )
        if row is None:  # pragma: no cover - inserted or already there in this transaction
            raise AssertionError("the digest row vanished inside its transaction")
        return _digest(row)

    async def mark_digest_sent(
        self, subscription_id: int, day: date, message_id: int, now: datetime
    ) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE digests SET message_id = ?, sent_at = ?"
                " WHERE subscription_id = ? AND local_date = ?",
                message_id,
                to_epoch_us(now),
                subscription_id,
                day.isoformat(),
            )

    async def get_digest(self, subscription_id: int, day: date) -> DigestRecord | None:
        async with self._db.reading() as conn:
            row = await conn.fetchone(
                f"SELECT {_DIGEST_COLUMNS} FROM digests"
                " WHERE subscription_id = ? AND local_date = ?",
                subscription_id,
                day.isoformat(),
            )
        return None if row is None else _digest(row)

    # Feed documents -------------------------------------------------------------------------

    async def save_feed_documents(
        self, feed: str, documents: Sequence[FeedDocument], now: datetime
    ) -> None:
        if not documents:
            return
        now_us = to_epoch_us(now)
        async with self._db.transaction() as conn:
            # A version not above the stored one changes nothing, whatever order saves land in.
            await conn.execute_many(
                "INSERT INTO feed_documents"
                " (feed, document_key, version, body, position, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (feed, document_key) DO UPDATE SET version = excluded.version,"
                " body = excluded.body, updated_at = excluded.updated_at"
                " WHERE excluded.version > feed_documents.version",
                [(feed, d.key, d.version, d.body, d.position, now_us) for d in documents],
            )

    async def load_feed_documents(self, feed: str) -> list[FeedDocument]:
        async with self._db.reading() as conn:
            rows = await conn.fetch(
                "SELECT document_key, version, body, position FROM feed_documents"
                " WHERE feed = ? ORDER BY position, document_key",
                feed,
            )
        return [
            FeedDocument(
                key=row["document_key"],
                version=row["version"],
                body=row["body"],
                position=row["position"],
            )
            for row in rows
        ]
