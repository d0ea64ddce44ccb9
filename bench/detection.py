"""Change detection on a full Games: one event changed in a 350-event snapshot must be detected
in well under 20 ms. Both snapshots are decoded from JSON, as the poller receives them, so
unchanged events are equal by value but not the same objects."""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Final

import msgspec

from medalbot.domain.detection import apply_snapshot
from medalbot.domain.models import (
    Competitor,
    Event,
    EventStatus,
    GamesInfo,
    Medal,
    RecordFlag,
    Result,
    Snapshot,
    StandingRecord,
)
from medalbot.domain.state import Applied

EVENTS: Final = 350
RESULTS: Final = 30
RUNS: Final = 50
TARGET_MS: Final = 20.0
NOCS: Final = ("NOR", "GER", "USA", "CAN", "NED", "SWE", "AUT", "SUI", "ITA", "FRA", "JPN", "KOR")
OPENING: Final = datetime(2026, 2, 6, 8, 0, tzinfo=UTC)
MEDALS: Final = (Medal.GOLD, Medal.SILVER, Medal.BRONZE)


def full_games_event(index: int, rng: random.Random, finished: bool) -> Event:
    """An event with a full field; finished ones have medals and now and then a record."""
    code = f"EVT{index:03d}"
    team = index % 7 == 0
    results = []
    for place in range(RESULTS):
        noc = rng.choice(NOCS)
        members = tuple(f"{code} {noc} member {m}" for m in range(4)) if team else ()
        flags = (RecordFlag("OR"),) if finished and place == 0 and index % 5 == 0 else ()
        results.append(
            Result(
                competitor=Competitor(name=f"Athlete {index}-{place}", noc=noc, members=members),
                rank=place + 1 if finished else None,
                mark=f"{60 + place}.{rng.randrange(100):02d}" if finished else None,
                records=flags,
                medal=MEDALS[place] if finished and place < 3 else None,
            )
        )
    start = OPENING + timedelta(hours=index // 2 * 1.0)
    return Event(
        code=code,
        sport=f"Sport {index % 15}",
        name=f"Event {index}",
        gender="X",
        status=EventStatus.OFFICIAL if finished else EventStatus.SCHEDULED,
        start=start,
        end=start + timedelta(hours=2),
        results=tuple(results),
    )


def full_games() -> tuple[bytes, bytes]:
    """The JSON of a mid-Games snapshot (half the events decided) and of the next one, in which
    one running event has just finished with medals and a record."""
    rng = random.Random(2026)
    events = [full_games_event(i, rng, finished=i < EVENTS // 2) for i in range(EVENTS)]
    standing = tuple(
        StandingRecord(
            event=f"EVT{i:03d}",
            type="OR",
            mark="59.99",
            holder=Competitor(name=f"Old champion {i}", noc="FIN"),
        )
        for i in range(0, EVENTS, 5)
    )
    snapshot = Snapshot(
        format="medalbot.feed/1",
        games=GamesInfo(code="BENCH", name="Benchmark Games"),
        sequence=1000,
        generated_at=OPENING + timedelta(days=8),
        events=tuple(events),
        unranked_nocs=("AIN",),
        standing_records=standing,
    )
    changed = EVENTS // 2
    events[changed] = full_games_event(changed, random.Random(changed), finished=True)
    following = msgspec.structs.replace(
        snapshot,
        sequence=snapshot.sequence + 1,
        generated_at=snapshot.generated_at + timedelta(seconds=15),
        events=tuple(events),
    )
    return msgspec.json.encode(snapshot), msgspec.json.encode(following)


def median_ms(action: Callable[[], object], runs: int = RUNS) -> float:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def main() -> bool:
    first_json, next_json = full_games()
    first = msgspec.json.decode(first_json, type=Snapshot)
    following = msgspec.json.decode(next_json, type=Snapshot)
    applied = apply_snapshot(None, first)
    assert isinstance(applied, Applied)
    outcome = apply_snapshot(applied.state, following)
    assert isinstance(outcome, Applied)

    changed_ms = median_ms(lambda: apply_snapshot(applied.state, following))
    empty_ms = median_ms(lambda: apply_snapshot(None, first), runs=max(5, RUNS // 5))
    decode_ms = median_ms(lambda: msgspec.json.decode(next_json, type=Snapshot), runs=RUNS // 5)

    print(
        f"snapshot: {EVENTS} events x {RESULTS} results, {len(next_json) / 1e6:.1f} MB of JSON; "
        f"the changed event reveals {len(outcome.alerts)} alerts"
    )
    print(f"detection, one event changed:   {changed_ms:7.2f} ms (median of {RUNS})")
    print(f"detection from an empty state:  {empty_ms:7.2f} ms (baseline: every event is new)")
    print(f"ratio changed / empty:          {changed_ms / empty_ms:7.2f}")
    print(f"(decoding the snapshot's JSON:  {decode_ms:7.2f} ms, not part of detection)")
    met = changed_ms < TARGET_MS
    print(f"target: one event changed under {TARGET_MS:.0f} ms: {'met' if met else 'NOT met'}")
    return met


if __name__ == "__main__":
    raise SystemExit(0 if main() else 1)
