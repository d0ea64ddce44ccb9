"""A whole Games replayed through the bot's poll path: 329 medal events over 500 snapshots.

The Games is synthetic and deterministic (``bench/_games_feed.py``): medals in stages, ties,
records, reallocated medals, neutral athletes. Each snapshot's JSON goes through what the bot
does on every poll that brings a new body: the native decoder (in a worker thread, as
``HttpFeedSource``), change detection, routing to 1,000 subscriptions of 50 servers, and the
one-transaction commit (state, alert log, outbox rows) on SQLite: ``PollService.poll`` as
``build_services`` wires it. Only Discord is left out (the outbox is filled, not drained), and
HTTP: the body is handed over in memory, so the feed server's time is not counted.

Baselines in the same run: decoding alone (the least any reader of the feed pays), and naive
change detection, re-detecting each snapshot from an empty state and diffing against what was
already announced, against the incremental detection the bot does.

Checked: the alerts are exactly those the Games' plan implies (medals per stage, records,
corrections), the final medal table of the store, of the alert log and of the plan equal the
table of the final snapshot, and every delivery is in the outbox.
"""

from __future__ import annotations

import asyncio
import logging
import random
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

from bench._games_feed import NOC_WEIGHTS, SPORTS, UNRANKED, Expected, SyntheticGames
from bench._stats import load_note, percentile
from medalbot.app import build_services
from medalbot.background import Background
from medalbot.config import FeedSettings, Settings, StoreSettings
from medalbot.domain.alerts import Alert, CorrectionAlert, MedalAlert, MedalWon, RecordAlert
from medalbot.domain.awards import medal_key, record_key
from medalbot.domain.detection import apply_snapshot
from medalbot.domain.models import Medal, Snapshot
from medalbot.domain.state import Applied, GamesState
from medalbot.domain.table import medal_table
from medalbot.feeds.native import parse_snapshot
from medalbot.store import open_store
from medalbot.store.base import NewSubscription, Store

GUILDS: Final = 50
PER_GUILD: Final = 20  # the bot allows 25 per server
SUB_SEED: Final = 7
# The bot polls every 5 s by default: a snapshot must be through well before the next poll.
TARGET_S: Final = FeedSettings(name="default", url="http://x").interval

Table = dict[str, tuple[int, int, int]]


class MemorySource:
    """A feed source whose next body is set by the benchmark; decoded as ``HttpFeedSource``
    decodes a fetched body (``parse_snapshot`` in a worker thread)."""

    name = "games"
    backing_off = False

    def __init__(self) -> None:
        self.body: bytes | None = None

    async def poll(self) -> Snapshot | None:
        body, self.body = self.body, None
        return None if body is None else await asyncio.to_thread(parse_snapshot, body)

    async def close(self) -> None:
        """Nothing to release."""


@dataclass(frozen=True)
class Replay:
    seconds: list[float]  # per snapshot, the whole poll
    alerts: Counter[str]
    deliveries: int
    with_alerts: list[float]  # per snapshot that revealed something
    outbox_pending: int
    final: GamesState
    alert_log: list[Alert]


def subscriptions(rng: random.Random) -> Iterable[NewSubscription]:
    """1,000 subscriptions as servers set them up: most follow everything or one nation."""
    nocs, weights = list(NOC_WEIGHTS), list(NOC_WEIGHTS.values())
    for g in range(GUILDS):
        guild_id = 1_000 + g
        for c in range(PER_GUILD):
            channel_id, draw = guild_id * 1_000 + c, rng.random()
            noc = rng.choices(nocs, weights)[0]
            if draw < 0.35:
                yield NewSubscription(guild_id, channel_id)
            elif draw < 0.70:
                yield NewSubscription(guild_id, channel_id, noc=noc)
            elif draw < 0.80:
                yield NewSubscription(guild_id, channel_id, noc=noc, golds_only=True)
            elif draw < 0.90:
                yield NewSubscription(guild_id, channel_id, sport=rng.choice(SPORTS).name)
            else:
                yield NewSubscription(guild_id, channel_id, records=False, role_id=channel_id + 1)


async def subscribe(store: Store) -> int:
    now = datetime.now(UTC)
    count = 0
    for sub in subscriptions(random.Random(SUB_SEED)):
        await store.add_subscription(sub, now, max_per_guild=PER_GUILD)
        count += 1
    return count


async def replay(games: SyntheticGames, store_url: str) -> Replay:
    store = await open_store(store_url)
    try:
        await subscribe(store)
        settings = Settings(store=StoreSettings(url=store_url))
        background = Background(settings.delivery, store, [])  # never started: no digest runs
        services = build_services(settings, store, [], digests=background.digests)
        source = MemorySource()
        seconds, with_alerts, alerts, deliveries = [], [], Counter[str](), 0
        for index in range(games.snapshots):
            source.body = games.body(index)  # the producer's work, not timed
            started = time.perf_counter()
            report = await services.polling.poll(source)
            took = time.perf_counter() - started
            if report.outcome != "applied":
                raise RuntimeError(f"snapshot {index}: {report.outcome} ({report.reason})")
            seconds.append(took)
            if report.alerts:
                with_alerts.append(took)
            alerts.update(type(a).__name__ for a in report.alerts)
            deliveries += report.deliveries
        final = await store.load_state(games.snapshot(0).games.code)
        assert final is not None
        pending = (await store.outbox_stats()).pending
        log = await store.list_alerts(final.games_code)
    finally:
        await store.close()
    return Replay(seconds, alerts, deliveries, with_alerts, pending, final, log)


async def decode_only(games: SyntheticGames) -> float:
    total = 0.0
    for index in range(games.snapshots):
        body = games.body(index)
        started = time.perf_counter()
        await asyncio.to_thread(parse_snapshot, body)
        total += time.perf_counter() - started
    return total


def naive_items(alerts: Iterable[Alert]) -> Iterable[tuple[str, str, object]]:
    """What a stateless reader can diff: each medal and record shown, by what it is (alert ids
    name the snapshot, and a record's time is the snapshot's)."""
    for alert in alerts:
        if isinstance(alert, MedalAlert):
            yield from (("medal", alert.event, medal_key(m)) for m in alert.medals)
        elif isinstance(alert, RecordAlert):
            yield ("record", alert.event, record_key(alert.record))


def detection_times(games: SyntheticGames) -> tuple[float, float, Counter[str]]:
    """Seconds spent in incremental detection and in naive detection (each snapshot from an
    empty state, then a diff against the medals and records already seen), over decoded
    snapshots; and what the naive way finds new."""
    incremental = naive = 0.0
    state: GamesState | None = None
    seen: set[tuple[str, str, object]] = set()
    found = Counter[str]()
    for index in range(games.snapshots):
        snapshot = parse_snapshot(games.body(index))
        started = time.perf_counter()
        outcome = apply_snapshot(state, snapshot)
        incremental += time.perf_counter() - started
        assert isinstance(outcome, Applied)
        state = outcome.state
        started = time.perf_counter()
        fresh = apply_snapshot(None, snapshot)
        assert isinstance(fresh, Applied)
        new = set(naive_items(fresh.alerts)) - seen
        seen |= new
        naive += time.perf_counter() - started
        found.update(kind for kind, _, _ in new)
    return incremental, naive, found


def table_of(snapshot: Snapshot) -> Table:
    return {r.noc: (r.gold, r.silver, r.bronze) for r in medal_table(snapshot)}


def table_from_alerts(alerts: Iterable[Alert]) -> Table:
    """The medal table a reader of the alerts would keep: new medals, then corrections."""
    counts: Counter[tuple[str, Medal]] = Counter()
    for alert in alerts:
        if isinstance(alert, MedalAlert):
            counts.update((m.noc, m.medal) for m in alert.medals)
        elif isinstance(alert, CorrectionAlert):
            counts.subtract((m.noc, m.medal) for m in alert.before if isinstance(m, MedalWon))
            counts.update((m.noc, m.medal) for m in alert.after if isinstance(m, MedalWon))
    nocs = sorted({noc for (noc, _), n in counts.items() if n and noc != UNRANKED})
    medals = (Medal.GOLD, Medal.SILVER, Medal.BRONZE)
    table = {
        n: (counts[(n, medals[0])], counts[(n, medals[1])], counts[(n, medals[2])]) for n in nocs
    }
    return {n: t for n, t in table.items() if any(t)}


def sanity(games: SyntheticGames, run: Replay, expected: Expected) -> list[str]:
    problems = []
    final_table = table_of(games.snapshot(games.snapshots - 1))
    got = (run.alerts["MedalAlert"], run.alerts["RecordAlert"], run.alerts["CorrectionAlert"])
    want = (expected.medal_alerts, expected.record_alerts, expected.correction_alerts)
    if got != want:
        problems.append(f"alerts (medal, record, correction) {got}, the plan implies {want}")
    for name, table in (
        ("the store's final state", table_of(run.final.snapshot)),
        ("the alert log", table_from_alerts(run.alert_log)),
        ("the Games' plan", expected.table),
    ):
        if table != final_table:
            problems.append(f"the medal table of {name} differs from the final snapshot's")
    if len(run.alert_log) != sum(run.alerts.values()):
        problems.append(f"{len(run.alert_log)} alerts logged, {sum(run.alerts.values())} made")
    if run.outbox_pending != run.deliveries:
        problems.append(f"{run.outbox_pending} deliveries in the outbox, {run.deliveries} routed")
    return problems


async def measure() -> tuple[SyntheticGames, Replay, float, str]:
    games = SyntheticGames()
    before = load_note()
    with tempfile.TemporaryDirectory() as tmp:
        run = await replay(games, f"sqlite:///{Path(tmp) / 'games.db'}")
    decode_s = await decode_only(games)
    return games, run, decode_s, before


def main() -> bool:
    logging.disable(logging.INFO)  # the poll service logs a line per snapshot
    try:
        games, run, decode_s, load_before = asyncio.run(measure())
        incremental_s, naive_s, naive_found = detection_times(games)
    finally:
        logging.disable(logging.NOTSET)
    expected = games.expected()
    total = sum(run.seconds)
    last = games.snapshot(games.snapshots - 1)
    medal_events = sum(1 for e in last.events if e.medal_event)
    print(
        f"{games.snapshots} snapshots of a synthetic Games: {medal_events} medal events over "
        f"17 days, up to {max(len(games.body(i)) for i in (0, games.snapshots - 1)) / 1e3:.0f} "
        f"kB of JSON each; {GUILDS * PER_GUILD} subscriptions in {GUILDS} servers; SQLite"
    )
    print(
        f"poll path (decode, detect, route, commit): {total:6.2f} s in all = "
        f"{len(run.seconds) / total:6.1f} snapshots/s"
    )
    print(
        f"  per snapshot p50 {statistics.median(run.seconds) * 1e3:5.1f} ms, p95 "
        f"{percentile(run.seconds, 95) * 1e3:5.1f} ms, max {max(run.seconds) * 1e3:5.1f} ms; "
        f"the {len(run.with_alerts)} that revealed something: p50 "
        f"{statistics.median(run.with_alerts) * 1e3:5.1f} ms"
    )
    print(
        f"  alerts: {run.alerts['MedalAlert']} medal, {run.alerts['RecordAlert']} record, "
        f"{run.alerts['CorrectionAlert']} correction; {run.deliveries:,} deliveries queued"
    )
    print(
        f"baseline, decoding alone:   {decode_s:6.2f} s = {len(run.seconds) / decode_s:6.1f} "
        f"snapshots/s; ratio poll path / decoding {total / decode_s:5.1f}"
    )
    print(
        f"detection alone: incremental {incremental_s:5.2f} s; naive (each snapshot from an "
        f"empty state, then a diff) {naive_s:5.2f} s: ratio naive / incremental "
        f"{naive_s / incremental_s:5.1f}"
    )
    medals = sum(len(a.medals) for a in run.alert_log if isinstance(a, MedalAlert))
    print(
        f"  (the naive diff finds {naive_found['medal']} new medals and {naive_found['record']} "
        f"records, the bot {medals} and {run.alerts['RecordAlert']}: a medal reallocated is a "
        f"new medal to it, never a correction)"
    )
    problems = sanity(games, run, expected)
    for problem in problems:
        print(f"SANITY: {problem}")
    if not problems:
        print(
            f"sanity: alerts as the plan implies; the final table ({len(expected.table)} "
            f"nations) is the same in the store, the alert log and the plan; outbox complete"
        )
    print(f"{load_before} at the start; {load_note()} at the end")
    met = max(run.seconds) < TARGET_S and not problems
    print(
        f"target: every snapshot through well within the {TARGET_S:.0f} s poll interval "
        f"(slowest {max(run.seconds) * 1e3:.0f} ms) and sane: {'met' if met else 'NOT met'}"
    )
    return met


if __name__ == "__main__":
    raise SystemExit(0 if main() else 1)
