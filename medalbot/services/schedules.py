"""Moderators' use cases for quiet hours and the daily digest of a subscription.

What a moderator types (a time zone name, "23:00", "off") is checked here and refused with a
message they can act on; the store keeps the result (``SubscriptionStore.update_schedule``), and
the digest jobs follow it at once (a new time zone moves the digest too).
"""

from __future__ import annotations

import logging
from datetime import time

from msgspec.structs import replace

from medalbot.domain.schedule import (
    Schedule,
    UnknownTimezone,
    parse_local_time,
    timezone_names,
    zone,
)
from medalbot.domain.subscriptions import Subscription
from medalbot.i18n import N_
from medalbot.services.clock import Clock, utc_now
from medalbot.services.digest_jobs import DigestJobs
from medalbot.services.errors import UserError
from medalbot.services.subscriptions import find_subscription
from medalbot.store.base import SubscriptionStore

log = logging.getLogger(__name__)

# "off" as moderators write it in the languages we speak
OFF_WORDS = frozenset(
    {"off", "none", "no", "-", "uit", "geen", "aus", "non", "désactivé", "desactivado",
     "não", "desligado", "spento", "オフ", "なし"}
)  # fmt: skip
_MAX_CHOICES = 25  # Discord shows at most 25 autocomplete choices


def timezone_choices(typed: str) -> list[str]:
    """Time zone names for autocomplete: those starting with what was typed (or with a part
    after a "/"), then those containing it; the most common spelling of a city works too."""
    wanted = typed.strip().casefold().replace(" ", "_")
    names = timezone_names()
    if not wanted:
        return [n for n in names if "/" in n and not n.startswith("Etc/")][:_MAX_CHOICES]
    starts = [n for n in names if n.casefold().startswith(wanted)]
    parts = [
        n
        for n in names
        if n not in starts and any(p.startswith(wanted) for p in n.casefold().split("/")[1:])
    ]
    rest = [n for n in names if wanted in n.casefold() and n not in starts and n not in parts]
    return [*starts, *parts, *rest][:_MAX_CHOICES]


def check_timezone(name: str) -> str:
    """The IANA name as the system spells it (case forgiven), or a UserError."""
    cleaned = name.strip().replace(" ", "_")
    by_fold = {n.casefold(): n for n in timezone_names()}
    spelled = by_fold.get(cleaned.casefold())
    if spelled is None:
        raise UserError(
            N_(
                "“{timezone}” is not a time zone I know. Pick one from the list, such as "
                "Europe/Amsterdam or America/Los_Angeles."
            ),
            timezone=name,
        )
    try:
        zone(spelled)
    except UnknownTimezone as exc:  # listed but not loadable: a broken tzdata install
        log.error("time zone %s is listed but cannot be loaded: %s", spelled, exc)
        raise UserError(
            N_("I can't use the time zone “{timezone}” right now. Try another one."),
            timezone=spelled,
        ) from exc
    return spelled


def check_time(text: str) -> time:
    try:
        return parse_local_time(text)
    except ValueError as exc:
        raise UserError(
            N_(
                "“{time}” is not a time of day. Write it on a 24-hour clock, "
                "such as 07:00 or 23:30."
            ),
            time=text,
        ) from exc


def is_off(text: str | None) -> bool:
    return text is None or text.strip().casefold() in OFF_WORDS or not text.strip()


class ScheduleService:
    def __init__(
        self, store: SubscriptionStore, *, digests: DigestJobs, clock: Clock = utc_now
    ) -> None:
        self._store = store
        self._digests = digests
        self._clock = clock

    async def _save(self, sub: Subscription, schedule: Schedule) -> Subscription:
        saved = await self._store.update_schedule(sub.guild_id, sub.id, schedule, self._clock())
        if saved is None:  # removed meanwhile
            raise UserError(
                N_("That subscription does not exist on this server (see /alerts list).")
            )
        log.info(
            "guild %d: subscription %d now has schedule %s", sub.guild_id, sub.id, saved.schedule
        )
        self._digests.update(saved)
        return saved

    async def set_quiet_hours(
        self,
        guild_id: int,
        subscription_id: int,
        *,
        timezone: str,
        start: str | None,
        end: str | None,
        records_break_through: bool | None = None,
    ) -> Subscription:
        """Quiet hours from ``start`` to ``end`` (local, may wrap midnight) in ``timezone``;
        no start and no end (or "off") turns them off. The time zone is kept either way."""
        sub = await find_subscription(self._store, guild_id, subscription_id)
        tz = check_timezone(timezone)
        schedule = replace(sub.schedule, timezone=tz)
        if records_break_through is not None:
            schedule = replace(schedule, records_break_through=records_break_through)
        if is_off(start) and is_off(end):
            return await self._save(sub, replace(schedule, quiet_start=None, quiet_end=None))
        if is_off(start) or is_off(end):
            raise UserError(
                N_(
                    "Give both the start and the end of the quiet hours, such as 23:00 and "
                    "07:00, or neither to turn them off."
                )
            )
        assert start is not None and end is not None
        quiet_start, quiet_end = check_time(start), check_time(end)
        if quiet_start == quiet_end:
            raise UserError(N_("Quiet hours must start and end at different times."))
        return await self._save(
            sub, replace(schedule, quiet_start=quiet_start, quiet_end=quiet_end)
        )

    async def set_digest(
        self,
        guild_id: int,
        subscription_id: int,
        *,
        at: str,
        timezone: str | None = None,
    ) -> Subscription:
        """A daily digest at local time ``at`` ("off" for none), in ``timezone`` if given, else
        in the subscription's time zone."""
        sub = await find_subscription(self._store, guild_id, subscription_id)
        schedule = sub.schedule
        if timezone is not None and timezone.strip():
            schedule = replace(schedule, timezone=check_timezone(timezone))
        digest_time = None if is_off(at) else check_time(at)
        return await self._save(sub, replace(schedule, digest_time=digest_time))
