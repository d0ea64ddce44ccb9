"""New posts go before cosmetic edits in the global bucket."""

from __future__ import annotations

import asyncio

from medalbot.delivery.ratelimit import Priority, TokenBucket


class GatedTime:
    """A monotonic clock that moves when someone sleeps on it; sleepers wait for the gate, so
    the test decides what else queues up while the bucket waits for a token."""

    def __init__(self) -> None:
        self.now = 0.0
        self.gate = asyncio.Event()
        self.sleeping = asyncio.Event()

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeping.set()
        await self.gate.wait()
        self.now += seconds


async def take(bucket: TokenBucket, name: str, priority: Priority, order: list[str]) -> None:
    await bucket.acquire(priority)
    order.append(name)


async def test_a_new_post_overtakes_a_wave_of_edits() -> None:
    t = GatedTime()
    bucket = TokenBucket(rate=10, burst=1, monotonic=t.monotonic, sleep=t.sleep)
    order: list[str] = []
    edits = [
        asyncio.create_task(take(bucket, f"edit {i}", Priority.EDIT, order)) for i in range(20)
    ]
    await asyncio.wait_for(t.sleeping.wait(), 5)  # edit 1 holds the bucket, waiting for a token
    post = asyncio.create_task(take(bucket, "post", Priority.POST, order))
    for _ in range(5):
        await asyncio.sleep(0)  # the post queues up behind the edits
    t.gate.set()
    await asyncio.wait_for(asyncio.gather(post, *edits), 5)
    # the burst token went to edit 0, edit 1 already held the bucket: then the post, then the rest
    assert order[:3] == ["edit 0", "edit 1", "post"]
    assert order[3:] == [f"edit {i}" for i in range(2, 20)]  # edits keep their order


async def test_waiters_of_one_priority_go_in_arrival_order_and_a_cancelled_one_is_skipped() -> None:
    t = GatedTime()
    bucket = TokenBucket(rate=10, burst=1, monotonic=t.monotonic, sleep=t.sleep)
    order: list[str] = []
    posts = [asyncio.create_task(take(bucket, f"post {i}", Priority.POST, order)) for i in range(6)]
    await asyncio.wait_for(t.sleeping.wait(), 5)
    await asyncio.sleep(0)
    posts[3].cancel()  # gave up waiting (e.g. the sender shut down)
    t.gate.set()
    await asyncio.wait_for(asyncio.gather(*posts, return_exceptions=True), 5)
    assert order == ["post 0", "post 1", "post 2", "post 4", "post 5"]
    assert abs(t.now - 0.4) < 1e-9  # one token a tenth of a second for the four after the burst
