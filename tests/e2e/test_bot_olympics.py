"""The real bot following olympics.com: the site's API on loopback (the real first day of
Milano Cortina 2026, then a later body derived from it), a channel subscribed to Italy, the
bot protection's 403 page mid-way, and the recovery. Read as a fan and an operator would: the
channel's messages and ``/healthz``."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import aiohttp
import msgspec
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from medalbot.config import Settings
from medalbot.feeds.olympics.options import OlympicsFeedSettings
from medalbot.ops.settings import OpsSettings
from medalbot.samples import sample_files
from medalbot.sandbox import Sandbox
from tests.e2e.test_bot_alerts import embeds_seen
from tests.e2e.test_bot_faults import settled
from tests.feeds.olympics_days import FIRST_DAY_2026
from tests.feeds.olympics_site import Site, later_body

pytestmark = pytest.mark.e2e


@pytest.fixture
async def site() -> AsyncIterator[tuple[Site, str]]:
    state = Site(medals=FIRST_DAY_2026.read_bytes(), medallists=b"")
    app = web.Application()
    app.router.add_get("/wmr-owg2026/competition/api/ENG/{endpoint}", state.handle)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    yield state, str(server.make_url("/wmr-owg2026/"))
    await server.close()


def following(root: str) -> Callable[[Settings], Settings]:
    feed = OlympicsFeedSettings(
        name="milano",
        url=root,
        format="olympics",
        games_code="OWG2026",
        games_name="Milano Cortina 2026",
        interval=0.05,
        jitter=0.0,
        misfire_grace_time=5,
        backoff_base=0.05,
        backoff_cap=0.2,
    )

    def configure(settings: Settings) -> Settings:
        return msgspec.structs.replace(settings, feeds=[feed], ops=OpsSettings(port=0))

    return configure


def texts(sb: Sandbox, channel: str) -> list[str]:
    return [f"{e.get('title', '')}\n{e.get('description', '')}" for e in embeds_seen(sb, channel)]


async def test_the_bot_follows_olympics_com_through_a_refusal(site: tuple[Site, str]) -> None:
    server, root = site
    async with Sandbox(sample_files("w1000m"), configure=following(root)) as sb:
        bot = await sb.start_bot()
        assert bot.ops is not None
        await bot.ops.start()
        health_url = f"{bot.ops.server.url}/healthz"
        # The first day is read before anyone subscribes: those medals are the past.
        await sb.emulator.wait_for(lambda: bot.services.live.current, timeout=10, recheck=0.02)
        await sb.subscribe("general", nation="ITA")

        server.refuse = True
        last_error = await sb.emulator.wait_for(
            lambda: bot.ops.metrics.last_error("milano") if bot.ops else None,
            timeout=10,
            recheck=0.02,
        )
        assert last_error.startswith("refused by the site's bot protection")
        async with aiohttp.ClientSession() as http, http.get(health_url) as response:
            health = await response.json()
        (feed,) = health["feeds"]
        assert feed["name"] == "milano"
        assert feed["last_error"].startswith("refused by the site's bot protection")
        assert "Access Denied" in feed["last_error"]
        await settled(bot)
        assert texts(sb, "general") == []  # the refusal announced nothing

        server.medals, server.refuse = later_body(), False
        seen = await sb.emulator.wait_for(
            lambda: t if (t := texts(sb, "general")) else None, timeout=10, recheck=0.02
        )
        # a few more polls of the same body (304s), then nothing new in the channel
        answered = len(server.requests)
        await sb.emulator.wait_for(
            lambda: [s for _, _, s in server.requests[answered:] if s == 304][2:],
            timeout=10,
            recheck=0.02,
        )
        await settled(bot)
        seen = texts(sb, "general")
        assert len(seen) == 1 and "Sofia GOGGIA" in seen[0], seen
        assert "Women's Downhill" in seen[0]
        assert not any(name in "".join(seen) for name in ("FRANZONI", "LOLLOBRIGIDA"))
        async with aiohttp.ClientSession() as http, http.get(health_url) as response:
            (feed,) = (await response.json())["feeds"]
        assert feed["last_error"] is None and feed["last_success_at"] is not None


async def test_records_are_plainly_not_carried_by_this_feed(site: tuple[Site, str]) -> None:
    _, root = site
    async with Sandbox(sample_files("w1000m"), configure=following(root)) as sb:
        bot = await sb.start_bot()
        await sb.emulator.wait_for(lambda: bot.services.live.current, timeout=10, recheck=0.02)
        demo = sb.demo
        records = await sb.emulator.invoke("/records", {}, member=demo.fan, channel=demo.general)
        assert records.ephemeral and not records.embeds
        assert records.content == (
            "The results feed this bot follows does not carry records, so there are none to "
            "show: records set at these Games will not appear here."
        )
        await sb.emulator.invoke(
            "/alerts language", {"language": "it"}, member=demo.moderator, channel=demo.general
        )
        subscribed = await sb.emulator.invoke(
            "/alerts subscribe",
            {"channel": demo.oranje.id, "nation": "ITA", "records": True},
            member=demo.moderator,
            channel=demo.general,
        )
        assert subscribed.ephemeral and subscribed.content is not None
        assert "non riporta i record" in subscribed.content  # in the server's language
        medals_only = await sb.emulator.invoke(
            "/alerts subscribe",
            {"channel": demo.golds.id, "nation": "ITA", "records": False},
            member=demo.moderator,
            channel=demo.general,
        )
        assert medals_only.content is not None and "non riporta" not in medals_only.content
