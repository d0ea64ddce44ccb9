"""How subscriptions read to moderators, and /alerts list within one embed."""

from __future__ import annotations

from datetime import time

import pytest

from medalbot.domain.subscriptions import Subscription
from medalbot.i18n import translator
from medalbot.render.subscriptions import (
    describe_language,
    describe_schedule,
    describe_subscription,
    subscriptions_embed,
)
from medalbot.render.text import utf16_len
from medalbot.store.base import GuildSettings
from tests.render.discord_limits import assert_embeds_fit

NED = Subscription(
    id=7,
    guild_id=1,
    channel_id=22,
    noc="NED",
    sport="Speed Skating",
    golds_only=True,
    records=False,
    role_id=33,
    timezone="Europe/Amsterdam",
    quiet_start=time(23),
    quiet_end=time(7),
    records_break_through=True,
    digest_time=time(8),
)


def test_a_subscription_and_its_schedule_in_words() -> None:
    assert describe_subscription(NED, "en") == (
        "<#22>: 🇳🇱 Netherlands · Speed Skating · gold medals · records off, pings <@&33>"
    )
    assert describe_schedule(NED, translator("nl")) == [
        "🌙 Stille uren 23:00–07:00 (Europe/Amsterdam) · nieuwe records komen erdoor",
        "📰 Dagoverzicht om 08:00 (Europe/Amsterdam)",
    ]


def test_entries_of_exactly_4096_units_are_all_listed() -> None:
    entries = ["🇳🇱" * 511, "🇳🇱" * 511 + "🥇"]  # 2044 + 1 + 2046 = 4091 units
    entries.append("abcd")  # + 1 + 4 = 4096
    embed = subscriptions_embed(entries, count=3, limit=25, locale="en")
    assert embed.title == "Alert subscriptions (3/25)"
    assert embed.description == "\n".join(entries)
    assert utf16_len(embed.description) == 4096
    assert_embeds_fit([embed])


def test_one_unit_more_leaves_out_a_whole_entry_and_says_so() -> None:
    entries = ["🇳🇱" * 511, "🇳🇱" * 511 + "🥇", "abcde"]  # 4097 units, 3,070 code points
    embed = subscriptions_embed(entries, count=3, limit=25, locale="nl")
    assert embed.title == "Abonnementen op meldingen (3/25)"
    assert embed.description == "\n".join([*entries[:2], "… +1"])  # 4096 units: "… +1" fits
    assert_embeds_fit([embed])


@pytest.mark.parametrize(
    ("settings", "locale", "expected"),
    [
        (
            GuildSettings(1, discord_locale="fr"),
            "fr",
            "🌐 Langue\u00a0: Français — la langue Discord du serveur",
        ),
        (
            GuildSettings(1, "ja", discord_locale="fr"),
            "ja",
            "🌐 言語：日本語 — モデレーターが選択",
        ),
        (
            GuildSettings(1, discord_locale="pt-BR"),
            "pt_BR",
            "🌐 Idioma: Português (Brasil) — o idioma do Discord do servidor",
        ),
        (
            GuildSettings(1, discord_locale="ko"),
            "en",
            "🌐 Language: English — the server's Discord language (Korean) isn't one I speak yet",
        ),
        (GuildSettings(1), "en", "🌐 Language: English — the default"),
    ],
)
def test_the_servers_language_says_why_it_is_in_force(
    settings: GuildSettings, locale: str, expected: str
) -> None:
    assert settings.language == locale
    assert describe_language(settings, locale) == expected
