"""What fans see of an olympics.com feed: the Paralympic classes in event names, and podiums
without marks (the API has none), never an empty mark or a dangling separator."""

from __future__ import annotations

import re

from medalbot.domain.alerts import MedalAlert
from medalbot.domain.models import GamesInfo
from medalbot.domain.queries import podium
from medalbot.domain.state import GamesState
from medalbot.feeds.olympics.adapter import OlympicsAdapter
from medalbot.render.alerts import render_alert
from medalbot.render.replies import podium_embed
from medalbot.services.live import LiveState
from medalbot.services.polling import PollService
from medalbot.store.memory import MemoryStore
from tests.feeds.olympics_days import FIRST_DAY_2026, PARALYMPICS_2026

PARA = GamesInfo(code="PWG2026", name="Milano Cortina 2026 Paralympic Games")


async def applied(body: bytes, games: GamesInfo) -> tuple[GamesState, list[MedalAlert]]:
    live = LiveState(carries_records=False)
    snapshot = OlympicsAdapter(games)(body)
    assert snapshot is not None
    report = await PollService(MemoryStore(), live).apply(snapshot, feed="test")
    state = live.get(games.code)
    assert state is not None
    return state, [a for a in report.alerts if isinstance(a, MedalAlert)]


def embed_text(embed: object) -> str:
    data = embed.to_dict()  # type: ignore[attr-defined]
    parts = [data.get("title", ""), data.get("description", "")]
    parts += [f"{f['name']}\n{f['value']}" for f in data.get("fields", [])]
    return "\n".join(parts)


async def test_paralympic_alerts_name_the_classes() -> None:
    state, alerts = await applied(PARALYMPICS_2026.read_bytes(), PARA)
    by_event = {a.event: a for a in alerts}
    sitting = render_alert(by_event["ALPMDH------12050"], locale="en")
    assert "Men's Downhill Sitting (LW11, LW12-1, LW12-2)" in embed_text(sitting)
    assert "Jesper PEDERSEN" in embed_text(sitting)
    # the podium a fan asks for names the classes too, in every language
    result = podium(state.snapshot, "ALPWDH------09110")
    assert result is not None
    for locale in ("en", "it", "ja"):
        shown = embed_text(podium_embed(result, locale=locale))
        assert "Women's Downhill Standing (LW4, LW6/8-2)" in shown, locale


async def test_podiums_and_alerts_from_this_api_show_no_marks() -> None:
    state, alerts = await applied(FIRST_DAY_2026.read_bytes(), GamesInfo("OWG2026", "MC 2026"))
    assert len(alerts) == 3
    for alert in alerts:
        text = embed_text(render_alert(alert, locale="en"))
        lines = [
            line
            for line in text.splitlines()
            if line.startswith(("🥇", "🥈", "🥉")) and re.search(r"\([A-Z]{3}\)", line)
        ]  # the podium's lines (the headline says "wins gold for")
        assert len(lines) == 3, text
        # "🥇 🇨🇭 Franjo von ALLMEN (SUI)" and nothing after: no " · " with an empty mark
        assert all(re.search(r"\([A-Z]{3}\)\**$", line) for line in lines), lines
    result = podium(state.snapshot, "ALPMDH")
    assert result is not None
    shown = embed_text(podium_embed(result, locale="en"))
    places = [line for line in shown.splitlines() if line.startswith(("🥇", "🥈", "🥉"))]
    assert len(places) == 3
    assert all(" — " not in line and line.rstrip() == line for line in places), places
    assert "Franjo von ALLMEN" in places[0]
