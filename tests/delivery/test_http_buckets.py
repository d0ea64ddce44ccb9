"""discord.py's rate-limit bucket cleanup, made linear for fan-outs to many channels."""

from __future__ import annotations

import asyncio

import discord.http
import pytest

from medalbot.delivery.http_buckets import FLOOR, linear_bucket_cleanup


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts how often discord.py asks a bucket whether it is inactive."""
    counted = [0]
    original = discord.http.Ratelimit.is_inactive

    def counting(self: discord.http.Ratelimit) -> bool:
        counted[0] += 1
        return original(self)

    monkeypatch.setattr(discord.http.Ratelimit, "is_inactive", counting)
    return counted


def one_bucket_per_channel(http: discord.http.HTTPClient, channels: int) -> None:
    """What a fan-out does: the first message to each channel creates that channel's bucket."""
    for channel_id in range(channels):
        http.get_ratelimit(f"POST /channels/{{channel_id}}/messages:{channel_id}")


async def test_a_fan_out_checks_each_bucket_a_few_times_not_once_per_new_channel(
    checks: list[int],
) -> None:
    channels = 1_000
    plain = discord.http.HTTPClient(asyncio.get_running_loop())
    one_bucket_per_channel(plain, channels)
    quadratic = checks[0]
    assert quadratic > (channels - FLOOR) ** 2 // 2  # discord.py alone: every bucket, each time

    checks[0] = 0
    http = discord.http.HTTPClient(asyncio.get_running_loop())
    cleanup = linear_bucket_cleanup(http)
    assert cleanup is not None
    one_bucket_per_channel(http, channels)
    assert checks[0] < 4 * channels
    assert cleanup.scans == 2  # at 256 and 512 buckets; the next is due at 1,024
    assert len(http._buckets) == channels  # none was inactive, none was dropped


async def test_inactive_buckets_are_still_dropped() -> None:
    loop = asyncio.get_running_loop()
    http = discord.http.HTTPClient(loop)
    cleanup = linear_bucket_cleanup(http)
    assert cleanup is not None
    one_bucket_per_channel(http, FLOOR - 1)
    for bucket in http._buckets.values():
        bucket._last_request = loop.time() - 301  # five minutes without a request
    http.get_ratelimit("GET /gateway/bot")  # the 256th bucket: time to look
    assert list(http._buckets) == ["GET /gateway/bot"]
    assert cleanup.threshold == FLOOR


async def test_a_discord_py_without_the_scan_is_left_alone(
    caplog: pytest.LogCaptureFixture,
) -> None:
    class Renamed:
        def __init__(self) -> None:
            self._buckets: dict[str, object] = {}

    # on purpose: a discord.py whose HTTPClient no longer looks as we expect
    assert linear_bucket_cleanup(Renamed()) is None  # type: ignore[arg-type]
    assert "cleaned up its own way" in caplog.text
