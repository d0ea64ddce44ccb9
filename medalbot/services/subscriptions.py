"""Moderators' use cases: subscribe a channel, list, unsubscribe, resume after a pause."""

from __future__ import annotations

from medalbot.domain.subscriptions import Subscription
from medalbot.i18n import N_
from medalbot.services.clock import Clock, utc_now
from medalbot.services.digest_jobs import DigestJobs
from medalbot.services.errors import UserError
from medalbot.services.live import LiveState
from medalbot.services.queries import match_sport
from medalbot.store.base import NewSubscription, SubscriptionLimitError, SubscriptionStore


async def find_subscription(
    store: SubscriptionStore, guild_id: int, subscription_id: int
) -> Subscription:
    """One of this server's subscriptions, or a UserError pointing at /alerts list."""
    for sub in await store.list_subscriptions(guild_id):
        if sub.id == subscription_id:
            return sub
    raise UserError(N_("That subscription does not exist on this server (see /alerts list)."))


class SubscriptionService:
    def __init__(
        self,
        store: SubscriptionStore,
        live: LiveState,
        *,
        max_per_guild: int,
        digests: DigestJobs,
        clock: Clock = utc_now,
    ) -> None:
        self._store = store
        self._live = live
        self._max = max_per_guild
        self._digests = digests  # a removed subscription leaves its digest job
        self._clock = clock
        self._followed: dict[int, tuple[str, ...]] = {}  # guild -> the nations it follows

    async def load(self) -> None:
        """Cache which nation each server follows (for highlighting it in replies)."""
        by_guild: dict[int, list[Subscription]] = {}
        for sub in await self._store.list_subscriptions():
            by_guild.setdefault(sub.guild_id, []).append(sub)
        self._followed.clear()
        for guild_id, subs in by_guild.items():
            self._remember(guild_id, subs)

    async def reload_guild(self, guild_id: int) -> None:
        """Another process changed this server's subscriptions (``medalbot.cluster.commits``)."""
        self._remember(guild_id, await self._store.list_subscriptions(guild_id))

    def _remember(self, guild_id: int, subs: list[Subscription]) -> None:
        self._followed[guild_id] = tuple(dict.fromkeys(s.noc for s in subs if s.noc is not None))

    def followed_nation(self, guild_id: int) -> str | None:
        """The nation a server follows (its first nation subscription), for highlighting."""
        return next(iter(self._followed.get(guild_id, ())), None)

    def followed_nations(self, guild_id: int) -> tuple[str, ...]:
        """Every nation a server's subscriptions follow, in the order they were made."""
        return self._followed.get(guild_id, ())

    def known_sports(self) -> list[str]:
        state = self._live.current
        if state is None:
            return []
        return sorted({e.sport for e in state.snapshot.events})

    def known_nocs(self) -> list[str]:
        state = self._live.current
        if state is None:
            return []
        return sorted({r.competitor.noc for e in state.snapshot.events for r in e.results})

    def normalise_noc(self, noc: str | None) -> str | None:
        if noc is None or noc.strip().casefold() in {"", "all", "*"}:
            return None
        code = noc.strip().upper()
        if len(code) != 3 or not code.isalpha():
            raise UserError(
                N_(
                    "“{noc}” is not a nation code. Use a three-letter code such as NED, JPN or USA."
                ),
                noc=noc,
            )
        return code

    def normalise_sport(self, sport: str | None) -> str | None:
        if sport is None or sport.strip().casefold() in {"", "all", "*"}:
            return None
        sports = self.known_sports()
        if not sports:  # before the first snapshot we cannot check; keep what was typed
            return sport.strip()
        return match_sport(sports, sport)

    async def subscribe(
        self,
        *,
        guild_id: int,
        channel_id: int,
        noc: str | None,
        sport: str | None,
        golds_only: bool,
        records: bool,
        role_id: int | None,
        spoiler_safe: bool = False,
    ) -> Subscription:
        new = NewSubscription(
            spoiler_safe=spoiler_safe,
            guild_id=guild_id,
            channel_id=channel_id,
            noc=self.normalise_noc(noc),
            sport=self.normalise_sport(sport),
            golds_only=golds_only,
            records=records,
            role_id=role_id,
        )
        try:
            sub = await self._store.add_subscription(new, self._clock(), self._max)
        except SubscriptionLimitError as exc:
            raise UserError(
                N_(
                    "This server already has {limit} subscriptions, the most it can have. "
                    "Remove one with /alerts unsubscribe first."
                ),
                limit=self._max,
            ) from exc
        self._remember(guild_id, await self._store.list_subscriptions(guild_id))
        return sub

    async def list(self, guild_id: int) -> list[Subscription]:
        return await self._store.list_subscriptions(guild_id)

    async def get(self, guild_id: int, subscription_id: int) -> Subscription:
        return await find_subscription(self._store, guild_id, subscription_id)

    async def unsubscribe(self, guild_id: int, subscription_id: int) -> Subscription:
        sub = await self.get(guild_id, subscription_id)
        await self._store.remove_subscription(guild_id, subscription_id)
        self._digests.forget(subscription_id)
        self._remember(guild_id, await self._store.list_subscriptions(guild_id))
        return sub

    async def set_spoiler_safe(
        self, guild_id: int, subscription_id: int, spoiler_safe: bool
    ) -> Subscription:
        """Turn spoiler-safe alerts on or off; the messages already sent stay as they are."""
        sub = await self._store.set_spoiler_safe(guild_id, subscription_id, spoiler_safe)
        if sub is None:
            return await self.get(guild_id, subscription_id)  # raises the UserError
        return sub

    async def resume(self, guild_id: int, subscription_id: int) -> Subscription:
        sub = await self.get(guild_id, subscription_id)
        if sub.paused_reason is None:
            raise UserError(N_("That subscription is not paused."))
        await self._store.resume_subscription(guild_id, subscription_id)
        return await self.get(guild_id, subscription_id)
