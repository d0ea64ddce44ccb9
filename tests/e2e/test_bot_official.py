"""An alert posted while the result is unofficial is edited in place when it becomes official.

What people see: the same message (same id) now says "Official", nothing new in the channel,
and the edit notified nobody (only the message's first appearance pinged the chosen role)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pytest
from discord_emulator import StoredMessage

from medalbot.samples import sample_files
from medalbot.sandbox import Sandbox

pytestmark = pytest.mark.e2e


def bot_messages(sb: Sandbox, channel_name: str) -> list[StoredMessage]:
    channel = sb.emulator.world.find_channel(sb.demo.guild, channel_name)
    return [m for m in sb.emulator.transcript(channel) if m.author.id == sb.emulator.bot_user.id]


def podium_status(embeds: Sequence[Mapping[str, object]]) -> str | None:
    """The "Status" field of the medal embed (the one naming the champion), if any."""
    for embed in embeds:
        fields = embed.get("fields", [])
        assert isinstance(fields, list)
        names = {str(f["name"]): str(f["value"]) for f in fields}
        if "Status" in names and any("LEERDAM" in v for v in names.values()):
            return names["Status"]
    return None


def podium_message(sb: Sandbox) -> StoredMessage | None:
    return next((m for m in bot_messages(sb, "oranje") if podium_status(m.embeds)), None)


async def serve_next(sb: Sandbox) -> None:
    """Serve the next snapshot and wait until the bot has applied it."""
    assert sb.advance_feed()
    await sb.wait_feed_read()


async def test_the_podium_message_is_edited_to_official_without_a_new_message_or_ping() -> None:
    async with Sandbox(sample_files("w1000m")) as sb:
        await sb.start_bot()
        role = sb.demo.alerts_role.id
        await sb.subscribe("oranje", nation="NED", role=role)
        for _ in range(3):  # the first snapshot is served from the start: up to the unofficial one
            await serve_next(sb)
        podium = await sb.emulator.wait_for(lambda: podium_message(sb), timeout=10.0)
        assert podium_status(podium.embeds) == "⏳ Unofficial"
        assert podium.pings.roles == {role}  # the new alert pinged the chosen role
        before = [m.id for m in bot_messages(sb, "oranje")]

        await serve_next(sb)  # the same results, official
        await sb.emulator.wait_for(
            lambda: podium_status(podium.embeds) == "✅ Official", timeout=10.0
        )

        assert [m.id for m in bot_messages(sb, "oranje")] == before  # no new message
        assert [podium_status(v.embeds) for v in podium.history] == ["⏳ Unofficial"]
        assert podium.content == f"<@&{role}>"  # the text is kept as it was
        # who was notified: the role, once, when the message appeared; an edit notifies nobody
        assert podium.pings.roles == {role} and not podium.pings.everyone
