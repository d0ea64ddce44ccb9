"""The replay feed server speaks conditional HTTP correctly, so the poller tests mean something."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest

from medalbot.feeds.server import ReplayFeedServer
from tests.feeds.conftest import write_snapshots


async def test_if_modified_since_alone_gives_304_and_a_new_file_gives_200(tmp_path: Path) -> None:
    async with (
        ReplayFeedServer(write_snapshots(tmp_path, [1, 2])) as server,
        aiohttp.ClientSession() as http,
    ):
        async with http.get(server.url) as first:
            last_modified = first.headers["Last-Modified"]
        async with http.get(server.url, headers={"If-Modified-Since": last_modified}) as same:
            same_status = same.status
        server.advance()
        async with http.get(server.url, headers={"If-Modified-Since": last_modified}) as newer:
            newer_status = newer.status
            newer_body = await newer.read()

    assert (same_status, newer_status) == (304, 200)
    assert newer_body == server.current.read_bytes()


async def test_if_none_match_wins_over_if_modified_since(tmp_path: Path) -> None:
    async with (
        ReplayFeedServer(write_snapshots(tmp_path, [1])) as server,
        aiohttp.ClientSession() as http,
    ):
        async with http.get(server.url) as first:
            last_modified = first.headers["Last-Modified"]
        headers = {"If-None-Match": '"some-other-version"', "If-Modified-Since": last_modified}
        async with http.get(server.url, headers=headers) as response:
            status = response.status

    assert status == 200


async def test_xml_files_are_served_as_xml(tmp_path: Path) -> None:
    message = tmp_path / "message.xml"
    message.write_bytes(b"<OdfBody/>")
    async with (
        ReplayFeedServer([message]) as server,
        aiohttp.ClientSession() as http,
        http.get(server.url) as response,
    ):
        content_type = response.content_type

    assert server.url.endswith("/feed.xml")
    assert content_type == "application/xml"


async def test_advance_stops_at_the_last_file_and_unknown_faults_are_refused(
    tmp_path: Path,
) -> None:
    server = ReplayFeedServer(write_snapshots(tmp_path, [1, 2]))

    assert server.advance() is True
    assert server.advance() is False
    assert server.position == 1
    with pytest.raises(ValueError, match="unknown fault 'teapot'"):
        # on purpose: a fault the server does not know
        server.inject("teapot")  # type: ignore[arg-type]
