"""Every alert kind and every fans' reply, rendered in every language from the bundled Games day,
stays within Discord's limits (counted in UTF-16 units, as Discord counts them)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from functools import cache

import discord
import pytest

from medalbot.domain.alerts import Alert, CorrectionAlert, MedalAlert, RecordAlert
from medalbot.domain.detection import apply_snapshot
from medalbot.domain.digest import DigestFilter, build_digest
from medalbot.domain.state import Applied, GamesState
from medalbot.i18n import SUPPORTED_LOCALES, translator
from medalbot.render.alerts import (
    RenderedMessage,
    render_alert,
    render_batch,
    render_corrected_original,
    split_for_discord,
)
from medalbot.render.digest import render_digest, render_quiet_summary
from medalbot.render.replies import (
    athlete_embed,
    medal_table_embed,
    nation_embed,
    pages,
    podium_embed,
    records_embed,
    schedule_embed,
)
from medalbot.render.sample import SAMPLE_KINDS, sample_alert
from medalbot.samples import load_sample
from medalbot.services.clock import Clock
from medalbot.services.live import LiveState
from medalbot.services.queries import QueryService

TRANSLATED = [code for code in SUPPORTED_LOCALES if code != "en"]


def units(text: str | None) -> int:
    """Length as Discord counts it: UTF-16 code units (a flag emoji is 4)."""
    return len((text or "").encode("utf-16-le")) // 2


def embed_problems(embed: discord.Embed) -> list[str]:
    problems = []
    checks = [("title", embed.title, 256), ("description", embed.description, 4096)]
    checks += [("footer", embed.footer.text, 2048), ("author", embed.author.name, 256)]
    for i, f in enumerate(embed.fields):
        checks += [(f"field {i} name", f.name, 256), (f"field {i} value", f.value, 1024)]
        if not f.name or not f.value:
            problems.append(f"field {i} is empty")
    problems += [
        f"{what}: {units(text)} > {limit}" for what, text, limit in checks if units(text) > limit
    ]
    if len(embed.fields) > 25:
        problems.append(f"{len(embed.fields)} fields")
    return problems


def total(embeds: Sequence[discord.Embed]) -> int:
    return sum(
        units(e.title)
        + units(e.description)
        + units(e.footer.text)
        + units(e.author.name)
        + sum(units(f.name) + units(f.value) for f in e.fields)
        for e in embeds
    )


def assert_fits(embeds: Sequence[discord.Embed], content: str | None = None) -> None:
    assert 1 <= len(embeds) <= 10
    assert [p for e in embeds for p in embed_problems(e)] == []
    assert total(embeds) <= 6000
    assert units(content) <= 2000


def assert_message_fits(message: RenderedMessage) -> None:
    assert_fits(message.embeds, message.content)


@cache
def games_day() -> tuple[tuple[GamesState, ...], tuple[Alert, ...]]:
    """Each state of the bundled Games day and every alert it raised, in order."""
    state: GamesState | None = None
    states: list[GamesState] = []
    alerts: list[Alert] = []
    for snap in load_sample("gamesday"):
        outcome = apply_snapshot(state, snap)
        assert isinstance(outcome, Applied), outcome
        state = outcome.state
        states.append(state)
        alerts += outcome.alerts
    return tuple(states), tuple(alerts)


def test_the_games_day_raises_every_kind_of_alert() -> None:
    _, alerts = games_day()
    kinds = {type(a) for a in alerts}
    assert kinds == {MedalAlert, RecordAlert, CorrectionAlert}


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_every_alert_of_the_games_day_fits_alone_in_a_batch_and_corrected(locale: str) -> None:
    _, alerts = games_day()
    by_id = {a.id: a for a in alerts}
    for alert in alerts:
        assert_fits([render_alert(alert, locale=locale)])
        assert_fits([render_alert(alert, locale=locale, highlight_noc="NED")])
        if isinstance(alert, CorrectionAlert):
            for original in (by_id[i] for i in alert.corrects if i in by_id):
                assert_fits([render_corrected_original(original, alert, locale=locale)])
    for group in split_for_discord(list(alerts), locale=locale):
        assert_message_fits(render_batch(group, locale=locale, role_id=1234567890123456789))


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_digests_quiet_summaries_and_samples_fit(locale: str) -> None:
    _, alerts = games_day()
    day = alerts[0].detected_at.date()
    follows = [DigestFilter(), DigestFilter(noc="NED"), DigestFilter(golds_only=True)]
    for follow in follows:
        digest = build_digest(alerts, day=day, follow=follow)
        assert_message_fits(render_digest(digest, locale=locale, role_id=1234567890123456789))
    assert_message_fits(render_quiet_summary(alerts, locale=locale, role_id=1))
    now = datetime(2026, 2, 9, 17, 0, tzinfo=UTC)
    for kind in SAMPLE_KINDS:
        assert_fits([render_alert(sample_alert(kind, now=now), locale=locale)])


def generated_at_of(state: GamesState) -> Clock:
    """The clock standing at the moment the feed made this state's snapshot."""
    return lambda: state.snapshot.generated_at


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_every_fans_reply_fits(locale: str) -> None:
    states, _ = games_day()
    for state in (states[0], states[len(states) // 2], states[-1]):
        live = LiveState()
        live.set(state)
        queries = QueryService(live, clock=generated_at_of(state))
        for order in ("medals", "total"):
            table = queries.medal_table(order)
            for page in range(pages(table)):
                assert_fits([medal_table_embed(table, page, locale=locale, highlight_noc="NED")])
        snap = queries.snapshot()
        nocs = sorted({r.competitor.noc for e in snap.events for r in e.results})
        for noc in nocs:
            assert_fits([nation_embed(queries.nation(noc), locale=locale)])
        for event in snap.events:
            since = queries.status_since(event.code)
            assert_fits(
                [podium_embed(queries.podium(event.code), locale=locale, status_since=since)]
            )
        sports = sorted({e.sport for e in snap.events})
        for sport in [None, *sports]:
            assert_fits([records_embed(queries.records(sport), locale=locale, sport=sport)])
        title = translator(locale).gettext("Medal events to come")
        assert_fits([schedule_embed(queries.schedule(), locale=locale, title=title)])
        names = sorted(
            {
                r.competitor.name
                for e in snap.events
                for r in e.results
                if r.medal and not r.competitor.members
            }
        )
        for name in names:
            assert_fits([athlete_embed(queries.athlete(name), locale=locale)])


@pytest.mark.parametrize("locale", TRANSLATED)
def test_alerts_and_replies_are_in_the_language(locale: str) -> None:
    states, alerts = games_day()
    medal = next(a for a in alerts if isinstance(a, MedalAlert))
    english, translated = render_alert(medal, locale="en"), render_alert(medal, locale=locale)
    assert translated.title != english.title
    assert [f.name for f in translated.fields] != [f.name for f in english.fields]
    live = LiveState()
    live.set(states[-1])
    table = QueryService(live).medal_table()
    assert medal_table_embed(table, 0, locale=locale).title != (
        medal_table_embed(table, 0, locale="en").title
    )
