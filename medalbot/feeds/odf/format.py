"""The ``odf`` entry of the feed formats: ODF XML, whose documents a polled feed keeps."""

from __future__ import annotations

from typing import Final

from medalbot.feeds.format import FeedFormat, KeptDecoder
from medalbot.feeds.odf.accumulator import OdfAccumulator, OdfAdapter
from medalbot.feeds.odf.documents import OdfDocumentKeeper
from medalbot.feeds.poller import XML_CONTENT_TYPES
from medalbot.feeds.settings import FeedSettings
from medalbot.store.base import FeedDocumentStore


def odf_decoder(settings: FeedSettings) -> OdfAdapter:
    """A decoder that starts from no document (a replay reads its files from the first)."""
    return OdfAdapter(OdfAccumulator(max_bytes=settings.max_bytes))


async def kept_odf_decoder(settings: FeedSettings, store: FeedDocumentStore) -> KeptDecoder:
    """A decoder that starts from the documents ``store`` kept for this feed and saves what each
    body brings. An ODF endpoint may serve only the latest changes: without them, the first
    snapshot after a restart would read as every earlier medal withdrawn."""
    keeper = OdfDocumentKeeper(settings.name, OdfAccumulator(max_bytes=settings.max_bytes), store)
    adapter = OdfAdapter(keeper.accumulator)
    if await keeper.restore():
        adapter.resync()  # the first body is compared with the saved state, changed or not
    return KeptDecoder(decode=adapter, after_poll=keeper.save)


ODF: Final = FeedFormat(
    name="odf",
    summary="ODF XML messages (the Olympic Data Feed)",
    content_types=XML_CONTENT_TYPES,
    file_pattern="*.xml",
    decoder=odf_decoder,
    kept_decoder=kept_odf_decoder,
    settings=FeedSettings,
)
