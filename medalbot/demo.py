"""``medalbot demo``: the real bot on SQLite, the Discord emulator and a feed server replaying
the bundled Games day, all on loopback; each channel's messages are shown as they arrive.
The women's 1000 m is real; the day's other events are invented and named "(fictional)", and
the demo says so before it plays.

No token and no network. A moderator subscribes #oranje to the Netherlands (pinging the
"Oranje alerts" role) and #golds to every gold medal, with the same slash command a real
moderator uses; then the feed plays, and at the end a fan asks for the medal table.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

from discord_emulator import StoredMessage
from rich.console import Console, Group
from rich.panel import Panel
from rich.text import Text

from medalbot.samples import load_sample, sample_files
from medalbot.sandbox import Sandbox

log = logging.getLogger(__name__)

SECONDS_PER_SNAPSHOT = 1.5
# Said before anything plays: whoever watches must not take an invented athlete for a real one.
WHAT_IS_REAL = (
    "Only the women's 1000 m speed skating is real: Femke KOK's Olympic record (1:12.59), "
    "Jutta LEERDAM's (1:12.31) and the podium LEERDAM, KOK, TAKAGI. Every other event of this "
    "day is [bold]fictional[/]: invented athletes, results and records, each named "
    '"(fictional)" wherever it appears.'
)


_TIMESTAMP = re.compile(r"<t:(\d+)(?::([tTdDfFR]))?>")
_MARKUP = re.compile(r"\*\*|__|(?<!\\)`")


def as_terminal_text(text: str) -> str:
    """What Discord's client would show: local times instead of <t:…>, no markdown marks."""

    def local(match: re.Match[str]) -> str:
        moment = datetime.fromtimestamp(int(match.group(1))).astimezone()
        return moment.strftime("%d %b %H:%M" if match.group(2) in {"f", "F", "d", "D"} else "%H:%M")

    return _MARKUP.sub("", _TIMESTAMP.sub(local, text))


def _embed_text(embed: dict[str, Any]) -> Group:
    parts: list[Text] = []
    if embed.get("title"):
        parts.append(Text(as_terminal_text(str(embed["title"])), style="bold"))
    if embed.get("description"):
        parts.append(Text(as_terminal_text(str(embed["description"]))))
    for field in embed.get("fields", []):
        value = Text(as_terminal_text(str(field["value"])))
        parts.append(Text(f"{field['name']}: ", style="italic") + value)
    if embed.get("footer"):
        parts.append(Text(str(embed["footer"].get("text", "")), style="dim"))
    return Group(*parts)


def role_names(text: str, roles: dict[int, str]) -> str:
    return re.sub(r"<@&(\d+)>", lambda m: "@" + roles.get(int(m.group(1)), m.group(1)), text)


def render_message(
    channel: str, message: StoredMessage, roles: dict[int, str], *, edited: bool = False
) -> Panel:
    colour = next((e.get("color") for e in message.embeds if e.get("color")), None)
    body: list[Any] = []
    if message.content:
        body.append(Text(role_names(message.content, roles), style="cyan"))
    for embed in message.embeds:
        body.append(_embed_text(embed))
    pings = message.pings
    pinged = (
        " · pinged " + ", ".join("@" + roles.get(r, str(r)) for r in sorted(pings.roles))
        if pings.roles
        else ""
    )
    title = f"#{channel}" + (" (edited)" if edited else "") + pinged
    style = f"#{colour:06x}" if isinstance(colour, int) else "white"
    return Panel(Group(*body), title=title, title_align="left", border_style=style)


class ChannelWatcher:
    """Prints every new message and every edit in the watched channels, as they happen."""

    def __init__(self, sandbox: Sandbox, channels: list[str], console: Console) -> None:
        self.sandbox = sandbox
        self.channels = channels
        self.console = console
        self._seen: dict[int, int] = {}  # message id -> number of versions shown

    def _changes(self) -> list[tuple[str, StoredMessage, bool]]:
        changes = []
        demo = self.sandbox.demo
        for name in self.channels:
            channel = self.sandbox.emulator.world.find_channel(demo.guild, name)
            for message in self.sandbox.emulator.transcript(channel):
                versions = len(message.history) + 1
                shown = self._seen.get(message.id, 0)
                if versions > shown:
                    changes.append((name, message, shown > 0))
                    self._seen[message.id] = versions
        return changes

    def flush(self) -> int:
        changes = self._changes()
        roles = {r.id: r.name for r in self.sandbox.demo.guild.roles.values()}
        for name, message, edited in changes:
            self.console.print(render_message(name, message, roles, edited=edited))
        return len(changes)

    async def run(self) -> None:
        while True:
            await self.sandbox.emulator.wait_for(lambda: self._pending(), timeout=3600)
            self.flush()

    def _pending(self) -> bool:
        demo = self.sandbox.demo
        for name in self.channels:
            channel = self.sandbox.emulator.world.find_channel(demo.guild, name)
            for message in self.sandbox.emulator.transcript(channel):
                if len(message.history) + 1 > self._seen.get(message.id, 0):
                    return True
        return False


async def run_demo(speed: float = 1.0, console: Console | None = None) -> int:
    console = console or Console()
    logging.getLogger("discord").setLevel(logging.ERROR)  # voice support warnings: not ours
    files = sample_files("gamesday")
    with tempfile.TemporaryDirectory(prefix="medalbot-demo-") as tmp:
        db = Path(tmp) / "medalbot.db"
        async with Sandbox(files, store_url=f"sqlite:///{db}", feed_interval=0.25) as sandbox:
            console.rule("[bold]medalbot demo: Milano Cortina 2026, 9 February")
            console.print(WHAT_IS_REAL)
            console.print(
                f"Discord emulator on {sandbox.emulator.api_base}, feed on {sandbox.feed.url}, "
                f"SQLite at {db}"
            )
            await sandbox.start_bot()
            demo = sandbox.demo
            await sandbox.subscribe("oranje", nation="NED", role=demo.alerts_role.id)
            await sandbox.subscribe("golds", medals="gold", records=True)
            console.print(
                "A moderator ran [bold]/alerts subscribe[/] twice: #oranje follows NED "
                "(pinging @Oranje alerts), #golds every gold medal.\n"
            )
            watcher = ChannelWatcher(sandbox, ["oranje", "golds"], console)
            watching = asyncio.create_task(watcher.run())
            try:
                await _play(sandbox, len(files), load_sample("gamesday")[-1].sequence, speed)
            finally:
                watching.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await watching
            watcher.flush()
            await _fan_asks(sandbox, console)
            await sandbox.stop_bot()
    console.rule("[bold]the replay has ended")
    return 0


async def _play(sandbox: Sandbox, count: int, last_sequence: int, speed: float) -> None:
    bot = sandbox.bot
    assert bot is not None
    for _ in range(count - 1):
        await asyncio.sleep(SECONDS_PER_SNAPSHOT / max(speed, 0.01))
        sandbox.advance_feed()
    target = last_sequence  # the last file's own sequence (the Games day's count from 101)
    await sandbox.emulator.wait_for(
        lambda: (state := bot.services.live.current) is not None and state.sequence >= target,
        timeout=30,
        recheck=0.05,  # the bot's state changes without the emulator seeing it
    )
    await bot.sender.wait_idle()
    # retries (if any) are due later than the idle pass: look again until the outbox is empty
    while (await bot.services.store.outbox_stats()).pending:  # noqa: ASYNC110
        await asyncio.sleep(0.1)


async def _fan_asks(sandbox: Sandbox, console: Console) -> None:
    demo = sandbox.demo
    console.rule("a fan asks /medals and /podium")
    for command, options in (("/medals", {}), ("/podium", {"event": "SSKW1000M"})):
        result = await sandbox.emulator.invoke(
            command, options, member=demo.fan, channel=demo.general
        )
        for embed in result.embeds:
            console.print(Panel(_embed_text(embed), title=command, title_align="left"))
