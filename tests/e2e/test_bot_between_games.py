"""Between Games, through the real bot: once the replayed Games is over (every medal event
official, a day past the last), /medals shows the final table labelled so, /schedule says the
Games has ended and when the next start (if the configuration names them), and the feed is
polled hourly instead of at its own interval."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import msgspec
import pytest
from apscheduler.triggers.interval import IntervalTrigger

from medalbot.config import GamesSettings, Settings
from medalbot.samples import sample_files
from medalbot.sandbox import Sandbox
from tests.e2e.test_bot_fans import ask, embed, games_clock, replay

pytestmark = pytest.mark.e2e

FEED_INTERVAL = 0.05  # the sandbox's
# the 1000 m of 9 February 2026, decided and official that evening
DURING = datetime(2026, 2, 9, 18, 0, tzinfo=UTC)
LONG_AFTER = DURING + timedelta(days=30)


class NextGamesSandbox(Sandbox):
    """A sandbox whose configuration names the next Games."""

    def __init__(self, games: GamesSettings, **kw: object) -> None:
        super().__init__(sample_files("w1000m"), **kw)  # type: ignore[arg-type]
        self.games = games

    def settings(self) -> Settings:
        return msgspec.structs.replace(super().settings(), games=self.games)


def polled_every(sb: Sandbox) -> float:
    assert sb.bot is not None
    job = sb.bot.background.scheduler.get_job("poll:replay")
    assert job is not None and isinstance(job.trigger, IntervalTrigger)
    seconds: float = job.trigger.interval.total_seconds()
    assert sb.bot.background.poll_intervals["replay"] == seconds
    return seconds


async def test_after_the_games_medals_is_final_and_the_feed_is_polled_hourly() -> None:
    async with Sandbox(sample_files("w1000m"), clock=games_clock(LONG_AFTER)) as sb:
        await sb.start_bot()
        await replay(sb)  # to the official result

        table = embed(await ask(sb, "/medals"))
        assert table["title"] == "Final medal table · Milano Cortina 2026"
        assert "Netherlands" in table["description"]  # the table itself, not an empty one
        schedule = embed(await ask(sb, "/schedule"))
        assert schedule["title"] == "Medal events to come"
        assert schedule["description"] == (
            "Milano Cortina 2026 has ended: no medal events to come. /medals shows the final table."
        )
        assert polled_every(sb) == 3600.0


async def test_during_the_games_nothing_changes() -> None:
    async with Sandbox(sample_files("w1000m"), clock=games_clock(DURING)) as sb:
        await sb.start_bot()
        await replay(sb)  # official, but the evening of the event itself

        assert embed(await ask(sb, "/medals"))["title"] == "Medal table · Milano Cortina 2026"
        assert "has ended" not in str(embed(await ask(sb, "/schedule")).get("description"))
        assert polled_every(sb) == FEED_INTERVAL


async def test_schedule_says_when_the_next_games_start() -> None:
    la = GamesSettings(name="Los Angeles 2028", start=date(2028, 7, 14))
    async with NextGamesSandbox(la, clock=games_clock(LONG_AFTER)) as sb:
        await sb.start_bot()
        await replay(sb)

        shown = embed(await ask(sb, "/schedule"))["description"]
        start = int(datetime(2028, 7, 14, tzinfo=UTC).timestamp())
        assert shown.split("\n\n") == [
            "Milano Cortina 2026 has ended: no medal events to come."
            " /medals shows the final table.",
            f"The next Games, Los Angeles 2028, start on <t:{start}:D> (<t:{start}:R>).",
        ]
        assert polled_every(sb) == 3600.0  # years away


async def test_polls_are_at_full_speed_again_when_the_next_games_are_near() -> None:
    soon = GamesSettings(name="Los Angeles 2028", start=(LONG_AFTER + timedelta(days=1)).date())
    async with NextGamesSandbox(soon, clock=games_clock(LONG_AFTER)) as sb:
        await sb.start_bot()
        await replay(sb)

        assert polled_every(sb) == FEED_INTERVAL
        assert "Los Angeles 2028" in embed(await ask(sb, "/schedule"))["description"]
