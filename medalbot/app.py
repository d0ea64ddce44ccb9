"""The wiring and the process entry: settings, store, feeds, services, background work and
the discord.py client, put together once (``build_bot``) and taken apart (``close_bot``).

Cogs are thin adapters listed explicitly in ``COGS``; everything they do is a call into
``medalbot.services``. The command tree and its one error handler are in
``medalbot.cogs.errors``, the client in ``medalbot.client``, the poll and digest jobs and the
sender's task in ``medalbot.background``.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import discord.gateway
import discord.http
import yarl

from medalbot.background import Background, LeadershipFactory, sole_leader
from medalbot.client import MedalBot
from medalbot.cluster.commits import CommitListener, guild_reloader, live_reloader
from medalbot.cluster.instance import InstanceHeartbeat, is_shared
from medalbot.cluster.settings import DIGESTS
from medalbot.cogs.errors import MedalTree
from medalbot.cogs.moderation.server import notify_channel_refused
from medalbot.config import Settings, load_settings, load_token, masked_url
from medalbot.domain.detection import DetectionPolicy
from medalbot.feeds.factory import open_feed
from medalbot.feeds.formats import feed_format
from medalbot.feeds.settings import FeedSettings
from medalbot.logs import REDACTOR, configure_logging
from medalbot.ops.health import local_rate_limit
from medalbot.ops.runtime import OpsRuntime
from medalbot.services.bundle import Feed, Services
from medalbot.services.clock import Clock, utc_now
from medalbot.services.digest_jobs import DigestJobs
from medalbot.services.guilds import GuildSettingsService
from medalbot.services.live import LiveState
from medalbot.services.polling import PollService
from medalbot.services.queries import QueryService
from medalbot.services.schedules import ScheduleService
from medalbot.services.subscriptions import SubscriptionService
from medalbot.store import open_store
from medalbot.store.base import Store, StoreError
from medalbot.store.instances import CommittedStates, InstanceStore
from medalbot.store.outage import StoreOutage

if TYPE_CHECKING:
    from medalbot.cluster.ratelimit import SharedRateLimiter

# `medalbot run` could not open its store: a dependency is missing, not a bug (no traceback).
EXIT_STORE_UNREACHABLE = 5

COGS = (
    "medalbot.cogs.fans",
    "medalbot.cogs.moderation",
)


def build_services(
    settings: Settings,
    store: Store,
    feeds: list[Feed],
    *,
    digests: DigestJobs,
    clock: Clock = utc_now,
    live: LiveState | None = None,
) -> Services:
    live = live or LiveState(carries_records=feeds_carry_records(settings.feeds))
    return Services(
        store=store,
        live=live,
        polling=PollService(
            store,
            live,
            policy=DetectionPolicy(suspect_min_events=settings.detection.suspect_min_events),
            clock=clock,
        ),
        subscriptions=SubscriptionService(
            store,
            live,
            max_per_guild=settings.alerts.max_subscriptions_per_guild,
            digests=digests,
            clock=clock,
        ),
        queries=QueryService(
            live,
            clock=clock,
            next_games=settings.games.next_games,
            finished_after=settings.games.finished_after,
        ),
        guilds=GuildSettingsService(store),
        schedules=ScheduleService(store, digests=digests, clock=clock),
        feeds=feeds,
    )


def feeds_carry_records(feeds: Sequence[FeedSettings]) -> bool:
    """Whether records can come from any of these feeds (no feed: nothing to say yet)."""
    return not feeds or any(feed_format(f.format).carries_records for f in feeds)


# Not discord_emulator.point_discord_at: a production install has no emulator (it is the
# [demo] extra), and a process that starts with these settings keeps them, so nothing needs the
# emulator's undo. The sandbox and the benchmarks, which run next to tests, use the emulator's.
def use_discord_endpoints(api_base: str, gateway_url: str | None) -> None:
    """Send REST calls (and the gateway, when given) elsewhere, e.g. to a REST proxy, as
    ``[discord]`` in the settings says. discord.py reads both from class attributes, so this
    is process-wide."""
    discord.http.Route.BASE = api_base.rstrip("/")
    if gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)


async def open_feeds(settings: Settings, store: Store) -> list[Feed]:
    """The configured feeds, each as its format opens it (``medalbot.feeds.factory``)."""
    return [Feed(settings=f, source=await open_feed(f, store)) for f in settings.feeds]


async def build_bot(settings: Settings, *, clock: Clock = utc_now) -> MedalBot:
    """Open the store and the feeds and build the bot (not started). ``close_bot`` undoes it."""
    store = await open_store(settings.store.url)
    feeds = await open_feeds(settings, store)
    ops = OpsRuntime(
        settings.ops,
        store=store,
        feeds=[(f.name, f.interval + f.jitter) for f in settings.feeds],
        clock=clock,
    )
    # The database may go away while the bot runs: the background work pauses and resumes.
    outage = StoreOutage(store.outbox_stats)
    ops.watch_store(outage)
    live = LiveState(carries_records=feeds_carry_records(settings.feeds))
    leadership, commits = _cluster_work(settings, store, live)
    background = Background(
        settings.delivery,
        store,
        feeds,
        clock=clock,
        ops=ops,
        games=settings.games,
        outage=outage,
        leadership=leadership,
        commits=commits,
    )
    services = build_services(
        settings, store, feeds, digests=background.digests, clock=clock, live=live
    )
    if commits is not None:  # moderators' changes made through the other processes too
        commits.on_guilds_changed = guild_reloader(
            store,
            services.subscriptions,
            services.guilds,
            background.digests,
            background.rebuild_digest_jobs,
        )
    await services.polling.restore_all()
    await services.subscriptions.load()
    limiter: SharedRateLimiter | None = None
    if settings.delivery.shared_rate_limit is not False:
        # asyncpg is the optional extra "postgres"
        from medalbot.cluster.ratelimit import shared_limiter

        limiter = await shared_limiter(
            settings.delivery, settings.store.url, settings.cluster.processes
        )
    ops.cluster.rate_limit = (
        limiter.health
        if limiter is not None
        else lambda: local_rate_limit(settings.delivery.global_rate)
    )
    ops.cluster.instance_id = lambda: getattr(store, "instance_id", None)
    return MedalBot(
        settings,
        services,
        background=background,
        extensions=COGS,
        tree_cls=MedalTree,
        notify_channel_refused=notify_channel_refused,
        clock=clock,
        ops=ops,
        limiter=limiter,
    )


def _cluster_work(
    settings: Settings, store: Store, live: LiveState
) -> tuple[LeadershipFactory, CommitListener | None]:
    """On a store several processes share (PostgreSQL): one poller per feed, and the others'
    in-memory state following its commits. Otherwise this process leads every feed alone."""
    if not is_shared(store):
        return sole_leader, None
    from medalbot.cluster.leadership import PostgresLeadership  # the extra "postgres"

    leadership = partial(
        PostgresLeadership,
        settings.store.url,
        [*(f.name for f in settings.feeds), DIGESTS],  # a poller per feed, one digest poster
        retry=settings.cluster.leader_retry,
    )
    assert isinstance(store, CommittedStates)
    commits = CommitListener(
        store,
        live_reloader(store, live),
        dsn=settings.store.url,
        poll=settings.cluster.commit_poll,
    )
    return leadership, commits


async def close_bot(bot: MedalBot) -> None:
    if not bot.is_closed():
        await bot.close()
    for feed in bot.services.feeds:
        await feed.source.close()
    if bot.ops is not None:
        await bot.ops.stop()
    if bot.limiter is not None:
        await bot.limiter.close()
    if bot.background.outage is not None:
        await bot.background.outage.close()
    await bot.services.store.close()


async def _main(config: Path | None) -> int:
    settings = load_settings(config)
    configure_logging(settings.logging)
    token = load_token(settings)
    REDACTOR.add_secret(token.reveal())
    if settings.discord.api_base != "https://discord.com/api/v10" or settings.discord.gateway_url:
        use_discord_endpoints(settings.discord.api_base, settings.discord.gateway_url)
    try:
        bot = await build_bot(settings)
    except StoreError as exc:
        return _store_unreachable(settings.store.url, exc)
    # This process's claims belong to a live instance: after a crash they are taken back at
    # the next start (or by another process) at once, not when their lease runs out.
    store = bot.services.store
    assert isinstance(store, InstanceStore)
    instance = InstanceHeartbeat(
        store,
        settings.cluster,
        shared=is_shared(store),
        on_released=bot.sender.wake,
        outage=bot.background.outage,
    )
    heartbeat: asyncio.Task[None] | None = None
    try:
        try:
            await instance.join()
        except StoreError as exc:
            return _store_unreachable(settings.store.url, exc)
        heartbeat = asyncio.create_task(instance.run(), name="instance-heartbeat")
        if bot.ops is not None:
            await bot.ops.start()
        await bot.start(token.reveal())
    finally:
        if heartbeat is not None:
            heartbeat.cancel()
            await asyncio.gather(heartbeat, return_exceptions=True)
        if not bot.is_closed():
            await bot.close()  # the sender stops before its claims are handed back
        if instance.instance_id is not None:
            await instance.leave()
        await close_bot(bot)
    return 0


def _store_unreachable(url: str, exc: StoreError) -> int:
    """One line on stderr (and in the log): which store, why, and what to check."""
    message = f"medalbot: cannot use the store {masked_url(url)}: {exc}; {_what_to_check(url)}"
    sys.stderr.write(message + "\n")
    return EXIT_STORE_UNREACHABLE


def _what_to_check(url: str) -> str:
    parsed = yarl.URL(url)
    if parsed.scheme.startswith("postgres"):
        where = f"{parsed.host or 'localhost'}:{parsed.port or 5432}"
        return (
            f"check that PostgreSQL is running and reachable at {where}, and the user, "
            "password and database in [store] url (or MEDALBOT_STORE__URL)"
        )
    return (
        "check that the file's directory exists and that this user may write there "
        "([store] url, or MEDALBOT_STORE__URL)"
    )


def run_bot(config: Path | None) -> int:
    try:
        return asyncio.run(_main(config))
    except KeyboardInterrupt:
        return 130
