"""Test helper: olympics.com on loopback (two endpoints, ETags, a switch for the bot
protection's 403 page), and a later body derived from the real first day of 2026."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from aiohttp import web

from tests.feeds.olympics_days import ACCESS_DENIED, FIRST_DAY_2026, load


@dataclass
class Site:
    """olympics.com as the tests need it: two endpoints, ETags, a switch for the 403 page."""

    medals: bytes
    medallists: bytes
    refuse: bool = False
    requests: list[tuple[str, dict[str, str], int]] = field(default_factory=list)

    async def handle(self, request: web.Request) -> web.Response:
        body = self.medals if request.path.endswith("/medals") else self.medallists
        etag = '"' + hashlib.sha1(body).hexdigest() + '"'
        status = 200
        if self.refuse:
            status = 403
        elif request.headers.get("If-None-Match") == etag:
            status = 304
        self.requests.append((request.path, dict(request.headers), status))
        if status == 403:
            return web.Response(
                status=403, body=ACCESS_DENIED.read_bytes(), content_type="text/html"
            )
        if status == 304:
            return web.Response(status=304, headers={"ETag": etag})
        return web.Response(body=body, content_type="application/json", headers={"ETag": etag})


def later_body() -> bytes:
    """The first day's body an hour later, with a fourth event's podium (Italy's gold). The
    added medal is invented for the tests, not a real result."""
    body = load(FIRST_DAY_2026)
    standings = body["medalStandings"]
    standings["eventInfo"]["dateTime"] = "2026-02-07T17:30:00+00:00"
    italy = standings["medalsTable"][0]
    winner = dict(italy["disciplines"][0]["medalWinners"][0])
    winner.update(
        eventCode="ALPWDH----------------------------",
        eventDescription="Women's Downhill",
        eventCategory="Women",
        medalType="ME_GOLD",
        competitorCode="1",
        competitorDisplayTvName="Sofia GOGGIA",
        competitorDisplayName="GOGGIA Sofia",
    )
    italy["disciplines"][0]["medalWinners"].append(winner)
    return json.dumps(body).encode()
