"""Quiet hours and the daily digest end to end: the real bot on the Discord emulator, a feed
replaying the women's 1000m, and a fake clock the bot's services and sender read.

APScheduler runs on real time, so the digest test checks that the job is scheduled at the
chosen local time in the chosen time zone, then runs that very job at that moment of the fake
clock, as the scheduler would. Every assertion reads what people in the channels see.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from discord_emulator import StoredMessage

from medalbot.delivery.digest import DigestOutcome
from medalbot.delivery.digest_schedule import digest_job_id
from medalbot.samples import sample_files
from medalbot.sandbox import Sandbox
from tests.e2e.test_bot_alerts import replay_all

pytestmark = pytest.mark.e2e

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
NIGHT = datetime(2026, 2, 10, 1, 30, tzinfo=AMSTERDAM)  # quiet hours 23:00-07:00
MORNING = datetime(2026, 2, 10, 7, 0, tzinfo=AMSTERDAM)


class FakeClock:
    def __init__(self, now: datetime) -> None:
        self.now = now.astimezone(UTC)

    def __call__(self) -> datetime:
        return self.now

    def set(self, moment: datetime) -> None:
        self.now = moment.astimezone(UTC)


def posted(sb: Sandbox, channel_name: str) -> list[StoredMessage]:
    channel = sb.emulator.world.find_channel(sb.demo.guild, channel_name)
    return [m for m in sb.emulator.transcript(channel) if m.author.id == sb.emulator.bot_user.id]


def titles(sb: Sandbox, channel_name: str) -> list[str]:
    return [str(e.get("title", "")) for m in posted(sb, channel_name) for e in m.embeds]


async def subscription_id(sb: Sandbox, channel_name: str) -> int:
    assert sb.bot is not None
    channel = sb.emulator.world.find_channel(sb.demo.guild, channel_name)
    subs = await sb.bot.services.store.list_subscriptions(sb.demo.guild.id)
    (sub,) = [s for s in subs if s.channel_id == channel.id]
    return sub.id


async def moderator(sb: Sandbox, command: str, **options: object) -> str:
    result = await sb.emulator.invoke(
        command, options, member=sb.demo.moderator, channel=sb.demo.general
    )
    assert result.ephemeral, result.content
    return result.content or ""


async def test_quiet_hours_hold_alerts_and_the_morning_gets_one_summary() -> None:
    clock = FakeClock(NIGHT)
    async with Sandbox(sample_files("w1000m"), clock=clock) as sb:
        bot = await sb.start_bot()
        role = sb.demo.alerts_role.id
        await sb.subscribe("oranje", nation="NED", role=role)
        await sb.subscribe("golds", nation="NED", role=role)
        reply = await moderator(
            sb,
            "/alerts quiet",
            subscription=await subscription_id(sb, "oranje"),
            timezone="Europe/Amsterdam",
            start="23:00",
            end="07:00",
        )
        assert "Quiet hours" in reply and "23:00–07:00 (Europe/Amsterdam)" in reply
        await moderator(
            sb,
            "/alerts quiet",
            subscription=await subscription_id(sb, "golds"),
            timezone="Europe/Amsterdam",
            start="23:00",
            end="07:00",
            records_break_through=True,
        )
        listing = await sb.emulator.invoke(
            "/alerts list", member=sb.demo.moderator, channel=sb.demo.general
        )
        assert str(listing.embeds).count("Quiet hours 23:00–07:00 (Europe/Amsterdam)") == 2
        assert "new records break through" in str(listing.embeds)

        await replay_all(sb)  # two Olympic records, then the podium, all at 01:30
        await sb.emulator.wait_for(
            lambda: bot.sender.stats.held >= 4 and len(titles(sb, "golds")) >= 2, timeout=10
        )
        await bot.sender.wait_idle()

        # #oranje: nothing posted, nothing even sent to Discord, nobody pinged
        assert posted(sb, "oranje") == []
        oranje = sb.emulator.world.find_channel(sb.demo.guild, "oranje")
        assert sb.emulator.requests_to("POST", f"/channels/{oranje.id}/messages") == []
        # #golds let the records through, and only them
        night = titles(sb, "golds")
        assert len(night) == 2 and all("Olympic record" in t for t in night), night

        clock.set(MORNING)
        await sb.emulator.wait_for(lambda: posted(sb, "oranje"), timeout=5)
        await sb.emulator.wait_for(lambda: len(posted(sb, "golds")) >= 3, timeout=5)
        await bot.sender.wait_idle()

        [summary] = posted(sb, "oranje")
        [embed] = summary.embeds
        assert embed["title"] == "🌙 3 alerts while it was quiet"
        lines = str(embed["description"]).split("\n")
        assert "Femke KOK" in lines[0] and "Jutta LEERDAM" in lines[1]
        assert "Jutta LEERDAM wins gold" in lines[2]
        assert summary.pings.roles == {role} and not summary.pings.everyone
        golds = titles(sb, "golds")
        assert golds[2:] == ["🌙 1 alert while it was quiet"]


async def test_the_digest_posts_the_days_summary_at_its_local_time_once(tmp_path: Path) -> None:
    afternoon = datetime(2026, 2, 10, 15, 0, tzinfo=AMSTERDAM)
    clock = FakeClock(afternoon)
    db = f"sqlite:///{tmp_path / 'medalbot.db'}"
    async with Sandbox(sample_files("w1000m"), store_url=db, clock=clock) as sb:
        bot = await sb.start_bot()
        role = sb.demo.alerts_role.id
        await sb.subscribe("oranje", nation="NED", role=role)
        sub_id = await subscription_id(sb, "oranje")

        reply = await moderator(
            sb, "/alerts digest", subscription=sub_id, time="20:00", timezone="Europe/Amsterdam"
        )
        assert "Daily digest" in reply and "20:00 (Europe/Amsterdam)" in reply

        # The job fires at the next 20:00 in Amsterdam, whatever the server's own time zone.
        cog = bot.background
        job = cog.scheduler.get_job(digest_job_id(time(20), "Europe/Amsterdam"))
        assert job is not None
        now = datetime.now(AMSTERDAM)
        expected = now.replace(hour=20, minute=0, second=0, microsecond=0)
        if expected <= now:
            expected = (expected + timedelta(days=1)).replace(hour=20)
        assert job.next_run_time == expected
        assert (job.max_instances, job.coalesce, job.misfire_grace_time) == (1, True, 900)

        await replay_all(sb)  # the 1000m, logged at 15:00
        await sb.emulator.wait_for(lambda: len(posted(sb, "oranje")) >= 1, timeout=10)
        await bot.sender.wait_idle()
        alerts_seen = len(posted(sb, "oranje"))

        clock.set(datetime(2026, 2, 10, 20, 0, 2, tzinfo=AMSTERDAM))
        assert await job.func(*job.args) == {sub_id: DigestOutcome.POSTED}
        assert await job.func(*job.args) == {sub_id: DigestOutcome.ALREADY_POSTED}

        digests = posted(sb, "oranje")[alerts_seen:]
        assert len(digests) == 1
        [embed] = digests[0].embeds
        assert embed["title"] == "📰 Daily digest for 🇳🇱 Netherlands, Feb 10, 2026"
        fields = {f["name"]: f["value"] for f in embed["fields"]}
        assert "Jutta LEERDAM" in fields["Medals"] and "Femke KOK" in fields["Medals"]
        assert fields["Records"].count("Olympic record") == 2
        assert digests[0].pings.roles == {role}

        # A restart at 20:00:30: the job is rebuilt from the database, and the start-up
        # catch-up finds today's digest already posted.
        clock.set(datetime(2026, 2, 10, 20, 0, 30, tzinfo=AMSTERDAM))
        await sb.stop_bot()
        bot = await sb.start_bot()
        cog = bot.background
        await sb.emulator.wait_for(cog.digests_caught_up.is_set, timeout=5)
        rebuilt = cog.scheduler.get_job(digest_job_id(time(20), "Europe/Amsterdam"))
        assert rebuilt is not None and rebuilt.next_run_time == expected
        assert await rebuilt.func(*rebuilt.args) == {sub_id: DigestOutcome.ALREADY_POSTED}
        await bot.sender.wait_idle()
        assert len(posted(sb, "oranje")) == alerts_seen + 1
        # not even re-sent (Discord would have deduplicated a re-send by its nonce)
        sends = sb.emulator.requests_to("POST", "/messages")
        assert [r.json.get("nonce") for r in sends].count(digests[0].nonce) == 1


async def test_a_digest_missed_while_the_bot_was_down_is_posted_when_it_is_back(
    tmp_path: Path,
) -> None:
    clock = FakeClock(datetime(2026, 2, 10, 7, 30, tzinfo=AMSTERDAM))
    db = f"sqlite:///{tmp_path / 'medalbot.db'}"
    async with Sandbox(sample_files("w1000m"), store_url=db, clock=clock) as sb:
        await sb.start_bot()
        await sb.subscribe("oranje", nation="NED")
        await moderator(
            sb,
            "/alerts digest",
            subscription=await subscription_id(sb, "oranje"),
            time="08:00",
            timezone="Europe/Amsterdam",
        )
        await sb.stop_bot()  # down from 07:30 until 09:15: the 08:00 digest is missed

        clock.set(datetime(2026, 2, 10, 9, 15, tzinfo=AMSTERDAM))
        bot = await sb.start_bot()
        cog = bot.background
        await sb.emulator.wait_for(cog.digests_caught_up.is_set, timeout=5)

        [digest] = posted(sb, "oranje")
        assert digest.embeds[0]["title"] == "📰 Daily digest for 🇳🇱 Netherlands, Feb 10, 2026"
        assert digest.embeds[0]["description"] == "No medals or records since the last digest."
        assert not digest.pings.anyone  # no role chosen: nobody pinged


async def test_moderators_get_time_zones_offered_and_clear_refusals() -> None:
    async with Sandbox(sample_files("w1000m")) as sb:
        bot = await sb.start_bot()
        await sb.subscribe("oranje", nation="NED")
        sub_id = await subscription_id(sb, "oranje")

        offered = await sb.emulator.autocomplete(
            "/alerts quiet",
            "timezone",
            "amster",
            {"subscription": sub_id},
            member=sb.demo.moderator,
            channel=sb.demo.general,
        )
        assert offered[0]["value"] == "Europe/Amsterdam"

        refused = await moderator(
            sb, "/alerts quiet", subscription=sub_id, timezone="Mars/Olympus", start="23:00"
        )
        assert refused.startswith("“Mars/Olympus” is not a time zone I know")
        refused = await moderator(
            sb, "/alerts digest", subscription=sub_id, time="8 o'clock", timezone="Asia/Tokyo"
        )
        assert "is not a time of day" in refused

        await moderator(sb, "/alerts digest", subscription=sub_id, time="07:30")
        assert bot.background.scheduler.get_job(digest_job_id(time(7, 30), "UTC")) is not None
        reply = await moderator(sb, "/alerts digest", subscription=sub_id, time="off")
        assert reply.startswith("No daily digest for")
        assert bot.background.scheduler.get_job(digest_job_id(time(7, 30), "UTC")) is None
        [sub] = await bot.services.store.list_subscriptions(sb.demo.guild.id)
        assert sub.schedule.digest_time is None and sub.schedule.quiet_start is None


async def test_channels_with_the_same_digest_time_share_one_job_and_each_get_their_digest() -> None:
    clock = FakeClock(datetime(2026, 2, 10, 15, 0, tzinfo=AMSTERDAM))
    async with Sandbox(sample_files("w1000m"), clock=clock) as sb:
        bot = await sb.start_bot()
        await sb.subscribe("oranje", nation="NED")
        await sb.subscribe("golds", nation="NED")
        oranje, golds = await subscription_id(sb, "oranje"), await subscription_id(sb, "golds")
        for sub_id in (oranje, golds):
            await moderator(
                sb, "/alerts digest", subscription=sub_id, time="20:00", timezone="Europe/Amsterdam"
            )
        cog = bot.background
        digest_jobs = [j.id for j in cog.scheduler.get_jobs() if j.id.startswith("digest:")]
        assert digest_jobs == [digest_job_id(time(20), "Europe/Amsterdam")]
        [job] = [j for j in cog.scheduler.get_jobs() if j.id in digest_jobs]

        clock.set(datetime(2026, 2, 10, 20, 0, 2, tzinfo=AMSTERDAM))
        await job.func(*job.args)
        await job.func(*job.args)  # a second run the same day posts nothing more

        title = "📰 Daily digest for 🇳🇱 Netherlands, Feb 10, 2026"
        assert titles(sb, "oranje") == titles(sb, "golds") == [title]

        # the job stays while one of them still wants a digest at 20:00, and only then
        await moderator(sb, "/alerts unsubscribe", subscription=oranje)
        assert cog.scheduler.get_job(job.id) is not None
        await moderator(sb, "/alerts digest", subscription=golds, time="off")
        assert cog.scheduler.get_job(job.id) is None
