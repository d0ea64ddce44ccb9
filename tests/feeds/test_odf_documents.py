"""ODF documents kept in the store: a restarted ODF feed that is served only what is new still
knows what it was sent before, so detection sees nothing withdrawn."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest
from msgspec.structs import replace

from medalbot.app import open_feeds
from medalbot.config import FeedSettings, Settings
from medalbot.domain.alerts import CorrectionAlert, MedalAlert
from medalbot.domain.detection import apply_snapshot
from medalbot.domain.models import Medal, RecordFlag, Snapshot
from medalbot.domain.state import Applied
from medalbot.feeds.factory import open_feed, open_source
from medalbot.feeds.odf.accumulator import OdfAccumulator
from medalbot.feeds.odf.documents import OdfDocumentKeeper
from medalbot.feeds.server import ReplayFeedServer
from medalbot.feeds.sources import FeedSource
from medalbot.store import open_store
from medalbot.store.base import FeedDocument, Store, StoreError
from medalbot.store.memory import MemoryStore
from tests.feeds.conftest import FIXTURES

ODF = FIXTURES / "odf"
AT = datetime(2022, 2, 17, 18, 0, tzinfo=UTC)


def _xml(name: str) -> bytes:
    return (ODF / name).read_bytes()


def _batch(*names: str) -> bytes:
    inner = b"".join(re.sub(rb"<\?xml[^>]*\?>", b"", _xml(name)) for name in names)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n<OdfBatch>' + inner + b"</OdfBatch>"


def _medals(snapshot: Snapshot, event: str) -> list[tuple[Medal, str]]:
    found = snapshot.event(event)
    assert found is not None, f"no event {event} in {[e.code for e in snapshot.events]}"
    return [(r.medal, r.competitor.noc) for r in found.results if r.medal is not None]


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    opened = await open_store(f"sqlite:///{tmp_path / 'medalbot.db'}")
    try:
        yield opened
    finally:
        await opened.close()


async def _poll_once(source: FeedSource) -> Snapshot | None:
    try:
        return await source.poll()
    finally:
        await source.close()


async def test_a_restarted_odf_feed_still_has_what_it_was_sent_before(
    tmp_path: Path, store: Store
) -> None:
    before, after = tmp_path / "1.xml", tmp_path / "2.xml"
    before.write_bytes(
        _batch("record_ssk.xml", "result_ssk_w1000m_official.xml", "medallists_ssk_w1000m.xml")
    )
    after.write_bytes(_xml("medallists_ssk_wteampursuit.xml"))  # only what is new
    async with ReplayFeedServer([before, after]) as server:
        settings = FeedSettings(name="odf", url=server.url, format="odf")
        first = await _poll_once(await open_feed(settings, store))
        server.advance()
        # The bot restarts: a new source, with nothing in memory but what the store gives it.
        restarted = await _poll_once(await open_feed(settings, store))
        forgetful = await _poll_once(open_source(settings))  # without the store, as before

    assert first is not None and restarted is not None and forgetful is not None
    assert _medals(restarted, "SSKW1000M") == _medals(first, "SSKW1000M")
    assert len(_medals(restarted, "SSKW1000M")) == 3
    assert restarted.standing_records == first.standing_records != ()
    w1000m = restarted.event("SSKW1000M")
    assert w1000m is not None
    assert [r.records for r in w1000m.results if r.records] == [(RecordFlag(type="OR"),)]
    assert forgetful.event("SSKW1000M") is None  # what the store is there for

    seen = apply_snapshot(None, first)
    assert isinstance(seen, Applied)
    outcome = apply_snapshot(seen.state, restarted)
    assert isinstance(outcome, Applied)
    assert not [a for a in outcome.alerts if isinstance(a, CorrectionAlert)]
    assert {a.event for a in outcome.alerts} == {"SSKWTEAMPURSUIT"}
    assert all(isinstance(a, MedalAlert) for a in outcome.alerts)


async def test_after_a_restart_the_first_body_is_compared_even_if_it_brings_nothing_new(
    tmp_path: Path, store: Store
) -> None:
    # A crash after the documents were saved but before the snapshot was: the restarted feed
    # is served the very same body, and must still hand it on so the missed alerts go out.
    body = tmp_path / "1.xml"
    body.write_bytes(_batch("result_ssk_w1000m_official.xml", "medallists_ssk_w1000m.xml"))
    async with ReplayFeedServer([body]) as server:
        settings = FeedSettings(name="odf", url=server.url, format="odf")
        assert await _poll_once(await open_feed(settings, store)) is not None
        restarted = await open_feed(settings, store)
        try:
            again = await restarted.poll()
            assert again is not None and len(_medals(again, "SSKW1000M")) == 3
            # from then on, an unchanged body is nothing new, as before
            assert await restarted.poll() is None
        finally:
            await restarted.close()


async def test_seeded_documents_make_the_same_snapshot_in_the_same_order(store: Store) -> None:
    # Two units of one event: the final arrives after the quarter-final but sorts before it.
    names = (
        "record_ssk.xml",
        "result_ssk_wteampursuit_qf.xml",
        "result_ssk_wteampursuit_final_a.xml",
        "medallists_ssk_wteampursuit.xml",
        "result_ssk_w500m_equalled.xml",
    )
    original = OdfAccumulator()
    for name in names:
        original.ingest(_xml(name))
    keeper = OdfDocumentKeeper("odf", original, store, clock=lambda: AT)
    await keeper.save()

    restored = OdfAccumulator()
    taken = await OdfDocumentKeeper("odf", restored, store).restore()

    assert taken == original.documents == restored.documents
    assert restored.snapshot(1, AT) == original.snapshot(1, AT)
    assert original.unsaved_documents() == [] and restored.unsaved_documents() == []


async def test_a_seeded_document_is_not_taken_again_and_a_newer_one_is_saved(
    store: Store,
) -> None:
    accumulator = OdfAccumulator()
    accumulator.ingest(_xml("result_ssk_w1000m_live.xml"))
    await OdfDocumentKeeper("odf", accumulator, store, clock=lambda: AT).save()
    restored = OdfAccumulator()
    keeper = OdfDocumentKeeper("odf", restored, store, clock=lambda: AT)
    await keeper.restore()

    resent = restored.ingest(_xml("result_ssk_w1000m_live.xml"))
    newer = restored.ingest(_xml("result_ssk_w1000m_official.xml"))
    await keeper.save()

    assert resent is False and newer is True
    (saved,) = await store.load_feed_documents("odf")
    assert saved.key.startswith("SSKW1000M") and saved.key.endswith("|DT_RESULT|")
    assert b'ResultStatus="OFFICIAL"' in saved.body.encode()


class _FailingOnce(MemoryStore):
    def __init__(self) -> None:
        super().__init__()
        self.failures = 1

    async def save_feed_documents(
        self, feed: str, documents: Sequence[FeedDocument], now: datetime
    ) -> None:
        if self.failures:
            self.failures -= 1
            raise StoreError("database is locked")
        await super().save_feed_documents(feed, documents, now)


async def test_documents_a_failed_save_missed_go_with_the_next_save(
    caplog: pytest.LogCaptureFixture,
) -> None:
    store = _FailingOnce()
    accumulator = OdfAccumulator()
    keeper = OdfDocumentKeeper("odf", accumulator, store, clock=lambda: AT)
    accumulator.ingest(_xml("medallists_ssk_w1000m.xml"))

    await keeper.save()
    lost = await store.load_feed_documents("odf")
    accumulator.ingest(_xml("record_ssk.xml"))
    await keeper.save()

    assert lost == []
    assert "could not save 1 ODF documents" in caplog.text
    assert [d.key.split("|")[1] for d in await store.load_feed_documents("odf")] == [
        "DT_MEDALLISTS",
        "DT_RECORD",
    ]


def test_a_saved_document_now_refused_is_skipped(caplog: pytest.LogCaptureFixture) -> None:
    tokyo = OdfAccumulator()
    tokyo.ingest(_xml("medallists_jud_m73kg.xml"))
    beijing = OdfAccumulator()
    beijing.ingest(_xml("medallists_ssk_w1000m.xml"))
    (tokyo_medallists,) = tokyo.unsaved_documents()
    # Saved when the feed followed Tokyo; the feed now follows Beijing, whose came first.
    saved = [*beijing.unsaved_documents(), replace(tokyo_medallists, position=1)]

    restored = OdfAccumulator()
    taken = restored.seed(saved)

    assert taken == 1
    assert restored.games is not None and restored.games.code == "OWG2022"
    assert "is for competition OG2020, not OWG2022" in caplog.text


async def test_the_bot_opens_its_odf_feeds_seeded_from_the_store(tmp_path: Path) -> None:
    store = MemoryStore()
    sent_before = OdfAccumulator()
    sent_before.ingest(_xml("medallists_ssk_w1000m.xml"))
    await OdfDocumentKeeper("odf", sent_before, store, clock=lambda: AT).save()
    (tmp_path / "new.xml").write_bytes(_xml("medallists_ssk_wteampursuit.xml"))

    async with ReplayFeedServer([tmp_path / "new.xml"]) as server:
        settings = Settings(feeds=[FeedSettings(name="odf", url=server.url, format="odf")])
        (feed,) = await open_feeds(settings, store)
        snapshot = await _poll_once(feed.source)

    assert snapshot is not None
    assert [e.code for e in snapshot.events] == ["SSKW1000M", "SSKWTEAMPURSUIT"]
    assert len(await store.load_feed_documents("odf")) == 2
