"""The owner of background work stops what runs: a poll under way at shutdown ends there."""

from __future__ import annotations

import asyncio
import logging
from typing import cast

import pytest

from medalbot.background import Background
from medalbot.config import DeliverySettings
from medalbot.delivery.sender import OutboxSender
from medalbot.feeds.settings import FeedSettings
from medalbot.feeds.sources import FeedSource
from medalbot.services.bundle import Feed
from medalbot.services.live import LiveState
from medalbot.services.polling import PollReport, PollService
from medalbot.store.memory import MemoryStore


class HangingPolling:
    """A poll that never finishes by itself (a slow feed, a held commit)."""

    def __init__(self) -> None:
        self.live = LiveState()
        self.started = asyncio.Event()
        self.ended = asyncio.Event()

    async def poll(self, source: FeedSource) -> PollReport:
        self.started.set()
        try:
            await asyncio.Event().wait()
        finally:
            self.ended.set()
        raise AssertionError("unreachable")


class IdleSender:
    async def run(self) -> None:
        await asyncio.Event().wait()

    def wake(self) -> None:
        pass


async def test_a_shutdown_mid_poll_ends_the_poll_and_logs_no_failed_job(
    caplog: pytest.LogCaptureFixture,
) -> None:
    polling = HangingPolling()
    feed = Feed(
        settings=FeedSettings(name="main", url="http://127.0.0.1:9/feed.json"),
        source=cast(FeedSource, object()),
    )
    background = Background(DeliverySettings(), MemoryStore(), [feed])
    await background.start(
        sender=cast(OutboxSender, IdleSender()), polling=cast(PollService, polling)
    )
    await asyncio.wait_for(polling.started.wait(), 30)  # only stops a hung test

    with caplog.at_level(logging.INFO):
        await background.stop()

    assert polling.ended.is_set()  # stopped by stop(), not left to the event loop's teardown
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert "feed main: poll stopped by the shutdown" in caplog.text
