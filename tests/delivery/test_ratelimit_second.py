"""The global bucket never sends more than its rate in any one second, its burst included."""

from __future__ import annotations

from medalbot.delivery.ratelimit import TokenBucket

from .test_ratelimit import FakeTime


async def test_token_bucket_takes_its_burst_out_of_the_seconds_rate() -> None:
    t = FakeTime()
    bucket = TokenBucket(rate=40, burst=10, monotonic=t.monotonic, sleep=t.sleep)
    sent = []
    for _ in range(200):
        await bucket.acquire()
        sent.append(t.now)
    assert sent[:10] == [0.0] * 10  # the burst still goes at once
    # any 41 requests span at least a second: Discord's 50/s keeps 10/s for the bot's others
    spans = [later - earlier for earlier, later in zip(sent, sent[40:], strict=False)]
    assert min(spans) >= 1.0 - 1e-9
    assert sent[-1] <= 200 / 40  # and the rate is kept: 200 requests within 5 s
