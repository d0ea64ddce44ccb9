"""Moderators' /alerts commands end to end: the real bot (discord.py) on the Discord emulator.

Every assertion reads what a person sees: the ephemeral replies, the autocomplete suggestions,
the channels' transcripts and who got pinged."""

from __future__ import annotations

import itertools
from collections.abc import Mapping

import pytest
from discord_emulator import Channel, CommandNotAvailable, InteractionResult, Member
from discord_emulator.permissions import Permission

from medalbot.client import MedalBot
from medalbot.render.text import utf16_len
from medalbot.samples import sample_files
from medalbot.sandbox import Sandbox
from tests.e2e.test_bot_alerts import messages, titles, wait_titles
from tests.e2e.test_bot_faults import settled

pytestmark = pytest.mark.e2e


async def started(sb: Sandbox) -> MedalBot:
    """Start the bot and wait until it has read the feed's first snapshot (known nations)."""
    bot = await sb.start_bot()
    await sb.emulator.wait_for(lambda: bot.services.live.current is not None, timeout=5)
    return bot


async def alerts(
    sb: Sandbox,
    subcommand: str,
    options: dict[str, object] | None = None,
    *,
    member: Member | None = None,
    channel: Channel | None = None,
    ignore_default_permissions: bool = False,
) -> InteractionResult:
    """Run /alerts <subcommand> as the moderator in #general (unless told otherwise)."""
    return await sb.emulator.invoke(
        f"/alerts {subcommand}",
        options,
        member=member or sb.demo.moderator,
        channel=channel or sb.demo.general,
        ignore_default_permissions=ignore_default_permissions,
    )


async def listing(sb: Sandbox) -> str:
    """What /alerts list shows the moderator, as one text."""
    result = await alerts(sb, "list")
    assert result.ephemeral
    return "\n".join(
        [result.content or ""]
        + [f"{e.get('title', '')}\n{e.get('description', '')}" for e in result.embeds]
    )


async def test_the_synced_alerts_group_has_each_subcommand_once() -> None:
    async with Sandbox(sample_files("w1000m")) as sb:
        bot = await sb.start_bot()
        # what the cog collected: a command collected twice is still synced once (the group
        # keeps its children by name), so the sync alone would not show it
        cog = bot.get_cog("Moderation")
        assert cog is not None
        collected = [c.name for c in cog.__cog_app_commands__]
        assert sorted(collected) == sorted(set(collected)), collected
        [sync] = sb.emulator.requests_to("PUT", "/commands")  # what the bot sent Discord
        [group] = [c for c in sync.json if c["name"] == "alerts"]
        names = [option["name"] for option in group["options"]]
        assert sorted(names) == sorted(set(names)), names
        assert set(names) == {
            "subscribe",
            "unsubscribe",
            "resume",
            "list",
            "test",
            "language",
            "logchannel",
            "quiet",
            "digest",
            "spoilers",
        }
        [registered] = [c for c in sb.emulator.synced_commands() if c.name == "alerts"]
        assert [o["name"] for o in registered.options] == names


async def test_a_moderator_subscribes_lists_and_unsubscribes() -> None:
    async with Sandbox(sample_files("w1000m")) as sb:
        await started(sb)
        demo = sb.demo
        reply = await alerts(
            sb,
            "subscribe",
            {
                "channel": demo.oranje.id,
                "nation": "NED",
                "sport": "Speed Skating",
                "medals": "gold",
                "records": False,
                "role": demo.alerts_role.id,
            },
        )
        assert reply.ephemeral
        text = reply.content or ""
        assert text.startswith("Subscribed")
        for shown in (
            f"<#{demo.oranje.id}>",
            "Netherlands",
            "Speed Skating",
            "gold medals",
            "records off",
            f"<@&{demo.alerts_role.id}>",
        ):
            assert shown in text, (shown, text)
        assert reply.original is not None and not reply.original.pings.anyone  # shown, no ping

        shown = await listing(sb)
        assert "(1/25)" in shown
        assert f"<#{demo.oranje.id}>" in shown and "Netherlands" in shown
        assert "I can post there" in shown

        offered = await sb.emulator.autocomplete(
            "/alerts unsubscribe",
            "subscription",
            "oranje",
            member=demo.moderator,
            channel=demo.general,
        )
        assert len(offered) == 1 and "#oranje" in offered[0]["name"], offered
        assert "NED" in offered[0]["name"] and "Speed Skating" in offered[0]["name"]
        removed = await alerts(sb, "unsubscribe", {"subscription": offered[0]["value"]})
        assert removed.ephemeral and (removed.content or "").startswith("Removed")
        assert f"<#{demo.oranje.id}>" in (removed.content or "")
        assert "No subscriptions yet" in await listing(sb)


async def test_a_list_longer_than_an_embed_shows_whole_subscriptions_and_how_many_more() -> None:
    nocs = "NED NOR GER USA CAN JPN KOR CHN ITA FRA SUI AUT SWE FIN GBR POL CZE SLO NZL AUS BEL ESP"
    nocs += " LAT EST UKR"
    async with Sandbox(sample_files("w1000m")) as sb:
        bot = await started(sb)
        guild, channel, role = sb.demo.guild.id, sb.demo.oranje.id, sb.demo.alerts_role.id
        for noc in nocs.split():  # 25, the most a server may have, each with a schedule
            sub = await bot.services.subscriptions.subscribe(
                guild_id=guild,
                channel_id=channel,
                noc=noc,
                sport=None,
                golds_only=False,
                records=True,
                role_id=role,
            )
            await bot.services.schedules.set_quiet_hours(
                guild,
                sub.id,
                timezone="America/Argentina/Buenos_Aires",
                start="23:00",
                end="07:00",
                records_break_through=True,
            )
            await bot.services.schedules.set_digest(guild, sub.id, at="08:00")

        [embed] = (await alerts(sb, "list")).embeds

        assert embed["title"] == "Alert subscriptions (25/25)"
        description = str(embed["description"])
        assert utf16_len(description) <= 4096  # Discord's limit, counted as Discord does
        *rows, more = description.split("\n")
        shown = [row for row in rows if row.startswith("**#")]
        assert 0 < len(shown) < 25 and more == f"… +{25 - len(shown)}"
        assert len(rows) == 4 * len(shown)  # each subscription whole: itself and three notes
        assert [row.strip()[:1] for row in rows[:4]] == ["*", "✅", "🌙", "📰"]
        assert rows[4 * len(shown) - 1].endswith(
            "Daily digest at 08:00 (America/Argentina/Buenos_Aires)"
        )


async def test_nation_and_sport_autocomplete_suggest_what_the_feed_knows() -> None:
    async with Sandbox(sample_files("w1000m")) as sb:
        await started(sb)
        demo = sb.demo

        async def offered(option: str, typed: str) -> list[str]:
            choices = await sb.emulator.autocomplete(
                "/alerts subscribe", option, typed, member=demo.moderator, channel=demo.general
            )
            return [str(c["name"]) for c in choices]

        nations = await offered("nation", "ned")
        assert nations and nations[0].endswith("Netherlands (NED)"), nations
        assert any("Japan (JPN)" in n for n in await offered("nation", "jap"))
        # the IOC's name is shown, the everyday one finds it
        assert [n for n in await offered("nation", "south ko") if "(KOR)" in n] == [
            "🇰🇷 Korea (KOR)"
        ]
        assert await offered("sport", "skat") == ["Speed Skating"]
        assert await offered("sport", "curl") == []  # not in this feed


async def test_a_member_without_manage_server_is_refused_even_when_invoking_directly() -> None:
    async with Sandbox(sample_files("w1000m")) as sb:
        await started(sb)
        demo = sb.demo
        refused = await alerts(
            sb,
            "subscribe",
            {"channel": demo.oranje.id, "nation": "NED"},
            member=demo.fan,
            ignore_default_permissions=True,
        )
        assert refused.ephemeral
        assert "Only moderators (Manage Server)" in (refused.content or "")
        assert "No subscriptions yet" in await listing(sb)


async def test_a_member_without_manage_server_is_not_shown_the_subscriptions() -> None:
    async with Sandbox(sample_files("w1000m")) as sb:
        await started(sb)
        demo = sb.demo
        await sb.subscribe("oranje", nation="NED")

        async def offered(member: Member) -> list[str]:
            choices = await sb.emulator.autocomplete(
                "/alerts unsubscribe",
                "subscription",
                "",
                member=member,
                channel=demo.general,
                ignore_default_permissions=True,
            )
            return [str(c["name"]) for c in choices]

        assert await offered(demo.moderator) == ["#oranje: NED · all sports"]
        assert await offered(demo.fan) == []  # channel names are not for everyone's eyes


async def test_no_moderators_option_suggests_anything_to_other_members() -> None:
    async with Sandbox(sample_files("w1000m")) as sb:
        bot = await started(sb)
        demo = sb.demo
        await sb.subscribe("oranje", nation="NED")
        [sub] = await bot.services.store.list_subscriptions(demo.guild.id)
        typing = [
            ("/alerts subscribe", "nation", "ned", {}),
            ("/alerts subscribe", "sport", "skat", {}),
            *(
                (f"/alerts {c}", "subscription", "", {})
                for c in ("unsubscribe", "resume", "quiet", "digest")
            ),
            *(
                (f"/alerts {c}", "timezone", "amster", {"subscription": sub.id})
                for c in ("quiet", "digest")
            ),
        ]

        async def offered(
            member: Member, command: str, option: str, typed: str, options: Mapping[str, object]
        ) -> list[str]:
            choices = await sb.emulator.autocomplete(
                command,
                option,
                typed,
                options,
                member=member,
                channel=demo.general,
                ignore_default_permissions=True,
            )
            return [str(c["name"]) for c in choices]

        for command, option, typed, options in typing:
            assert await offered(demo.moderator, command, option, typed, options), (command, option)
            assert await offered(demo.fan, command, option, typed, options) == [], (command, option)


async def test_a_channel_the_bot_cannot_post_in_is_refused_with_what_is_missing() -> None:
    async with Sandbox(sample_files("w1000m")) as sb:
        await started(sb)
        demo = sb.demo
        sb.emulator.set_overwrite(
            demo.oranje,
            demo.bot,
            deny=int(Permission.SEND_MESSAGES | Permission.EMBED_LINKS),
        )
        refused = await alerts(sb, "subscribe", {"channel": demo.oranje.id})
        assert refused.ephemeral
        text = refused.content or ""
        assert f"<#{demo.oranje.id}>" in text
        assert "Send Messages" in text and "Embed Links" in text and "View Channel" not in text
        sb.emulator.set_overwrite(demo.golds, demo.bot, deny=int(Permission.VIEW_CHANNEL))
        hidden = await alerts(sb, "subscribe", {"channel": demo.golds.id})
        assert "View Channel" in (hidden.content or "")
        assert "No subscriptions yet" in await listing(sb)


async def test_the_26th_subscription_in_a_server_is_refused() -> None:
    async with Sandbox(sample_files("w1000m")) as sb:
        bot = await started(sb)
        demo = sb.demo
        nations = bot.services.subscriptions.known_nocs()
        combos = itertools.product((demo.oranje, demo.golds, demo.general), nations)
        for channel, noc in itertools.islice(combos, 25):
            reply = await alerts(sb, "subscribe", {"channel": channel.id, "nation": noc})
            assert (reply.content or "").startswith("Subscribed"), reply.content
        channel, noc = next(combos)
        refused = await alerts(sb, "subscribe", {"channel": channel.id, "nation": noc})
        assert refused.ephemeral
        text = refused.content or ""
        assert "already has 25 subscriptions" in text and "/alerts unsubscribe" in text
        shown = await listing(sb)
        assert "(25/25)" in shown and f"<#{channel.id}>: " in shown
        assert shown.count("**#") == 25


async def test_bad_nation_and_unknown_sport_are_explained() -> None:
    async with Sandbox(sample_files("w1000m")) as sb:
        await started(sb)
        bad_nation = await alerts(sb, "subscribe", {"nation": "XX1"})
        assert bad_nation.ephemeral
        assert "“XX1” is not a nation code" in (bad_nation.content or "")
        bad_sport = await alerts(sb, "subscribe", {"sport": "speed skatin"})
        assert bad_sport.ephemeral
        text = bad_sport.content or ""
        assert "no sport called “speed skatin”" in text and "Did you mean Speed Skating?" in text
        assert "No subscriptions yet" in await listing(sb)


async def test_alerts_test_posts_a_sample_that_pings_nobody() -> None:
    async with Sandbox(sample_files("w1000m")) as sb:
        await started(sb)
        demo = sb.demo
        result = await sb.emulator.invoke(
            "/alerts test",
            {"channel": demo.oranje.id},
            member=demo.moderator,
            channel=demo.general,
            until=lambda r: bool(r.followups),
        )
        (confirmation,) = result.followups
        assert confirmation.ephemeral_for == demo.moderator.id
        assert f"Sample alert posted in <#{demo.oranje.id}>" in (confirmation.content or "")
        (sample,) = messages(sb, "oranje")
        assert len(sample.embeds) == 2 and all(e.get("title") for e in sample.embeds)
        assert not sample.version.embeds_stripped
        assert not sample.pings.anyone


async def test_a_paused_channel_is_listed_told_once_and_resumes() -> None:
    async with Sandbox(sample_files("w1000m")) as sb:
        bot = await started(sb)
        demo = sb.demo
        # the server's moderators read #general (their log channel)
        chosen = await alerts(sb, "logchannel", {"channel": demo.general.id})
        assert f"<#{demo.general.id}>" in (chosen.content or "")
        await sb.subscribe("oranje", nation="NED")
        oranje_posts = f"/channels/{demo.oranje.id}/messages"
        sb.emulator.set_overwrite(demo.oranje, demo.bot, deny=int(Permission.SEND_MESSAGES))
        sb.advance_feed()  # Femke KOK's Olympic record: refused with 403
        await sb.emulator.wait_for(lambda: bot.sender.stats.paused_channels == 1, timeout=5)

        shown = await listing(sb)
        assert "Paused: Missing Permissions" in shown and "/alerts resume" in shown

        sb.advance_feed()  # Jutta LEERDAM's record: the paused channel is not tried again
        await sb.emulator.wait_for(
            lambda: (s := bot.services.live.current) is not None and s.sequence >= 3, timeout=5
        )
        await settled(bot)
        assert len(sb.emulator.requests_to("POST", oranje_posts)) == 1
        told = await sb.emulator.wait_for(
            lambda: [m for m in messages(sb, "general") if "paused" in (m.content or "")], timeout=5
        )
        assert len(told) == 1 and f"<#{demo.oranje.id}>" in (told[0].content or "")
        assert "Missing Permissions" in (told[0].content or "")
        assert sb.emulator.invalid_requests == 1

        (sub,) = await bot.services.subscriptions.list(demo.guild.id)
        still_broken = await alerts(sb, "resume", {"subscription": sub.id})
        assert "I'm missing Send Messages" in (still_broken.content or "")
        sb.emulator.set_overwrite(demo.oranje, demo.bot)  # a moderator fixes the channel
        resumed = await alerts(sb, "resume", {"subscription": sub.id})
        assert resumed.ephemeral and (resumed.content or "").startswith("Resumed")
        assert "I can post there" in await listing(sb)

        while sb.advance_feed():  # the results become official: Leerdam's gold
            pass
        seen = await wait_titles(sb, "oranje", 1)
        assert "Jutta LEERDAM" in seen[0] and "gold" in seen[0]
        assert titles(sb, "oranje") == seen


async def test_the_alerts_command_is_for_moderators_and_servers_only() -> None:
    async with Sandbox(sample_files("w1000m")) as sb:
        await started(sb)
        (command,) = [c for c in sb.emulator.synced_commands() if c.name == "alerts"]
        assert command.default_member_permissions == int(Permission.MANAGE_GUILD)
        assert command.payload.get("dm_permission") is False
        assert command.payload.get("contexts") == [0]  # guild only
        # ... so the fan's Discord does not even offer it
        with pytest.raises(CommandNotAvailable):
            await alerts(sb, "list", member=sb.demo.fan)


async def test_without_a_log_channel_moderators_are_told_in_the_system_channel() -> None:
    async with Sandbox(sample_files("w1000m")) as sb:
        bot = await started(sb)
        demo = sb.demo  # #general is the server's system channel
        await alerts(sb, "logchannel", {"channel": demo.oranje.id})  # a log channel that breaks
        await sb.subscribe("oranje", nation="NED")
        sb.emulator.set_overwrite(demo.oranje, demo.bot, deny=int(Permission.SEND_MESSAGES))
        sb.advance_feed()
        await sb.emulator.wait_for(lambda: bot.sender.stats.paused_channels == 1, timeout=5)
        await settled(bot)
        told = await sb.emulator.wait_for(
            lambda: [m for m in messages(sb, "general") if "paused" in (m.content or "")],
            timeout=5,
        )
        assert len(told) == 1 and f"<#{demo.oranje.id}>" in (told[0].content or "")
        assert not told[0].pings.anyone
