"""Discord's bad moments in the middle of a fan-out to 200 channels: global and per-route 429
storms, a burst of 5xx, channels that refuse us (403/404), gateway drops, slow answers, and all of
them at once. The real bot (discord.py) runs on the emulator (tests/e2e/test_bot_faults.py has
the same faults on one channel; this is the fan-out version).

The world: 8 servers of 25 alert channels (25 is the most subscriptions a server may have), each
subscribed to everything, plus a #mods channel where moderators are told about paused channels.
The women's 1000 m gives each channel three alerts (Kok's Olympic record, Leerdam's, Leerdam's
gold); with one alert per message that is 600 message creates, so faults land among them.

Everything is read as a person would: every channel that can receive holds every alert exactly
once, in order; a channel that refuses gets no further request, the moderators are told once;
and the emulator's count of invalid requests (401, 403, 429 except shared-scope: what Cloudflare
bans on at 10,000 per 10 minutes) stays far below 500. A test runs for seconds, so the
emulator's rolling 10-minute figure is the whole run's.

Two bugs these tests found (fixed): one hung answer held up every channel (the sender's pass
waited for its slowest channel, and discord.py waits up to aiohttp's 5 minutes); now the sender
is a pipeline (a slow channel holds only its own worker) and a send is given up after
`delivery.send_timeout` and retried with the same nonce; and a channel refused
before the gateway had delivered the servers (a backlog sent at start-up) was paused without
the moderators ever being told.

Worst cases, by construction of the sender (bounds asserted below):
* a refusing channel costs ONE invalid request: the sender sends a channel's messages one after
  another, and the first 403/404 pauses its subscriptions and fails its queued rows before
  anything else goes there, so N refusing channels cost N requests (only the 403s are invalid).
* a 429 storm of D seconds answering retry_after r costs at most about W x (D/r + 1) 429s: at
  most W channels (the sender's workers) have a request in flight, discord.py waits r between its
  tries (a global 429 holds every request), and after its 5 tries the sender waits the
  Retry-After header (>= 1 s) before that channel is tried again.
* a hung answer holds up only its own channel, for at most `send_timeout`, and its message
  still shows once (the retry carries the same nonce).
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import msgspec
import pytest
from discord_emulator import Channel, EmulatorConfig, Guild, Member, StoredMessage
from discord_emulator.faults import Fault
from discord_emulator.permissions import Permission

from medalbot.client import MedalBot
from medalbot.samples import sample_files
from medalbot.sandbox import FAST_DELIVERY, Sandbox
from tests.e2e.test_bot_alerts import replay_all
from tests.e2e.test_bot_faults import settled

pytestmark = pytest.mark.e2e

MESSAGE_CREATE = "POST /channels/{channel_id}/messages"
CHANNEL_ROUTES = "/channels/*"  # every request about a channel: posts, edits, deletes
SERVERS, CHANNELS_PER_SERVER = 8, 25
ALERTS_PER_CHANNEL = 3
# Discord's limits (50 requests/s, the bot's budget 40/s) scaled by ten so that 600 messages take
# about a second and a half; the per-channel limit (5 per 5 s) stays Discord's.
LIMITS = EmulatorConfig(global_rate_limit=500)
FANOUT = msgspec.structs.replace(
    FAST_DELIVERY,
    max_embeds_per_message=1,
    global_rate=400.0,
    global_burst=40,
)
WORKERS = FANOUT.workers
# A request Discord never answers in time: given up after 1 s (the default is 10 s).
IMPATIENT = msgspec.structs.replace(FANOUT, send_timeout=1.0)


@dataclass
class Server:
    guild: Guild
    mods: Channel  # the system channel: where moderators are told about paused channels
    moderator: Member
    channels: list[Channel]


@dataclass
class Fanout:
    sb: Sandbox
    bot: MedalBot
    servers: list[Server]

    @property
    def channels(self) -> list[Channel]:
        return [c for s in self.servers for c in s.channels]

    def server_of(self, channel: Channel) -> Server:
        return next(s for s in self.servers if s.guild.id == channel.guild_id)


async def fanout_world(sb: Sandbox) -> Fanout:
    """Build the 8 servers, start the bot and subscribe every alert channel to everything."""
    world = sb.emulator.world
    servers = []
    for number in range(SERVERS):
        guild = world.add_guild(f"Skating fans {number}")
        mods = world.add_channel(guild, "mods")
        guild.system_channel_id = mods.id
        moderator_role = world.add_role(guild, "Moderator", int(Permission.MANAGE_GUILD))
        moderator = world.add_member(guild, f"mod{number}", [moderator_role])
        channels = [world.add_channel(guild, f"alerts-{n}") for n in range(CHANNELS_PER_SERVER)]
        servers.append(Server(guild, mods, moderator, channels))
    bot = await sb.start_bot()

    async def identify_now(shard_id: int | None, *, initial: bool = False) -> None:
        return None  # discord.py waits 5 s before re-identifying; the emulator has no limit

    # discord.py declares its hooks as methods; this one client's is replaced
    bot.before_identify_hook = identify_now  # type: ignore[method-assign]
    for server in servers:
        for channel in server.channels:
            await bot.services.subscriptions.subscribe(
                guild_id=server.guild.id,
                channel_id=channel.id,
                noc=None,
                sport=None,
                golds_only=False,
                records=True,
                role_id=None,
            )
    return Fanout(sb, bot, servers)


def message_posts(sb: Sandbox) -> int:
    return len(sb.emulator.requests_to("POST", "/messages"))


async def replay_with(sb: Sandbox, *steps: tuple[int, Callable[[], object]]) -> None:
    """Replay the race; each step acts once `n` message creates were sent (mid fan-out)."""

    async def step(posts: int, action: Callable[[], object]) -> None:
        await sb.emulator.wait_for(lambda: message_posts(sb) >= posts, timeout=30)
        action()

    await asyncio.gather(replay_all(sb), *(step(n, action) for n, action in steps))


def bot_messages(sb: Sandbox, channel: Channel) -> list[StoredMessage]:
    bot_id = sb.emulator.bot_user.id
    return [m for m in sb.emulator.transcript(channel) if m.author.id == bot_id]


def titles(sb: Sandbox, channel: Channel) -> list[str]:
    return [str(e.get("title", "")) for m in bot_messages(sb, channel) for e in m.embeds]


def the_1000m(seen: list[str]) -> bool:
    """What a channel subscribed to everything sees of the race, in order, each once."""
    return (
        len(seen) == ALERTS_PER_CHANNEL
        and "Femke KOK" in seen[0]
        and "record" in seen[0].lower()
        and "Jutta LEERDAM" in seen[1]
        and "record" in seen[1].lower()
        and "Jutta LEERDAM" in seen[2]
        and "gold" in seen[2]
    )


def assert_every_alert_once_in_order(fan: Fanout, *, except_: Iterable[Channel] = ()) -> None:
    skipped = {c.id for c in except_}
    wrong = {
        f"#{c.name} of {fan.server_of(c).guild.name}": titles(fan.sb, c)
        for c in fan.channels
        if c.id not in skipped and not the_1000m(titles(fan.sb, c))
    }
    assert not wrong, wrong
    for channel in fan.channels:
        if channel.id not in skipped:  # one alert per message: three messages, three nonces
            assert len({m.nonce for m in bot_messages(fan.sb, channel)}) == ALERTS_PER_CHANNEL


async def deliver(fan: Fanout, *steps: tuple[int, Callable[[], object]]) -> None:
    await replay_with(fan.sb, *steps)
    await settled(fan.bot, within=60)


def storm_bound(duration: float, retry_after: float) -> int:
    """The most 429s a storm can cost (see the module docstring)."""
    return WORKERS * (math.ceil(duration / retry_after) + 1)


async def test_a_global_429_storm_holds_every_request_and_loses_nothing() -> None:
    async with Sandbox(sample_files("w1000m"), delivery=FANOUT, emulator_config=LIMITS) as sb:
        fan = await fanout_world(sb)
        storms: list[Fault] = []
        await deliver(
            fan,
            (
                150,
                lambda: storms.append(
                    sb.emulator.rate_limit(
                        CHANNEL_ROUTES, 0.25, is_global=True, times=None, duration=1.5
                    )
                ),
            ),
        )
        assert_every_alert_once_in_order(fan)
        (storm,) = storms
        assert storm.hits >= WORKERS  # it did hit the fan-out
        assert sb.emulator.invalid_requests == storm.hits  # nothing else was invalid
        assert storm.hits <= storm_bound(1.5, 0.25) < 500
        assert fan.bot.sender.stats.failed == 0


async def test_per_route_429_storms_on_message_create_are_waited_out() -> None:
    async with Sandbox(sample_files("w1000m"), delivery=FANOUT, emulator_config=LIMITS) as sb:
        fan = await fanout_world(sb)
        busy = fan.servers[0].channels[:5]  # their bucket is shared and busy: their first
        # two message creates are answered 429 (counted, not timed: however slow the start)
        storms: list[Fault] = [
            sb.emulator.rate_limit(MESSAGE_CREATE, 0.25, scope="shared", times=2, channel=c)
            for c in busy
        ]

        def route_storm() -> None:
            storms.append(sb.emulator.rate_limit(MESSAGE_CREATE, 0.25, times=None, duration=1.5))

        await deliver(fan, (150, route_storm))
        assert_every_alert_once_in_order(fan)
        *shared, route = storms
        assert route.hits >= WORKERS and [s.hits for s in shared] == [2] * len(busy)
        # shared-scope 429s are not the bot's fault and do not count
        assert sb.emulator.invalid_requests == route.hits
        assert route.hits <= storm_bound(1.5, 0.25) < 500
        assert fan.bot.sender.stats.failed == 0


async def test_a_burst_of_5xx_loses_nothing_and_duplicates_nothing() -> None:
    async with Sandbox(sample_files("w1000m"), delivery=FANOUT, emulator_config=LIMITS) as sb:
        fan = await fanout_world(sb)
        burst: list[Fault] = []

        def start_burst() -> None:
            emulator = sb.emulator
            burst.extend(emulator.fail(MESSAGE_CREATE, status, times=4) for status in (503, 500))
            burst.extend(emulator.fail(MESSAGE_CREATE, status, times=2) for status in (502, 504))
            # created, then answered with an error: the retry must not post it again
            burst.extend(
                emulator.commit_then_fail(MESSAGE_CREATE, status, times=3) for status in (503, 500)
            )

        await deliver(fan, (150, start_burst))
        assert_every_alert_once_in_order(fan)
        assert [f.hits for f in burst] == [4, 4, 2, 2, 3, 3]
        assert sb.emulator.invalid_requests == 0
        assert fan.bot.sender.stats.failed == 0


def notices(sb: Sandbox, server: Server) -> list[StoredMessage]:
    """What the server's moderators were told in #mods about paused channels."""
    return [m for m in bot_messages(sb, server.mods) if "paused" in m.content]


async def told_about(sb: Sandbox, server: Server, channels: int) -> list[StoredMessage]:
    """The notices in the server's #mods, once there are as many as paused channels."""
    if not channels:
        return notices(sb, server)

    def enough() -> list[StoredMessage]:
        told = notices(sb, server)
        return told if len(told) >= channels else []

    return await sb.emulator.wait_for(enough, timeout=10)


class Refusals:
    """Channels that refuse every request from some moment on (403 or 404)."""

    def __init__(self, sb: Sandbox) -> None:
        self.sb = sb
        self.faults: dict[int, Fault] = {}
        self.channels: list[Channel] = []

    def refuse(self, channels: list[Channel], status: int, code: int) -> None:
        for channel in channels:
            self.channels.append(channel)
            self.faults[channel.id] = self.sb.emulator.fail(
                CHANNEL_ROUTES, status, code, times=None, channel=channel
            )

    def refuse_after_their_first_alert(
        self, channels: list[Channel], status: int, code: int
    ) -> None:
        """Channels that show one alert, then refuse from their next request on, whenever the
        sender gets to them. The emulator takes the first armed fault that matches a request:
        a one-off fault that lets a message create through unchanged (a delay of nothing),
        listed before the refusal, passes the channel's first message and only that one."""
        for channel in channels:
            self.sb.emulator.slow(MESSAGE_CREATE, 0.0, times=1, channel=channel)
        self.refuse(channels, status, code)

    def undelivered(self) -> int:
        """The alerts they did not show: the only rows the sender may fail."""
        return sum(ALERTS_PER_CHANNEL - len(titles(self.sb, c)) for c in self.channels)

    def forbidden(self) -> int:
        """How many of them answer 403 (invalid requests; a 404 is not one)."""
        return sum(f.status == 403 for f in self.faults.values())

    async def assert_paused_after_one_request_and_told_once(self, fan: Fanout) -> None:
        reference = titles(fan.sb, next(c for c in fan.channels if c not in self.channels))
        for channel in self.channels:
            seen = titles(fan.sb, channel)
            # nothing after the refusal; what came before is the start of the race, in order
            assert seen == reference[: len(seen)], (channel.name, seen)
            hits = self.faults[channel.id].hits
            assert hits == 1, f"#{channel.name} was refused {hits} times"
        subs = await fan.bot.services.store.list_subscriptions()
        assert {s.channel_id for s in subs if s.paused_reason} == {c.id for c in self.channels}
        for server in fan.servers:
            mine = [c for c in self.channels if c.guild_id == server.guild.id]
            told = await told_about(fan.sb, server, len(mine))
            assert sorted(m.content.split(" are paused")[0] for m in told) == sorted(
                f"⏸️ Alerts to <#{c.id}>" for c in mine
            )
            assert not any(m.pings.anyone for m in told)


async def test_channels_that_refuse_mid_fanout_are_paused_told_once_and_left_alone() -> None:
    async with Sandbox(sample_files("w1000m"), delivery=FANOUT, emulator_config=LIMITS) as sb:
        fan = await fanout_world(sb)
        refusals = Refusals(sb)
        # 25 refusing channels in one fan-out, spread over the servers and the sending order
        closed = [s.channels[12] for s in fan.servers]  # access taken away: 403 Missing Access
        gone = [s.channels[13] for s in fan.servers[:7]]  # deleted: 404 Unknown Channel
        refusals.refuse(closed, 403, 50001)
        refusals.refuse(gone, 404, 10003)
        # and some refuse mid-race, after their first alert
        lost = [s.channels[20] for s in fan.servers]  # lost a permission: 403 Missing Permissions
        deleted = [s.channels[21] for s in fan.servers[:2]]  # deleted: 404 Unknown Channel
        refusals.refuse_after_their_first_alert(lost, 403, 50013)
        refusals.refuse_after_their_first_alert(deleted, 404, 10003)

        await deliver(fan)
        assert len(refusals.channels) == 25
        assert_every_alert_once_in_order(fan, except_=refusals.channels)
        await refusals.assert_paused_after_one_request_and_told_once(fan)
        assert all(titles(sb, c) == [] for c in [*closed, *gone])
        first_alert = titles(sb, fan.servers[0].channels[0])[:1]
        assert [titles(sb, c) for c in [*lost, *deleted]] == [first_alert] * 10
        # 25 refusing channels cost 25 requests, of which the 16 403s are invalid; nothing else is
        assert sb.emulator.invalid_requests == refusals.forbidden() == 16
        assert fan.bot.sender.stats.paused_channels == 25
        assert fan.bot.sender.stats.failed <= refusals.undelivered()  # theirs only

        # the moderators of the first server see which channels are paused, and why
        first = fan.servers[0]
        listing = await sb.emulator.invoke(
            "/alerts list", member=first.moderator, channel=first.mods
        )
        shown = str(listing.embeds)
        assert shown.count("Paused: ") == 4
        assert "Missing Access" in shown and "Unknown Channel" in shown


async def test_gateway_drops_during_the_fanout_lose_nothing() -> None:
    async with Sandbox(sample_files("w1000m"), delivery=FANOUT, emulator_config=LIMITS) as sb:
        fan = await fanout_world(sb)
        gateway = sb.emulator.gateway
        identified, resumed = gateway.identifies, gateway.resumes
        await deliver(
            fan,
            (100, lambda: gateway.close(4000)),  # a dropped connection: RESUME
            (250, gateway.reconnect),  # Discord asks for a reconnect: RESUME
            (400, lambda: gateway.invalidate_session(resumable=False)),  # a fresh IDENTIFY
        )
        await sb.emulator.wait_for(
            lambda: gateway.resumes >= resumed + 2 and gateway.identifies >= identified + 1,
            timeout=10,
        )
        assert_every_alert_once_in_order(fan)
        assert fan.bot.sender.stats.failed == 0 and sb.emulator.invalid_requests == 0
        await sb.emulator.wait_for(lambda: fan.bot.is_ready(), timeout=10)
        first = fan.servers[0]
        listing = await sb.emulator.invoke(
            "/alerts list", member=first.moderator, channel=first.mods
        )
        assert "(25/25)" in str(listing.embeds)  # and commands still answer


async def test_a_hung_answer_holds_up_neither_the_fanout_nor_its_own_channel() -> None:
    async with Sandbox(sample_files("w1000m"), delivery=IMPATIENT, emulator_config=LIMITS) as sb:
        fan = await fanout_world(sb)
        emulator = sb.emulator
        stuck = fan.servers[0].channels[3]  # early in the sending order
        others = [c for c in fan.channels if c is not stuck]
        # Discord does not answer one message create (its connection hangs) until the test
        # lets it go, however long the fan-out takes
        hung = emulator.hold(MESSAGE_CREATE, times=1, channel=stuck)
        # and now and then answers slowly, but in time
        slowish = emulator.slow(MESSAGE_CREATE, 0.3, times=20)
        await deliver(fan)
        assert hung.hits == 1 and slowish.hits == 20
        posts = f"/channels/{stuck.id}/messages"
        assert not [r for r in emulator.requests_to("POST", posts) if r.fault == "hold"]
        # while it hangs, everyone had the whole race, its own channel too: the hung message
        # was sent again (same nonce)
        assert all(the_1000m(titles(sb, c)) for c in others)
        assert the_1000m(titles(sb, stuck))
        # when Discord does answer it, the message still shows once, in order
        hung.release()
        answered = await emulator.wait_for(
            lambda: [r for r in emulator.requests_to("POST", posts) if r.fault == "hold"],
            timeout=30,  # only stops a hung test: it is answered at once
        )
        assert answered[0].status == 200
        assert_every_alert_once_in_order(fan)
        nonces = [r.json["nonce"] for r in emulator.requests_to("POST", posts)]
        # the held one and its retry (or more: on a busy machine a retry may outlast the send
        # timeout too), all with one nonce
        assert nonces.count(answered[0].json["nonce"]) >= 2
        assert fan.bot.sender.stats.failed == 0


async def test_all_of_it_at_once() -> None:
    async with Sandbox(sample_files("w1000m"), delivery=IMPATIENT, emulator_config=LIMITS) as sb:
        fan = await fanout_world(sb)
        emulator, gateway = sb.emulator, sb.emulator.gateway
        refusals = Refusals(sb)
        refusals.refuse([s.channels[7] for s in fan.servers[::2]], 403, 50001)
        # in each odd server, a channel deleted mid-race: after its first alert, whenever the
        # sender gets there (armed now, so that it comes before the faults added below)
        deleted = [s.channels[16] for s in fan.servers[1::2]]
        refusals.refuse_after_their_first_alert(deleted, 404, 10003)
        # longer than the send timeout (1 s): the test waits for it to end
        hung = emulator.slow(MESSAGE_CREATE, 2.5, times=1, channel=fan.servers[1].channels[2])
        storms: list[Fault] = [
            emulator.rate_limit(
                MESSAGE_CREATE, 0.25, scope="shared", times=None, duration=1.0, channel=c
            )
            for c in fan.servers[0].channels[:3]
        ]

        def global_storm() -> None:
            storms.append(
                emulator.rate_limit(CHANNEL_ROUTES, 0.2, is_global=True, times=None, duration=0.6)
            )

        def route_storm() -> None:
            storms.append(emulator.rate_limit(MESSAGE_CREATE, 0.2, times=None, duration=0.6))

        def burst() -> None:
            emulator.slow(MESSAGE_CREATE, 0.3, times=10)
            for status in (503, 502, 500, 504):
                emulator.fail(MESSAGE_CREATE, status, times=2)
            emulator.commit_then_fail(MESSAGE_CREATE, 503, times=2)

        await deliver(
            fan,
            (60, global_storm),
            (120, lambda: gateway.close(4000)),
            (180, burst),
            (300, route_storm),
            (380, gateway.reconnect),
            (450, lambda: gateway.invalidate_session(resumable=False)),
        )
        assert hung.hits == 1 and len(storms) == 5
        assert_every_alert_once_in_order(fan, except_=refusals.channels)
        await refusals.assert_paused_after_one_request_and_told_once(fan)
        first_alert = titles(sb, fan.servers[0].channels[-1])[:1]
        assert [titles(sb, c) for c in deleted] == [first_alert] * len(deleted)
        invalid = emulator.invalid_requests
        storm_429s = sum(f.hits for f in storms if f.scope != "shared")
        assert invalid == storm_429s + refusals.forbidden()
        assert storm_429s <= 2 * storm_bound(0.6, 0.2)
        assert invalid < 500
        assert fan.bot.sender.stats.failed <= refusals.undelivered()  # theirs only


async def test_a_channel_that_refuses_before_the_bot_is_connected_is_still_told(
    tmp_path: Path,
) -> None:
    store = f"sqlite:///{tmp_path / 'medalbot.db'}"
    async with Sandbox(sample_files("w1000m"), store_url=store, delivery=FANOUT) as sb:
        demo, emulator = sb.demo, sb.emulator  # #general is the server's system channel
        await sb.start_bot()
        await sb.subscribe("oranje", nation="NED")
        await sb.stop_bot()
        # While the bot is down, the race is run and #oranje is closed to the bot.
        while sb.advance_feed():
            pass
        refused = emulator.fail(CHANNEL_ROUTES, 403, 50001, times=None, channel=demo.oranje)
        # At start-up the sender posts what the feed holds at once, over REST; the servers
        # arrive later over the gateway (here: after a slow command sync; a big bot's servers
        # take seconds to arrive).
        emulator.slow("PUT /applications/{application_id}/commands", 1.0)
        bot = await sb.start_bot()
        told = await emulator.wait_for(
            lambda: [m for m in bot_messages(sb, demo.general) if "paused" in m.content],
            timeout=10,
        )
        assert refused.hits == 1
        # the refusal came before the bot knew its servers (the gateway waits for the sync)
        (refusal,) = emulator.requests_to("POST", f"/channels/{demo.oranje.id}/messages")
        (sync,) = emulator.requests_to("PUT", "/commands")[-1:]
        assert refusal.seq < sync.seq
        assert len(told) == 1 and f"<#{demo.oranje.id}>" in told[0].content
        assert "Missing Access" in told[0].content
        await settled(bot)
        assert len([m for m in bot_messages(sb, demo.general) if "paused" in m.content]) == 1
