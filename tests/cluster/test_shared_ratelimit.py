"""The global rate limit shared through PostgreSQL (medalbot.cluster.ratelimit): three
processes' limiters (each its own connection) hammering it together never get more than the
rate in any sliding second between them, and get all of it; one that loses the database paces
itself at its share and says so."""

from __future__ import annotations

import asyncio
import time

from medalbot.cluster.ratelimit import SharedRateLimiter
from medalbot.delivery.ratelimit import Priority
from medalbot.store.base import Store
from tests.cluster.conftest import max_in_a_second
from tests.rigs.tcp_proxy import TcpProxy

RATE = 40.0
UNREACHABLE = "postgresql://postgres@127.0.0.1:1/none"  # nothing listens on port 1


async def _hammer(limiter: SharedRateLimiter, stamps: list[float], total: int) -> None:
    while len(stamps) < total:
        await limiter.acquire(Priority.POST)
        stamps.append(time.monotonic())


def test_max_in_a_second_counts_a_half_open_window() -> None:
    assert max_in_a_second([0.0, 0.5, 0.999, 1.0, 1.6]) == 3
    assert max_in_a_second([0.0, 1.0, 2.0]) == 1


async def test_three_processes_share_one_rate(postgres_url: str, pg_store: Store) -> None:
    limiters = [SharedRateLimiter(postgres_url, RATE, processes=3) for _ in range(3)]
    slots: list[float] = []  # each grant's slot, on the database server's clock
    for limiter in limiters:
        limiter.on_grant = lambda slot_us: slots.append(slot_us / 1_000_000)
    stamps: list[float] = []  # when each grant let its sender go
    total = 160  # four seconds' worth at the shared rate
    try:
        # four senders per process, as the sender's workers would
        await asyncio.gather(
            *(_hammer(limiter, stamps, total) for limiter in limiters for _ in range(4))
        )
    finally:
        for limiter in limiters:
            await limiter.close()
    slots, stamps = sorted(slots)[:total], stamps[:total]
    # the grants: never more than the rate in any second, over the three processes
    assert max_in_a_second(slots) <= RATE
    # the requests they let go, each at most 20 ms after its slot: one more at most
    assert max_in_a_second(stamps) <= RATE + 1
    # and they were not held back further: 160 grants take 4 s at 40/s (each alone would
    # have taken 160 in 4/3 s)
    span = max(stamps) - min(stamps)
    assert (total - 1) / RATE * 0.98 <= span <= (total - 1) / RATE * 1.15, span
    assert all(not limiter.degraded and limiter.granted > 0 for limiter in limiters)


async def test_losing_the_database_paces_at_the_share_and_says_so() -> None:
    limiter = SharedRateLimiter(UNREACHABLE, RATE, processes=4, retry_after=60.0)
    stamps: list[float] = []
    try:
        await asyncio.gather(*(_hammer(limiter, stamps, 6) for _ in range(4)))
    finally:
        await limiter.close()
    stamps = stamps[:6]
    # its share of the 10/s Discord allows above the 40/s the others may still take through
    # the database: 2.5/s, no burst, so 6 grants span 2 s at least
    share = (50 - RATE) / 4
    assert max_in_a_second(stamps) <= share
    assert max(stamps) - min(stamps) >= 5 / share * 0.98
    assert limiter.degraded and limiter.share == share
    health = limiter.health()
    assert health["shared"] is False and health["share"] == 2.5
    assert health["error"] and health["fallback_granted"] == limiter.fallback_granted >= 6


async def test_losing_the_database_mid_run_degrades_then_shares_again(
    postgres_url: str, pg_store: Store
) -> None:
    proxy = TcpProxy(postgres_url)
    await proxy.open()
    limiter = SharedRateLimiter(proxy.url(postgres_url), RATE, processes=2, retry_after=0.2)
    try:
        await limiter.acquire()
        assert limiter.health()["shared"] is True
        await proxy.cut()
        await limiter.acquire()  # granted at the local share, not through the database
        assert limiter.degraded and limiter.fallback_granted == 1
        assert limiter.health()["share"] == (50 - RATE) / 2 and limiter.health()["error"]
        await proxy.open()  # the database is back (same port)
        while limiter.degraded:  # every retry_after it asks the database again
            await limiter.acquire()
        assert limiter.health()["shared"] is True and limiter.granted >= 2
    finally:
        await limiter.close()
        await proxy.cut()


async def test_a_new_post_goes_before_a_wave_of_waiting_edits(
    postgres_url: str, pg_store: Store
) -> None:
    limiter = SharedRateLimiter(postgres_url, RATE, processes=1)
    order: list[str] = []
    first_edit = asyncio.Event()

    async def take(kind: str, priority: int) -> None:
        await limiter.acquire(priority)
        order.append(kind)
        if kind == "edit 0":
            first_edit.set()

    try:
        await limiter.acquire()  # connected
        # an "official" wave: twelve events' edits waiting at once (a task each)
        edits = [asyncio.create_task(take(f"edit {i}", Priority.EDIT)) for i in range(12)]
        async with asyncio.timeout(5):
            await first_edit.wait()
        # an alert's post comes: it waits for the edit holding the next slot, not for all
        await asyncio.gather(take("post", Priority.POST), *edits)
    finally:
        await limiter.close()
    assert order.index("post") <= 3, order
