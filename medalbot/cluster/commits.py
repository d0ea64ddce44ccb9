"""Followers see commits: a process that does not poll a feed learns within a second that
another one committed a Games' state, and reloads it, so that fans' commands answer the same
on every process.

On PostgreSQL a trigger on ``feed_state`` notifies ``medalbot_commits`` when the transaction
commits (migration 0004); the listener hears it on a connection of its own. A notice can be
missed (the connection drops, the server restarts), so the listener also reads every Games'
committed sequence every ``poll`` seconds (one small query), and at once after reconnecting.
Other stores are polled only. Either way ``on_changed`` gets the Games codes whose committed
sequence is newer than the last one this process saw; ``live_reloader`` is the callback that
loads their state into ``LiveState``, as ``PollService.restore_all`` does at start-up.

What moderators change is cached per process too (the nation a server follows, its digest
jobs, its language): on PostgreSQL a trigger on ``subscriptions`` and ``guild_settings``
notifies ``medalbot_guilds`` with the server and the subscription changed (migration 0007),
and ``on_guilds_changed`` gets them; after (re)connecting, when notices may have been missed,
it gets ``None``: reload everything.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Final

from medalbot.services.digest_jobs import DigestJobs
from medalbot.services.guilds import GuildSettingsService
from medalbot.services.live import LiveState
from medalbot.services.subscriptions import SubscriptionService
from medalbot.store.base import Store, StoreError, StoreUnavailable
from medalbot.store.instances import CommittedStates
from medalbot.store.outage import StoreOutage

if TYPE_CHECKING:
    import asyncpg

log = logging.getLogger(__name__)

CHANNEL: Final = "medalbot_commits"
GUILDS_CHANNEL: Final = "medalbot_guilds"
OnChanged = Callable[[list[str]], Awaitable[None]]  # Games codes with a newer commit
# (guild id, subscription id or None for its settings) changed elsewhere; None: maybe anything
GuildChange = tuple[int, int | None]
OnGuildsChanged = Callable[[list[GuildChange] | None], Awaitable[None]]


def live_reloader(store: Store, live: LiveState) -> OnChanged:
    """Load each changed Games' committed state into ``live`` (unless it already holds that
    sequence or a later one: this process applied it itself)."""

    async def reload(codes: list[str]) -> None:
        for code in codes:
            state = await store.load_state(code)
            held = live.get(code)
            if state is not None and (held is None or held.sequence < state.sequence):
                live.set(state)
                log.info("Games %s: committed state %d loaded", code, state.sequence)

    return reload


def guild_reloader(
    store: Store,
    subscriptions: SubscriptionService,
    guilds: GuildSettingsService,
    digests: DigestJobs,
    rebuild_digests: Callable[[], Awaitable[None]],
) -> OnGuildsChanged:
    """Follow what moderators changed through another process: the nation each server follows
    (fans' replies), the digest jobs, the servers' settings. Routing reads the subscriptions
    from the store at each poll, so it needs nothing."""

    async def reload(changes: list[GuildChange] | None) -> None:
        if changes is None:
            await subscriptions.load()
            await rebuild_digests()
            await guilds.reload()
            return
        for guild_id in dict.fromkeys(g for g, s in changes if s is not None):
            await subscriptions.reload_guild(guild_id)
        changed = sorted({s for _, s in changes if s is not None})
        found = await store.get_subscriptions(changed)
        for subscription_id in changed:
            sub = found.get(subscription_id)
            if sub is None:
                digests.forget(subscription_id)
            else:
                digests.update(sub)
        for guild_id in dict.fromkeys(g for g, s in changes if s is None):
            await guilds.reload(guild_id)

    return reload


class CommitListener:
    def __init__(
        self,
        store: CommittedStates,
        on_changed: OnChanged,
        *,
        dsn: str | None = None,
        poll: float = 1.0,
        outage: StoreOutage | None = None,
        on_guilds_changed: OnGuildsChanged | None = None,
    ) -> None:
        self._store = store
        self._outage = outage  # told when a read finds the database out of reach
        self._failing = False  # since the last read that went through
        self._on_changed = on_changed
        self.on_guilds_changed = on_guilds_changed  # set by the wiring once the services exist
        self._guild_changes: dict[GuildChange, None] = {}  # from notices, in order
        self._resync = False  # notices of guilds may have been missed: reload everything
        self._dsn = dsn  # PostgreSQL: LISTEN there too
        self._poll = poll
        self._seen: dict[str, int] = {}
        self._heard = asyncio.Event()
        self._noticed: dict[str, int] = {}  # from notices since the last round
        self._schema: str | None = None
        self._conn: asyncpg.Connection[asyncpg.Record] | None = None
        self.notices = 0  # notices heard (for tests and metrics)
        self.listening = asyncio.Event()  # set while LISTENing on PostgreSQL

    async def start(self) -> None:
        """What is committed now counts as seen (the process loaded it at start-up)."""
        self._seen = await self._store.committed_sequences()

    async def run(self) -> None:
        """Until cancelled: call back on every notice, and after each ``poll`` seconds
        without one, with what changed."""
        try:
            while True:
                await self._listen()
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self._poll):
                        await self._heard.wait()
                self._heard.clear()
                try:
                    await self._round()
                except StoreError as exc:
                    self._failed(exc)
                    continue
                if self._failing:
                    self._failing = False
                    log.info("reading the committed states again")
                try:
                    await self._guilds_round()
                except StoreError as exc:
                    log.warning("reloading what moderators changed failed: %s", exc)
        finally:
            await self._unlisten()

    def _failed(self, exc: StoreError) -> None:
        """Said once per outage (the outage watch says it for everyone when there is one),
        not at every round."""
        if isinstance(exc, StoreUnavailable) and self._outage is not None:
            self._outage.lost(exc, "reading the committed states")
        elif not self._failing:
            log.warning("reading the committed states failed: %s", exc)
        self._failing = True

    async def _round(self) -> None:
        noticed, self._noticed = self._noticed, {}
        if noticed and all(self._seen.get(c, -1) >= s for c, s in noticed.items()):
            return
        # a notice says what changed; the read says it for sure (and what a notice missed)
        committed = await self._store.committed_sequences()
        changed = sorted(c for c, s in committed.items() if s > self._seen.get(c, -1))
        self._seen.update(committed)
        if changed:
            await self._on_changed(changed)

    async def _guilds_round(self) -> None:
        if self.on_guilds_changed is None:
            return
        if self._resync:
            self._resync = False
            self._guild_changes.clear()
            await self.on_guilds_changed(None)
        elif self._guild_changes:
            changes, self._guild_changes = list(self._guild_changes), {}
            await self.on_guilds_changed(changes)

    def _guild_notice(self, _conn: object, _pid: int, _channel: str, payload: object) -> None:
        schema, guild, subscription = [*str(payload).split(" "), "", ""][:3]
        if schema != self._schema or not guild.isdigit():
            return  # another deployment on the same database
        self.notices += 1
        self._guild_changes[int(guild), int(subscription) if subscription.isdigit() else None] = (
            None
        )
        self._heard.set()

    def _notice(self, _conn: object, _pid: int, _channel: str, payload: object) -> None:
        schema, _, rest = str(payload).partition(" ")
        sequence, _, code = rest.partition(" ")
        if schema != self._schema or not sequence.isdigit():
            return  # another deployment on the same database
        self.notices += 1
        self._noticed[code] = max(self._noticed.get(code, -1), int(sequence))
        self._heard.set()

    async def _listen(self) -> None:
        if self._dsn is None or (self._conn is not None and not self._conn.is_closed()):
            return
        self.listening.clear()
        import asyncpg  # the optional extra "postgres"

        try:
            conn = await asyncpg.connect(self._dsn)
            self._schema = await conn.fetchval("SELECT current_schema()")
            await conn.add_listener(CHANNEL, self._notice)
            await conn.add_listener(GUILDS_CHANNEL, self._guild_notice)
        except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError, TimeoutError) as exc:
            log.warning(
                "cannot listen for commits (%s); reading them every %.1f s", exc, self._poll
            )
            return
        self._conn = conn
        self.listening.set()
        self._resync = True
        self._heard.set()  # notices may have been missed while not listening: read now

    async def _unlisten(self) -> None:
        self.listening.clear()
        conn, self._conn = self._conn, None
        if conn is not None and not conn.is_closed():
            conn.terminate()
