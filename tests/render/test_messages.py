"""Whole messages: batches, role pings, Discord's limits, correction notices and samples."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import discord
import pytest
from msgspec.structs import replace

from medalbot.domain.alerts import MedalAlert, MedalWon, NocTally
from medalbot.domain.models import Medal
from medalbot.render.alerts import (
    RenderedMessage,
    render_alert,
    render_batch,
    render_corrected_message,
    render_corrected_original,
    sample_alert,
    split_for_discord,
)
from medalbot.render.text import utf16_len
from tests.render.discord_limits import assert_embeds_fit, embed_texts
from tests.render.test_alerts import (
    BLONDIN,
    KOK,
    LEERDAM,
    PODIUM,
    TAKAGI,
    correction_alert,
    fields,
    lines,
    medal_alert,
)

MENTION = re.compile(r"<@[!&]?\d+>|<#\d+>|@everyone|@here")


def assert_within_discord_limits(message: RenderedMessage) -> None:
    assert_embeds_fit(message.embeds)


def long_team_alert(index: int) -> MedalAlert:
    """A relay with long names: about 1,500 characters rendered."""
    members = tuple(f"Athlete Number{index}-{m} " + "Longname" * 6 for m in range(4))
    teams = tuple(
        MedalWon(medal, noc, f"{noc} relay team {index}", members=members, mark="1:08:12.5")
        for medal, noc in ((Medal.GOLD, "NOR"), (Medal.SILVER, "SWE"), (Medal.BRONZE, "FIN"))
    )
    alert = medal_alert(
        teams,
        tallies=(NocTally("NOR", 9, 4, 2), NocTally("SWE", 3, 3, 3), NocTally("FIN", 0, 1, 5)),
        sport="Cross-Country Skiing",
        event_name=f"Men's 4 x 10km Relay, heat {index} " + "with a very long event name " * 3,
    )
    return replace(alert, id=f"relay-{index}")


# --- batches and mentions ----------------------------------------------------------------------


def test_a_batch_pings_only_the_chosen_role() -> None:
    message = render_batch([medal_alert(PODIUM)], locale="en", role_id=789)
    assert message.content == "<@&789>"
    allowed = message.allowed_mentions
    assert allowed.everyone is False and allowed.users is False and allowed.replied_user is False
    assert dict(allowed.to_dict()) == {"parse": [], "roles": [789]}


def test_a_batch_without_a_role_pings_nobody() -> None:
    message = render_batch([medal_alert(PODIUM)], locale="en", role_id=None)
    assert message.content is None
    assert dict(message.allowed_mentions.to_dict()) == {"parse": []}


def test_a_batch_holds_one_embed_per_alert_in_order() -> None:
    alerts = [medal_alert((TAKAGI,)), medal_alert((KOK,)), medal_alert((LEERDAM,))]
    message = render_batch(alerts, locale="nl", highlight_noc="NED")
    assert [e.title for e in message.embeds] == [
        "🥉 Miho TAKAGI wint brons voor 🇯🇵 Japan",
        "🥈 Femke KOK wint zilver voor 🇳🇱 Nederland",
        "🥇 Jutta LEERDAM wint goud voor 🇳🇱 Nederland",
    ]


def test_a_competitor_named_like_mentions_pings_no_one_and_shows_no_mention() -> None:
    evil = MedalWon(Medal.GOLD, "NED", "@everyone <@&123> <@456>", mark="@here")
    alert = medal_alert((evil,), event_name="<@&123> Final @everyone")
    message = render_batch([alert], locale="en", highlight_noc="NED", role_id=789)

    assert message.content == "<@&789>"
    assert dict(message.allowed_mentions.to_dict()) == {"parse": [], "roles": [789]}
    texts = embed_texts(message.embeds[0])
    assert [t for t in texts if MENTION.search(t)] == []
    title = message.embeds[0].title or ""
    assert title.replace("\u200b", "") == "🥇 @everyone <@&123> <@456> wins gold for 🇳🇱 Netherlands"


def test_markdown_and_control_characters_in_feed_text_stay_plain() -> None:
    evil = MedalWon(
        Medal.SILVER, "NED", "**Femke**\n_KOK_ ~~x~~ ||y|| `z`\u202e", mark="[a](https://e.x)"
    )
    embed = render_alert(medal_alert((LEERDAM, evil), (LEERDAM, evil)), locale="en")
    podium = fields(embed)["Podium"].split("\n")
    assert podium[1] == (
        r"🥈 🇳🇱 \*\*Femke\*\* \_KOK\_ \~\~x\~\~ \|\|y\|\| \`z\` (NED) · \[a](https://e.x)"
    )
    unescaped = re.sub(r"\\.", "", podium[1])
    assert not any(marker in unescaped for marker in ("**", "~~", "||", "`", "["))


def test_more_than_ten_alerts_in_one_batch_say_how_many_were_left_out() -> None:
    alerts = [medal_alert((TAKAGI,)) for _ in range(12)]
    english = render_batch(alerts, locale="en")
    assert len(english.embeds) == 10
    assert english.embeds[-1].title == "➕ 3 more alerts are not shown here"
    dutch = render_batch(alerts, locale="nl")
    assert dutch.embeds[-1].title == "➕ Nog 3 meldingen worden hier niet getoond"


def test_an_empty_batch_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="at least one alert"):
        render_batch([], locale="en")


# --- Discord's limits --------------------------------------------------------------------------


def test_a_backlog_of_thirty_long_alerts_splits_into_messages_within_the_limits() -> None:
    alerts = [long_team_alert(i) for i in range(30)]
    groups = split_for_discord(alerts)

    assert [a for group in groups for a in group] == alerts  # all of them, in order
    assert len(groups) > 3  # the size limit, not only the 10 embeds, decided the split
    for group in groups:
        for locale in ("en", "nl"):
            message = render_batch(group, locale=locale, role_id=5)
            assert_within_discord_limits(message)
            # Split by size, nothing in a message needed shortening to fit.
            assert [e.to_dict() for e in message.embeds] == [
                render_alert(a, locale=locale).to_dict() for a in group
            ]


def test_short_alerts_split_by_ten() -> None:
    alerts = [medal_alert((TAKAGI,)) for _ in range(23)]
    assert [len(g) for g in split_for_discord(alerts, locale="en")] == [10, 10, 3]


def test_an_oversized_batch_is_shortened_not_refused() -> None:
    alerts = [long_team_alert(i) for i in range(10)]
    message = render_batch(alerts, locale="en")
    assert_within_discord_limits(message)
    titles = [e.title for e in message.embeds]
    assert titles == [render_alert(a, locale="en").title for a in alerts]  # headlines intact
    assert any("…" in text for e in message.embeds for text in embed_texts(e))


def test_a_300_character_name_is_cut_and_the_headline_still_reads_to_the_end() -> None:
    athlete = MedalWon(Medal.GOLD, "NED", "Jutta " + "L" * 294)
    embed = render_alert(medal_alert((athlete,)), locale="en")
    title = embed.title or ""
    assert utf16_len(title) <= 256
    assert title.startswith("🥇 Jutta LLLL")
    assert title.endswith("L… wins gold for 🇳🇱 Netherlands")


def test_long_event_names_are_cut_within_the_title_limit() -> None:
    alert = correction_alert((TAKAGI,), (BLONDIN,))
    long_event = replace(alert, event_name="Women's 1000m " * 30)
    title = render_alert(long_event, locale="nl").title or ""
    assert utf16_len(title) <= 256
    assert title.startswith("⚠️ Correctie: Schaatsen · Women's 1000m")
    assert title.endswith("…")


def test_a_huge_podium_is_cut_within_the_field_limit() -> None:
    podium = tuple(
        MedalWon(Medal.BRONZE, "NED", f"Athlete {i} " + "x" * 40, mark="1:00.00") for i in range(60)
    )
    message = render_batch([medal_alert(podium)], locale="en")
    assert_within_discord_limits(message)
    value = fields(message.embeds[0])["Podium"]
    assert value.startswith("🥉 🇳🇱 Athlete 0 ")
    assert value.endswith("\n…")


# --- corrections -------------------------------------------------------------------------------


def test_the_corrected_original_strikes_the_old_headline_and_shows_the_podium_now() -> None:
    original = medal_alert((TAKAGI,), (LEERDAM, KOK, TAKAGI))
    correction = correction_alert((TAKAGI,), (BLONDIN,), podium=(LEERDAM, KOK, BLONDIN))
    when = int(correction.detected_at.timestamp())

    english = render_corrected_original(original, correction, locale="en")
    assert english.title == "⚠️ Corrected: Speed Skating · Women's 1000m"
    assert english.colour == discord.Colour(0xE67E22)
    assert lines(english) == [
        "~~🥉 Miho TAKAGI wins bronze for 🇯🇵 Japan~~",
        "",
        f"This alert was corrected <t:{when}:R>:",
        "~~🥉 🇯🇵 Miho TAKAGI (JPN) · 1:13.95~~",
        "→ 🥉 🇨🇦 Ivanie BLONDIN (CAN) · 1:14.00",
    ]
    assert fields(english)["Podium"].split("\n")[-1] == "🥉 🇨🇦 Ivanie BLONDIN (CAN) · 1:14.00"
    assert fields(english)["Detected"] == f"<t:{when}:t> (<t:{when}:R>)"

    dutch = render_corrected_original(original, correction, locale="nl")
    assert dutch.title == "⚠️ Gecorrigeerd: Schaatsen · Women's 1000m"
    assert lines(dutch)[0] == "~~🥉 Miho TAKAGI wint brons voor 🇯🇵 Japan~~"
    assert lines(dutch)[2] == f"Deze melding is <t:{when}:R> gecorrigeerd:"


def test_editing_a_message_corrects_only_the_named_alert() -> None:
    gold, bronze = medal_alert((LEERDAM,)), replace(medal_alert((TAKAGI,)), id="bronze-1")
    correction = replace(correction_alert((TAKAGI,), (BLONDIN,)), corrects=("bronze-1",))
    embeds = render_corrected_message([gold, bronze], correction, locale="en")
    assert [e.title for e in embeds] == [
        "🥇 Jutta LEERDAM wins gold for 🇳🇱 Netherlands",
        "⚠️ Corrected: Speed Skating · Women's 1000m",
    ]


def test_an_edited_message_stays_within_the_limits_when_the_correction_makes_it_longer() -> None:
    alerts = [long_team_alert(i) for i in range(4)]
    assert split_for_discord(alerts) == [alerts]  # posted as one message
    correction = replace(
        correction_alert(alerts[0].podium, alerts[1].podium, podium=alerts[1].podium),
        corrects=(alerts[0].id,),
    )
    one_by_one = [render_corrected_original(alerts[0], correction, locale="nl")]
    one_by_one += [render_alert(a, locale="nl") for a in alerts[1:]]
    assert sum(len(e) for e in one_by_one) > 6000  # fitted one by one, the edit would fail

    embeds = render_corrected_message(alerts, correction, locale="nl")
    assert_within_discord_limits(RenderedMessage(None, embeds, discord.AllowedMentions.none()))
    assert (embeds[0].title or "").startswith("⚠️ Gecorrigeerd: Langlaufen · Men's 4 x 10km")
    assert [e.title for e in embeds[1:]] == [e.title for e in one_by_one[1:]]


# --- samples for /alerts test ------------------------------------------------------------------

NOW = datetime(2026, 2, 9, 17, 41, 5, tzinfo=UTC)


@pytest.mark.parametrize("kind", ["medal", "record", "correction"])
def test_samples_are_labelled_as_tests(kind: str) -> None:
    alert = sample_alert(kind, now=NOW)
    english = render_alert(alert, locale="en")
    assert lines(english)[0] == "🧪 **Test alert — not a real result**"
    assert english.footer.text == "Test alert · Milano Cortina 2026"
    dutch = render_alert(alert, locale="nl")
    assert lines(dutch)[0] == "🧪 **Testmelding — geen echte uitslag**"
    assert dutch.footer.text == "Testmelding · Milaan-Cortina 2026"
    assert (
        fields(english)["Detected"]
        == f"<t:{int(NOW.timestamp())}:t> (<t:{int(NOW.timestamp())}:R>)"
    )


def test_the_samples_tell_the_1000m_story() -> None:
    medal = render_alert(sample_alert("medal", now=NOW), locale="en", highlight_noc="NED")
    assert medal.title == "🥇 Jutta LEERDAM wins gold for 🇳🇱 Netherlands"
    assert len(fields(medal)["Podium"].split("\n")) == 3

    record = render_alert(sample_alert("record", now=NOW), locale="en")
    earlier = int((NOW - timedelta(minutes=4)).timestamp())
    assert lines(record)[2] == (
        "`OR` Olympic record **1:12.31** — beats 1:12.59 set by Femke KOK (NED) earlier in this "
        f"event, <t:{earlier}:R>"
    )

    correction = render_alert(sample_alert("correction", now=NOW), locale="en")
    assert lines(correction)[1:] == [
        "~~`OR` Olympic record · 🇳🇱 Femke KOK (NED) · 1:12.59~~",
        "→ withdrawn",
    ]


def test_an_unknown_sample_kind_names_the_known_ones() -> None:
    with pytest.raises(ValueError, match="medal, record, correction"):
        sample_alert("podium")
