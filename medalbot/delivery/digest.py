"""Post a subscription's daily digest: once per local day, whatever restarts happen.

The protocol mirrors the outbox's: record the digest (subscription, local day) with a
deterministic nonce in the store before sending; send with that nonce; record the message.
A second run for the same day (a restart, a catch-up, a clock change that fires the cron job
twice) finds the record: if it was sent, nothing happens; if not, it is sent with the same
nonce, so Discord hands back the message it may already have.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import date, timedelta
from enum import StrEnum
from typing import Final, Protocol

from tenacity import (
    AsyncRetrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_random_exponential,
)

from medalbot.config import DeliverySettings
from medalbot.delivery.port import ChannelRefused, MessageRejected, TransientFailure
from medalbot.delivery.sender import OutboxSender
from medalbot.domain.digest import DigestFilter, build_digest
from medalbot.domain.schedule import Schedule, digest_slot, in_quiet_hours
from medalbot.render.digest import render_digest
from medalbot.services.clock import Clock, utc_now
from medalbot.store.base import (
    DigestStore,
    GamesLogStore,
    GuildSettingsStore,
    SubscriptionStore,
)

log = logging.getLogger(__name__)

# A digest missed while the bot was down is still posted this long after its time, not later
# (by then the next one is closer than the missed one was).
CATCH_UP: Final = timedelta(hours=3)
_BASE36: Final = "0123456789abcdefghijklmnopqrstuvwxyz"


class DigestOutcome(StrEnum):
    POSTED = "posted"
    ALREADY_POSTED = "already_posted"
    TOO_LATE = "too_late"  # its time is more than CATCH_UP ago
    NO_DIGEST = "no_digest"  # the subscription has no digest time (any more)
    PAUSED = "paused"  # Discord refused the channel; /alerts resume
    GONE = "gone"  # the subscription was removed
    FAILED = "failed"  # Discord refused the message or kept failing; logged
    ELSEWHERE = "elsewhere"  # another process posts the digests (medalbot.cluster)


def digest_nonce(subscription_id: int, day: date) -> str:
    """Deterministic per (subscription, day), at most 25 characters, and unlike an alert's."""
    digest = int.from_bytes(hashlib.sha256(f"digest:{subscription_id}:{day}".encode()).digest())
    chars = ["d"]
    while len(chars) < 25:
        digest, rem = divmod(digest, 36)
        chars.append(_BASE36[rem])
    return "".join(chars)


class DigestPosterStore(
    DigestStore, GamesLogStore, SubscriptionStore, GuildSettingsStore, Protocol
):
    """What the digest poster uses: the digests recorded, the day's alerts, the subscription
    and its server's language."""


class DigestPoster:
    def __init__(
        self,
        store: DigestPosterStore,
        sender: OutboxSender,
        settings: DeliverySettings,
        *,
        clock: Clock = utc_now,
        catch_up: timedelta = CATCH_UP,
    ) -> None:
        self._store = store
        self._sender = sender
        self._settings = settings
        self._clock = clock
        self._catch_up = catch_up

    def is_recent(self, schedule: Schedule) -> bool:
        """Whether the latest digest of ``schedule`` is still to be posted if it was missed."""
        now = self._clock()
        slot = digest_slot(schedule, now)
        return slot is not None and now - slot.until <= self._catch_up

    async def post_due(self, subscription_id: int) -> DigestOutcome:
        """Post the subscription's latest digest unless it was posted (or is too old)."""
        sub = (await self._store.get_subscriptions([subscription_id])).get(subscription_id)
        if sub is None:
            return DigestOutcome.GONE
        now = self._clock()
        slot = digest_slot(sub.schedule, now)
        if slot is None:
            return DigestOutcome.NO_DIGEST
        if sub.paused_reason is not None:
            return DigestOutcome.PAUSED
        if now - slot.until > self._catch_up:
            return DigestOutcome.TOO_LATE
        record = await self._store.begin_digest(
            sub.id, slot.day, sub.channel_id, digest_nonce(sub.id, slot.day), now
        )
        if record.sent:
            return DigestOutcome.ALREADY_POSTED
        alerts = await self._store.list_alerts_between(slot.since, slot.until)
        follow = DigestFilter(
            noc=sub.noc, sport=sub.sport, golds_only=sub.golds_only, records=sub.records
        )
        digest = build_digest(alerts, day=slot.day, follow=follow)
        locale = (await self._store.get_guild_settings(sub.guild_id)).language
        # A digest the moderators put inside their quiet hours is posted, but pings nobody.
        role_id = None if in_quiet_hours(sub.schedule, now) else sub.role_id
        message = render_digest(
            digest, locale=locale, role_id=role_id, spoiler_safe=sub.spoiler_safe
        )
        try:
            async for attempt in AsyncRetrying(
                retry=retry_if_exception_type(TransientFailure),
                stop=stop_after_attempt(self._settings.max_attempts),
                wait=wait_random_exponential(
                    multiplier=self._settings.retry_base, max=self._settings.retry_cap
                ),
                reraise=True,
            ):
                with attempt:
                    message_id = await self._sender.post(
                        sub.guild_id, record.channel_id, message, record.nonce
                    )
        except (ChannelRefused, MessageRejected, TransientFailure) as exc:
            log.warning(
                "subscription %d: digest of %s not posted to channel %d: %s",
                sub.id,
                slot.day,
                record.channel_id,
                exc.reason,
            )
            return DigestOutcome.PAUSED if isinstance(exc, ChannelRefused) else DigestOutcome.FAILED
        await self._store.mark_digest_sent(sub.id, slot.day, message_id, self._clock())
        log.info(
            "subscription %d: posted the digest of %s (%d medals, %d records) as message %d",
            sub.id,
            slot.day,
            len(digest.medals),
            len(digest.records),
            message_id,
        )
        return DigestOutcome.POSTED
