"""Security, end to end: the real bot (discord.py) on the emulator, as an attacker would try it.

* Every moderator command, as the bot syncs it (a new one is covered without editing this file),
  invoked directly by a member without Manage Server: refused, nothing changed, nothing posted.
* A moderator of one server naming another server's channel or role: refused, nothing stored,
  nothing posted there. (Discord itself refuses such options; the bot must not depend on it.)
* Mentions smuggled in through the feed's names and through every text option of every command:
  nobody is pinged (the emulator resolves who a message really pings) but the role a moderator
  chose for alerts.
* SQL metacharacters in every text option of every command (and its autocomplete), on the
  SQLite store: a clear reply or a normal answer, never an apology, and the store intact.
* The bot token in no log line, stderr or exception, in a run with a refused login (401), a
  failing HTTP call, a crashed command and a gateway refusing the token.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
import sqlite3
import traceback
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import discord
import pytest
from discord_emulator import (
    Channel,
    Emulator,
    EmulatorConfig,
    InteractionResult,
    InteractionTimeout,
    Member,
    Role,
    StoredMessage,
)
from discord_emulator.client_patch import patch_targets
from discord_emulator.command_options import (
    BOOLEAN,
    CHANNEL,
    INTEGER,
    ROLE,
    STRING,
)
from discord_emulator.commands import SUB_COMMAND, SUB_COMMAND_GROUP
from discord_emulator.permissions import Permission

import medalbot.app as medalbot_app
import medalbot.logs as medalbot_logs
from medalbot.app import _main
from medalbot.client import MedalBot
from medalbot.cogs.errors import MODERATORS_ONLY, OUR_FAULT
from medalbot.demo_world import build_demo_world
from medalbot.domain.subscriptions import Subscription
from medalbot.feeds.server import ReplayFeedServer
from medalbot.samples import sample_files
from medalbot.sandbox import Sandbox
from medalbot.services.queries import QueryService
from tests.e2e.test_bot_alerts import replay_all
from tests.e2e.test_bot_faults import settled
from tests.e2e.test_bot_run import TOKEN, run_config

pytestmark = pytest.mark.e2e

MESSAGE_CREATE = "POST /channels/{channel_id}/messages"

# Shaped like a real token (base64 user id . timestamp . HMAC), so every piece can be looked for.
SQL = (
    "'; DROP TABLE subscriptions; --",
    '" OR 1=1 --',
    "' OR ''='",
    "%",
    "_",
    "\\",
    "Robert'); DROP TABLE alerts; --",
    "‘quoted’ “double” ＇full-width＇",
    "nul\x00byte",
)
# A valid value for every text option the bot has; an option missing here fails the tests
# (so that a new option is thought about, not skipped).
VALID_TEXT = {
    "nation": "NED",
    "nations": "NED, NOR",
    "sport": "Speed Skating",
    "event": "SSKW1000M",
    "name": "Jutta LEERDAM|NED",
    "timezone": "Europe/Amsterdam",
    "time": "08:00",
    "start": "22:00",
    "end": "07:00",
}


@dataclass(frozen=True)
class Leaf:
    """A command as a user types it: '/alerts quiet' and its options' definitions."""

    command: str
    options: tuple[Mapping[str, Any], ...]
    moderators_only: bool

    def text_options(self) -> list[Mapping[str, Any]]:
        """Options a user types text into (choices are picked from a list)."""
        return [o for o in self.options if o["type"] == STRING and not o.get("choices")]


def synced_leaves(sb: Sandbox) -> list[Leaf]:
    leaves = []

    def walk(path: str, options: Sequence[Mapping[str, Any]], moderators_only: bool) -> None:
        groups = [o for o in options if o["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP)]
        if not groups:
            leaves.append(Leaf(path, tuple(options), moderators_only))
        for group in groups:
            walk(f"{path} {group['name']}", list(group.get("options") or []), moderators_only)

    for command in sb.emulator.synced_commands():
        walk(f"/{command.name}", command.options, command.default_member_permissions is not None)
    return leaves


@dataclass
class World:
    sb: Sandbox
    bot: MedalBot
    sub: Subscription  # #oranje, NED, pinging the alerts role


async def subscribed_world(sb: Sandbox) -> World:
    """The bot after the whole race, #oranje subscribed to NED with the (mentionable) alerts
    role; every other role is mentionable too and the bot may mention @everyone, so that any
    mention that slipped through would really ping."""
    demo, emulator = sb.demo, sb.emulator
    bot_role = next(r for r in demo.guild.roles.values() if r.bot_id is not None)
    emulator.set_role_permissions(bot_role, bot_role.permissions | Permission.MENTION_EVERYONE)
    emulator.set_role_permissions(
        demo.moderator_role, demo.moderator_role.permissions, mentionable=True
    )
    bot = await sb.start_bot()
    await sb.subscribe("oranje", nation="NED", role=demo.alerts_role.id)
    await replay_all(sb)
    await settled(bot)
    # The result turned official: the bot edits the podium's message in a task of its own,
    # after the outbox drained. The tests compare the world before and after a command, so
    # wait until #oranje shows it official (under load the edit came in between).
    await emulator.wait_for(lambda: shows_official(sb, demo.oranje), timeout=30)
    (sub,) = await bot.services.store.list_subscriptions()
    return World(sb, bot, sub)


def shows_official(sb: Sandbox, channel: Channel) -> bool:
    """Whether the channel shows an alert with the status "Official"."""
    return any(
        field["name"] == "Status" and field["value"] == "✅ Official"
        for message in sb.emulator.transcript(channel)
        if message.author.id == sb.emulator.bot_user.id
        for embed in message.embeds
        for field in embed.get("fields", [])
    )


def valid_options(world: World, leaf: Leaf, **override: object) -> dict[str, object]:
    """Every option of the command with a value it accepts, except those overridden."""
    demo = world.sb.demo
    values: dict[str, object] = {}
    for option in leaf.options:
        name, kind = option["name"], option["type"]
        if name in override:
            values[name] = override[name]
        elif option.get("choices"):
            values[name] = option["choices"][0]["value"]
        elif kind == STRING:
            assert name in VALID_TEXT, f"{leaf.command} {name}: add a valid value to VALID_TEXT"
            values[name] = VALID_TEXT[name]
        elif kind == INTEGER:  # the only whole-number options name a subscription
            values[name] = world.sub.id
        elif kind == BOOLEAN:
            values[name] = True
        elif kind == CHANNEL:
            values[name] = demo.oranje
        elif kind == ROLE:
            values[name] = demo.alerts_role
        else:
            raise AssertionError(f"{leaf.command} {name}: option type {kind} is not covered")
    return values


def answered(result: InteractionResult) -> bool:
    """The final answer is in (a deferred response completed or followed up)."""
    if not result.responded:
        return False
    if not result.deferred:
        return True
    return bool(result.followups) or (result.original is not None and not result.original.loading)


def text_of(result: InteractionResult) -> str:
    parts = []
    for message in result.messages:
        parts.append(message.content)
        for embed in message.embeds:
            parts.append(json.dumps(embed, ensure_ascii=False))
    return "\n".join(parts)


async def invoke(
    world: World, leaf: Leaf, options: Mapping[str, object], member: Member, **kwargs: Any
) -> InteractionResult:
    return await world.sb.emulator.invoke(
        leaf.command,
        options,
        member=member,
        channel=world.sb.demo.general,
        until=answered,
        **kwargs,
    )


async def the_state(world: World) -> tuple[object, ...]:
    """What a command could change: subscriptions, the server's settings, the alert log, and
    every message anyone can see."""
    store, demo = world.bot.services.store, world.sb.demo
    return (
        await store.list_subscriptions(),
        await store.get_guild_settings(demo.guild.id),
        [a.id for a in await store.list_alerts("OWG2026")],
        [
            (m.id, m.version)
            for c in demo.guild.channels.values()
            for m in world.sb.emulator.transcript(c)
        ],
    )


async def test_every_moderator_command_refuses_a_member_without_manage_server() -> None:
    async with Sandbox(sample_files("w1000m")) as sb:
        world = await subscribed_world(sb)
        demo = sb.demo
        leaves = [leaf for leaf in synced_leaves(sb) if leaf.moderators_only]
        assert len(leaves) >= 9  # /alerts subscribe ... digest
        for leaf in leaves:
            options = valid_options(world, leaf)
            before = await the_state(world)
            refused = await invoke(world, leaf, options, demo.fan, ignore_default_permissions=True)
            assert refused.ephemeral and refused.content == MODERATORS_ONLY, (leaf, refused)
            assert await the_state(world) == before, leaf.command
            # the very same, from a moderator, is not refused: the check is what stopped it
            allowed = await invoke(world, leaf, options, demo.moderator)
            assert MODERATORS_ONLY not in text_of(allowed), leaf.command


async def test_a_moderator_cannot_name_another_servers_channel_or_role() -> None:
    async with Sandbox(sample_files("w1000m")) as sb:
        world = await subscribed_world(sb)
        demo, emulator = sb.demo, sb.emulator
        other = emulator.world.add_guild("Rival Fans")
        their_channel = emulator.world.add_channel(other, "private")
        their_role = emulator.world.add_role(other, "their members", mentionable=True)
        await emulator.wait_for(lambda: world.bot.get_guild(other.id) is not None, timeout=5)
        by_type = {CHANNEL: their_channel, ROLE: their_role}
        crafted = [
            (leaf, option["name"], by_type[option["type"]])
            for leaf in synced_leaves(sb)
            if leaf.moderators_only
            for option in leaf.options
            if option["type"] in by_type
        ]
        # /alerts subscribe channel and role, /alerts test channel, /alerts logchannel channel
        assert len(crafted) >= 4, crafted
        for leaf, name, foreign in crafted:
            before = await the_state(world)
            refused = await invoke(
                world,
                leaf,
                valid_options(world, leaf, **{name: foreign}),
                demo.moderator,
                cross_guild_options=True,
            )
            text = text_of(refused)
            assert refused.ephemeral and OUR_FAULT not in text, (leaf.command, name, text)
            assert "this server" in text, (leaf.command, name, text)
            assert await the_state(world) == before, (leaf.command, name)
            assert emulator.transcript(their_channel) == [], (leaf.command, name)
        assert await world.bot.services.store.list_subscriptions(other.id) == []


def everything_seen(sb: Sandbox) -> list[StoredMessage]:
    """Every message in the demo server, ephemeral ones included, edits and all."""
    demo, seen = sb.demo, {}
    for channel in demo.guild.channels.values():
        for viewer in (None, demo.fan, demo.moderator):
            for message in sb.emulator.transcript(channel, viewer=viewer):
                seen[message.id] = message
    return list(seen.values())


def pings_beyond(sb: Sandbox, alert_role: Role, alert_channel: Channel) -> list[str]:
    """Who was (or, for ephemeral replies and edits, would have been) pinged, other than the
    alert role in the alerts of the channel a moderator chose it for."""
    found = []
    for message in everything_seen(sb):
        allowed = (
            {alert_role.id}
            if message.channel_id == alert_channel.id and message.interaction_id is None
            else set()
        )
        for pings in (message.pings, *(v.mentions for v in (*message.history, message.version))):
            if pings.everyone or pings.users or pings.roles - allowed:
                found.append(f"{message.describe()!r} pinged {pings}")
    return found


def mentions(sb: Sandbox) -> list[str]:
    demo = sb.demo
    return [
        "@everyone",
        "@here",
        f"<@&{demo.moderator_role.id}>",
        f"<@{demo.fan.id}>",
        f"<@!{demo.moderator.id}>",
    ]


def hostile_feed(folder: Path, sb: Sandbox) -> list[Path]:
    """The race with mentions in the athletes' and the event's names."""
    demo = sb.demo
    renamed = {
        "Femke KOK": "Femke @everyone KOK",
        "Jutta LEERDAM": f"Jutta <@&{demo.moderator_role.id}> @here LEERDAM",
        "Miho TAKAGI": f"Miho <@{demo.fan.id}> TAKAGI",
        "Women's 1000m": f"Women's 1000m <@!{demo.moderator.id}> @everyone",
    }
    files = []
    for path in sample_files("w1000m"):
        text = path.read_text(encoding="utf-8")
        for old, new in renamed.items():
            text = text.replace(json.dumps(old)[1:-1], json.dumps(new)[1:-1])
        files.append(folder / path.name)
        files[-1].write_text(text, encoding="utf-8")
    return files


async def test_mentions_in_the_feeds_names_ping_nobody(tmp_path: Path) -> None:
    async with Sandbox(sample_files("w1000m")) as sb:
        await sb.feed.close()  # the demo server's ids are known now: serve the hostile race
        sb.feed = ReplayFeedServer(hostile_feed(tmp_path, sb))
        await sb.feed.start()
        await subscribed_world(sb)
        demo = sb.demo
        await sb.subscribe("golds")  # every alert, no role
        seen = [e.get("title", "") for m in sb.emulator.transcript(demo.oranje) for e in m.embeds]
        assert len(seen) == 3 and "everyone KOK" in seen[0], seen  # the names got through
        (leerdam,) = await sb.emulator.autocomplete(
            "/athlete", "name", "LEERDAM", member=demo.fan, channel=demo.general
        )
        for command, options in (
            ("/medals", {}),
            ("/podium", {"event": "SSKW1000M"}),
            ("/records", {}),
            ("/schedule", {}),
            ("/athlete", {"name": leerdam["value"]}),
        ):
            reply = await sb.emulator.invoke(
                command, options, member=demo.fan, channel=demo.general, until=answered
            )
            assert OUR_FAULT not in text_of(reply), command
        alert = next(m for m in sb.emulator.transcript(demo.oranje))
        assert alert.pings.roles == {demo.alerts_role.id}  # the chosen role, and it alone
        assert pings_beyond(sb, demo.alerts_role, demo.oranje) == []


async def test_every_text_option_takes_sql_and_mentions_as_plain_text(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = f"sqlite:///{tmp_path / 'medalbot.db'}"
    async with Sandbox(sample_files("w1000m"), store_url=store) as sb:
        world = await subscribed_world(sb)
        demo, emulator = sb.demo, sb.emulator
        leaves = synced_leaves(sb)
        typed = [(leaf, option) for leaf in leaves for option in leaf.text_options()]
        # every command's text options: /medals nation, /podium event, /alerts quiet start, ...
        assert len(typed) >= 13 and {leaf.command for leaf, _ in typed} >= {
            "/medals",
            "/podium",
            "/records",
            "/schedule",
            "/athlete",
            "/alerts subscribe",
            "/alerts quiet",
            "/alerts digest",
        }
        caplog.set_level(logging.WARNING)
        hostile = [*SQL, *mentions(sb)]
        for leaf, option in typed:
            member = demo.moderator if leaf.moderators_only else demo.fan
            name = option["name"]
            for value in hostile:
                where = (leaf.command, name, value)
                if option.get("autocomplete"):
                    offered = await emulator.autocomplete(
                        leaf.command,
                        name,
                        value,
                        valid_options(world, leaf),
                        member=member,
                        channel=demo.general,
                    )
                    assert isinstance(offered, list), where
                # the race's nations are read only when the race is asked for
                race = {"view": "race"} if name == "nations" else {}
                reply = await invoke(
                    world, leaf, valid_options(world, leaf, **{name: value}, **race), member
                )
                text = text_of(reply)
                assert text.strip(), where  # an answer, ...
                assert OUR_FAULT not in text and "Traceback" not in text, (where, text)
        autocompleted = sum(bool(option.get("autocomplete")) for _, option in typed)
        assert len(emulator.interactions) >= (len(typed) + autocompleted) * len(hostile)
        failures = [r for r in caplog.records if r.levelno >= logging.ERROR]
        assert failures == [], [r.getMessage() for r in failures]
        # the store is intact: its tables, the subscription, the alert log
        with contextlib.closing(sqlite3.connect(tmp_path / "medalbot.db")) as db:
            tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
        assert {"subscriptions", "alerts", "deliveries"} <= tables, tables
        assert await world.bot.services.store.list_subscriptions() == [world.sub]
        assert len(await world.bot.services.store.list_alerts("OWG2026")) == 3
        assert pings_beyond(sb, demo.alerts_role, demo.oranje) == []


class RawRecords(logging.Handler):
    """Every record as it was logged, before the redacting filter of the bot's own handler."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.texts: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = f"{record.name}: {record.getMessage()}"
        if record.exc_info:
            text += "\n" + "".join(traceback.format_exception(*record.exc_info))
        self.texts.append(text)


def token_pieces() -> dict[str, str]:
    head, stamp, mac = TOKEN.split(".")
    return {
        "token": TOKEN,
        "user id part": head,
        "timestamp part": stamp,
        "HMAC part": mac,
        "base64 token": base64.b64encode(TOKEN.encode()).decode(),
        "base64 header": base64.b64encode(f"Bot {TOKEN}".encode()).decode(),
    }


def leaked(text: str) -> list[str]:
    return [name for name, piece in token_pieces().items() if piece in text]


@pytest.mark.usefixtures("restore_logging")
async def test_the_token_is_in_no_log_line_stderr_or_exception(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = RawRecords()
    configure = medalbot_logs.configure_logging

    def configure_and_listen(settings: Any) -> None:
        configure(settings)
        logging.getLogger().handlers.insert(0, raw)  # sees each record before the redactor

    monkeypatch.setattr(medalbot_app, "configure_logging", configure_and_listen)
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    monkeypatch.delenv("DISCORD_TOKEN_FILE", raising=False)
    raised: list[BaseException] = []
    async with (
        Emulator(EmulatorConfig(token=TOKEN)) as emulator,
        ReplayFeedServer(sample_files("w1000m")) as feed,
    ):
        demo = build_demo_world(emulator.world)
        for owner, name, value in patch_targets(emulator.api_base, emulator.gateway_url):
            monkeypatch.setattr(owner, name, value)
        config = run_config(tmp_path, emulator, feed)

        # 1. Discord refuses the token at login (401): the bot stops, saying why
        emulator.fail("GET /users/@me", 401, 0, times=1)
        with pytest.raises(discord.LoginFailure) as refused:
            await _main(config)
        raised.append(refused.value)

        # 2. A run where things go wrong: a failing HTTP call inside a command, a command that
        # crashes, an interaction Discord no longer knows, then the gateway refusing the token
        running = asyncio.create_task(_main(config))
        try:
            await emulator.wait_for(lambda: emulator.gateway.identifies >= 1, timeout=10)
            await emulator.wait_for(emulator.synced_commands, timeout=10)
            emulator.fail(MESSAGE_CREATE, 403, 50013, times=1, channel=demo.oranje)
            failed = await emulator.invoke(
                "/alerts test",
                {"channel": demo.oranje},
                member=demo.moderator,
                channel=demo.general,
                until=answered,
            )
            assert OUR_FAULT in text_of(failed)

            def crash(self: object, *args: object, **kwargs: object) -> object:
                raise RuntimeError("the medal table broke")

            monkeypatch.setattr(QueryService, "medal_table", crash)
            crashed = await emulator.invoke(
                "/medals", member=demo.fan, channel=demo.general, until=answered
            )
            assert OUR_FAULT in text_of(crashed)
            emulator.fail(
                "POST /interactions/{interaction_id}/{token}/callback", 404, 10062, times=2
            )
            with pytest.raises(InteractionTimeout):
                await emulator.invoke("/records", member=demo.fan, channel=demo.general, timeout=1)
            assert emulator.gateway.close(4004) == 1  # Authentication failed
            with pytest.raises(discord.ConnectionClosed) as closed:
                await asyncio.wait_for(running, timeout=10)
            raised.append(closed.value)
        finally:
            if not running.done():
                running.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await running
    out, err = capfd.readouterr()
    assert raw.texts and err
    for exc in raised:
        shown = "".join(traceback.format_exception(exc))
        assert leaked(shown) == [], shown
    assert leaked(out + err) == []
    bad = [t for t in raw.texts if leaked(t)]
    assert bad == [], bad
