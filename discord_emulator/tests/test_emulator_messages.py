"""Bot messages: embeds, mentions, nonces, retries, rate limits, permissions and size limits."""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import Callable

import aiohttp
import discord
import pytest
from discord.ext import commands

from discord_emulator import (
    Emulator,
    EmulatorConfig,
    Permission,
    running_bot,
)
from emulator_testkit import DemoWorld, EmulatorFactory, build_demo_world

BotFactory = Callable[..., commands.Bot]
MESSAGES = "POST /channels/{channel_id}/messages"


def text_channel(bot: commands.Bot, channel_id: int) -> discord.TextChannel:
    channel = bot.get_channel(channel_id)
    assert isinstance(channel, discord.TextChannel)
    return channel


def grant_bot(emulator: Emulator, demo: DemoWorld, permission: Permission) -> None:
    bot_role = emulator.world.find_role(demo.guild, "bot")
    emulator.set_role_permissions(bot_role, bot_role.permissions | int(permission))


async def test_embeds_and_replies_reach_the_transcript(
    emulator: Emulator, demo: DemoWorld, bot_factory: BotFactory
) -> None:
    async with running_bot(bot_factory(), emulator) as bot:
        channel = text_channel(bot, demo.oranje.id)
        gold = discord.Embed(title="Gold for NED", description="Femke Bol, 400m hurdles")
        gold.add_field(name="Time", value="50.37")
        first = await channel.send("🥇", embed=gold)
        reply = await first.reply("Hup!", mention_author=False)
        fetched = await channel.fetch_message(first.id)
        newest_first = [m.id async for m in channel.history(limit=10)]
    assert newest_first == [reply.id, first.id]
    assert fetched.embeds[0].title == "Gold for NED"
    shown = emulator.transcript(demo.oranje)
    assert [m.id for m in shown] == [first.id, reply.id]
    assert shown[0].embeds[0]["fields"] == [{"name": "Time", "value": "50.37", "inline": True}]
    assert shown[1].message_reference is not None
    assert shown[1].message_reference["message_id"] == str(first.id)


async def test_files_edits_and_announcement_channels(
    emulator: Emulator, demo: DemoWorld, bot_factory: BotFactory
) -> None:
    async with running_bot(bot_factory(), emulator) as bot:
        golds = text_channel(bot, demo.golds.id)
        assert golds.is_news()
        board = discord.File(io.BytesIO(b"rank,country\n1,NED\n"), filename="table.csv")
        sent = await golds.send(f"Table for {demo.fan.mention}", file=board)
        assert sent.attachments[0].filename == "table.csv"
        edited = await sent.edit(content=f"Final table for {demo.fan.mention}")
        assert edited.edited_at is not None
    (shown,) = emulator.transcript(demo.golds)
    assert shown.version.attachments[0]["size"] == len(b"rank,country\n1,NED\n")
    assert [v.content for v in shown.history] == [f"Table for <@{demo.fan.id}>"]
    assert shown.content == f"Final table for <@{demo.fan.id}>"
    assert shown.pinged_users == {demo.fan.id}  # pinged once, when it was sent
    multipart = emulator.requests_to("POST", f"/channels/{demo.golds.id}/messages")[0]
    assert multipart.json["attachments"] == [{"id": 0, "filename": "table.csv"}]


async def test_allowed_mentions_decide_who_is_pinged(
    emulator: Emulator, demo: DemoWorld, bot_factory: BotFactory
) -> None:
    grant_bot(emulator, demo, Permission.MENTION_EVERYONE)
    text = f"@everyone {demo.alerts_role.mention} {demo.moderator_role.mention} {demo.fan.mention}"
    async with running_bot(bot_factory(), emulator) as bot:
        channel = text_channel(bot, demo.oranje.id)
        nobody = await channel.send(text, allowed_mentions=discord.AllowedMentions.none())
        role_only = await channel.send(
            text,
            allowed_mentions=discord.AllowedMentions(
                everyone=False, users=False, roles=[discord.Object(demo.alerts_role.id)]
            ),
        )
        default = await channel.send(text)
    by_id = {m.id: m for m in emulator.transcript(demo.oranje)}
    assert not by_id[nobody.id].pings.anyone
    assert by_id[role_only.id].pinged_roles == {demo.alerts_role.id}
    assert not by_id[role_only.id].pinged_everyone and not by_id[role_only.id].pinged_users
    assert [r.id for r in role_only.role_mentions] == [demo.alerts_role.id]
    # Without allowed_mentions a bot message parses everything it may ping.
    assert by_id[default.id].pinged_everyone
    assert by_id[default.id].pinged_roles == {demo.alerts_role.id, demo.moderator_role.id}
    assert by_id[default.id].pinged_users == {demo.fan.id}


async def test_without_mention_everyone_only_mentionable_roles_ping(
    emulator: Emulator, demo: DemoWorld, bot_factory: BotFactory
) -> None:
    text = f"@everyone @here {demo.alerts_role.mention} {demo.moderator_role.mention}"
    async with running_bot(bot_factory(), emulator) as bot:
        sent = await text_channel(bot, demo.oranje.id).send(text)
    (shown,) = emulator.transcript(demo.oranje)
    assert shown.id == sent.id
    assert not shown.pinged_everyone
    assert shown.pinged_roles == {demo.alerts_role.id}


async def test_enforce_nonce_returns_the_existing_message(
    emulator: Emulator, demo: DemoWorld, bot_factory: BotFactory
) -> None:
    async with running_bot(bot_factory(), emulator) as bot:
        channel = text_channel(bot, demo.oranje.id)
        first = await channel.send("Gold!", nonce="alert-42-oranje")
        again = await channel.send("Gold!", nonce="alert-42-oranje")
        other = await channel.send("Silver", nonce="alert-43-oranje")
    assert again.id == first.id != other.id
    assert [m.content for m in emulator.transcript(demo.oranje)] == ["Gold!", "Silver"]


async def test_commit_then_fail_is_deduplicated_by_discord_py_retry_nonce(
    emulator: Emulator, demo: DemoWorld, bot_factory: BotFactory
) -> None:
    emulator.commit_then_fail(MESSAGES, 500, channel=demo.oranje)
    async with running_bot(bot_factory(), emulator) as bot:
        sent = await text_channel(bot, demo.oranje.id).send("Gold for NED")  # retried after 1 s
    (shown,) = emulator.transcript(demo.oranje)
    assert shown.id == sent.id
    attempts = emulator.requests_to("POST", f"/channels/{demo.oranje.id}/messages")
    assert [a.status for a in attempts] == [500, 200]
    assert attempts[0].fault == "commit_then_fail"
    assert attempts[0].json["nonce"] == attempts[1].json["nonce"]
    assert attempts[0].json["enforce_nonce"] is True


async def test_commit_then_fail_without_nonce_duplicates(emulator: Emulator) -> None:
    demo = build_demo_world(emulator.world)
    emulator.commit_then_fail(MESSAGES, 500, channel=demo.oranje)
    url = f"{emulator.api_base}/channels/{demo.oranje.id}/messages"
    auth = {"Authorization": f"Bot {emulator.token}"}
    async with aiohttp.ClientSession() as http:
        for _ in range(2):
            async with http.post(url, json={"content": "Gold"}, headers=auth) as response:
                await response.read()
    assert [m.content for m in emulator.transcript(demo.oranje)] == ["Gold", "Gold"]


async def test_route_429_is_retried_after_retry_after(
    emulator: Emulator, demo: DemoWorld, bot_factory: BotFactory
) -> None:
    emulator.rate_limit(MESSAGES, retry_after=0.05, channel=demo.oranje)
    async with running_bot(bot_factory(), emulator) as bot:
        sent = await text_channel(bot, demo.oranje.id).send("after the wait")
    attempts = emulator.requests_to("POST", f"/channels/{demo.oranje.id}/messages")
    assert [a.status for a in attempts] == [429, 200]
    assert attempts[1].at - attempts[0].at >= 0.05
    assert attempts[0].response == {
        "message": "You are being rate limited.",
        "retry_after": 0.05,
        "global": False,
    }
    assert [m.id for m in emulator.transcript(demo.oranje)] == [sent.id]
    assert emulator.invalid_requests == 1


async def test_global_429_holds_every_request(
    emulator: Emulator, demo: DemoWorld, bot_factory: BotFactory
) -> None:
    async with running_bot(bot_factory(), emulator) as bot:
        emulator.rate_limit("*", retry_after=0.05, is_global=True)
        channel = await bot.fetch_channel(demo.general.id)
    assert channel.id == demo.general.id
    limited, retried = emulator.requests[-2:]
    assert (limited.path, limited.status) == (f"/channels/{demo.general.id}", 429)
    assert limited.response["global"] is True
    assert (retried.path, retried.status) == (f"/channels/{demo.general.id}", 200)
    assert retried.at - limited.at >= 0.05


async def test_channel_bucket_headers_make_discord_py_wait_instead_of_429(
    emulator_factory: EmulatorFactory,
    point_discord: Callable[[Emulator], None],
    bot_factory: BotFactory,
) -> None:
    emulator = await emulator_factory(
        EmulatorConfig(channel_message_limit=2, channel_message_window=0.1)
    )
    demo = build_demo_world(emulator.world)
    point_discord(emulator)
    async with running_bot(bot_factory(), emulator) as bot:
        channel = text_channel(bot, demo.oranje.id)
        started = time.monotonic()
        for n in range(5):
            await channel.send(f"medal {n}")
        elapsed = time.monotonic() - started
    attempts = emulator.requests_to("POST", "/messages")
    assert [a.status for a in attempts] == [200] * 5
    assert elapsed >= 0.2  # 5 messages at 2 per 0.1 s: two waits for the bucket
    assert len(emulator.transcript(demo.oranje)) == 5


async def test_channel_bucket_answers_429_with_discord_headers(
    emulator_factory: EmulatorFactory,
) -> None:
    emulator = await emulator_factory(
        EmulatorConfig(channel_message_limit=2, channel_message_window=60)
    )
    demo = build_demo_world(emulator.world)
    url = f"{emulator.api_base}/channels/{demo.oranje.id}/messages"
    auth = {"Authorization": f"Bot {emulator.token}"}
    async with aiohttp.ClientSession() as http:
        statuses = []
        for n in range(3):
            async with http.post(url, json={"content": str(n)}, headers=auth) as response:
                statuses.append(response.status)
                headers = response.headers
                body = await response.json()
        other = f"{emulator.api_base}/channels/{demo.general.id}/messages"
        async with http.post(other, json={"content": "x"}, headers=auth) as elsewhere:
            assert elsewhere.status == 200  # buckets are per channel
    assert statuses == [200, 200, 429]
    assert headers["Via"] == "1.1 google"
    assert headers["X-RateLimit-Scope"] == "user"
    assert headers["X-RateLimit-Limit"] == "2" and headers["X-RateLimit-Remaining"] == "0"
    assert headers["X-RateLimit-Bucket"]
    assert 59 < float(headers["X-RateLimit-Reset-After"]) <= 60
    assert body["global"] is False and 59 < body["retry_after"] <= 60
    assert emulator.invalid_requests == 1


async def test_shared_scope_429_is_not_an_invalid_request(emulator: Emulator) -> None:
    emulator.rate_limit("GET /gateway/bot", retry_after=0.01, scope="shared")
    auth = {"Authorization": f"Bot {emulator.token}"}
    async with (
        aiohttp.ClientSession() as http,
        http.get(emulator.api_base + "/gateway/bot", headers=auth) as response,
    ):
        assert response.status == 429
        assert response.headers["X-RateLimit-Scope"] == "shared"
    assert emulator.invalid_requests == 0


async def test_permissions_from_overwrites_give_forbidden_with_codes(
    emulator: Emulator, demo: DemoWorld, bot_factory: BotFactory
) -> None:
    async with running_bot(bot_factory(), emulator) as bot:
        golds = text_channel(bot, demo.golds.id)
        guild = golds.guild
        updated = bot.wait_for("guild_channel_update", timeout=2)
        emulator.set_overwrite(demo.golds, demo.bot, deny=int(Permission.SEND_MESSAGES))
        await updated
        # The client's cache saw the CHANNEL_UPDATE and agrees with the emulator.
        assert not golds.permissions_for(guild.me).send_messages
        with pytest.raises(discord.Forbidden) as no_send:
            await golds.send("gold!")
        assert (no_send.value.status, no_send.value.code) == (403, 50013)

        emulator.set_overwrite(demo.golds, demo.guild.everyone, deny=int(Permission.VIEW_CHANNEL))
        with pytest.raises(discord.Forbidden) as no_view:
            await golds.send("gold!")
        assert no_view.value.code == 50001

        with pytest.raises(discord.NotFound) as unknown:
            await bot.get_partial_messageable(123456789012345678).send("anyone?")
        assert (unknown.value.status, unknown.value.code) == (404, 10003)
    assert emulator.transcript(demo.golds) == []
    assert emulator.invalid_requests == 2


async def test_permission_maths_matches_discord_py(
    emulator: Emulator, demo: DemoWorld, bot_factory: BotFactory
) -> None:
    world = emulator.world
    # #golds: hidden from @everyone, visible to moderators, and one fan muted in it.
    world.set_overwrite(demo.golds, demo.guild.everyone, deny=int(Permission.VIEW_CHANNEL))
    world.set_overwrite(
        demo.golds,
        demo.moderator_role,
        allow=int(Permission.VIEW_CHANNEL | Permission.MENTION_EVERYONE),
    )
    world.set_overwrite(demo.golds, demo.alerts_role, allow=int(Permission.VIEW_CHANNEL))
    world.set_overwrite(demo.golds, demo.fan, deny=int(Permission.SEND_MESSAGES))
    intents = discord.Intents.default()
    intents.members = True
    async with running_bot(bot_factory(intents=intents), emulator) as bot:
        guild = bot.get_guild(demo.guild.id)
        assert guild is not None
        for member in demo.guild.members.values():
            cached = guild.get_member(member.id)
            assert cached is not None
            for channel in demo.guild.channels.values():
                ours = world.permissions_in(channel, member)
                theirs = text_channel(bot, channel.id).permissions_for(cached).value
                assert ours == theirs, (member.user.username, channel.name)
    fan_in_golds = world.permissions_in(demo.golds, demo.fan)
    assert fan_in_golds & Permission.VIEW_CHANNEL and not fan_in_golds & Permission.SEND_MESSAGES
    assert world.permissions_in(demo.golds, demo.moderator) & Permission.MENTION_EVERYONE
    assert not world.bot_permissions_in(demo.golds) & Permission.VIEW_CHANNEL


async def test_embeds_without_embed_links_are_dropped(
    emulator: Emulator, demo: DemoWorld, bot_factory: BotFactory
) -> None:
    emulator.set_overwrite(demo.general, demo.bot, deny=int(Permission.EMBED_LINKS))
    async with running_bot(bot_factory(), emulator) as bot:
        await text_channel(bot, demo.general.id).send("score", embed=discord.Embed(title="1-0"))
    (shown,) = emulator.transcript(demo.general)
    assert shown.content == "score" and shown.embeds == () and shown.embeds_stripped


async def test_message_limits_are_400_invalid_form_body(
    emulator: Emulator, demo: DemoWorld, bot_factory: BotFactory
) -> None:
    async with running_bot(bot_factory(), emulator) as bot:
        channel = text_channel(bot, demo.oranje.id)
        with pytest.raises(discord.HTTPException) as too_long:
            await channel.send("x" * 2001)
        assert (too_long.value.status, too_long.value.code) == (400, 50035)
        assert "content" in too_long.value.text

        big = [discord.Embed(description="d" * 2500) for _ in range(3)]
        with pytest.raises(discord.HTTPException) as too_big:
            await channel.send(embeds=big)
        assert too_big.value.code == 50035

        field = discord.Embed(title="t").add_field(name="n", value="v" * 1025)
        with pytest.raises(discord.HTTPException) as field_too_long:
            await channel.send(embed=field)
        assert field_too_long.value.code == 50035

        ok = await channel.send("x" * 2000, embeds=[discord.Embed(description="d" * 2000)] * 3)
    rejected = [r for r in emulator.requests_to("POST", "/messages") if r.status == 400]
    assert rejected[1].response["errors"]["embeds"]["_errors"][0]["code"] == (
        "MAX_EMBED_SIZE_EXCEEDED"
    )
    assert "value" in rejected[2].response["errors"]["embeds"]["0"]["fields"]["0"]
    assert [m.id for m in emulator.transcript(demo.oranje)] == [ok.id]


async def test_5xx_and_slow_answers(
    emulator: Emulator, demo: DemoWorld, bot_factory: BotFactory
) -> None:
    async with running_bot(bot_factory(), emulator) as bot:
        channel = text_channel(bot, demo.oranje.id)
        emulator.fail(MESSAGES, 503, channel=demo.oranje)
        with pytest.raises(discord.DiscordServerError):  # 503 is not retried by discord.py
            await channel.send("lost")
        emulator.fail(MESSAGES, 403, 50013, channel=demo.oranje)
        with pytest.raises(discord.Forbidden) as injected:
            await channel.send("lost too")
        assert injected.value.code == 50013
        emulator.slow(MESSAGES, 0.1, channel=demo.oranje)
        started = time.monotonic()
        sent = await asyncio.wait_for(channel.send("late but fine"), timeout=2)
        assert time.monotonic() - started >= 0.1
    assert [m.id for m in emulator.transcript(demo.oranje)] == [sent.id]
