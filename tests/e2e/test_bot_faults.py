"""Alerts through Discord's bad moments: 429s, 5xx, a message created but answered with an
error, gateway drops, a channel that refuses us. The real bot (discord.py) on the emulator.

Each test reads the channel as a person would: every alert exactly once, in the order the
feed produced them, and the bot keeps answering slash commands."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import msgspec
import pytest
from discord_emulator import StoredMessage
from discord_emulator.permissions import Permission

from medalbot.client import MedalBot
from medalbot.delivery.discord_port import DiscordPort
from medalbot.render.alerts import render_batch
from medalbot.samples import sample_files
from medalbot.sandbox import FAST_DELIVERY, Sandbox
from medalbot.services.routing import matches
from tests.e2e.test_bot_alerts import messages, replay_all, titles

pytestmark = pytest.mark.e2e

MESSAGE_CREATE = "POST /channels/{channel_id}/messages"
# One alert per message: every alert is its own request, so faults fall between alerts.
ONE_PER_MESSAGE = msgspec.structs.replace(FAST_DELIVERY, max_embeds_per_message=1)


async def settled(bot: MedalBot, within: float = 5.0) -> None:
    """Until the outbox holds nothing pending (every row sent or given up)."""
    deadline = time.monotonic() + within
    while (await bot.services.store.outbox_stats()).pending:
        if time.monotonic() > deadline:
            raise TimeoutError("the outbox did not drain")
        await asyncio.sleep(0.02)


async def expected_titles(bot: MedalBot, sb: Sandbox, channel_name: str) -> list[str]:
    """The titles of the logged alerts the channel's subscription asked for, in log order."""
    channel = sb.emulator.world.find_channel(sb.demo.guild, channel_name)
    (sub,) = [
        s for s in await bot.services.store.list_subscriptions() if s.channel_id == channel.id
    ]
    state = bot.services.live.current
    assert state is not None
    return [
        str(render_batch([alert], locale="en", highlight_noc=sub.noc).embeds[0].title)
        for alert in await bot.services.store.list_alerts(state.games_code)
        if matches(sub, alert)
    ]


def assert_ned_1000m(seen: list[str]) -> None:
    """What a NED channel sees of the 1000 m, checked without the bot's own routing or rendering
    (an oracle built from those would agree with an empty channel if routing dropped everything)."""
    assert len(seen) == 3, seen
    assert "Femke KOK" in seen[0] and "record" in seen[0].lower(), seen
    assert "Jutta LEERDAM" in seen[1] and "record" in seen[1].lower(), seen
    assert "Jutta LEERDAM" in seen[2] and "gold" in seen[2], seen


async def deliver_the_1000m(sb: Sandbox) -> tuple[MedalBot, list[str]]:
    """Subscribe #oranje to NED, replay the race and wait until the outbox is empty."""
    bot = await sb.start_bot()
    await sb.subscribe("oranje", nation="NED")
    await replay_all(sb)
    await settled(bot)
    expected = await expected_titles(bot, sb, "oranje")
    assert_ned_1000m(expected)
    return bot, expected


def nonces_posted(sb: Sandbox) -> list[str]:
    return [str(r.json.get("nonce")) for r in sb.emulator.requests_to("POST", "/messages")]


@pytest.mark.parametrize("times", [3, 8])
async def test_route_429s_on_message_create_are_waited_out(times: int) -> None:
    async with Sandbox(sample_files("w1000m"), delivery=ONE_PER_MESSAGE) as sb:
        # 3: discord.py waits them out itself; 8: more than its five tries, so it gives up
        # and our sender retries the alert later
        limited = sb.emulator.rate_limit(MESSAGE_CREATE, 0.05, times=times, channel=sb.demo.oranje)
        bot, expected = await deliver_the_1000m(sb)
        assert limited.hits == times
        assert titles(sb, "oranje") == expected
        assert bot.sender.stats.failed == 0
        assert (bot.sender.stats.retried >= 1) == (times > 5)
        assert sb.emulator.invalid_requests == times  # only the 429s themselves
        if times > 5:  # discord.py's fifth 429 said Retry-After: 1; the sender waited that long
            posts = sb.emulator.requests_to("POST", f"/channels/{sb.demo.oranje.id}/messages")
            gave_up, next_try = posts[4], posts[5]
            assert next_try.at - gave_up.at >= 1.0


async def test_a_global_429_holds_every_request_and_nothing_is_lost() -> None:
    async with Sandbox(sample_files("w1000m"), delivery=ONE_PER_MESSAGE) as sb:
        limited = sb.emulator.rate_limit(MESSAGE_CREATE, 0.1, is_global=True, times=2)
        bot, expected = await deliver_the_1000m(sb)
        assert limited.hits == 2
        assert titles(sb, "oranje") == expected
        assert bot.sender.stats.failed == 0


async def test_a_503_is_retried_by_the_sender() -> None:
    async with Sandbox(sample_files("w1000m"), delivery=ONE_PER_MESSAGE) as sb:
        unavailable = sb.emulator.fail(MESSAGE_CREATE, 503, times=2, channel=sb.demo.oranje)
        bot, expected = await deliver_the_1000m(sb)
        assert unavailable.hits == 2
        assert titles(sb, "oranje") == expected
        assert bot.sender.stats.retried >= 1 and bot.sender.stats.failed == 0


@pytest.mark.parametrize("status", [503, 500])
async def test_a_message_created_but_answered_with_an_error_is_posted_once(status: int) -> None:
    async with Sandbox(sample_files("w1000m"), delivery=ONE_PER_MESSAGE) as sb:
        # 503: discord.py raises at once and our sender retries; 500: discord.py retries
        # itself after 1 s. Either way the retry carries the same nonce.
        committed = sb.emulator.commit_then_fail(
            MESSAGE_CREATE, status, times=1, channel=sb.demo.oranje
        )
        _, expected = await deliver_the_1000m(sb)
        assert committed.hits == 1
        assert titles(sb, "oranje") == expected
        nonces = nonces_posted(sb)
        first = messages(sb, "oranje")[0].nonce
        assert nonces.count(str(first)) == 2  # the failed answer and the deduplicated retry
        assert len(set(nonces)) == len(expected)


async def test_gateway_drops_while_alerts_flow_lose_nothing_and_commands_still_answer() -> None:
    async with Sandbox(sample_files("w1000m"), delivery=ONE_PER_MESSAGE) as sb:
        bot = await sb.start_bot()

        async def identify_now(shard_id: int | None, *, initial: bool = False) -> None:
            return None  # discord.py waits 5 s before re-identifying; the emulator has no limit

        # discord.py declares its hooks as methods; this one client's is replaced
        bot.before_identify_hook = identify_now  # type: ignore[method-assign]
        gateway = sb.emulator.gateway
        await sb.subscribe("oranje", nation="NED")
        drops: list[Callable[[], int]] = [
            lambda: gateway.close(4000),  # a dropped connection: RESUME
            gateway.reconnect,  # Discord asks for a reconnect: RESUME
            lambda: gateway.invalidate_session(resumable=False),  # a fresh IDENTIFY
        ]
        identified = gateway.identifies
        resumed = gateway.resumes
        while sb.advance_feed():
            if drops:
                assert drops.pop(0)() == 1
            await sb.wait_feed_read(timeout=5)
        await sb.emulator.wait_for(
            lambda: gateway.resumes >= resumed + 2 and gateway.identifies >= identified + 1,
            timeout=5,
        )
        await settled(bot)
        assert titles(sb, "oranje") == await expected_titles(bot, sb, "oranje")
        assert_ned_1000m(titles(sb, "oranje"))
        await sb.emulator.wait_for(lambda: bot.is_ready() and gateway.connected_shards(), timeout=5)
        answer = await sb.emulator.invoke(
            "/alerts list", member=sb.demo.moderator, channel=sb.demo.general
        )
        assert answer.ephemeral and "I can post there" in str(answer.embeds)
        # a command typed while the connection is down is answered once the bot resumes
        assert gateway.close(4000) == 1
        during = await sb.emulator.invoke(
            "/alerts list", member=sb.demo.moderator, channel=sb.demo.general
        )
        assert during.ephemeral and "I can post there" in str(during.embeds)
        assert gateway.resumes >= resumed + 3


async def test_a_refusing_channel_is_not_hammered_and_others_still_get_alerts() -> None:
    async with Sandbox(sample_files("w1000m"), delivery=ONE_PER_MESSAGE) as sb:
        bot = await sb.start_bot()
        await sb.subscribe("oranje", nation="NED")
        await sb.subscribe("golds", nation="NED")
        # Discord refuses #oranje (e.g. the bot's access was taken away server-side)
        refusing = sb.emulator.fail(MESSAGE_CREATE, 403, 50001, times=None, channel=sb.demo.oranje)
        await replay_all(sb)
        await settled(bot)
        assert titles(sb, "golds") == await expected_titles(bot, sb, "golds")
        assert_ned_1000m(titles(sb, "golds"))
        assert titles(sb, "oranje") == []
        assert refusing.hits == 1  # one 403, then the channel is paused, not retried
        assert sb.emulator.invalid_requests == 1
        assert bot.sender.stats.paused_channels == 1


async def test_a_channel_that_loses_embed_links_is_paused_not_sent_empty_messages() -> None:
    async with Sandbox(sample_files("w1000m"), delivery=ONE_PER_MESSAGE) as sb:
        bot = await sb.start_bot()
        await sb.emulator.invoke(
            "/alerts logchannel",
            {"channel": sb.demo.general.id},
            member=sb.demo.moderator,
            channel=sb.demo.general,
        )
        await sb.subscribe("oranje", nation="NED", role=sb.demo.alerts_role.id)
        # Discord silently drops embeds without Embed Links: an alert would arrive hollow
        sb.emulator.set_overwrite(sb.demo.oranje, sb.demo.bot, deny=int(Permission.EMBED_LINKS))
        await replay_all(sb)
        await settled(bot)
        assert messages(sb, "oranje") == []  # no empty message, no role pinged for nothing
        listing = await sb.emulator.invoke(
            "/alerts list", member=sb.demo.moderator, channel=sb.demo.general
        )
        assert "Paused" in str(listing.embeds) and "Embed Links" in str(listing.embeds)
        (told,) = await sb.emulator.wait_for(
            lambda: [m for m in messages(sb, "general") if "paused" in (m.content or "")], timeout=5
        )
        assert "Embed Links" in (told.content or "")


async def test_a_message_that_lost_its_embeds_anyway_is_taken_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The bot's cache has not heard of the change yet: it posts, and Discord strips the embeds.
    monkeypatch.setattr(DiscordPort, "_lacks_embed_links", lambda self, channel_id: False)
    async with Sandbox(sample_files("w1000m"), delivery=ONE_PER_MESSAGE) as sb:
        bot = await sb.start_bot()
        await sb.subscribe("oranje", nation="NED")
        sb.emulator.set_overwrite(sb.demo.oranje, sb.demo.bot, deny=int(Permission.EMBED_LINKS))
        await replay_all(sb)
        await settled(bot)
        assert messages(sb, "oranje") == []  # the hollow post was deleted
        assert len(sb.emulator.requests_to("POST", f"/channels/{sb.demo.oranje.id}/")) == 1
        assert bot.sender.stats.paused_channels == 1


async def test_a_global_429_outlasting_send_timeout_does_not_silence_the_bot() -> None:
    # discord.py closes its global lock while it sleeps out a global 429; a send given up on
    # in that sleep must not cancel it there, or every later request waits on the lock forever.
    impatient = msgspec.structs.replace(
        FAST_DELIVERY, max_embeds_per_message=1, send_timeout=1.0, max_attempts=20
    )
    async with Sandbox(sample_files("w1000m"), delivery=impatient) as sb:
        limited = sb.emulator.rate_limit(MESSAGE_CREATE, 2.0, is_global=True, times=1)
        bot = await sb.start_bot()
        await sb.subscribe("oranje", nation="NED")
        await replay_all(sb)
        await settled(bot, within=30.0)
        assert limited.hits == 1
        expected = await expected_titles(bot, sb, "oranje")
        assert_ned_1000m(expected)
        assert titles(sb, "oranje") == expected
        assert bot.sender.stats.failed == 0


async def test_a_hung_notice_to_moderators_does_not_hold_up_other_channels() -> None:
    # One sender worker: had the refusal's notice been sent inline, #golds would wait on it.
    # (The notice is held until #golds has had its next two posts, however long they take.)
    one_worker = msgspec.structs.replace(ONE_PER_MESSAGE, workers=1)
    async with Sandbox(sample_files("w1000m"), delivery=one_worker) as sb:
        bot = await sb.start_bot()
        await sb.subscribe("oranje", nation="NED")
        await sb.subscribe("golds")  # everything
        sb.emulator.set_overwrite(sb.demo.oranje, sb.demo.bot, deny=int(Permission.SEND_MESSAGES))
        hung = sb.emulator.hold(MESSAGE_CREATE, channel=sb.demo.general)
        sb.advance_feed()  # Femke KOK's Olympic record: #oranje refuses, the notice hangs
        await sb.emulator.wait_for(lambda: hung.hits == 1, timeout=10)
        while sb.advance_feed():  # Jutta LEERDAM's record, the podium
            pass
        await sb.emulator.wait_for(lambda: len(messages(sb, "golds")) == 3, timeout=20)
        # ... and before the notice was answered: sent inline, it would have come first
        assert not [m for m in messages(sb, "general") if "paused" in (m.content or "")]
        assert bot.sender.stats.paused_channels == 1
        hung.release()  # and the moderators are told once Discord answers
        await sb.emulator.wait_for(
            lambda: [m for m in messages(sb, "general") if "paused" in (m.content or "")],
            timeout=30,  # only stops a hung test
        )


async def test_moderators_are_told_once_even_when_discord_fails_the_notice() -> None:
    # Found under load by the fan-out fault suite: a 5xx burst met a notice, which was lost.
    async with Sandbox(sample_files("w1000m"), delivery=ONE_PER_MESSAGE) as sb:
        bot = await sb.start_bot()
        await sb.subscribe("oranje", nation="NED")
        sb.emulator.set_overwrite(sb.demo.oranje, sb.demo.bot, deny=int(Permission.SEND_MESSAGES))
        # the notice to #general: a 503 (not retried by discord.py), then created but answered
        # 500: a second try must not show it twice
        failed = sb.emulator.fail(MESSAGE_CREATE, 503, channel=sb.demo.general)
        committed = sb.emulator.commit_then_fail(MESSAGE_CREATE, 500, channel=sb.demo.general)
        await replay_all(sb)
        await settled(bot)

        def notices() -> list[StoredMessage]:
            return [m for m in messages(sb, "general") if "paused" in (m.content or "")]

        await sb.emulator.wait_for(notices, timeout=30)  # only stops a hung test
        assert failed.hits == 1 and committed.hits == 1
        await sb.emulator.wait_for(
            lambda: len(sb.emulator.requests_to("POST", f"/channels/{sb.demo.general.id}/")) >= 3,
            timeout=30,
        )
        assert len(notices()) == 1
