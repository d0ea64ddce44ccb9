"""What a reader sees for each kind of alert, in English and Dutch."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import discord
import pytest

from medalbot.domain.alerts import (
    CorrectionAlert,
    MedalAlert,
    MedalWon,
    NocTally,
    RecordAlert,
    RecordMark,
    RecordSet,
)
from medalbot.domain.models import EventStatus, Medal
from medalbot.render.alerts import render_alert

DETECTED = datetime(2026, 2, 9, 16, 41, 5, tzinfo=UTC)
UNIX = int(DETECTED.timestamp())

LEERDAM = MedalWon(Medal.GOLD, "NED", "Jutta LEERDAM", mark="1:12.31")
KOK = MedalWon(Medal.SILVER, "NED", "Femke KOK", mark="1:12.59")
TAKAGI = MedalWon(Medal.BRONZE, "JPN", "Miho TAKAGI", mark="1:13.95")
PODIUM = (LEERDAM, KOK, TAKAGI)


def medal_alert(
    medals: tuple[MedalWon, ...],
    podium: tuple[MedalWon, ...] | None = None,
    *,
    tallies: tuple[NocTally, ...] = (),
    status: EventStatus = EventStatus.OFFICIAL,
    sport: str = "Speed Skating",
    event_name: str = "Women's 1000m",
) -> MedalAlert:
    return MedalAlert(
        id="a1",
        games="OWG2026",
        event="SSKW1000M",
        sequence=412,
        detected_at=DETECTED,
        sport=sport,
        event_name=event_name,
        event_status=status,
        medals=medals,
        podium=podium if podium is not None else medals,
        tallies=tallies,
    )


def record_alert(record: RecordSet, status: EventStatus = EventStatus.UNOFFICIAL) -> RecordAlert:
    return RecordAlert(
        id="r1",
        games="OWG2026",
        event="SSKW1000M",
        sequence=411,
        detected_at=DETECTED,
        sport="Speed Skating",
        event_name="Women's 1000m",
        event_status=status,
        record=record,
    )


def correction_alert(
    before: tuple[MedalWon | RecordSet, ...],
    after: tuple[MedalWon | RecordSet, ...],
    *,
    podium: tuple[MedalWon, ...] = (),
    tallies: tuple[NocTally, ...] = (),
) -> CorrectionAlert:
    return CorrectionAlert(
        id="c1",
        games="OWG2026",
        event="SSKW1000M",
        sequence=430,
        detected_at=DETECTED + timedelta(hours=2),
        sport="Speed Skating",
        event_name="Women's 1000m",
        event_status=EventStatus.OFFICIAL,
        before=before,
        after=after,
        podium=podium,
        tallies=tallies,
    )


def fields(embed: discord.Embed) -> dict[str, str]:
    return {str(f.name): str(f.value) for f in embed.fields}


def lines(embed: discord.Embed) -> list[str]:
    return (embed.description or "").split("\n")


# --- medals ------------------------------------------------------------------------------------


def test_gold_in_english() -> None:
    alert = medal_alert(PODIUM, tallies=(NocTally("NED", 3, 2, 1), NocTally("JPN", 0, 1, 2)))
    embed = render_alert(alert, locale="en-US", highlight_noc="NED")

    assert embed.title == "🥇 Jutta LEERDAM wins gold for 🇳🇱 Netherlands"
    assert embed.colour == discord.Colour(0xD4AF37)
    assert lines(embed) == ["**Speed Skating** · Women's 1000m"]
    assert fields(embed) == {
        "Podium": "🥇 🇳🇱 Jutta LEERDAM (NED) · 1:12.31\n"
        "🥈 🇳🇱 Femke KOK (NED) · 1:12.59\n"
        "🥉 🇯🇵 Miho TAKAGI (JPN) · 1:13.95",
        "Medal count": "🇳🇱 **Netherlands**: 🥇 3 🥈 2 🥉 1 · 6 medals",
        "Status": "✅ Official",
        "Detected": f"<t:{UNIX}:t> (<t:{UNIX}:R>)",
    }
    assert embed.footer.text == "Milano Cortina 2026"


def test_gold_in_dutch() -> None:
    alert = medal_alert(PODIUM, tallies=(NocTally("NED", 3, 2, 1),))
    embed = render_alert(alert, locale="nl", highlight_noc="NED")

    assert embed.title == "🥇 Jutta LEERDAM wint goud voor 🇳🇱 Nederland"
    assert lines(embed) == ["**Schaatsen** · Women's 1000m"]
    shown = fields(embed)
    assert list(shown) == ["Podium", "Medaillestand", "Status", "Gemeld"]
    assert shown["Medaillestand"] == "🇳🇱 **Nederland**: 🥇 3 🥈 2 🥉 1 · 6 medailles"
    assert shown["Status"] == "✅ Officieel"
    assert embed.footer.text == "Milaan-Cortina 2026"


def test_a_bronze_decided_first_shows_the_podium_so_far() -> None:
    alert = medal_alert((TAKAGI,), status=EventStatus.UNOFFICIAL)
    embed = render_alert(alert, locale="en")

    assert embed.title == "🥉 Miho TAKAGI wins bronze for 🇯🇵 Japan"
    assert embed.colour == discord.Colour(0xCD7F32)
    assert fields(embed)["Podium so far"] == "🥉 🇯🇵 Miho TAKAGI (JPN) · 1:13.95"
    assert fields(embed)["Status"] == "⏳ Unofficial"
    assert fields(render_alert(alert, locale="nl"))["Podium tot nu toe"].startswith("🥉")


def test_new_medals_are_bold_when_part_of_the_podium_was_announced_before() -> None:
    embed = render_alert(medal_alert((LEERDAM, KOK), PODIUM), locale="en")
    assert fields(embed)["Podium"].split("\n") == [
        "🥇 🇳🇱 **Jutta LEERDAM** (NED) · 1:12.31",
        "🥈 🇳🇱 **Femke KOK** (NED) · 1:12.59",
        "🥉 🇯🇵 Miho TAKAGI (JPN) · 1:13.95",
    ]


def test_silver_headline_and_colour() -> None:
    embed = render_alert(medal_alert((KOK,)), locale="nl")
    assert embed.title == "🥈 Femke KOK wint zilver voor 🇳🇱 Nederland"
    assert embed.colour == discord.Colour(0xC0C0C0)


def test_the_subscribed_nation_gets_its_own_headline_and_count() -> None:
    tallies = (NocTally("NED", gold=1, silver=1), NocTally("JPN", bronze=1))
    alert = medal_alert(PODIUM, tallies=tallies)

    for_japan = render_alert(alert, locale="en", highlight_noc="JPN")
    assert for_japan.title == "🥉 Miho TAKAGI wins bronze for 🇯🇵 Japan"
    assert fields(for_japan)["Medal count"] == "🇯🇵 **Japan**: 🥇 0 🥈 0 🥉 1 · 1 medal"

    for_everyone = render_alert(alert, locale="en")
    assert for_everyone.title == "🥇 Jutta LEERDAM wins gold for 🇳🇱 Netherlands"
    assert fields(for_everyone)["Medal count"].split("\n") == [
        "🇳🇱 **Netherlands**: 🥇 1 🥈 1 🥉 0 · 2 medals",
        "🇯🇵 **Japan**: 🥇 0 🥈 0 🥉 1 · 1 medal",
    ]


def test_a_tie_for_gold_shows_two_golds() -> None:
    takagi_gold = MedalWon(Medal.GOLD, "JPN", "Miho TAKAGI", mark="1:12.31")
    bronze = MedalWon(Medal.BRONZE, "USA", "Erin JACKSON", mark="1:12.80")
    alert = medal_alert((LEERDAM, takagi_gold, bronze))

    english = render_alert(alert, locale="en")
    assert english.title == "🥇 Jutta LEERDAM 🇳🇱 and Miho TAKAGI 🇯🇵 share gold"
    assert fields(english)["Podium"].split("\n") == [
        "🥇 🇳🇱 Jutta LEERDAM (NED) · 1:12.31",
        "🥇 🇯🇵 Miho TAKAGI (JPN) · 1:12.31",
        "🥉 🇺🇸 Erin JACKSON (USA) · 1:12.80",
    ]
    dutch = render_alert(alert, locale="nl")
    assert dutch.title == "🥇 Jutta LEERDAM 🇳🇱 en Miho TAKAGI 🇯🇵 delen goud"


def test_a_team_medal_names_the_nation_and_lists_the_members() -> None:
    team = MedalWon(
        Medal.GOLD,
        "NED",
        "Netherlands",
        members=("Joy BEUNE", "Marijke GROENEWOUD", "Antoinette RIJPMA-DE JONG"),
        mark="2:55.61",
    )
    alert = medal_alert((team,), sport="Speed Skating", event_name="Women's Team Pursuit")

    english = render_alert(alert, locale="en")
    assert english.title == "🥇 🇳🇱 Netherlands wins gold"
    assert fields(english)["Podium"] == (
        "🥇 🇳🇱 Netherlands (NED) · 2:55.61\n"
        "\u2003Joy BEUNE, Marijke GROENEWOUD, and Antoinette RIJPMA-DE JONG"
    )
    dutch = render_alert(alert, locale="nl")
    assert dutch.title == "🥇 🇳🇱 Nederland wint goud"
    assert fields(dutch)["Podium"].endswith(
        "Joy BEUNE, Marijke GROENEWOUD en Antoinette RIJPMA-DE JONG"
    )


def test_a_team_named_otherwise_keeps_its_name_in_the_headline() -> None:
    sled = MedalWon(
        Medal.SILVER, "GER", "Germany 1", members=("Francesco FRIEDRICH", "Thorsten MARGIS")
    )
    embed = render_alert(medal_alert((sled,), sport="Bobsleigh", event_name="Two-man"), locale="nl")
    assert embed.title == "🥈 Germany 1 wint zilver voor 🇩🇪 Duitsland"
    assert lines(embed) == ["**Bobsleeën** · Two-man"]


def test_neutral_athletes_get_a_white_flag_and_their_name() -> None:
    ain = MedalWon(Medal.BRONZE, "AIN", "Adeliia PETROSIAN")
    embed = render_alert(medal_alert((ain,), sport="Figure Skating"), locale="en")
    assert embed.title == "🥉 Adeliia PETROSIAN wins bronze for 🏳️ Individual Neutral Athletes"


# --- records -----------------------------------------------------------------------------------


def test_record_beating_a_mark_set_earlier_in_this_event() -> None:
    set_at = DETECTED - timedelta(minutes=4)
    beaten = RecordMark("1:12.59", "NED", "Femke KOK", in_this_event=True, set_at=set_at)
    alert = record_alert(RecordSet("OR", "1:12.31", "NED", "Jutta LEERDAM", beats=beaten))
    stamp = int(set_at.timestamp())

    english = render_alert(alert, locale="en")
    assert english.title == "⚡ New Olympic record: Jutta LEERDAM, 🇳🇱 Netherlands"
    assert english.colour == discord.Colour(0x9B59B6)
    assert lines(english) == [
        "**Speed Skating** · Women's 1000m",
        "`OR` Olympic record **1:12.31** — beats 1:12.59 set by Femke KOK (NED) earlier in this "
        f"event, <t:{stamp}:R>",
    ]
    assert fields(english) == {
        "Status": "⏳ Unofficial",
        "Detected": f"<t:{UNIX}:t> (<t:{UNIX}:R>)",
    }

    dutch = render_alert(alert, locale="nl")
    assert dutch.title == "⚡ Nieuw olympisch record: Jutta LEERDAM, 🇳🇱 Nederland"
    assert lines(dutch)[1] == (
        "`OR` Olympisch record **1:12.31** — verbetert 1:12.59 die Femke KOK (NED) eerder in dit "
        f"onderdeel neerzette, <t:{stamp}:R>"
    )


def test_record_beating_a_standing_record() -> None:
    beaten = RecordMark("1:13.19", "JPN", "Miho TAKAGI", date="2022-02-17", place="Beijing")
    alert = record_alert(RecordSet("OR", "1:12.31", "NED", "Jutta LEERDAM", beats=beaten))

    assert lines(render_alert(alert, locale="en"))[1] == (
        "`OR` Olympic record **1:12.31** — beats 1:13.19 by Miho TAKAGI (JPN), Beijing, "
        "Feb 17, 2022"
    )
    assert lines(render_alert(alert, locale="nl"))[1] == (
        "`OR` Olympisch record **1:12.31** — verbetert 1:13.19 van Miho TAKAGI (JPN), Beijing, "
        "17 feb 2022"
    )


def test_an_equalled_record_has_its_own_wording() -> None:
    standing = RecordMark("1:13.19", "JPN", "Miho TAKAGI", date="2022-02-17", place="Beijing")
    alert = record_alert(
        RecordSet("OR", "1:13.19", "NED", "Femke KOK", equalled=True, beats=standing)
    )

    english = render_alert(alert, locale="en")
    assert english.title == "⚡ Olympic record equalled: Femke KOK, 🇳🇱 Netherlands"
    assert lines(english)[1] == (
        "`=OR` Olympic record **1:13.19** — equals 1:13.19 by Miho TAKAGI (JPN), Beijing, "
        "Feb 17, 2022"
    )
    dutch = render_alert(alert, locale="nl")
    assert dutch.title == "⚡ Olympisch record geëvenaard: Femke KOK, 🇳🇱 Nederland"
    assert "— evenaart 1:13.19 van Miho TAKAGI (JPN)" in lines(dutch)[1]


def test_equalling_a_mark_from_earlier_in_this_event() -> None:
    earlier = RecordMark("1:12.31", "NED", "Jutta LEERDAM", in_this_event=True)
    alert = record_alert(
        RecordSet("OR", "1:12.31", "JPN", "Miho TAKAGI", equalled=True, beats=earlier)
    )
    assert lines(render_alert(alert, locale="en"))[1] == (
        "`=OR` Olympic record **1:12.31** — equals 1:12.31 set by Jutta LEERDAM (NED) earlier in "
        "this event"
    )


@pytest.mark.parametrize(
    ("code", "title", "sentence"),
    [
        ("WR", "⚡ New world record: ", "`WR` World record **1:11.61**"),
        ("TR", "⚡ New track record: ", "`TR` Track record **1:11.61**"),
        ("XR", "⚡ New XR record: ", "`XR` XR record **1:11.61**"),
    ],
)
def test_record_codes_are_named(code: str, title: str, sentence: str) -> None:
    embed = render_alert(
        record_alert(RecordSet(code, "1:11.61", "NED", "Jutta LEERDAM")), locale="en"
    )
    assert (embed.title or "").startswith(title)
    assert lines(embed)[1] == sentence


def test_dutch_world_record() -> None:
    embed = render_alert(
        record_alert(RecordSet("WR", "1:11.61", "NED", "Jutta LEERDAM")), locale="nl"
    )
    assert embed.title == "⚡ Nieuw wereldrecord: Jutta LEERDAM, 🇳🇱 Nederland"
    assert lines(embed)[1] == "`WR` Wereldrecord **1:11.61**"


# --- corrections -------------------------------------------------------------------------------


BLONDIN = MedalWon(Medal.BRONZE, "CAN", "Ivanie BLONDIN", mark="1:14.00")


def test_a_medal_changing_hands() -> None:
    alert = correction_alert(
        (TAKAGI,),
        (BLONDIN,),
        podium=(LEERDAM, KOK, BLONDIN),
        tallies=(NocTally("CAN", bronze=1),),
    )
    english = render_alert(alert, locale="en")
    assert english.title == "⚠️ Correction: Speed Skating · Women's 1000m"
    assert english.colour == discord.Colour(0xE67E22)
    assert lines(english) == [
        "~~🥉 🇯🇵 Miho TAKAGI (JPN) · 1:13.95~~",
        "→ 🥉 🇨🇦 Ivanie BLONDIN (CAN) · 1:14.00",
    ]
    assert fields(english)["Podium"].split("\n")[2] == "🥉 🇨🇦 Ivanie BLONDIN (CAN) · 1:14.00"
    assert fields(english)["Medal count"] == "🇨🇦 **Canada**: 🥇 0 🥈 0 🥉 1 · 1 medal"

    dutch = render_alert(alert, locale="nl")
    assert dutch.title == "⚠️ Correctie: Schaatsen · Women's 1000m"
    assert list(fields(dutch)) == ["Podium", "Medaillestand", "Status", "Gemeld"]


def test_a_withdrawn_medal() -> None:
    alert = correction_alert((TAKAGI,), ())
    assert lines(render_alert(alert, locale="en"))[-1] == "→ withdrawn"
    assert lines(render_alert(alert, locale="nl"))[-1] == "→ ingetrokken"


def test_a_withdrawn_record() -> None:
    alert = correction_alert((RecordSet("OR", "1:12.59", "NED", "Femke KOK"),), ())
    assert lines(render_alert(alert, locale="en")) == [
        "~~`OR` Olympic record · 🇳🇱 Femke KOK (NED) · 1:12.59~~",
        "→ withdrawn",
    ]


def test_a_corrected_team_medal_strikes_each_line() -> None:
    team = MedalWon(Medal.SILVER, "NOR", "Norway", members=("Ola NORDMANN", "Kari NORDMANN"))
    alert = correction_alert((team,), ())
    assert lines(render_alert(alert, locale="en"))[:2] == [
        "~~🥈 🇳🇴 Norway (NOR)~~",
        "\u2003~~Ola NORDMANN and Kari NORDMANN~~",
    ]
