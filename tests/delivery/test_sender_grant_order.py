"""The token's global grant is taken when the channel may send, right before the request: a
grant held while the channel's own window is full would go out late, bunched with the grants
that are on time (several processes sharing one budget saw a global 429 that way)."""

from __future__ import annotations

import time

import discord

from medalbot.delivery.ratelimit import Priority
from medalbot.render.alerts import RenderedMessage
from medalbot.store.memory import MemoryStore
from tests.delivery.fixtures import Clock, FakeDiscord, sender

PERIOD = 0.3  # the channel's window: one message per PERIOD
MESSAGE = RenderedMessage(
    content=None,
    embeds=[discord.Embed(title="🥇")],
    allowed_mentions=discord.AllowedMentions.none(),
)


class RecordingBucket:
    """A global limit that grants at once and notes when each grant was taken."""

    def __init__(self) -> None:
        self.granted: list[float] = []

    async def acquire(self, priority: int = Priority.POST) -> None:
        self.granted.append(time.monotonic())


class TimedDiscord(FakeDiscord):
    def __init__(self) -> None:
        super().__init__()
        self.sent: list[float] = []

    async def send(self, channel_id: int, message: RenderedMessage, nonce: str) -> int:
        self.sent.append(time.monotonic())
        return await super().send(channel_id, message, nonce)


async def test_the_global_grant_waits_for_the_channels_own_window() -> None:
    port = TimedDiscord()
    s = sender(MemoryStore(), port, Clock(), channel_rate=1, channel_period=PERIOD)
    bucket = RecordingBucket()
    s._bucket = bucket  # the one seam the sender paces every request through

    await s.post(1, 42, MESSAGE, "nonce-1")
    await s.post(1, 42, MESSAGE, "nonce-2")  # the channel's window is full for PERIOD

    first_sent, second_sent = port.sent
    assert second_sent - first_sent >= PERIOD * 0.99
    # the second grant was taken once the channel could send, not PERIOD before its request
    assert bucket.granted[1] >= first_sent + PERIOD * 0.99
    assert second_sent - bucket.granted[1] < PERIOD
