"""Poll-to-first-post latency: from the poll that receives a changed feed body to the first
alert message created in a subscribed channel, over 30 changes of a Games.

Set-up: the Discord emulator in its own process, enforcing Discord's limits (50 requests/s,
5 messages per 5 s per channel); a feed server replaying 31 snapshots of the synthetic Games
(``bench/_games_feed.py``, from day 9 on, each revealing at least one medal or record); the
real bot (``build_bot``: the background work's scheduler polls, the outbox sender posts) on
SQLite, with production delivery settings and 50 subscriptions (30 channels following
everything in three servers, 20 following one nation). The store starts with the Games as
they stood at the first snapshot, so the bot announces only what changes.

The clock starts when the poller has read the changed body (a ``HttpPoller`` that notes the
time of each 200) and stops when the emulator records the first message (``time.monotonic``:
CLOCK_MONOTONIC is system-wide on Linux, so the two processes agree). Each change waits for the
previous fan-out to finish and comes at least 1.5 s after it, so a channel never gets more
than Discord's 5 messages per 5 s from the bench's pace alone.

Baseline in the same run: a naive relay that POSTs a message to the emulator with aiohttp the
moment it has the body (no decoding, no detection, no store): the floor set by HTTP and the
emulator.
"""

from __future__ import annotations

import asyncio
import logging
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Final

import aiohttp

from bench._games_feed import NOC_WEIGHTS, SyntheticGames
from bench._remote import RemoteEmulator, control, remote_emulator, running_bot, until
from bench._stats import load_note, percentile
from medalbot.client import MedalBot
from medalbot.config import DeliverySettings
from medalbot.domain.detection import apply_snapshot
from medalbot.domain.state import Applied, GamesState
from medalbot.feeds.factory import poller_settings
from medalbot.feeds.native import parse_snapshot
from medalbot.feeds.poller import Fetched, FetchOutcome, HttpPoller
from medalbot.feeds.server import ReplayFeedServer
from medalbot.feeds.sources import HttpFeedSource
from medalbot.services.live import LiveState
from medalbot.services.polling import PollService
from medalbot.store import open_store
from medalbot.store.base import NewSubscription

CHANGES: Final = 30
FIRST_SNAPSHOT: Final = 250  # day 9 of 17: a snapshot of some 300 kB
POLL_S: Final = 1.0  # the poll interval does not enter the measure (it starts at the poll)
GAP_S: Final = 1.5  # at least this between two changes
EVERYTHING: Final = (("Fans A", 10), ("Fans B", 10), ("Fans C", 10))
NATIONS: Final = ("Nations", 20)
NAIVE: Final = ("Naive relay", 10)
TARGET_P95_S: Final = 2.0
WAIT_S: Final = 120.0


class TimedPoller(HttpPoller):
    """The bot's poller, noting when each changed body has been read (before decoding)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.received: list[float] = []

    async def fetch(self) -> FetchOutcome:
        outcome = await super().fetch()
        if isinstance(outcome, Fetched):
            self.received.append(time.monotonic())
        return outcome


@dataclass(frozen=True)
class Change:
    received: float  # when the poll read the changed body
    first: float  # the first message in a subscribed channel
    last: float  # the last one of its fan-out
    posts: int


def changing_snapshots(games: SyntheticGames) -> list[int]:
    """The first ``CHANGES`` snapshots after ``FIRST_SNAPSHOT`` that reveal alerts."""
    state: GamesState | None = None
    picked: list[int] = []
    for index in range(games.snapshots):
        outcome = apply_snapshot(state, parse_snapshot(games.body(index)))
        assert isinstance(outcome, Applied)
        state = outcome.state
        if index > FIRST_SNAPSHOT and outcome.alerts:
            picked.append(index)
            if len(picked) == CHANGES:
                break
    if len(picked) < CHANGES:
        raise RuntimeError(f"only {len(picked)} changes after snapshot {FIRST_SNAPSHOT}")
    return picked


async def prepare_store(
    store_url: str, games: SyntheticGames, guilds: list[tuple[int, list[int]]]
) -> None:
    """The Games as they stood (announced before the bot came), then the subscriptions."""
    store = await open_store(store_url)
    try:
        await PollService(store, LiveState()).apply(games.snapshot(FIRST_SNAPSHOT))
        now = games.time_of(FIRST_SNAPSHOT)
        nations = sorted(NOC_WEIGHTS, key=NOC_WEIGHTS.__getitem__, reverse=True)
        for (guild_id, channels), (name, _) in zip(guilds, (*EVERYTHING, NATIONS), strict=False):
            for i, channel_id in enumerate(channels):
                noc = nations[i] if name == NATIONS[0] else None
                await store.add_subscription(
                    NewSubscription(guild_id, channel_id, noc=noc), now, 25
                )
    finally:
        await store.close()


def applied(live: LiveState, sequence: int) -> Callable[[], bool]:
    return lambda: (state := live.current) is not None and state.sequence >= sequence


async def outbox_empty(bot: MedalBot) -> None:
    deadline = time.monotonic() + WAIT_S
    while (await bot.services.store.outbox_stats()).pending:
        if time.monotonic() > deadline:
            raise TimeoutError(f"the fan-out did not end within {WAIT_S} s")
        await asyncio.sleep(0.05)


async def run_bot(
    emulator: RemoteEmulator, feed: ReplayFeedServer, store_url: str, sequences: list[int]
) -> list[float]:
    """Replay the changes through the real bot (production delivery settings); returns when
    each changed body was read."""
    pollers: list[TimedPoller] = []

    async def timed_poller(bot: MedalBot) -> None:
        """The configured source, with a poller that notes when bodies arrive."""
        configured = bot.services.feeds[0]
        await configured.source.close()
        poller = TimedPoller(configured.settings.name, poller_settings(configured.settings))
        adapter = partial(parse_snapshot, max_bytes=configured.settings.max_bytes)
        configured.source = HttpFeedSource(configured.settings.name, poller, adapter)
        pollers.append(poller)

    async with running_bot(
        emulator,
        store_url=store_url,
        feed_url=feed.url,
        delivery=DeliverySettings(),
        poll_interval=POLL_S,
        prepare=timed_poller,
    ) as bot:
        poller, live = pollers[0], bot.services.live
        await until(lambda: len(poller.received) >= 1, 30, "the first poll")
        last_change = 0.0
        for k, sequence in enumerate(sequences):
            await asyncio.sleep(max(0.0, last_change + GAP_S - time.monotonic()))
            feed.advance()
            last_change = time.monotonic()
            await until(applied(live, sequence), WAIT_S, f"change {k + 1}")
            await outbox_empty(bot)
    if len(poller.received) != len(sequences) + 1:
        raise RuntimeError(f"{len(poller.received)} bodies read for {len(sequences)} changes")
    return poller.received[1:]


async def run_naive(
    emulator: RemoteEmulator, files: list[Path], channels: list[int]
) -> list[float]:
    """The baseline: GET the feed, POST a message the moment the body is in."""
    received: list[float] = []
    headers = {"Authorization": f"Bot {emulator.token}"}
    async with ReplayFeedServer(files) as feed, aiohttp.ClientSession() as http:
        for k in range(CHANGES):
            feed.advance()
            async with http.get(feed.url) as response:
                body = await response.read()
            received.append(time.monotonic())
            url = f"{emulator.api_base}/channels/{channels[k % len(channels)]}/messages"
            async with http.post(url, json={"content": f"{len(body)} bytes"}, headers=headers):
                pass
            await asyncio.sleep(0.25)  # well within the per-channel limit of the ten channels
    return received


def attribute(received: list[float], posts: list[tuple[float, int]]) -> list[Change]:
    """Each change's posts: those after its body was read and before the next one was."""
    changes = []
    for k, start in enumerate(received):
        end = received[k + 1] if k + 1 < len(received) else float("inf")
        times = sorted(at for at, _ in posts if start <= at < end)
        if not times:
            raise RuntimeError(f"change {k + 1}: no message")
        changes.append(Change(start, times[0], times[-1], len(times)))
    return changes


async def measure() -> tuple[list[Change], list[Change], dict[str, int], int]:
    games = SyntheticGames()
    picked = changing_snapshots(games)
    layout = [*EVERYTHING, NATIONS, NAIVE]
    async with remote_emulator(layout) as emulator:
        with tempfile.TemporaryDirectory() as tmp:
            files = []
            for index in (FIRST_SNAPSHOT, *picked):
                path = Path(tmp) / f"{index:03d}.json"
                path.write_bytes(games.body(index))
                files.append(path)
            guilds = list(emulator.channels.items())
            store_url = f"sqlite:///{Path(tmp) / 'latency.db'}"
            await prepare_store(store_url, games, guilds[:-1])
            async with ReplayFeedServer(files) as feed:
                bot_received = await run_bot(emulator, feed, store_url, [i + 1 for i in picked])
            naive_channels = guilds[-1][1]
            naive_received = await run_naive(emulator, files, naive_channels)
        seen = await control(emulator, "/posts")
        rate_limited = (await control(emulator, "/rate_limits"))["by_scope"]
    posts = [(float(at), int(channel)) for at, channel in seen["posts"]]
    naive = set(naive_channels)
    bot_posts = [p for p in posts if p[1] not in naive]
    naive_posts = [p for p in posts if p[1] in naive]
    subscribed = sum(len(c) for _, c in guilds[:-1])
    return (
        attribute(bot_received, bot_posts),
        attribute(naive_received, naive_posts),
        rate_limited,
        subscribed,
    )


def main() -> bool:
    logging.disable(logging.WARNING)  # a bench prints figures, not the bot's log
    load_before = load_note()
    try:
        bot, naive, rate_limited, subscribed = asyncio.run(measure())
    finally:
        logging.disable(logging.NOTSET)
    first = [c.first - c.received for c in bot]
    last = [c.last - c.received for c in bot]
    floor = [c.first - c.received for c in naive]
    p50, p95 = statistics.median(first), percentile(first, 95)
    n50, n95 = statistics.median(floor), percentile(floor, 95)
    print(
        f"{len(bot)} changes of a synthetic Games (snapshots of ~300 kB) through the real bot on "
        f"SQLite; {subscribed} subscriptions; emulator with Discord's limits in its own process"
    )
    print(
        f"poll to first post: p50 {p50 * 1e3:6.0f} ms  p95 {p95 * 1e3:6.0f} ms  "
        f"max {max(first) * 1e3:6.0f} ms"
    )
    print(
        f"poll to last post:  p50 {statistics.median(last) * 1e3:6.0f} ms  p95 "
        f"{percentile(last, 95) * 1e3:6.0f} ms  ({statistics.median(c.posts for c in bot):.0f} "
        f"messages per change, median)"
    )
    print(
        f"baseline, naive relay (POST as the body arrives): p50 {n50 * 1e3:5.1f} ms  "
        f"p95 {n95 * 1e3:5.1f} ms"
    )
    print(f"ratio bot / naive: p50 {p50 / n50:6.1f}  p95 {p95 / n95:6.1f}")
    print(f"429s from the emulator by scope: {rate_limited or 'none'}")
    print(f"{load_before} at the start; {load_note()} at the end")
    met = p95 < TARGET_P95_S
    print(f"goal: p95 under {TARGET_P95_S:.0f} s after the poll: {'PASS' if met else 'MISS'}")
    return met


if __name__ == "__main__":
    raise SystemExit(0 if main() else 1)
