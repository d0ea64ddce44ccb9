from __future__ import annotations

from medalbot.delivery.ratelimit import TokenBucket, WindowPacer


class FakeTime:
    """A monotonic clock that only moves when someone sleeps on it."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


async def test_token_bucket_allows_a_burst_then_paces_at_the_rate() -> None:
    t = FakeTime()
    bucket = TokenBucket(rate=40, burst=10, monotonic=t.monotonic, sleep=t.sleep)
    for _ in range(10):
        await bucket.acquire()
    assert t.now == 0.0  # the burst goes at once
    for _ in range(40):
        await bucket.acquire()
    assert abs(t.now - 1.0) < 1e-9  # then 40 more take exactly one second at 40/s


async def test_window_pacer_holds_the_sixth_message_for_the_rest_of_the_window() -> None:
    t = FakeTime()
    pacer = WindowPacer(limit=5, period=5.0, monotonic=t.monotonic, sleep=t.sleep)
    for _ in range(5):
        await pacer.acquire(1)
    await pacer.acquire(2)  # another channel is not held back
    assert t.now == 0.0
    await pacer.acquire(1)
    assert t.now == 5.0


async def test_window_pacer_penalty_after_a_429() -> None:
    t = FakeTime()
    pacer = WindowPacer(limit=5, period=5.0, monotonic=t.monotonic, sleep=t.sleep)
    pacer.penalise(7, retry_after=2.5)
    assert abs(pacer.delay(7) - 2.5) < 1e-9
    await pacer.acquire(7)
    assert abs(t.now - 2.5) < 1e-9
