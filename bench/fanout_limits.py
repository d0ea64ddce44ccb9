"""One alert to 1,000 and to 10,000 channels at Discord's rate limits: how long, how many 429s.

Set-up: the Discord emulator in a process of its own (bench/_remote.py) ENFORCING Discord's
limits (EmulatorConfig defaults: 50 requests/s global, 5 messages per 5 s per channel), servers
of 500 text channels, one subscription to everything per channel inserted through the store
(SQLite). The real bot, with default delivery settings (our global budget R =
DeliverySettings().global_rate, 40 requests/s), reads a feed server replaying the women's 1000 m;
the second snapshot (KOK's Olympic record) makes one alert for every channel.

Measured, for N channels:
- ours: from the start of the poll that sees the record to the last post, and from the first
  post to the last, against N/R; 429s by scope (global, user = a route's bucket, shared) and
  invalid requests (401/403/429), as the emulator counted them.
- baseline, in the same run and against a fresh emulator: the same N messages sent at once with
  ``asyncio.gather`` by a plain discord.py client, no limiter (discord.py only reacts to 429s,
  retrying each request up to 5 times). Its per-bucket clean-up is made linear as in the bot
  (medalbot.delivery.http_buckets), so the baseline measures pacing, not that O(N²) scan.
- coalescing: three alerts waiting per channel (KOK OR, LEERDAM OR and the podium polled
  through the real poll path before the bot starts sending): alert deliveries per second
  against messages per second; up to 10 embeds go in one message.

Goals (issue #5): ours within N/R + 2 s from the poll, zero global 429s, every channel served
once; with three alerts waiting, deliveries per second at least twice R.

    python -m bench.fanout_limits                 # 1,000 and 10,000 (about 10 minutes)
    python -m bench.fanout_limits --channels 200  # a quick run at one size
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import discord
from discord_emulator import point_discord_at

from bench._remote import RemoteEmulator, control, fan_out_rig, remote_emulator, until
from bench._stats import load_note
from medalbot.client import MedalBot
from medalbot.config import DeliverySettings
from medalbot.delivery.http_buckets import linear_bucket_cleanup
from medalbot.feeds.server import ReplayFeedServer
from medalbot.services.polling import PollReport
from tests.rigs.botprocess import Scale

DELIVERY: Final = DeliverySettings()  # the defaults: what production runs with
R: Final = DELIVERY.global_rate
SIZES: Final = (1_000, 10_000)
COALESCED_CHANNELS: Final = 1_000  # the rate does not depend on N; 1,000 keeps it short
SLACK_S: Final = 2.0
COALESCING_GOAL: Final = 2.0  # deliveries per second, in units of R
WAITING_ALERTS: Final = 3  # KOK OR, LEERDAM OR, the podium
CLOUDFLARE_BAN: Final = 10_000  # invalid requests per 10 minutes


@dataclass(frozen=True)
class Limits:
    """429 answers by scope and invalid requests, as the emulator counted them."""

    global_: int
    user: int
    shared: int
    invalid: int
    requests: int
    peak_per_second: int  # requests under the global limit arriving within one second

    @classmethod
    def of(cls, answer: dict[str, Any]) -> Limits:
        scopes = answer["by_scope"]
        return cls(
            global_=int(scopes.get("global", 0)),
            user=int(scopes.get("user", 0)),
            shared=int(scopes.get("shared", 0)),
            invalid=int(answer["invalid"]),
            requests=int(answer["requests"]),
            peak_per_second=int(answer["peak_per_second"]),
        )

    def __str__(self) -> str:
        return (
            f"429s global {self.global_:,}, user {self.user:,}, shared {self.shared:,}; "
            f"invalid requests {self.invalid:,} of {self.requests:,}; "
            f"busiest second {self.peak_per_second} requests"
        )


@dataclass(frozen=True)
class Posted:
    """What the emulator holds after a run."""

    messages: int
    channels: int
    embeds: int
    first_at: float  # monotonic, shared with this process
    last_at: float
    sample: dict[str, Any]  # one message's content and embeds

    @classmethod
    def of(cls, answer: dict[str, Any]) -> Posted:
        return cls(
            messages=int(answer["alerts"]),
            channels=int(answer["channels"]),
            embeds=int(answer["embeds"]),
            first_at=float(answer["first_post_at"] or 0.0),
            last_at=float(answer["last_post_at"] or 0.0),
            sample=answer["sample"] or {},
        )

    @property
    def span_s(self) -> float:
        return self.last_at - self.first_at


@dataclass(frozen=True)
class Ours:
    channels: int
    poll_to_last_s: float
    posted: Posted
    deliveries: int  # outbox rows sent
    limits: Limits


@dataclass(frozen=True)
class Baseline:
    channels: int
    wall_s: float  # gather's start to its end
    delivered: int
    failures: dict[str, int]  # by exception
    posted: Posted
    limits: Limits


async def _results(remote: RemoteEmulator) -> tuple[Posted, Limits]:
    return (
        Posted.of(await control(remote, "/messages")),
        Limits.of(await control(remote, "/rate_limits")),
    )


def _time_polls(bot: MedalBot, found: list[tuple[float, PollReport]]) -> None:
    """Note when each poll that queued deliveries started (the cog looks the method up on
    every poll, so an instance attribute stands in for it)."""
    polling = bot.services.polling
    poll = polling.poll

    async def timed(source: Any) -> PollReport:
        started = time.monotonic()
        report = await poll(source)
        if report.deliveries:
            found.append((started, report))
        return report

    # the benchmark times each poll by wrapping this one service's method
    polling.poll = timed  # type: ignore[method-assign]


async def fan_out(scale: Scale) -> Ours:
    """One alert to every channel, sent by the bot after the poll that finds it."""
    n = scale.channels
    async with fan_out_rig(scale, delivery=DELIVERY) as rig:
        polls: list[tuple[float, PollReport]] = []
        _time_polls(rig.bot, polls)
        live, stats = rig.bot.services.live, rig.bot.sender.stats
        await until(lambda: live.current is not None, 30, "the first snapshot")
        if stats.sent:
            raise RuntimeError("the first snapshot already sent alerts")
        rig.feed.advance()  # KOK's Olympic record: one alert for every channel
        await until(lambda: stats.sent >= n, 3 * n / R + 120, "the fan-out")
        posted, limits = await _results(rig.emulator)
    if len(polls) != 1 or polls[0][1].deliveries != n:
        raise RuntimeError(f"expected one poll queueing {n} deliveries: {polls}")
    return Ours(n, posted.last_at - polls[0][0], posted, stats.sent, limits)


async def fan_out_waiting(scale: Scale) -> Ours:
    """Three alerts per channel queued before the bot sends anything, then drained."""
    n = scale.channels
    queued_at: list[float] = []

    async def queue_three(bot: MedalBot, feed: ReplayFeedServer) -> None:
        source = bot.services.feeds[0].source
        queued = 0
        for step in range(WAITING_ALERTS + 1):  # before the start, then the three alerts
            if step:
                feed.advance()
            report = await bot.services.polling.poll(source)
            queued += report.deliveries
        if queued != WAITING_ALERTS * n:
            raise RuntimeError(f"queued {queued} deliveries, not {WAITING_ALERTS * n}")
        queued_at.append(time.monotonic())

    async with fan_out_rig(scale, delivery=DELIVERY, prepare=queue_three) as rig:
        stats = rig.bot.sender.stats
        total = WAITING_ALERTS * n
        await until(lambda: stats.sent >= total, 3 * total / R + 120, "the fan-out")
        posted, limits = await _results(rig.emulator)
    return Ours(n, posted.last_at - queued_at[0], posted, stats.sent, limits)


async def naive(scale: Scale, sample: dict[str, Any]) -> Baseline:
    """The same message to every channel with asyncio.gather, nothing pacing it."""
    async with remote_emulator(scale) as emulator:
        channel_ids = [c for ids in emulator.channels.values() for c in ids]
        embeds = [discord.Embed.from_dict(e) for e in sample.get("embeds", [])]
        content = sample.get("content") or None
        patch = point_discord_at(emulator.api_base, emulator.gateway_url)
        client = discord.Client(intents=discord.Intents.none())
        linear_bucket_cleanup(client.http)
        try:
            await client.login(emulator.token)
            started = time.monotonic()
            results = await asyncio.gather(
                *(
                    client.get_partial_messageable(c).send(content=content, embeds=embeds)
                    for c in channel_ids
                ),
                return_exceptions=True,
            )
            wall_s = time.monotonic() - started
        finally:
            await client.close()
            patch.undo()
        posted, limits = await _results(emulator)
    failures: dict[str, int] = {}
    for result in results:
        if isinstance(result, BaseException):
            name = f"{type(result).__name__} {getattr(result, 'status', '')}".strip()
            failures[name] = failures.get(name, 0) + 1
    delivered = sum(1 for r in results if isinstance(r, discord.Message))
    return Baseline(scale.channels, wall_s, delivered, failures, posted, limits)


def _goal(met: bool, what: str) -> bool:
    print(f"  {'PASS' if met else 'MISS'}  {what}")
    return met


def report_fan_out(ours: Ours, base: Baseline) -> bool:
    n, posted = ours.channels, ours.posted
    ideal = n / R
    print(
        f"-- one alert to {n:,} channels; our budget R = {R:g}/s, so N/R = {ideal:.1f} s "
        f"(+ {SLACK_S:g} s = {ideal + SLACK_S:.1f} s)"
    )
    print(
        f"  ours:     poll -> last post {ours.poll_to_last_s:6.1f} s, first -> last post "
        f"{posted.span_s:6.1f} s ({(n - 1) / posted.span_s if posted.span_s else 0:.1f} "
        f"messages/s); {posted.messages:,} messages in {posted.channels:,} channels"
    )
    print(f"            {ours.limits}")
    failed = ", ".join(f"{k} x{v:,}" for k, v in sorted(base.failures.items())) or "none"
    print(
        f"  baseline: asyncio.gather, no limiter: {base.delivered:,} of {n:,} delivered in "
        f"{base.wall_s:.1f} s (first -> last post {base.posted.span_s:.1f} s); "
        f"failed: {failed}"
    )
    print(f"            {base.limits}")
    print(
        f"  ratio ours / baseline: delivered {posted.messages / max(base.delivered, 1):.1f}x, "
        f"time {ours.poll_to_last_s / base.wall_s:.1f}x, invalid requests "
        f"{ours.limits.invalid:,} vs {base.limits.invalid:,} (Cloudflare bans at "
        f"{CLOUDFLARE_BAN:,} per 10 min)"
    )
    return all(
        [
            _goal(
                ours.poll_to_last_s <= ideal + SLACK_S,
                f"poll -> last post within N/R + {SLACK_S:g} s: "
                f"{ours.poll_to_last_s:.1f} s <= {ideal + SLACK_S:.1f} s",
            ),
            _goal(ours.limits.global_ == 0, f"zero global 429s: {ours.limits.global_}"),
            _goal(
                posted.messages == posted.channels == ours.deliveries == n,
                f"every channel served once: {posted.messages:,} messages in "
                f"{posted.channels:,} channels",
            ),
        ]
    )


def report_waiting(ours: Ours) -> bool:
    n, posted = ours.channels, ours.posted
    span = posted.span_s
    deliveries_per_s = ours.deliveries / span if span else 0.0
    messages_per_s = posted.messages / span if span else 0.0
    print(
        f"-- {WAITING_ALERTS} alerts waiting in each of {n:,} channels "
        f"({WAITING_ALERTS * n:,} deliveries), budget R = {R:g}/s"
    )
    print(
        f"  ours:     {ours.deliveries:,} deliveries in {posted.messages:,} messages "
        f"({posted.embeds:,} embeds), first -> last post {span:.1f} s "
        f"(queued, bot started -> last post {ours.poll_to_last_s:.1f} s)"
    )
    print(
        f"            {deliveries_per_s:.1f} alert deliveries/s vs {messages_per_s:.1f} "
        f"messages/s = {deliveries_per_s / R:.1f} x R"
    )
    print(f"            {ours.limits}")
    return all(
        [
            _goal(
                deliveries_per_s >= COALESCING_GOAL * R,
                f"deliveries/s at least {COALESCING_GOAL:g} x R = {COALESCING_GOAL * R:g}/s: "
                f"{deliveries_per_s:.1f}/s",
            ),
            _goal(ours.limits.global_ == 0, f"zero global 429s: {ours.limits.global_}"),
            _goal(
                ours.deliveries == WAITING_ALERTS * n and posted.channels == n,
                f"every alert delivered: {ours.deliveries:,} in {posted.channels:,} channels",
            ),
        ]
    )


async def run(sizes: Sequence[int], coalesced: int) -> bool:
    met = True
    for size in sizes:
        scale = Scale.of(size)
        ours = await fan_out(scale)
        base = await naive(scale, ours.posted.sample)
        met &= report_fan_out(ours, base)
    met &= report_waiting(await fan_out_waiting(Scale.of(coalesced)))
    return met


def main(sizes: Sequence[int] = SIZES, coalesced: int = COALESCED_CHANNELS) -> bool:
    print(f"machine: {load_note()}")
    logging.disable(logging.WARNING)  # a bench prints figures, not the bot's log
    try:
        met = asyncio.run(run(sizes, coalesced))
    finally:
        logging.disable(logging.NOTSET)
    print(f"machine after: {load_note()}")
    return met


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--channels", type=int, help="one size only (all three scenarios), e.g. 200"
    )
    args = parser.parse_args()
    met = main((args.channels,), args.channels) if args.channels else main()
    sys.exit(0 if met else 1)
