"""The emulator's Discord rules on their own: limits, mentions, permissions, rate limits,
nonce window, command validation, fault routes, snowflakes, standalone serving."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest

from discord_emulator import (
    DiscordError,
    Emulator,
    EmulatorConfig,
    ManualClock,
    Permission,
    World,
    serve_forever,
    shard_for,
)
from discord_emulator.commands import validate_commands
from discord_emulator.faults import compile_route
from discord_emulator.limits import check_message
from discord_emulator.mentions import PARSE_USERS, check_allowed_mentions, resolve_pings
from discord_emulator.ratelimit import RateLimiter
from discord_emulator.snowflakes import SnowflakeGenerator, snowflake_time_ms
from emulator_testkit import EmulatorFactory, build_demo_world


def limit_error(**message: Any) -> DiscordError:
    fields: dict[str, Any] = {"content": None, "embeds": [], "components": []}
    fields.update(message)
    with pytest.raises(DiscordError) as raised:
        check_message(**fields)
    return raised.value


def test_message_limits_at_their_boundaries() -> None:
    check_message(content="x" * 2000, embeds=[], components=[])
    assert limit_error(content="x" * 2001).code == 50035
    check_message(content=None, embeds=[{"title": "t"}] * 10, components=[])
    assert limit_error(embeds=[{"title": "t"}] * 11).code == 50035
    check_message(content=None, embeds=[{"description": "d" * 3000}] * 2, components=[])
    total = limit_error(embeds=[{"description": "d" * 3000}, {"description": "d" * 3001}])
    assert total.errors == {
        "embeds": {
            "_errors": [
                {
                    "code": "MAX_EMBED_SIZE_EXCEEDED",
                    "message": "Embed size exceeds maximum size of 6000",
                }
            ]
        }
    }
    fields = [{"name": "n", "value": "v"}] * 25
    check_message(content=None, embeds=[{"fields": fields}], components=[])
    assert limit_error(embeds=[{"fields": [*fields, {"name": "n", "value": "v"}]}]).code == 50035
    assert limit_error(embeds=[{"title": "t" * 257}]).errors == {
        "embeds": {
            "0": {
                "title": {
                    "_errors": [
                        {
                            "code": "BASE_TYPE_MAX_LENGTH",
                            "message": "Must be 256 or fewer in length.",
                        }
                    ]
                }
            }
        }
    }
    assert limit_error(embeds=[{"fields": [{"name": "", "value": "v"}]}]).code == 50035
    assert limit_error(embeds=[{"footer": {"text": "f" * 2049}}]).code == 50035
    assert limit_error(embeds=[{"author": {"name": "a" * 257}}]).code == 50035
    assert limit_error(nonce="n" * 26, content="x").code == 50035
    assert limit_error().code == 50006  # empty message
    rows = [{"type": 1, "components": [{"type": 2, "custom_id": str(n)} for n in range(6)]}]
    assert limit_error(content="x", components=rows).code == 50035


def mention_world() -> tuple[World, Any]:
    world = World()
    guild = world.add_guild("G")
    world.add_member(guild, "alice")
    world.add_role(guild, "loud", mentionable=True)
    world.add_role(guild, "quiet")
    return world, guild


def test_allowed_mentions_rules() -> None:
    world, guild = mention_world()
    alice = world.find_member(guild, "alice")
    loud = world.find_role(guild, "loud")
    quiet = world.find_role(guild, "quiet")
    outsider = world.add_user("outsider")
    text = f"@here {alice.mention} {outsider.mention} {loud.mention} {quiet.mention}"

    everything = resolve_pings(text, None, guild=guild, can_mention_everyone=True)
    assert everything.everyone and everything.users == {alice.id}  # outsiders are not pinged
    assert everything.roles == {loud.id, quiet.id}

    no_power = resolve_pings(text, None, guild=guild, can_mention_everyone=False)
    assert not no_power.everyone and no_power.roles == {loud.id}

    webhook_default = resolve_pings(
        text, None, guild=guild, can_mention_everyone=True, default_parse=PARSE_USERS
    )
    assert webhook_default.users == {alice.id} and not webhook_default.roles

    listed = resolve_pings(
        text, {"parse": [], "roles": [str(quiet.id)]}, guild=guild, can_mention_everyone=True
    )
    assert listed.roles == {quiet.id} and not listed.users and not listed.everyone

    unmentioned = resolve_pings(
        "no mentions", {"users": [str(alice.id)]}, guild=guild, can_mention_everyone=True
    )
    assert not unmentioned.anyone  # a whitelist never pings someone not in the content

    reply = resolve_pings(
        "ok", None, guild=guild, can_mention_everyone=False, replied_user_id=alice.id
    )
    assert reply.users == {alice.id}
    quiet_reply = resolve_pings(
        "ok", {"parse": []}, guild=guild, can_mention_everyone=False, replied_user_id=alice.id
    )
    assert not quiet_reply.anyone

    with pytest.raises(DiscordError) as conflict:
        check_allowed_mentions({"parse": ["users"], "users": ["1"]})
    assert conflict.value.code == 50035


def test_permission_order_admin_and_owner() -> None:
    world = World()
    guild = world.add_guild(
        "G", everyone_permissions=int(Permission.VIEW_CHANNEL | Permission.SEND_MESSAGES)
    )
    staff = world.add_role(guild, "staff")
    admin_role = world.add_role(guild, "admin", int(Permission.ADMINISTRATOR))
    channel = world.add_channel(guild, "c")
    member = world.add_member(guild, "m", [staff])
    admin = world.add_member(guild, "a", [admin_role])
    owner = guild.members[guild.owner_id]
    send = int(Permission.SEND_MESSAGES)

    world.set_overwrite(channel, guild.everyone, deny=send)
    assert not world.permissions_in(channel, member) & send
    world.set_overwrite(channel, staff, allow=send)
    assert world.permissions_in(channel, member) & send  # role allow beats @everyone deny
    world.set_overwrite(channel, member, deny=send)
    assert not world.permissions_in(channel, member) & send  # member overwrite comes last
    world.set_overwrite(channel, guild.everyone, deny=int(Permission.VIEW_CHANNEL))
    world.remove_overwrite(channel, member)
    assert world.permissions_in(channel, member) & Permission.VIEW_CHANNEL == 0
    for almighty in (admin, owner):
        assert world.permissions_in(channel, almighty) & int(Permission.MANAGE_GUILD | send)


def test_rate_limiter_windows_and_invalid_request_window() -> None:
    clock = ManualClock()
    limiter = RateLimiter(clock, global_limit=2, channel_message_limit=1, channel_message_window=5)
    assert limiter.take_global("t").allowed and limiter.take_global("t").allowed
    blocked = limiter.take_global("t")
    assert (
        not blocked.allowed
        and blocked.is_global
        and blocked.headers["X-RateLimit-Global"] == "true"
    )
    clock.advance(1.0)
    assert limiter.take_global("t").allowed

    first = limiter.take_channel_message(1)
    assert first.allowed and first.headers["X-RateLimit-Remaining"] == "0"
    assert not limiter.take_channel_message(1).allowed
    assert limiter.take_channel_message(2).allowed
    clock.advance(4.9)
    assert limiter.take_channel_message(1).retry_after == pytest.approx(0.1)
    clock.advance(0.1)
    assert limiter.take_channel_message(1).allowed

    limiter.record_invalid()
    clock.advance(599)
    limiter.record_invalid()
    assert limiter.invalid_requests() == 2
    clock.advance(2)
    assert limiter.invalid_requests() == 1


async def test_global_limit_spares_interaction_routes(emulator_factory: EmulatorFactory) -> None:
    clock = ManualClock()
    emulator = await emulator_factory(EmulatorConfig(global_rate_limit=2, clock=clock))
    auth = {"Authorization": f"Bot {emulator.token}"}
    app = emulator.world.application_id
    async with aiohttp.ClientSession() as http:
        statuses = []
        for _ in range(3):
            async with http.get(emulator.api_base + "/gateway", headers=auth) as response:
                statuses.append(response.status)
        async with http.post(f"{emulator.api_base}/webhooks/{app}/nope", json={}) as webhook:
            webhook_status = webhook.status  # Unknown Webhook, not a global 429
        clock.advance(1.0)
        async with http.get(emulator.api_base + "/gateway", headers=auth) as later:
            later_status = later.status
    assert statuses == [200, 200, 429]
    assert webhook_status == 404
    assert later_status == 200


async def test_nonce_window_expires(emulator_factory: EmulatorFactory) -> None:
    clock = ManualClock()
    emulator = await emulator_factory(EmulatorConfig(clock=clock, nonce_window=60))
    demo = build_demo_world(emulator.world)
    url = f"{emulator.api_base}/channels/{demo.oranje.id}/messages"
    auth = {"Authorization": f"Bot {emulator.token}"}
    body = {"content": "Gold", "nonce": "n-1", "enforce_nonce": True}
    ids = []
    async with aiohttp.ClientSession() as http:
        for advance in (0, 59, 2):
            clock.advance(advance)
            async with http.post(url, json=body, headers=auth) as response:
                ids.append((await response.json())["id"])
    assert ids[0] == ids[1] != ids[2]
    assert len(emulator.transcript(demo.oranje)) == 2


def test_command_validation() -> None:
    good = {"name": "medals", "description": "Medal table", "options": []}
    validate_commands([good])
    bad_cases: list[list[dict[str, Any]]] = [
        [{"name": "Medals", "description": "x"}],
        [good, good],
        [{"name": "m", "description": ""}],
        [
            {
                "name": "m",
                "description": "x",
                "options": [
                    {"name": "a", "description": "a", "type": 3},
                    {"name": "b", "description": "b", "type": 3, "required": True},
                ],
            }
        ],
        [
            {
                "name": "m",
                "description": "x",
                "options": [
                    {
                        "name": "a",
                        "description": "a",
                        "type": 3,
                        "choices": [{"name": str(n), "value": str(n)} for n in range(26)],
                    }
                ],
            }
        ],
        [{"name": "m", "description": "x", "name_localizations": {"nl": "Medailles"}}],
    ]
    for commands in bad_cases:
        with pytest.raises(DiscordError) as raised:
            validate_commands(commands)
        assert raised.value.code == 50035, commands
    validate_commands([{"name": "Report message", "type": 3, "description": ""}])


def test_fault_routes() -> None:
    method, pattern = compile_route("POST /channels/{channel_id}/messages")
    assert method == "POST"
    assert pattern.fullmatch("/channels/123/messages")
    assert not pattern.fullmatch("/channels/123/messages/456")
    any_method, everything = compile_route("*")
    assert any_method is None and everything.fullmatch("/anything/at/all")
    _, webhooks = compile_route("/webhooks/*")
    assert webhooks.fullmatch("/webhooks/1/token/messages/@original")


def test_snowflakes_increase_encode_time_and_spread_over_shards() -> None:
    clock = ManualClock(start_time=1_750_000_000.0)
    generator = SnowflakeGenerator(clock)
    ids = [generator.next() for _ in range(8)]
    assert ids == sorted(set(ids))
    assert snowflake_time_ms(ids[0]) == 1_750_000_000_000
    assert {shard_for(i, 4) for i in ids} == {0, 1, 2, 3}


async def test_serve_forever_serves_the_world_it_is_given() -> None:
    started: asyncio.Future[Emulator] = asyncio.get_running_loop().create_future()
    server = asyncio.create_task(
        serve_forever(
            "127.0.0.1",
            0,
            populate=lambda world: build_demo_world(world).guild,
            show_messages=False,
            started=started,
        )
    )
    try:
        emulator = await asyncio.wait_for(started, timeout=5)
        guild = emulator.world.find_guild("Oranje Fans")
        assert {c.name for c in guild.channels.values()} == {"oranje", "golds", "general"}
        auth = {"Authorization": f"Bot {emulator.token}"}
        async with (
            aiohttp.ClientSession() as http,
            http.get(f"{emulator.api_base}/guilds/{guild.id}", headers=auth) as response,
        ):
            assert (await response.json())["name"] == "Oranje Fans"
    finally:
        server.cancel()
        await asyncio.gather(server, return_exceptions=True)


async def test_serve_forever_prints_messages_as_they_happen(
    capsys: pytest.CaptureFixture[str],
) -> None:
    started: asyncio.Future[Emulator] = asyncio.get_running_loop().create_future()
    server = asyncio.create_task(serve_forever("127.0.0.1", 0, started=started))
    printed: list[str] = []

    def output() -> str:
        printed.append(capsys.readouterr().out)
        return "".join(printed)

    try:
        emulator = await asyncio.wait_for(started, timeout=5)
        guild = emulator.world.find_guild("Test Server")  # the starter world by default
        member = emulator.world.find_member(guild, "member")
        moderator = emulator.world.find_member(guild, "moderator")
        channel = emulator.world.find_channel(guild, "general")
        assert f"server: Test Server ({guild.id})" in output()
        emulator.post(member, channel, f"Hup {moderator.mention}")
        shown = await emulator.wait_for(lambda: "#general member: Hup" in output(), timeout=2)
        assert shown
        assert f"(pinged: user {moderator.id})" in "".join(printed)
    finally:
        server.cancel()
        await asyncio.gather(server, return_exceptions=True)
