"""The emulator counts its 429 answers by scope (what bench/fanout_limits.py reports)."""

from __future__ import annotations

import aiohttp

from discord_emulator import EmulatorConfig, ManualClock
from emulator_testkit import EmulatorFactory, build_demo_world


async def test_429s_are_counted_by_scope(emulator_factory: EmulatorFactory) -> None:
    clock = ManualClock()  # no window runs out during the test
    emulator = await emulator_factory(
        EmulatorConfig(global_rate_limit=2, channel_message_limit=1, clock=clock)
    )
    demo = build_demo_world(emulator.world)
    url = f"{emulator.api_base}/channels/{demo.oranje.id}/messages"
    auth = {"Authorization": f"Bot {emulator.token}"}
    emulator.rate_limit("POST /channels/{channel_id}/messages", 2.0, scope="shared")
    statuses = []
    async with aiohttp.ClientSession() as http:
        # shared (injected), then sent, then the channel's bucket (user), then global
        for n in range(4):
            async with http.post(url, json={"content": f"#{n}"}, headers=auth) as response:
                statuses.append((response.status, response.headers.get("X-RateLimit-Scope")))
    assert statuses == [(429, "shared"), (200, None), (429, "user"), (429, "global")]
    assert emulator.rate_limited == {"shared": 1, "user": 1, "global": 1}
    assert emulator.invalid_requests == 2  # shared-scope 429s do not count
    assert [m.content for m in emulator.transcript(demo.oranje)] == ["#1"]
