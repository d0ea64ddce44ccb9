"""The persistence interface. SQLite (aiosqlite) implements it by default, an in-memory fake for
tests, and a PostgreSQL store later; all of them pass ``tests/store/test_contract.py``.

Every time is an aware UTC datetime, passed in by the caller (the store never reads the clock),
so tests control time.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from msgspec import Struct

from medalbot.domain.alerts import Alert
from medalbot.domain.state import GamesState


class StoreError(Exception):
    """A persistence failure that callers may report."""


class StaleStateError(StoreError):
    """Another writer already saved this Games at the same or a later sequence."""


class SubscriptionLimitError(StoreError):
    """A server already has the maximum number of subscriptions."""


class Subscription(Struct, frozen=True):
    """One channel following one nation (or all) for alerts; ``noc``/``sport`` None means all."""

    id: int
    guild_id: int
    channel_id: int
    noc: str | None = None
    sport: str | None = None
    golds_only: bool = False
    records: bool = True
    role_id: int | None = None  # the only role an alert may mention
    paused_reason: str | None = None  # set when Discord refused the channel (403/404)
    created_at: datetime | None = None


class NewSubscription(Struct, frozen=True):
    guild_id: int
    channel_id: int
    noc: str | None = None
    sport: str | None = None
    golds_only: bool = False
    records: bool = True
    role_id: int | None = None


class GuildSettings(Struct, frozen=True):
    guild_id: int
    locale: str = "en"
    log_channel_id: int | None = None  # where moderators are told about lost access


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # claimed by a sender; back to pending when its lease expires
    SENT = "sent"
    FAILED = "failed"  # final: the channel refused (403/404) or the alert could not be sent


class NewDelivery(Struct, frozen=True):
    """One alert for one subscribed channel: a row of the outbox."""

    alert_id: str
    subscription_id: int
    guild_id: int
    channel_id: int
    priority: int  # lower goes first
    nonce: str  # deterministic, at most 25 characters, for Discord's enforce_nonce


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


class OutboxStats(Struct, frozen=True):
    pending: int  # pending or sending
    oldest_pending_at: datetime | None
    sent: int
    failed: int


class Store(Protocol):
    async def close(self) -> None: ...

    # Feed state and the alert log -------------------------------------------------------
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
    ) -> None:
        """Save the new state, log the alerts and queue their deliveries in ONE transaction.

        Raises StaleStateError (and changes nothing) if the stored state of this Games is
        already at ``state.sequence`` or later.
        """
        ...

    async def get_alerts(self, alert_ids: Sequence[str]) -> dict[str, Alert]: ...

    async def list_alerts(self, games_code: str) -> list[Alert]:
        """The alert log of a Games, in the order the alerts were detected."""
        ...

    # Subscriptions and server settings --------------------------------------------------
    async def add_subscription(
        self, sub: NewSubscription, now: datetime, max_per_guild: int
    ) -> Subscription:
        """Raises SubscriptionLimitError when the server already has ``max_per_guild``.
        Subscribing the same channel to the same (noc, sport) again updates it in place."""
        ...

    async def remove_subscription(self, guild_id: int, subscription_id: int) -> bool: ...

    async def list_subscriptions(self, guild_id: int | None = None) -> list[Subscription]: ...

    async def pause_subscriptions(self, channel_id: int, reason: str) -> list[Subscription]:
        """Pause every subscription of a channel; returns those newly paused."""
        ...

    async def resume_subscription(self, guild_id: int, subscription_id: int) -> bool:
        """Lift a pause; False if the server has no such subscription or it was not paused."""
        ...

    async def get_guild_settings(self, guild_id: int) -> GuildSettings: ...

    async def save_guild_settings(self, settings: GuildSettings) -> None: ...

    # The outbox ---------------------------------------------------------------------------
    async def claim_deliveries(
        self, now: datetime, limit: int, lease_seconds: float
    ) -> list[Delivery]:
        """Claim due rows (pending with next_attempt_at <= now, or sending with an expired
        lease), best priority then oldest first; they become ``sending`` until ``now + lease``."""
        ...

    async def mark_sent(
        self, delivery_ids: Sequence[int], message_id: int, now: datetime
    ) -> None: ...

    async def mark_retry(
        self, delivery_ids: Sequence[int], next_attempt_at: datetime, error: str
    ) -> None: ...

    async def mark_failed(self, delivery_ids: Sequence[int], error: str) -> None: ...

    async def fail_pending_for_channel(self, channel_id: int, error: str) -> int:
        """A channel refused us: its queued deliveries will never go; returns how many."""
        ...

    async def message_for(self, alert_id: str, channel_id: int) -> int | None:
        """The Discord message that carried an alert to a channel, if it was sent."""
        ...

    async def set_batch(self, delivery_ids: Sequence[int], nonce: str) -> None:
        """Pin unfinished rows to the one message (and nonce) about to carry them."""
        ...

    async def message_alerts(self, channel_id: int, message_id: int) -> list[str]:
        """The alerts a sent message carried, in the order of their deliveries."""
        ...

    async def outbox_stats(self) -> OutboxStats: ...
