"""What a reader sees in a daily digest and in the summary after quiet hours, English and Dutch."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import discord

from medalbot.domain.alerts import CorrectionAlert, MedalAlert, MedalWon
from medalbot.domain.digest import Digest, DigestEntry, DigestFilter, build_digest
from medalbot.domain.models import EventStatus, Medal
from medalbot.render.digest import render_digest, render_quiet_summary
from medalbot.render.limits import DESCRIPTION_MAX, FIELD_VALUE_MAX
from tests.domain.test_digest import ALERTS

DAY = date(2026, 2, 11)
NED_DAY = build_digest(ALERTS, day=DAY, follow=DigestFilter(noc="NED"))
ROLE = 77


def fields(embed: discord.Embed) -> dict[str, str]:
    return {str(f.name): str(f.value) for f in embed.fields}


def test_a_nations_digest_in_english() -> None:
    message = render_digest(NED_DAY, locale="en", role_id=ROLE)

    [embed] = message.embeds
    assert embed.title == "📰 Daily digest for 🇳🇱 Netherlands, Feb 11, 2026"
    assert embed.description == "🥇 1 · 🥈 2 · 🥉 0 · 2 records"
    shown = fields(embed)
    assert list(shown) == ["Medals", "Records", "Medal count"]
    assert shown["Medals"].split("\n") == [
        "🥇 🇳🇱 Jutta LEERDAM (NED) · 1:12.31 — **Speed Skating** · Women's 1000m",
        "🥈 🇳🇱 Femke KOK (NED) · 1:12.59 — **Speed Skating** · Women's 1000m",
        "🥈 🇳🇱 Daan VERMEULEN (NED) · 1:20.391 — **Short Track Speed Skating** · "
        "Men's 1000m (fictional)",
    ]
    assert shown["Records"].count("Olympic record") == 2
    assert shown["Medal count"] == "🇳🇱 **Netherlands**: 🥇 1 🥈 2 🥉 0 · 3 medals"
    assert embed.footer.text == "Milano Cortina 2026"
    # the subscription's role may be pinged, nobody else
    assert message.content == f"<@&{ROLE}>"
    # discord.py types AllowedMentions.roles as bool | list; here it is the list
    assert [r.id for r in message.allowed_mentions.roles] == [ROLE]  # type: ignore[union-attr]
    assert not message.allowed_mentions.everyone and not message.allowed_mentions.users


def test_a_nations_digest_in_dutch() -> None:
    [embed] = render_digest(NED_DAY, locale="nl").embeds

    assert embed.title == "📰 Dagoverzicht voor 🇳🇱 Nederland, 11 feb 2026"
    assert embed.description == "🥇 1 · 🥈 2 · 🥉 0 · 2 records"
    assert list(fields(embed)) == ["Medailles", "Records", "Medaillestand"]
    assert "**Schaatsen** · Women's 1000m" in fields(embed)["Medailles"]


def test_a_quiet_day_says_so_and_pings_nobody_without_a_role() -> None:
    empty = build_digest([], day=DAY, follow=DigestFilter())

    message = render_digest(empty, locale="en")

    [embed] = message.embeds
    assert embed.title == "📰 Daily digest, Feb 11, 2026"
    assert embed.description == "No medals or records since the last digest."
    assert embed.fields == [] and message.content is None
    assert message.allowed_mentions.roles is False and message.allowed_mentions.everyone is False


def test_a_correction_of_an_earlier_day_shows_what_changed() -> None:
    (fix,) = [a for a in ALERTS if isinstance(a, CorrectionAlert)]
    digest = build_digest([fix], day=DAY, follow=DigestFilter(noc="NED"))

    corrections = fields(render_digest(digest, locale="en").embeds[0])["Corrections"].split("\n")

    assert corrections[0] == "⚠️ **Short Track Speed Skating** · Men's 1000m (fictional)"
    assert "~~" in corrections[1] and "Liam BOUCHARD" in corrections[1]
    assert corrections[-2:] == [
        "\u2003→ 🥈 🇳🇱 Daan VERMEULEN (NED) · 1:20.391",
        "\u2003→ 🥉 🇨🇳 WANG Lei (CHN) · 1:20.512",
    ]


def _bronze(i: int, name: str = "Skater") -> MedalAlert:
    won = MedalWon(Medal.BRONZE, "NED", f"{name} {i}")
    return MedalAlert(
        id=f"m{i}",
        games="OWG2026",
        event=f"E{i}",
        sequence=i,
        detected_at=datetime(2026, 2, 11, 9, tzinfo=UTC) + timedelta(minutes=i),
        sport="Speed Skating",
        event_name=f"Event number {i} with a long name",
        event_status=EventStatus.OFFICIAL,
        medals=(won,),
    )


def test_a_long_day_is_cut_at_whole_lines_saying_how_many_are_left_out() -> None:
    entries = tuple(
        DigestEntry(
            "Speed Skating",
            f"Event {i}",
            MedalWon(Medal.BRONZE, "NED", f"Skater {i}"),
            _bronze(i).detected_at,
        )
        for i in range(60)
    )
    digest = Digest(day=DAY, noc="NED", medals=entries)

    value = fields(render_digest(digest, locale="en").embeds[0])["Medals"]

    assert len(value) <= FIELD_VALUE_MAX
    *shown, more = value.split("\n")
    assert all(line.startswith("🥉 ") for line in shown)
    assert more == f"…and {60 - len(shown)} more"
    assert shown[-1].startswith(f"🥉 🇳🇱 Skater {len(shown) - 1} (NED)")


def test_the_summary_after_quiet_hours_lists_each_alert_on_a_line() -> None:
    held = [_bronze(1), _bronze(2, "@everyone")]

    message = render_quiet_summary(held, locale="en", highlight_noc="NED", role_id=ROLE)

    [embed] = message.embeds
    assert embed.title == "🌙 2 alerts while it was quiet"
    first, second = str(embed.description).split("\n")
    unix = int(held[0].detected_at.timestamp())
    assert first == (
        f"<t:{unix}:t> · 🥉 Skater 1 wins bronze for 🇳🇱 Netherlands"
        " — Speed Skating · Event number 1 with a long name"
    )
    assert "@everyone" not in second.replace("@\u200beveryone", "")  # shown, but inert
    assert message.content == f"<@&{ROLE}>"
    # discord.py types AllowedMentions.roles as bool | list; here it is the list
    assert [r.id for r in message.allowed_mentions.roles] == [ROLE]  # type: ignore[union-attr]


def test_a_long_night_fits_one_summary_in_dutch() -> None:
    held = [_bronze(i) for i in range(200)]

    [embed] = render_quiet_summary(held, locale="nl").embeds

    assert embed.title == "🌙 200 meldingen tijdens de stille uren"
    assert len(str(embed.description)) <= DESCRIPTION_MAX
    *shown, more = str(embed.description).split("\n")
    assert more == f"…en nog {200 - len(shown)}"
    assert render_quiet_summary(held[:1], locale="nl").embeds[0].title == (
        "🌙 1 melding tijdens de stille uren"
    )
