"""Discord snowflake ids: a millisecond timestamp since the Discord epoch in the top 42 bits."""

from __future__ import annotations

from .clock import Clock

DISCORD_EPOCH_MS = 1_420_070_400_000


def snowflake_time_ms(snowflake: int) -> int:
    """Unix time in milliseconds encoded in a snowflake."""
    return (snowflake >> 22) + DISCORD_EPOCH_MS


class SnowflakeGenerator:
    """Makes unique, increasing snowflakes from a clock.

    Each id gets a strictly later millisecond than the previous one (drifting at most a few ms
    ahead of the clock in a burst). That keeps ids unique and spreads guilds made in one burst
    over shards, because a guild's shard is `(guild_id >> 22) % shard_count`.
    """

    def __init__(self, clock: Clock, worker_id: int = 1) -> None:
        self._clock = clock
        self._worker = worker_id & 0x1F
        self._last_ms = 0
        self._increment = 0

    def next(self) -> int:
        now_ms = int(self._clock.time() * 1000) - DISCORD_EPOCH_MS
        self._last_ms = max(now_ms, self._last_ms + 1)
        self._increment = (self._increment + 1) & 0xFFF
        return (self._last_ms << 22) | (self._worker << 17) | self._increment
