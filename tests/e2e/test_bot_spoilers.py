"""A spoiler-safe channel, through the real bot and the emulator: what the channel shows says
only that a medal or record happened in an event (content, title, description, fields), the
rest is behind spoiler tags, the role still pings, and the "official" edit keeps it so."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pytest
from discord_emulator import StoredMessage

from medalbot.samples import sample_files
from medalbot.sandbox import Sandbox
from tests.e2e.test_bot_moderation import alerts
from tests.e2e.test_bot_official import bot_messages, serve_next
from tests.render.spoilers import spoiled

pytestmark = pytest.mark.e2e

# who and what the women's 1000 m podium and its records name
SECRETS = {
    "LEERDAM",
    "KOK",
    "TAKAGI",
    "Netherlands",
    "Japan",
    "🇳🇱",
    "🇯🇵",
    "(NED)",
    "(JPN)",
    "1:12.",
    "1:13.",
}
HEADLINE = "🥇 Medal decided: Speed Skating · Women's 1000m"


def texts(content: str | None, embeds: Sequence[Mapping[str, object]]) -> list[str]:
    """Everything the message shows as text, as the channel's readers get it."""
    shown = [content or ""]
    for e in embeds:
        footer = e.get("footer")
        shown += [str(e.get("title", "")), str(e.get("description", ""))]
        shown += [str(footer.get("text", "")) if isinstance(footer, Mapping) else ""]
        fields = e.get("fields", [])
        assert isinstance(fields, list)
        shown += [f"{f['name']}\n{f['value']}" for f in fields]
    return shown


def status(embeds: Sequence[Mapping[str, object]]) -> str | None:
    for e in embeds:
        fields = e.get("fields", [])
        assert isinstance(fields, list)
        for f in fields:
            if f["name"] == "Status" and e.get("title") == HEADLINE:
                return str(f["value"])
    return None


def medal_message(sb: Sandbox) -> StoredMessage | None:
    return next((m for m in bot_messages(sb, "oranje") if status(m.embeds)), None)


async def test_a_spoiler_safe_channel_sees_no_name_before_or_after_the_official_edit() -> None:
    async with Sandbox(sample_files("w1000m")) as sb:
        await sb.start_bot()
        role = sb.demo.alerts_role.id
        await sb.subscribe("oranje", nation="NED", role=role, spoilers=True)
        for _ in range(3):  # up to the unofficial podium (records on the way)
            await serve_next(sb)
        podium = await sb.emulator.wait_for(lambda: medal_message(sb), timeout=10.0)

        assert status(podium.embeds) == "⏳ Unofficial"
        assert podium.content == f"<@&{role}>\n{HEADLINE}"
        assert podium.pings.roles == {role}  # a mention still pings
        every = bot_messages(sb, "oranje")
        assert len(every) >= 2  # records too
        for message in every:
            assert spoiled(texts(message.content, message.embeds), SECRETS) == [], message.id
        # the names are there for whoever clicks
        assert "LEERDAM" in "".join(texts(podium.content, podium.embeds))

        await serve_next(sb)  # the same results, official
        await sb.emulator.wait_for(lambda: status(podium.embeds) == "✅ Official", timeout=10.0)

        assert spoiled(texts(podium.content, podium.embeds), SECRETS) == []
        assert [e.get("title") for e in podium.embeds] == [
            e.get("title") for e in podium.history[0].embeds
        ]
        assert podium.content == f"<@&{role}>\n{HEADLINE}"


async def test_alerts_spoilers_turns_it_on_for_an_existing_subscription() -> None:
    async with Sandbox(sample_files("w1000m")) as sb:
        bot = await sb.start_bot()
        await sb.subscribe("oranje", nation="NED")
        [sub] = await bot.services.subscriptions.list(sb.demo.guild.id)

        reply = await alerts(sb, "spoilers", {"subscription": sub.id, "setting": "on"})

        assert reply.ephemeral
        assert (reply.content or "").startswith("Spoiler-safe alerts on for")
        listed = await alerts(sb, "list")
        assert "spoiler-safe" in "".join(str(e.get("description", "")) for e in listed.embeds)
        for _ in range(3):
            await serve_next(sb)
        podium = await sb.emulator.wait_for(lambda: medal_message(sb), timeout=10.0)
        assert podium.content == HEADLINE  # no role: the headline alone
        assert spoiled(texts(podium.content, podium.embeds), SECRETS) == []

        off = await alerts(sb, "spoilers", {"subscription": sub.id, "setting": "off"})
        assert (off.content or "").startswith("Spoiler-safe alerts off for")
        [again] = await bot.services.subscriptions.list(sb.demo.guild.id)
        assert not again.spoiler_safe
