"""Hostile input: generated native snapshots and ODF documents, byte mutations of real fixtures,
JSON and XML bombs.

Whatever arrives, a decoder returns a snapshot (or None: nothing new) or raises ``FeedError``
with a reason a person can read, never another exception; an accepted snapshot is applied
(detect, route, commit to SQLite, render) without crashing; a rejected one changes no state and
announces nothing. Bombs are refused before anything is expanded or fetched.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import re
import tracemalloc
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, NamedTuple
from xml.sax.saxutils import escape

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from medalbot.domain.alerts import MedalAlert
from medalbot.domain.models import EventStatus, Snapshot
from medalbot.feeds.errors import FeedError
from medalbot.feeds.native import parse_snapshot
from medalbot.feeds.odf.accumulator import OdfAccumulator, OdfAdapter
from medalbot.feeds.poller import HttpPoller, PollerSettings
from medalbot.feeds.server import ReplayFeedServer
from medalbot.feeds.sources import BodyAdapter, HttpFeedSource
from medalbot.render.alerts import render_batch
from medalbot.samples import sample_files
from medalbot.services.live import LiveState
from medalbot.services.polling import PollReport, PollService
from medalbot.store.base import NewSubscription, Store
from medalbot.store.factory import open_store
from tests.feeds.conftest import FIXTURES, FakeClock
from tests.feeds.test_odf import BEIJING, ODF

NATIVE_FIXTURES = (FIXTURES / "native" / "snapshot.json", *sample_files("w1000m")[3:])
ODF_FIXTURES = tuple(ODF / name for name in BEIJING)  # one Games: others are refused whole
AT = datetime(2022, 2, 17, 18, 0, tzinfo=UTC)
FUZZ = settings(
    deadline=None,
    max_examples=120,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.large_base_example],
)


# -- the world a hostile body lands in -------------------------------------------------------


class OneBody:
    """A feed source that hands one body at a time to an adapter, remembering what it said."""

    name = "hostile"
    backing_off = False

    def __init__(self, adapter: BodyAdapter) -> None:
        self.adapter = adapter
        self.body = b""
        self.error: FeedError | None = None

    async def poll(self) -> Snapshot | None:
        self.error = None
        try:
            return self.adapter(self.body)
        except FeedError as exc:
            self.error = exc
            raise

    async def close(self) -> None:
        return None


@dataclass
class World:
    """A fresh SQLite store with subscriptions and a real Games in it, for one example."""

    store: Store
    live: LiveState
    service: PollService

    @classmethod
    async def open(cls) -> World:
        store = await open_store("sqlite:///:memory:")
        now = datetime(2026, 2, 1, tzinfo=UTC)
        for sub in (
            NewSubscription(guild_id=1, channel_id=101),
            NewSubscription(guild_id=1, channel_id=102, noc="NED"),
            NewSubscription(guild_id=1, channel_id=103, sport="Speed Skating", golds_only=True),
        ):
            await store.add_subscription(sub, now, max_per_guild=10)
        live = LiveState()
        world = cls(store, live, PollService(store, live))
        source = OneBody(parse_snapshot)
        for path in sample_files("w1000m")[:3]:  # KOK's and LEERDAM's records announced
            assert (await world.feed(source, path.read_bytes())).outcome == "applied"
        return world

    async def seen(self) -> tuple[object, ...]:
        """All that a rejected body must leave alone."""
        games = await self.store.list_games()
        return (
            games,
            [await self.store.load_state(code) for code in games],
            [len(await self.store.list_alerts(code)) for code in games],
            await self.store.outbox_stats(),
            self.live.current,
        )

    async def feed(self, source: OneBody, body: bytes) -> PollReport:
        """Poll ``source`` once with ``body`` and check the outcome."""
        before = await self.seen()
        source.body = body
        report = await self.service.poll(source)  # anything but a FeedError escapes here
        if source.error is not None:
            assert report.outcome == "failed" and report.alerts == ()
            assert source.error.reason.strip() and report.reason == source.error.reason
            assert await self.seen() == before, source.error.reason
            return report
        assert report.outcome in {"applied", "ignored", "unchanged"}, report
        if report.outcome != "applied":
            assert await self.seen() == before
        for alert in report.alerts:  # what would be posted renders, whatever the names
            for locale in ("en", "nl"):
                assert render_batch([alert], locale=locale, highlight_noc="NED").embeds
        return report


class Fed(NamedTuple):
    error: FeedError | None  # why the body was refused
    report: PollReport


@pytest.fixture(scope="module")
def runner() -> Iterator[asyncio.Runner]:
    """One event loop for every example of a module (hypothesis runs many per test)."""
    with asyncio.Runner() as running:
        yield running


def feed_all(
    runner: asyncio.Runner,
    adapter: BodyAdapter,
    bodies: list[bytes],
    *,
    warm: tuple[bytes, ...] = (),
) -> list[Fed]:
    """Feed ``warm`` (good bodies), then ``bodies``, to a fresh world through one source."""
    return runner.run(_feed_all(adapter, warm, bodies))


def fuzz(
    runner: asyncio.Runner,
    adapter: BodyAdapter,
    bodies: list[bytes],
    *,
    warm: tuple[bytes, ...] = (),
) -> None:
    """``feed_all`` in a hypothesis test: outcomes are counted for --hypothesis-show-statistics
    (a fuzzer whose bodies are all refused would test little of what follows decoding)."""
    for fed in feed_all(runner, adapter, bodies, warm=warm):
        event(f"{fed.report.outcome}{' with alerts' if fed.report.alerts else ''}")


async def _feed_all(
    adapter: BodyAdapter, warm: tuple[bytes, ...], bodies: list[bytes]
) -> list[Fed]:
    world = await World.open()
    source = OneBody(adapter)
    fed = []
    try:
        for body in warm:
            await world.feed(source, body)
            assert source.error is None, source.error
        for body in bodies:
            report = await world.feed(source, body)
            fed.append(Fed(source.error, report))
    finally:
        await world.store.close()
    return fed


# -- generated native snapshots --------------------------------------------------------------

# Names a feed could carry that are unfriendly to a bot: mentions, Markdown, bidi and
# zero-width characters, SQL, format strings, astral and combining characters, control bytes.
ODD_NAMES = (
    "@everyone",
    "@here",
    "<@&123456789012345678>",
    "<@!123456789012345678>",
    "<#123456789012345678>",
    "`@everyone`",
    "**@here** ||x||",
    "[link](https://evil.example)",
    "\u202eNED",
    "a\u200bb",
    "𝕁𝕦𝕥𝕥𝕒 LEERDAM",
    "Zoë Ä\u0301",
    "🥇" * 50,
    "'; DROP TABLE alerts; --",
    "%s %n {0} {}",
    "\\",
    "x\n\r\ty",
    "\x00",
)
BAD_TEXT = ("", "ß" * 201, "A" * 65, "\ud800")
names = st.one_of(st.sampled_from(ODD_NAMES), st.text(min_size=1, max_size=30))
anything = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.sampled_from([2**63, 2**64, -(2**63) - 1, 10**30])
    | st.floats(allow_nan=False)
    | st.sampled_from(BAD_TEXT)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=5,
)
MISSING = object()
Spec = tuple[st.SearchStrategy[Any], st.SearchStrategy[Any]]  # a plausible value, a wrong one


@st.composite
def obj(draw: st.DrawFn, /, rate: int, **fields: Spec) -> dict[str, Any]:
    """A JSON object of plausible fields, except that each is, ``rate`` times in a hundred,
    missing, wrong, or of any type at all."""
    drawn = {}
    for name, (good, bad) in fields.items():
        damaged = draw(st.integers(0, 99)) < rate
        value = draw(st.one_of(st.just(MISSING), bad, anything) if damaged else good)
        if value is not MISSING:
            drawn[name] = value
    return drawn


def bad(*values: Any) -> st.SearchStrategy[Any]:
    return st.sampled_from(values) if values else st.nothing()


nocs = st.one_of(st.sampled_from(["NED", "JPN", "USA", "AIN"]), st.from_regex(r"\A[A-Z]{3}\Z"))
ZONES = [UTC, timezone(timedelta(hours=14)), timezone(timedelta(hours=-12))]
# hypothesis takes naive bounds and adds a zone from `timezones`
instants = st.datetimes(
    min_value=datetime(1, 1, 2),  # noqa: DTZ001
    max_value=datetime(9999, 12, 30),  # noqa: DTZ001
    timezones=st.sampled_from(ZONES),
).map(datetime.isoformat)
during_the_games = st.sampled_from(["2026-02-09T16:30:00+01:00", "2026-02-09T17:41:05Z"])
WRONG_TIMES = bad("2026-02-09T17:41:05", "yesterday", "2026-13-01T00:00:00Z", 1_770_000_000)


def competitors(rate: int) -> st.SearchStrategy[dict[str, Any]]:
    return obj(
        rate,
        name=(names, bad(*BAD_TEXT)),
        noc=(nocs, bad("ned", "NE", "NEDX", "")),
        members=(st.lists(names, max_size=3), bad(["", "x"], "Jutta")),
    )


def results(rate: int) -> st.SearchStrategy[dict[str, Any]]:
    common: dict[str, Spec] = {
        "competitor": (competitors(rate), bad(None, "Jutta LEERDAM")),
        "mark": (st.one_of(st.none(), names, st.text(max_size=10)), bad("9" * 65)),
        "records": (
            st.lists(
                obj(
                    rate,
                    type=(st.from_regex(r"\A(OR|WR|[A-Z0-9]{1,8})\Z"), bad("or", "WORLDRECORD")),
                    equalled=(st.booleans(), bad("yes", 1)),
                ),
                max_size=2,
            ),
            bad({"type": "OR"}, "OR"),
        ),
    }
    medalled = obj(
        rate,
        rank=(st.one_of(st.none(), st.integers(1, 12), st.just(2**63 - 1)), bad(0, -1, 2**64, "1")),
        medal=(st.sampled_from([None, "gold", "silver", "bronze"]), bad("GOLD", "platinum")),
        **common,
    )
    out = obj(rate, status=(st.sampled_from(["DNS", "DNF", "DSQ"]), bad("dnf", "OUT")), **common)
    return st.one_of(medalled, medalled, out)


def events(rate: int, code: str) -> st.SearchStrategy[dict[str, Any]]:
    return obj(
        rate,
        code=(st.just(code), bad("", "x" * 65, 7)),
        sport=(names, bad(*BAD_TEXT)),
        name=(names, bad(*BAD_TEXT)),
        gender=(st.sampled_from(["M", "W", "X", "O"]), bad("F", "")),
        medal_event=(st.booleans(), bad("true", 0)),
        start=(st.one_of(st.none(), during_the_games), WRONG_TIMES),
        end=(st.one_of(st.none(), st.just("2026-02-10T00:00:00Z")), WRONG_TIMES),
        status=(st.sampled_from([s.value for s in EventStatus]), bad("finished", "OFFICIAL")),
        results=(st.lists(results(rate), max_size=4), bad({}, [None])),
    )


@st.composite
def native_documents(draw: st.DrawFn) -> dict[str, Any]:
    """A snapshot that looks valid with odd content (rate 0), or a damaged one."""
    rate = draw(st.sampled_from([0, 0, 2, 10]))
    codes = draw(st.lists(st.one_of(st.sampled_from(["SSKW1000M", "E1", "E2"]), names), max_size=4))
    if draw(st.integers(0, 3)):  # mostly unique event codes; sometimes repeated ones
        codes = list(dict.fromkeys(codes))
    listed = [draw(events(rate, code)) for code in codes]
    return draw(
        obj(
            rate,
            format=(st.just("medalbot.feed/1"), bad("medalbot.feed/2", "", None)),
            games=(
                obj(
                    rate,
                    code=(st.sampled_from(["OWG2026", "OWG2026", "OWG2022"]), bad("", "x" * 33)),
                    name=(names, bad(*BAD_TEXT)),
                ),
                bad("OWG2026", None),
            ),
            sequence=(
                st.one_of(st.integers(4, 1000), st.integers(4, 2**63 - 1), st.just(2**63 - 1)),
                bad(-1, 2**63, 2**64, 10**30, 4.5, "5"),
            ),
            generated_at=(st.one_of(during_the_games, instants), WRONG_TIMES),
            unranked_nocs=(st.lists(nocs, max_size=2), bad(["ain"], "AIN")),
            standing_records=(
                st.lists(
                    obj(
                        rate,
                        event=(st.sampled_from(["SSKW1000M", "E1"]), bad("", 1)),
                        type=(st.sampled_from(["OR", "WR"]), bad("or")),
                        mark=(names, bad("", "9" * 65)),
                        holder=(competitors(rate), bad("Miho TAKAGI")),
                        date=(st.one_of(st.none(), names), bad(20220217)),
                    ),
                    max_size=2,
                ),
                bad({}, "OR"),
            ),
            events=(st.just(listed), bad({}, None, [None])),
        )
    )


@FUZZ
@given(document=native_documents(), ascii_only=st.booleans())
def test_generated_native_snapshots_are_decoded_or_refused_and_applied_safely(
    runner: asyncio.Runner, document: dict[str, Any], ascii_only: bool
) -> None:
    body = json.dumps(document, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")
    fuzz(runner, parse_snapshot, [body])


# -- byte mutations of real fixtures ---------------------------------------------------------

TOKENS = (
    b'"@everyone"',
    b"99999999999999999999999",
    b"18446744073709551616",
    b"-1",
    b"1e999",
    b"null",
    b"[]",
    b"{}",
    b'"\\ud800"',
    b"\xff\xfe",
    b"<!DOCTYPE x>",
    b"&amp;",
    b"&#0;",
    b"\x00",
    b'Version="\xc2\xb2"',
)


JSON_VALUES = tuple(json.dumps(name)[1:-1].encode() for name in ODD_NAMES)
XML_VALUES = tuple(
    escape(name, {'"': "&quot;"}).encode() for name in ODD_NAMES if "\x00" not in name
)
QUOTED = re.compile(rb'"([^"\\\n]{0,80})"')  # a JSON string or an XML attribute value
NUMBER = re.compile(rb"\d+")
NUMBERS = ("0", "1", "2", "99", str(2**63 - 1), str(2**63), str(10**30))


@st.composite
def mutations(draw: st.DrawFn, originals: tuple[Path, ...], values: tuple[bytes, ...]) -> bytes:
    """A real fixture with one to three edits: some keep it well-formed (a value or a number
    replaced), others break it anywhere (bit flips, cuts, inserted bytes and tokens)."""
    data = bytearray(draw(st.sampled_from(originals)).read_bytes())
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(data)))
        end = min(len(data), at + draw(st.integers(0, 64)))
        kinds = ["value", "value", "number", "flip", "delete", "insert", "token", "repeat", "cut"]
        match draw(st.sampled_from(kinds)):
            case "value" if spans := list(QUOTED.finditer(data)):
                start, stop = draw(st.sampled_from(spans)).span(1)
                data[start:stop] = draw(st.sampled_from(values))
            case "number" if spans := list(NUMBER.finditer(data)):
                start, stop = draw(st.sampled_from(spans)).span()
                data[start:stop] = draw(st.sampled_from(NUMBERS)).encode()
            case "flip" if at < len(data):
                data[at] ^= 1 << draw(st.integers(0, 7))
            case "delete":
                del data[at:end]
            case "insert":
                data[at:at] = draw(st.binary(min_size=1, max_size=16))
            case "token":
                data[at:end] = draw(st.sampled_from(TOKENS))
            case "repeat":
                data[at:at] = data[at:end] * draw(st.integers(2, 5))
            case "cut":
                del data[at:]
    return bytes(data)


@FUZZ
@given(body=mutations(NATIVE_FIXTURES, JSON_VALUES))
def test_mutated_native_bodies_are_decoded_or_refused_and_applied_safely(
    runner: asyncio.Runner, body: bytes
) -> None:
    fuzz(runner, parse_snapshot, [body])


def odf_adapter() -> OdfAdapter:
    """An ODF adapter whose snapshots are a second apart, so each can be applied."""
    seconds = itertools.count()
    return OdfAdapter(
        OdfAccumulator("OWG2022", "Beijing 2022"),
        clock=lambda: AT + timedelta(seconds=next(seconds)),
    )


@FUZZ
@given(bodies=st.lists(mutations(ODF_FIXTURES, XML_VALUES), min_size=1, max_size=3))
def test_mutated_odf_bodies_are_read_or_refused_and_applied_safely(
    runner: asyncio.Runner, bodies: list[bytes]
) -> None:
    # the live results and the records held: the other documents are new when they come
    warm = tuple((ODF / name).read_bytes() for name in BEIJING[:2])
    fuzz(runner, _guarded(odf_adapter()), bodies, warm=warm)


def _guarded(adapter: OdfAdapter) -> BodyAdapter:
    """The adapter, checking that a body it refuses leaves its documents as they were."""

    def read(body: bytes) -> Snapshot | None:
        before = _documents(adapter.accumulator)
        try:
            return adapter(body)
        except FeedError:
            assert _documents(adapter.accumulator) == before
            raise

    return read


def _documents(accumulator: OdfAccumulator) -> tuple[object, ...]:
    try:
        snapshot: object = accumulator.snapshot(1, AT)
    except FeedError as exc:
        snapshot = exc.reason
    return accumulator.documents, accumulator.unsaved_documents(), snapshot


# -- generated ODF documents -----------------------------------------------------------------


def _xml_safe(value: str) -> bool:
    return all(c in "\t\n\r" or c >= " " for c in value) and not any(
        0xD800 <= ord(c) <= 0xDFFF for c in value
    )


xml_names = st.one_of(
    st.sampled_from([name for name in ODD_NAMES if _xml_safe(name)]),
    st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30),
)
xml_junk = st.one_of(
    st.sampled_from(["", " ", "\x00", "\x1b[31m", "&", "\ud800"]),
    st.text(max_size=10),  # control characters and surrogates: not well-formed XML
)
WRONG_NUMBERS = ("", "-1", "0", "²", "١٢", "１", "9" * 19, "9" * 5000, "1.5", " 3", "0x10")
RSC = (
    "SSKW1000M-------------FNL-000100--",
    "SSKW1000M-------------------------",
    "SSKW500M--------------FNL-000100--",
    "SSKWTEAMPURSUIT-------FNLA000100--",
    "SSKWTEAMPURSUIT-------QFNL000100--",
)


def element(tag: str, attributes: dict[str, str], *children: ET.Element) -> ET.Element:
    node = ET.Element(tag, attributes)
    node.extend(children)
    return node


@st.composite
def attributes(draw: st.DrawFn, /, rate: int, **values: Spec) -> dict[str, str]:
    """XML attributes: plausible values, ``rate`` in a hundred missing or wrong."""
    drawn = {}
    for name, (good, wrong) in values.items():
        damaged = draw(st.integers(0, 99)) < rate
        value = draw(st.one_of(st.none(), wrong, xml_junk) if damaged else good)
        if value is not None:
            drawn[name] = value
    return drawn


def odf_competitors(rate: int) -> st.SearchStrategy[ET.Element]:
    athlete = st.builds(
        lambda attrs, description: element("Athlete", attrs, element("Description", description)),
        attributes(
            rate,
            Code=(st.integers(1, 10**7).map(str), bad()),
            Order=(st.integers(1, 4).map(str), bad(*WRONG_NUMBERS)),
        ),
        attributes(
            rate,
            GivenName=(xml_names, bad("")),
            FamilyName=(xml_names, bad("", " ")),
            PrintName=(st.one_of(st.none(), xml_names), bad("")),
        ),
    )
    return st.builds(
        lambda attrs, athletes: element("Competitor", attrs, element("Composition", {}, *athletes)),
        attributes(
            rate,
            Code=(st.integers(1, 10**7).map(str), bad("")),
            Type=(st.sampled_from(["A", "A", "T"]), bad("X")),
            Organisation=(st.sampled_from(["NED", "JPN", "USA", "AIN"]), bad("ned", "NEDX", "")),
        ),
        st.lists(athlete, min_size=1, max_size=3),
    )


@st.composite
def odf_children(draw: st.DrawFn, rate: int, document_type: str) -> list[ET.Element]:
    competitor = odf_competitors(rate)
    if document_type == "DT_RESULT":
        indicator = attributes(
            rate,
            Code=(st.sampled_from(["OR", "WR", "PB"]), bad("or")),
            Equalled=(st.sampled_from(["Y", "N"]), bad("yes")),
            Order=(st.integers(1, 3).map(str), bad(*WRONG_NUMBERS)),
        )
        line = attributes(
            rate,
            Rank=(st.integers(1, 8).map(str), bad(*WRONG_NUMBERS)),
            Result=(st.one_of(xml_names, st.just("1:12.31")), bad("9" * 65)),
            IRM=(st.one_of(st.none(), st.sampled_from(["DNF", "DSQ", "DQB", "NM"])), bad("")),
        )
        return [
            element(
                "Result",
                draw(line),
                draw(competitor),
                *draw(st.lists(indicator.map(lambda a: element("RecordIndicator", a)), max_size=2)),
            )
            for _ in range(draw(st.integers(0, 4)))
        ]
    if document_type == "DT_MEDALLISTS":
        medal = attributes(
            rate, Code=(st.sampled_from(["ME_GOLD", "ME_SILVER", "ME_BRONZE"]), bad("ME_TIN"))
        )
        return [
            element("Medal", draw(medal), *draw(st.lists(competitor, min_size=1, max_size=2)))
            for _ in range(draw(st.integers(0, 4)))
        ]
    data = attributes(
        rate,
        Current=(st.sampled_from(["Y", "N"]), bad()),
        Result=(st.one_of(xml_names, st.just("1:13.19")), bad("", "9" * 65)),
        Date=(xml_names, bad()),
        Place=(xml_names, bad()),
    )
    return [
        element(
            "Record",
            draw(attributes(rate, Code=(st.sampled_from(RSC[1:]), bad("SSK", "X")))),
            element(
                "RecordType",
                {"Code": draw(st.sampled_from(["OR", "WR", "PB"]))},
                element("RecordData", draw(data), draw(competitor)),
            ),
        )
        for _ in range(draw(st.integers(0, 2)))
    ]


@st.composite
def odf_messages(draw: st.DrawFn, rate: int) -> ET.Element:
    document_type = draw(
        st.sampled_from(["DT_RESULT", "DT_MEDALLISTS", "DT_RECORD", "DT_SCHEDULE"])
    )
    header = draw(
        attributes(
            rate,
            CompetitionCode=(st.just("OWG2022"), bad("OG2020", "x" * 33)),
            DocumentCode=(st.sampled_from(RSC), bad("SSK", "ssk", "SSKW1000M" + "-" * 30)),
            Version=(st.integers(1, 30).map(str), bad(*WRONG_NUMBERS)),
            ResultStatus=(
                st.sampled_from(["LIVE", "UNOFFICIAL", "OFFICIAL", "PROTESTED"]),
                bad("DONE"),
            ),
            FeedFlag=(st.sampled_from(["P", "P", "P", "T"]), bad()),
            DocumentSubcode=(st.none(), bad("x")),
        )
    )
    header["DocumentType"] = document_type
    return element(
        "OdfBody", header, element("Competition", {}, *draw(odf_children(rate, document_type)))
    )


@st.composite
def odf_bodies(draw: st.DrawFn) -> bytes:
    """One message or a batch that looks valid with odd content (rate 0), or a damaged one."""
    rate = draw(st.sampled_from([0, 0, 2, 10]))
    messages = draw(st.lists(odf_messages(rate), min_size=1, max_size=3))
    root = messages[0] if len(messages) == 1 else element("OdfBatch", {}, *messages)
    body: bytes = ET.tostring(root, encoding="utf-8")
    return body


@FUZZ
@given(bodies=st.lists(odf_bodies(), min_size=1, max_size=4))
def test_generated_odf_documents_are_read_or_refused_and_applied_safely(
    runner: asyncio.Runner, bodies: list[bytes]
) -> None:
    fuzz(runner, _guarded(odf_adapter()), bodies)


# -- bombs -----------------------------------------------------------------------------------

DEEP = 100_000
JSON_BOMBS = {
    "nested-in-format": b'{"format": ' + b"[" * DEEP + b"]" * DEEP + b"}",
    "nested-in-unknown-field": (
        b'{"format": "medalbot.feed/1", "x": ' + b"[" * DEEP + b"]" * DEEP + b"}"
    ),
    "nested-in-games": b'{"format": "medalbot.feed/1", "games": '
    + b"{"
    + b'"a":{' * DEEP
    + b"}" * (DEEP + 1)
    + b"}",
    "huge-number": b'{"format": "medalbot.feed/1", "sequence": 1' + b"0" * 100_000 + b"}",
    "latin-1-name": sample_files("w1000m")[3].read_bytes().replace(b"Jutta", b"J\xfctta"),
    "number-out-of-range": (
        sample_files("w1000m")[3].read_bytes().replace(b'"rank": 1', b'"rank": 1e400', 1)
    ),
}


@pytest.mark.parametrize("body", JSON_BOMBS.values(), ids=JSON_BOMBS.keys())
def test_json_bombs_are_refused_with_a_reason(runner: asyncio.Runner, body: bytes) -> None:
    ((error, _),) = feed_all(runner, parse_snapshot, [body])

    assert error is not None


def test_a_sequence_beyond_what_the_store_can_hold_is_refused(runner: asyncio.Runner) -> None:
    document = json.loads(sample_files("w1000m")[4].read_bytes())

    ((error, _),) = feed_all(
        runner, parse_snapshot, [json.dumps({**document, "sequence": 2**63}).encode()]
    )

    assert error is not None and error.reason.startswith("sequence: ")


def _medallists_with(old: bytes, new: bytes) -> bytes:
    body = (ODF / "medallists_ssk_w1000m.xml").read_bytes()
    assert old in body
    return body.replace(old, new, 1)


NESTED = b"<X>" * DEEP + b"</X>" * DEEP
ODF_BOMBS = {
    "nested-inside-a-message": _medallists_with(b"</Competition>", b"</Competition>" + NESTED),
    "nested-inside-a-name": _medallists_with(b"</Athlete>", NESTED + b"</Athlete>"),
    "unknown-encoding": _medallists_with(b'encoding="UTF-8"', b'encoding="UTFm8"'),
    "not-a-text-codec": _medallists_with(b'encoding="UTF-8"', b'encoding="rot13"'),
    "multi-byte-encoding": _medallists_with(b'encoding="UTF-8"', b'encoding="utf-32"'),
    "idna-encoding": _medallists_with(b'encoding="UTF-8"', b'encoding="idna"'),
    "unicode-digit-version": _medallists_with(b'Version="1"', 'Version="١"'.encode()),
    "superscript-version": _medallists_with(b'Version="1"', 'Version="²"'.encode()),
    "version-too-long-for-int": _medallists_with(b'Version="1"', b'Version="' + b"9" * 5000 + b'"'),
    "version-beyond-bigint": _medallists_with(b'Version="1"', b'Version="' + b"9" * 19 + b'"'),
}


@pytest.mark.parametrize("bomb", ODF_BOMBS.values(), ids=ODF_BOMBS.keys())
def test_odf_bodies_that_broke_the_reader_are_refused_and_the_genuine_message_still_counts(
    runner: asyncio.Runner, bomb: bytes
) -> None:
    warm = tuple(
        (ODF / name).read_bytes() for name in BEIJING if "medallists_ssk_w1000m" not in name
    )
    genuine = (ODF / "medallists_ssk_w1000m.xml").read_bytes()

    refused, after = feed_all(runner, _guarded(odf_adapter()), [bomb, genuine], warm=warm)

    assert refused.error is not None and refused.report.alerts == ()
    # the refused body took nothing: the real version 1 of the same document is read, and
    # its podium announced
    assert after.error is None and after.report.outcome == "applied"
    (podium,) = [a for a in after.report.alerts if isinstance(a, MedalAlert)]
    assert [m.name for m in podium.medals] == ["Miho TAKAGI", "Jutta LEERDAM", "Brittany BOWE"]


@pytest.mark.parametrize("code", ["SSKW1000M", "OWG2026"], ids=["event", "games"])
def test_a_nul_in_a_code_is_refused(runner: asyncio.Runner, code: str) -> None:
    # Codes are keys in the store's tables, and PostgreSQL text cannot hold a NUL: such a
    # snapshot used to fail every commit there, stalling the feed until a clean one came.
    good = sample_files("w1000m")[3].read_text(encoding="utf-8")
    body = good.replace(f'"{code}"', f'"{code[:3]}\\u0000{code[3:]}"')

    ((error, _),) = feed_all(runner, parse_snapshot, [body.encode()])

    assert error is not None and "a code without NUL characters" in error.reason


class Attacker:
    """A server an entity or a DTD points at: it must never be asked for anything."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self.server = TestServer(app, host="127.0.0.1")

    async def _handle(self, request: web.Request) -> web.Response:
        self.requests.append(request.path)
        return web.Response(text='<!ENTITY leak "leaked">', content_type="application/xml-dtd")

    def url(self, path: str) -> str:
        return str(self.server.make_url(path))


def _message_with(prolog: str, name: str = "&x;") -> bytes:
    """The Beijing 1000 m medallists with a DTD prolog and an entity in the champion's name."""
    body = (ODF / "medallists_ssk_w1000m.xml").read_text(encoding="utf-8")
    body = body.replace('<?xml version="1.0" encoding="UTF-8"?>\n', "")
    body = body.replace('FamilyName="Takagi"', f'FamilyName="Takagi{name}"', 1)
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{prolog}\n{body}'.encode()


def xml_bombs(attacker: Attacker) -> dict[str, bytes]:
    lol = "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i else "lol"}">' for i in range(10))
    big = "x" * 100_000
    return {
        "billion-laughs": (ODF / "billion_laughs.xml").read_bytes(),
        "billion-laughs-in-a-name": _message_with(f"<!DOCTYPE OdfBody [{lol}]>", "&lol9;"),
        "quadratic-blowup": _message_with(
            f'<!DOCTYPE OdfBody [<!ENTITY x "{big}">]>', "&x;" * 10_000
        ),
        "external-entity-file": (ODF / "xxe.xml").read_bytes(),
        "external-entity-passwd": _message_with(
            '<!DOCTYPE OdfBody [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        ),
        "external-entity-http": _message_with(
            f'<!DOCTYPE OdfBody [<!ENTITY x SYSTEM "{attacker.url("/entity")}">]>'
        ),
        "external-dtd": _message_with(
            f'<!DOCTYPE OdfBody SYSTEM "{attacker.url("/external.dtd")}">', "&leak;"
        ),
        "parameter-entity": _message_with(
            f'<!DOCTYPE OdfBody [<!ENTITY % remote SYSTEM "{attacker.url("/param.dtd")}">'
            " %remote;]>",
            "&leak;",
        ),
        "public-dtd": _message_with(
            f'<!DOCTYPE OdfBody PUBLIC "-//X//DTD X//EN" "{attacker.url("/public.dtd")}">', ""
        ),
    }


BOMB_NAMES = (
    "billion-laughs",
    "billion-laughs-in-a-name",
    "quadratic-blowup",
    "external-entity-file",
    "external-entity-passwd",
    "external-entity-http",
    "external-dtd",
    "parameter-entity",
    "public-dtd",
)


@pytest.mark.parametrize("bomb", BOMB_NAMES)
async def test_xml_bombs_over_http_are_refused_before_expansion_and_announce_nothing(
    bomb: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    attacker = Attacker()
    await attacker.server.start_server()
    files = [tmp_path / "1-results.xml", tmp_path / "2-bomb.xml", tmp_path / "3-medallists.xml"]
    files[0].write_bytes((ODF / "result_ssk_w1000m_official.xml").read_bytes())
    files[1].write_bytes(xml_bombs(attacker)[bomb])
    files[2].write_bytes((ODF / "medallists_ssk_w1000m.xml").read_bytes())
    store = await open_store(f"sqlite:///{tmp_path / 'medalbot.db'}")
    await store.add_subscription(
        NewSubscription(guild_id=1, channel_id=101), datetime(2026, 2, 1, tzinfo=UTC), 10
    )
    live, clock = LiveState(), FakeClock()
    service = PollService(store, live)
    try:
        async with ReplayFeedServer(files) as feed:
            poller = HttpPoller(
                "odf", PollerSettings(url=feed.url, content_types=("application/xml",)), clock=clock
            )
            source = HttpFeedSource("odf", poller, odf_adapter())
            assert (await service.poll(source)).outcome == "applied"
            before = (live.current, await store.list_alerts("OWG2022"), await store.outbox_stats())
            feed.advance()
            caplog.set_level(logging.WARNING, logger="medalbot")

            tracemalloc.start()
            try:
                refused = await service.poll(source)
                _, peak = tracemalloc.get_traced_memory()
            finally:
                tracemalloc.stop()
            after = (live.current, await store.list_alerts("OWG2022"), await store.outbox_stats())

            feed.advance()
            clock.advance(poller.retry_in())
            healed = await service.poll(source)
            await source.close()
    finally:
        await store.close()
        await attacker.server.close()

    assert refused.outcome == "failed"
    assert refused.reason is not None
    assert refused.reason.startswith("XML with a DTD is refused (ODF messages have none)")
    assert peak < 4 * 1024 * 1024  # nothing was expanded: the billion laughs would be GiBs
    assert after == before
    assert attacker.requests == []  # no entity, DTD or parameter entity was fetched
    warned = [r.getMessage() for r in caplog.records if r.name.startswith("medalbot.")]
    assert len([w for w in warned if "XML with a DTD is refused" in w]) == 1
    # the feed goes on: the medallists that follow are announced, and only they
    assert healed.outcome == "applied"
    assert [type(a).__name__ for a in healed.alerts] == ["MedalAlert"]
    assert "leaked" not in json.dumps([str(a) for a in healed.alerts])


def test_markup_sent_to_the_json_feed_is_refused_as_markup(runner: asyncio.Runner) -> None:
    ((error, _),) = feed_all(runner, parse_snapshot, [(ODF / "billion_laughs.xml").read_bytes()])

    assert error is not None
    assert error.reason.startswith("got XML or other markup, not a JSON feed")
