"""`medalbot run` as an operator starts it: a TOML file, the token from a file, real logging.

The bot talks to the emulator (its api_base and gateway_url are settings) and a feed server;
the test reads the log output the operator would see and the /healthz answer."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from pathlib import Path

import aiohttp
import pytest
from discord_emulator import Emulator, EmulatorConfig
from discord_emulator.client_patch import patch_targets

from medalbot.app import _main
from medalbot.demo_world import build_demo_world
from medalbot.feeds.server import ReplayFeedServer
from medalbot.samples import sample_files

pytestmark = pytest.mark.e2e

# Shaped like a real token (user id . timestamp . hmac), so the redaction pattern is exercised too.
TOKEN = "MTQ2NzM4OTQ1NjEyMzQ1Njc4.GhIjKl.abcdefghijklmnopqrstuvwxyz0123456789AB"


def run_config(tmp_path: Path, emulator: Emulator, feed: ReplayFeedServer) -> Path:
    """A `medalbot run` configuration for the emulator and feed, the token in a file."""
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN + "\n", encoding="utf-8")
    config = tmp_path / "medalbot.toml"
    config.write_text(
        f"""
[discord]
api_base = "{emulator.api_base}"
gateway_url = "{emulator.gateway_url}"
token_file = "{token_file}"
guild_ready_timeout = 0.05

[store]
url = "sqlite:///{tmp_path / "medalbot.db"}"

[logging]
level = "DEBUG"
json = true

[ops]
port = 0

[[feeds]]
name = "main"
url = "{feed.url}"
interval = 0.05
jitter = 0.0
""",
        encoding="utf-8",
    )
    return config


@pytest.mark.usefixtures("restore_logging")
async def test_run_reads_the_token_from_a_file_and_never_logs_it(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    async with (
        Emulator(EmulatorConfig(token=TOKEN)) as emulator,
        ReplayFeedServer(sample_files("w1000m")) as feed,
    ):
        build_demo_world(emulator.world)
        for owner, name, value in patch_targets(emulator.api_base, emulator.gateway_url):
            monkeypatch.setattr(owner, name, value)  # undone after the test; run sets them too
        config = run_config(tmp_path, emulator, feed)
        monkeypatch.delenv("DISCORD_TOKEN", raising=False)
        monkeypatch.delenv("DISCORD_TOKEN_FILE", raising=False)
        running = asyncio.create_task(_main(config))
        seen: list[str] = []

        def logged(pattern: str) -> re.Match[str] | None:
            seen.extend(capfd.readouterr())
            return re.search(pattern, "".join(seen))

        try:
            await emulator.wait_for(lambda: emulator.gateway.identifies >= 1, timeout=10)
            # the operator reads where the endpoint listens from the log, then asks it
            found = await emulator.wait_for(
                lambda: logged(r"ops endpoint listening on (http://[0-9.:]+)"), timeout=10
            )
            await emulator.wait_for(lambda: logged("applied snapshot"), timeout=10)
            async with aiohttp.ClientSession() as http:
                health = await _healthz(http, found.group(1))
            assert health["status"] in {"ok", "degraded"}, health
        finally:
            running.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await running

    logged("$")
    out, err = "", "".join(seen)
    logs = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    assert logs, "the bot logged nothing"
    applied = [entry for entry in logs if "applied snapshot" in entry["message"]]
    assert applied and all(entry.get("feed") == "main" for entry in applied)
    assert TOKEN not in out + err
    assert TOKEN.split(".")[0] not in out + err  # not even the part that names the bot


async def _healthz(http: aiohttp.ClientSession, base: str) -> dict[str, object]:
    async with http.get(f"{base}/healthz") as response:
        body: dict[str, object] = await response.json()
        return body
