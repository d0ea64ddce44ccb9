"""Who follows what: a channel's subscription, as routing reads it, and the outbox rows routing
makes of a poll's alerts. Pure data, no I/O: the store keeps them (``medalbot.store.base``),
routing (``medalbot.services.routing``) and the sender read them.
"""

from __future__ import annotations

from datetime import datetime, time

from msgspec import Struct

from medalbot.domain.schedule import DEFAULT_TIMEZONE, Schedule


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
    # Quiet hours and the daily digest, local times in ``timezone`` (medalbot.domain.schedule).
    timezone: str = DEFAULT_TIMEZONE  # an IANA name
    quiet_start: time | None = None
    quiet_end: time | None = None  # may be before quiet_start: the quiet hours wrap midnight
    records_break_through: bool = False  # new records are posted during quiet hours too
    digest_time: time | None = None
    # Alerts, digests and summaries name no winner outside spoiler tags (render.spoilers).
    spoiler_safe: bool = False

    @property
    def schedule(self) -> Schedule:
        return Schedule(
            timezone=self.timezone,
            quiet_start=self.quiet_start,
            quiet_end=self.quiet_end,
            records_break_through=self.records_break_through,
            digest_time=self.digest_time,
        )


# gc=False on the structs a fan-out makes one of per subscription: they hold only strings and
# numbers (no cycle possible), and 100,000 tracked objects would wake the garbage collector,
# whose full passes hold the event loop too.


class RoutingEntry(Struct, frozen=True, gc=False):
    """A subscription as routing reads it: where its alerts go and which ones it wants (none of
    its schedule or role). A poll that announces something reads one for every subscription."""

    id: int
    guild_id: int
    channel_id: int
    noc: str | None = None
    sport: str | None = None
    golds_only: bool = False
    records: bool = True
    paused_reason: str | None = None
    spoiler_safe: bool = False  # a channel's copy goes through a spoiler-safe one first


class NewDelivery(Struct, frozen=True, gc=False):
    """One alert for one subscribed channel: a row of the outbox."""

    alert_id: str
    subscription_id: int
    guild_id: int
    channel_id: int
    priority: int  # lower goes first
    nonce: str  # deterministic, at most 25 characters, for Discord's enforce_nonce
