"""The Store contract for feed documents (what an ODF feed sent), on memory, SQLite and
PostgreSQL: the highest version of each document is kept, in arrival order, per feed."""

from __future__ import annotations

from medalbot.store import open_store
from medalbot.store.base import FeedDocument, Store
from tests.store.builders import T0, at


def _doc(key: str, version: int, position: int) -> FeedDocument:
    return FeedDocument(
        key=key, version=version, body=f"<OdfBody v='{version}'/>", position=position
    )


async def test_a_feed_without_saved_documents_loads_none(store: Store) -> None:
    assert await store.load_feed_documents("odf") == []


async def test_saved_documents_load_in_arrival_order(store: Store) -> None:
    heat, final = _doc("SSKW1000M-HEAT|DT_RESULT|", 3, 0), _doc("SSKW1000M-FNL|DT_RESULT|", 1, 1)
    await store.save_feed_documents("odf", [final, heat], T0)  # saved out of order

    assert await store.load_feed_documents("odf") == [heat, final]


async def test_a_higher_version_replaces_the_document_and_keeps_its_place(store: Store) -> None:
    await store.save_feed_documents("odf", [_doc("a", 1, 0), _doc("b", 1, 1)], T0)
    await store.save_feed_documents("odf", [_doc("a", 2, 5)], at(1))

    loaded = await store.load_feed_documents("odf")

    assert [(d.key, d.version, d.position) for d in loaded] == [("a", 2, 0), ("b", 1, 1)]
    assert loaded[0].body == "<OdfBody v='2'/>"


async def test_a_lower_or_equal_version_changes_nothing(store: Store) -> None:
    await store.save_feed_documents("odf", [_doc("a", 4, 0)], T0)
    await store.save_feed_documents("odf", [_doc("a", 3, 0)], at(1))
    await store.save_feed_documents(
        "odf", [FeedDocument(key="a", version=4, body="<other/>", position=0)], at(2)
    )

    assert await store.load_feed_documents("odf") == [_doc("a", 4, 0)]


async def test_each_feed_keeps_its_own_documents(store: Store) -> None:
    await store.save_feed_documents("odf", [_doc("a", 2, 0)], T0)
    await store.save_feed_documents("backup", [_doc("a", 1, 0), _doc("b", 1, 1)], T0)
    await store.save_feed_documents("odf", [], at(1))

    assert await store.load_feed_documents("odf") == [_doc("a", 2, 0)]
    assert [d.key for d in await store.load_feed_documents("backup")] == ["a", "b"]


async def test_a_reopened_store_keeps_the_documents(durable_url: str) -> None:
    store = await open_store(durable_url)
    await store.save_feed_documents("odf", [_doc("a", 1, 0), _doc("b", 7, 1)], T0)
    await store.close()

    reopened = await open_store(durable_url)
    try:
        assert await reopened.load_feed_documents("odf") == [_doc("a", 1, 0), _doc("b", 7, 1)]
    finally:
        await reopened.close()
