"""Spoiler-safe alerts: the content and the title say only that a medal or record happened in an
event; names, nations, marks, the podium and the medal count are inside spoiler tags, in every
language, within Discord's limits, also corrected, official, in digests and quiet summaries."""

from __future__ import annotations

from datetime import UTC, datetime

import discord
import msgspec
import pytest

from medalbot.domain.alerts import (
    Alert,
    CorrectionAlert,
    MedalAlert,
    MedalWon,
    NocTally,
    RecordAlert,
    RecordSet,
)
from medalbot.domain.detection import apply_snapshot
from medalbot.domain.digest import DigestFilter, build_digest
from medalbot.domain.models import EventStatus
from medalbot.domain.state import Applied, GamesState
from medalbot.i18n import SUPPORTED_LOCALES, flag_emoji, nation_name
from medalbot.render.alerts import (
    render_alert,
    render_batch,
    render_corrected_message,
    split_for_discord,
)
from medalbot.render.digest import render_digest, render_quiet_summary
from medalbot.render.text import safe
from medalbot.samples import load_sample
from tests.render.discord_limits import assert_embeds_fit
from tests.render.spoilers import message_texts, spoiled, unhidden
from tests.render.test_alerts import (
    KOK,
    LEERDAM,
    PODIUM,
    TAKAGI,
    correction_alert,
    medal_alert,
    record_alert,
)

ROLE = 1234567890123456789
LEERDAM_RECORD = RecordSet("OR", "1:12.31", "NED", "Jutta LEERDAM")


def games_day() -> list[Alert]:
    state: GamesState | None = None
    found: list[Alert] = []
    for snap in load_sample("gamesday"):
        outcome = apply_snapshot(state, snap)
        assert isinstance(outcome, Applied), outcome
        state = outcome.state
        found += outcome.alerts
    return found


def _items(alert: Alert) -> list[MedalWon | RecordSet]:
    if isinstance(alert, MedalAlert):
        return [*alert.medals, *alert.podium]
    if isinstance(alert, RecordAlert):
        return [alert.record]
    return [*alert.before, *alert.after, *alert.podium]


def secrets(alerts: list[Alert], locale: str) -> set[str]:
    """What would spoil: every name, team member, nation (name, flag, code) and mark."""
    found: set[str] = set()
    for alert in alerts:
        for item in _items(alert):
            found |= {safe(item.name), f"({item.noc})", flag_emoji(item.noc)}
            found.add(safe(nation_name(item.noc, locale)))
            found |= {safe(m) for m in getattr(item, "members", ())}
            if item.mark and not item.mark.isdigit():  # "57" could be part of a timestamp
                found.add(safe(item.mark))
    return found


def shown(message_content: str | None, embeds: list[discord.Embed]) -> list[str]:
    return message_texts(message_content, embeds)


def official(alert: Alert) -> Alert:
    return msgspec.structs.replace(alert, event_status=EventStatus.OFFICIAL)


# --- what a channel shows, in English ----------------------------------------------------------


def test_a_medal_says_only_that_it_was_decided_and_where() -> None:
    alert = medal_alert(PODIUM, tallies=(NocTally("NED", 3, 2, 1),), status=EventStatus.UNOFFICIAL)

    message = render_batch([alert], locale="en", highlight_noc="NED", role_id=42, spoiler_safe=True)

    [embed] = message.embeds
    headline = "🥇 Medal decided: Speed Skating · Women's 1000m"
    assert message.content == f"<@&42>\n{headline}"
    assert embed.title == headline
    assert embed.description == "**Speed Skating** · Women's 1000m"
    assert {str(f.name): str(f.value) for f in embed.fields} == {
        "Podium so far": "||🥇 🇳🇱 Jutta LEERDAM (NED) · 1:12.31||\n"
        "||🥈 🇳🇱 Femke KOK (NED) · 1:12.59||\n"
        "||🥉 🇯🇵 Miho TAKAGI (JPN) · 1:13.95||",
        "Medal count": "||🇳🇱 **Netherlands**: 🥇 3 🥈 2 🥉 1 · 6 medals||",
        "Status": "⏳ Unofficial",
        "Detected": f"<t:{int(alert.detected_at.timestamp())}:t>"
        f" (<t:{int(alert.detected_at.timestamp())}:R>)",
    }
    # the role still pings: the mention is in the content and allowed
    assert message.allowed_mentions.roles == [discord.Object(id=42)]


def test_a_bronze_for_the_followed_nation_looks_like_any_medal() -> None:
    bronze = render_alert(
        medal_alert((TAKAGI,)), locale="en", highlight_noc="JPN", spoiler_safe=True
    )
    gold = render_alert(medal_alert(PODIUM), locale="en", highlight_noc="NED", spoiler_safe=True)

    assert bronze.title == gold.title == "🥇 Medal decided: Speed Skating · Women's 1000m"
    assert bronze.colour == gold.colour  # the side bar's colour would tell the medal


def test_a_record_hides_its_holder_and_mark() -> None:
    embed = render_alert(record_alert(LEERDAM_RECORD), locale="en", spoiler_safe=True)

    assert embed.title == "⚡ Record set: Speed Skating · Women's 1000m"
    event, sentence = (embed.description or "").split("\n")
    assert event == "**Speed Skating** · Women's 1000m"
    assert sentence.startswith("||") and sentence.endswith("||")
    assert "1:12.31" in sentence and "1:12.31" not in unhidden(sentence)


def test_without_spoilers_nothing_changes() -> None:
    alert = medal_alert(PODIUM)
    plain = render_batch([alert], locale="en", role_id=42)
    assert plain.content == "<@&42>"
    assert plain.embeds[0].title == "🥇 Jutta LEERDAM wins gold for 🇳🇱 Netherlands"
    assert "||" not in "".join(message_texts(plain.content, plain.embeds))
    assert render_batch([alert], locale="en").content is None
    assert render_batch([alert], locale="en", spoiler_safe=True).content == (
        "🥇 Medal decided: Speed Skating · Women's 1000m"
    )


def test_a_corrected_message_keeps_its_spoilers() -> None:
    original = medal_alert(PODIUM)
    fix = correction_alert((KOK,), (TAKAGI,), podium=(LEERDAM, TAKAGI))
    fix = msgspec.structs.replace(fix, corrects=(original.id,))

    [edited] = render_corrected_message([original], fix, locale="en", spoiler_safe=True)

    assert edited.title == "⚠️ Corrected: Speed Skating · Women's 1000m"
    texts = message_texts(None, [edited])
    assert spoiled(texts, secrets([original, fix], "en")) == []
    assert "Femke KOK" in "".join(texts)  # still there, behind the tags


# --- every alert of the Games day, in every language -------------------------------------------


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_every_alert_hides_every_name_within_discords_limits(locale: str) -> None:
    alerts = games_day()
    assert {type(a) for a in alerts} == {MedalAlert, RecordAlert, CorrectionAlert}
    hidden = secrets(alerts, locale)
    by_id = {a.id: a for a in alerts}
    for alert in alerts:
        for noc in (None, "NED"):
            message = render_batch(
                [alert], locale=locale, highlight_noc=noc, role_id=ROLE, spoiler_safe=True
            )
            assert_embeds_fit(message.embeds)
            assert spoiled(shown(message.content, message.embeds), hidden) == [], alert.id
            edit = render_batch([official(alert)], locale=locale, spoiler_safe=True).embeds
            assert spoiled(shown(None, edit), hidden) == [], alert.id
        if isinstance(alert, CorrectionAlert):
            originals = [by_id[i] for i in alert.corrects if i in by_id]
            if originals:
                embeds = render_corrected_message(
                    originals, alert, locale=locale, spoiler_safe=True
                )
                assert_embeds_fit(embeds)
                assert spoiled(shown(None, embeds), hidden) == [], alert.id
    for group in split_for_discord(alerts, locale=locale, spoiler_safe=True):
        message = render_batch(group, locale=locale, role_id=ROLE, spoiler_safe=True)
        assert_embeds_fit(message.embeds)
        assert len((message.content or "").encode("utf-16-le")) // 2 <= 2000
        assert message.content is not None and message.content.startswith(f"<@&{ROLE}>\n")
        assert spoiled(shown(message.content, message.embeds), hidden) == []


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_digests_and_quiet_summaries_hide_every_name(locale: str) -> None:
    alerts = games_day()
    hidden = secrets(alerts, locale)
    day = alerts[0].detected_at.date()
    for follow in (DigestFilter(), DigestFilter(golds_only=True)):
        digest = build_digest(alerts, day=day, follow=follow)
        message = render_digest(digest, locale=locale, role_id=ROLE, spoiler_safe=True)
        assert_embeds_fit(message.embeds)
        assert spoiled(shown(message.content, message.embeds), hidden) == []
    # a nation's digest names that nation in its title (what the channel follows), nothing else
    ned = render_digest(
        build_digest(alerts, day=day, follow=DigestFilter(noc="NED")),
        locale=locale,
        spoiler_safe=True,
    )
    [embed] = ned.embeds
    body = [embed.description or "", *(f"{f.name}\n{f.value}" for f in embed.fields)]
    followed = {"(NED)", flag_emoji("NED"), safe(nation_name("NED", locale))}
    assert spoiled(body, hidden - followed) == []
    summary = render_quiet_summary(alerts, locale=locale, role_id=ROLE, spoiler_safe=True)
    assert_embeds_fit(summary.embeds)
    assert spoiled(shown(summary.content, summary.embeds), hidden) == []


def test_a_quiet_summary_line_says_what_happened_where_and_hides_who() -> None:
    alert = medal_alert(PODIUM)
    [embed] = render_quiet_summary([alert], locale="en", spoiler_safe=True).embeds
    when = f"<t:{int(alert.detected_at.timestamp())}:t>"
    assert embed.description == (
        f"{when} · 🥇 Medal decided: Speed Skating · Women's 1000m"
        " · ||🥇 Jutta LEERDAM wins gold for 🇳🇱 Netherlands||"
    )


def test_a_digest_shows_the_events_and_hides_the_medals() -> None:
    alert = medal_alert(PODIUM)
    day = datetime(2026, 2, 9, tzinfo=UTC).date()
    digest = build_digest([alert], day=day, follow=DigestFilter())
    [embed] = render_digest(digest, locale="en", spoiler_safe=True).embeds
    assert (embed.description or "").startswith("||🥇 1 · 🥈 1 · 🥉 1||")
    medals = {str(f.name): str(f.value) for f in embed.fields}["Medals"].split("\n")
    assert medals[0] == (
        "**Speed Skating** · Women's 1000m — ||🥇 🇳🇱 Jutta LEERDAM (NED) · 1:12.31||"
    )
