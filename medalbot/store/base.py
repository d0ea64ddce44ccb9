"""The persistence interface: one protocol per role its callers use (the games log, the
subscriptions, guild settings, the outbox, digests, feed documents), each caller typed against
the roles it uses, and ``Store`` combining them. SQLite (aiosqlite, the default), PostgreSQL
(asyncpg) and an in-memory store implement ``Store``; all of them pass the contract suite
(``tests/store/test_contract*.py``). The entities routing reads and writes (``Subscription``,
``RoutingEntry``, ``NewDelivery``) are the domain's (``medalbot.domain.subscriptions``).

Every time is an aware UTC datetime, passed in by the caller (the store never reads the clock),
so tests control time.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time
from enum import StrEnum
from typing import Protocol

from msgspec import Struct

from medalbot.domain.alerts import Alert
from medalbot.domain.schedule import DEFAULT_TIMEZONE, Schedule
from medalbot.domain.state import GamesState
from medalbot.domain.subscriptions import NewDelivery, RoutingEntry, Subscription
from medalbot.i18n.translator import resolve_locale


class StoreError(Exception):
    """A persistence failure that callers may report."""


class StoreUnavailable(StoreError):
    """The database did not answer (a lost connection, a server down or restarting): nothing
    was written, and the same call may succeed once it is back (medalbot.store.outage)."""


class StaleStateError(StoreError):
    """Another writer already saved this Games at the same or a later sequence."""


class SubscriptionLimitError(StoreError):
    """A server already has the maximum number of subscriptions."""


class NewSubscription(Struct, frozen=True):
    """A subscription to add. Subscribing an existing one again replaces its options but keeps
    its schedule (quiet hours, digest), which only ``update_schedule`` changes."""

    guild_id: int
    channel_id: int
    noc: str | None = None
    sport: str | None = None
    golds_only: bool = False
    records: bool = True
    role_id: int | None = None
    timezone: str = DEFAULT_TIMEZONE
    quiet_start: time | None = None
    quiet_end: time | None = None
    records_break_through: bool = False
    digest_time: time | None = None
    spoiler_safe: bool = False  # replaced when subscribing again, like the other options


class GuildSettings(Struct, frozen=True):
    guild_id: int
    locale: str | None = None  # chosen by a moderator (/alerts language); None: not chosen
    log_channel_id: int | None = None  # where moderators are told about lost access
    # The server's language in Discord (the guild's ``preferred_locale``, as Discord spells
    # it), kept up to date from the gateway: the server speaks it until a moderator chooses.
    discord_locale: str | None = None

    @property
    def language(self) -> str:
        """The language in force: the moderator's choice, else the server's Discord language
        (English when it is one we do not speak)."""
        return resolve_locale(self.locale or self.discord_locale)

    @property
    def language_chosen(self) -> bool:
        return self.locale is not None


class DeliveryStatus(StrEnum):
    # also a held row (``held_at`` set, not yet pinned to its summary), waiting for quiet
    # hours to end
    PENDING = "pending"
    SENDING = "sending"  # claimed by a sender; back to pending when its lease expires
    SENT = "sent"
    FAILED = "failed"  # final: the channel refused (403/404) or the alert could not be sent


class Delivery(Struct, frozen=True):
    id: int
    alert_id: str
    subscription_id: int
    guild_id: int
    channel_id: int
    priority: int
    nonce: str
    status: DeliveryStatus
    attempts: int
    created_at: datetime
    next_attempt_at: datetime
    message_id: int | None = None
    last_error: str | None = None
    # The nonce of the message this row was pinned to before a send (set_batch), so that a
    # retry after a crash sends the same batch with the same nonce.
    batch_nonce: str | None = None
    # When it was held for quiet hours: it then goes out in a summary, not as its own embed.
    held_at: datetime | None = None


class OfficialEdit(Struct, frozen=True):
    """An event whose result became official after its medals were announced: the messages
    of those alerts are owed an edit saying so (no new message)."""

    games: str
    event: str
    alert_ids: tuple[str, ...]  # the alerts that announced its medals, oldest first
    feed: str = ""  # the feed whose poll found it: that feed's poller makes the edits


class SentMessage(Struct, frozen=True):
    """A Discord message that carried alerts as embeds, and to whom (for editing it later)."""

    guild_id: int
    channel_id: int
    message_id: int
    subscription_id: int


class OutboxStats(Struct, frozen=True):
    pending: int  # pending or sending (held rows not counted)
    oldest_pending_at: datetime | None
    sent: int
    failed: int
    held: int = 0  # waiting for quiet hours to end


class DigestRecord(Struct, frozen=True):
    """A daily digest, recorded before it is sent so that it is posted once."""

    subscription_id: int
    day: date  # the local date it is for
    channel_id: int
    nonce: str
    created_at: datetime
    message_id: int | None = None  # set once sent
    sent_at: datetime | None = None

    @property
    def sent(self) -> bool:
        return self.message_id is not None


class FeedDocument(Struct, frozen=True):
    """One document an accumulating feed (ODF) holds: its newest version and that message's
    XML, kept so that a restarted bot still knows what the feed sent before."""

    key: str  # unique within the feed
    version: int
    body: str
    position: int  # its place in arrival order (of the first version), for the reload


# The roles its callers use; each consumer is typed against the narrowest one (or a few).


class GamesLogStore(Protocol):
    """Each Games' state and its alert log; a poll's commit also queues its outbox rows."""

    async def load_state(self, games_code: str) -> GamesState | None: ...

    async def list_games(self) -> list[str]:
        """Codes of the Games with a stored state, most recently updated last."""
        ...

    async def commit_snapshot(
        self,
        state: GamesState,
        alerts: Sequence[Alert],
        deliveries: Sequence[NewDelivery],
        now: datetime,
        official: Sequence[OfficialEdit] = (),
    ) -> None:
        """Save the new state, log the alerts, queue their deliveries and record the edits
        owed to events now official, in ONE transaction.

        Raises StaleStateError (and changes nothing) if the stored state of this Games is
        already at ``state.sequence`` or later.
        """
        ...

    async def official_edits_owed(self, feed: str) -> list[OfficialEdit]:
        """The edits ``feed``'s polls recorded and nobody has made yet, oldest first."""
        ...

    async def official_edits_made(self, edit: OfficialEdit) -> None:
        """The messages of ``edit`` say it is official now: it is owed no more (unless a later
        commit owes its event another edit meanwhile: that one stays)."""
        ...

    async def get_alerts(self, alert_ids: Sequence[str]) -> dict[str, Alert]: ...

    async def list_alerts_between(self, since: datetime, until: datetime) -> list[Alert]:
        """Alerts of every Games logged after ``since`` and up to ``until`` (inclusive), in the
        order they were logged (a digest's period)."""
        ...

    async def list_alerts(self, games_code: str) -> list[Alert]:
        """The alert log of a Games, in the order the alerts were detected."""
        ...


class SubscriptionStore(Protocol):
    """Which channels follow what, their pauses and their schedules."""

    async def add_subscription(
        self, sub: NewSubscription, now: datetime, max_per_guild: int
    ) -> Subscription:
        """Raises SubscriptionLimitError when the server already has ``max_per_guild``.
        Subscribing the same channel to the same (noc, sport) again updates it in place."""
        ...

    async def remove_subscription(self, guild_id: int, subscription_id: int) -> bool: ...

    async def list_subscriptions(self, guild_id: int | None = None) -> list[Subscription]: ...

    async def list_routing_entries(self) -> list[RoutingEntry]:
        """Every subscription (paused ones too) as routing reads it, oldest first. The SQL
        stores read a page at a time: no step holds the event loop (or SQLite's one
        connection) for the whole of 100,000."""
        ...

    async def get_subscriptions(self, subscription_ids: Sequence[int]) -> dict[int, Subscription]:
        """The subscriptions with these ids, by id; removed ones are missing (the sender looks
        up those of the rows it claimed, not every subscription, on each pass)."""
        ...

    async def pause_subscriptions(self, channel_id: int, reason: str) -> list[Subscription]:
        """Pause every subscription of a channel; returns those newly paused."""
        ...

    async def resume_subscription(self, guild_id: int, subscription_id: int) -> bool:
        """Lift a pause; False if the server has no such subscription or it was not paused."""
        ...

    async def update_schedule(
        self, guild_id: int, subscription_id: int, schedule: Schedule, now: datetime
    ) -> Subscription | None:
        """Set a subscription's time zone, quiet hours and digest time; None if the server has
        no such subscription. Its held deliveries become due at ``now``, so the sender weighs
        them against the new quiet hours at once."""
        ...

    async def set_spoiler_safe(
        self, guild_id: int, subscription_id: int, spoiler_safe: bool
    ) -> Subscription | None:
        """Turn a subscription's spoiler-safe alerts on or off; None if the server has no
        such subscription. Messages already sent keep their look; their later edits (official,
        corrected) follow the new setting."""
        ...


class GuildSettingsStore(Protocol):
    """A server's language and where its moderators are told about lost access."""

    async def get_guild_settings(self, guild_id: int) -> GuildSettings: ...

    async def save_guild_settings(self, settings: GuildSettings) -> None: ...


class OutboxStore(Protocol):
    """The outbox the sender drains: claims under a lease, batches, retries, quiet-hours holds."""

    async def claim_deliveries(
        self, now: datetime, limit: int, lease_seconds: float
    ) -> list[Delivery]:
        """Claim due rows (pending with next_attempt_at <= now, or sending with an expired
        lease), best priority then oldest first; they become ``sending`` until ``now + lease``.
        Each channel is a FIFO: its due rows are a prefix in id order, none behind a row on the
        wire or waiting for a retry. Channels are claimed whole: up to ``limit`` rows, stopping
        before a channel that would not fit (so the limit never splits a channel's waiting
        alerts into one message more), except a first channel longer than ``limit``, which is
        cut at ``limit``. A batch pinned to one message (``set_batch``) is claimed whole, even
        past ``limit``."""
        ...

    async def mark_sent(
        self, delivery_ids: Sequence[int], message_id: int, now: datetime
    ) -> None: ...

    async def mark_retry(
        self,
        delivery_ids: Sequence[int],
        next_attempt_at: datetime,
        error: str,
        *,
        attempted: bool = True,
    ) -> None:
        """Unfinished rows become pending again, due at ``next_attempt_at``. ``attempted=False``
        for rows put back unsent (they waited on an earlier message): their claim's count of
        attempts is undone, so they keep every try ``max_attempts`` allows."""
        ...

    async def mark_failed(self, delivery_ids: Sequence[int], error: str) -> None: ...

    async def fail_pending_for_channel(self, channel_id: int, error: str) -> int:
        """A channel refused us: its queued deliveries will never go; returns how many."""
        ...

    async def message_for(self, alert_id: str, channel_id: int) -> int | None:
        """The Discord message that carried an alert to a channel as its own embed, if it was
        sent (not one that only summarised it after quiet hours: that one is not edited)."""
        ...

    async def set_batch(self, delivery_ids: Sequence[int], nonce: str) -> bool:
        """Pin rows to the one message (and nonce) about to carry them: all of them, if every
        one is unfinished and unpinned, else none (False). A row pinned or sent already belongs
        to another message, e.g. of a sender that took it over when this one's lease ran out."""
        ...

    async def message_alerts(self, channel_id: int, message_id: int) -> list[str]:
        """The alerts a sent message carried as embeds, in the order of their deliveries."""
        ...

    async def sent_messages(self, alert_ids: Sequence[str]) -> list[SentMessage]:
        """The messages that carried any of these alerts as embeds, each once, oldest first
        (not quiet-hours summaries: those are not edited)."""
        ...

    async def hold_deliveries(
        self, delivery_ids: Sequence[int], until: datetime, now: datetime
    ) -> None:
        """Hold unfinished rows for quiet hours: pending again, due at ``until``, marked held
        (``held_at``, first hold kept). Rows pinned to a batch are left alone: their message
        may already be on Discord. A hold is not an attempt, so the claim's count is undone."""
        ...

    async def claim_held(
        self, channel_id: int, subscription_id: int, now: datetime, lease_seconds: float
    ) -> list[Delivery]:
        """Claim every due held row of one subscription in one channel (in id order), so that
        its summary carries them all however many the claim limit left behind."""
        ...

    async def outbox_stats(self) -> OutboxStats: ...


class DigestStore(Protocol):
    """The daily digests recorded before they are sent, so that each is posted once."""

    async def begin_digest(
        self, subscription_id: int, day: date, channel_id: int, nonce: str, now: datetime
    ) -> DigestRecord:
        """Record a digest about to be sent, or return the one already recorded for that
        subscription and day (sent or not: then send it with its own nonce, or not at all)."""
        ...

    async def mark_digest_sent(
        self, subscription_id: int, day: date, message_id: int, now: datetime
    ) -> None: ...

    async def get_digest(self, subscription_id: int, day: date) -> DigestRecord | None: ...


class FeedDocumentStore(Protocol):
    """The documents an accumulating feed (ODF) was sent, kept across restarts."""

    async def save_feed_documents(
        self, feed: str, documents: Sequence[FeedDocument], now: datetime
    ) -> None:
        """Keep these documents of ``feed``: each replaces the stored one only if its version
        is higher (the stored document keeps its position)."""
        ...

    async def load_feed_documents(self, feed: str) -> list[FeedDocument]:
        """The documents kept for ``feed``, in arrival order (by position)."""
        ...


class Store(
    GamesLogStore,
    SubscriptionStore,
    GuildSettingsStore,
    OutboxStore,
    DigestStore,
    FeedDocumentStore,
    Protocol,
):
    """Every role: what each backend implements and ``tests/store/test_contract*.py`` tests."""

    async def close(self) -> None: ...
