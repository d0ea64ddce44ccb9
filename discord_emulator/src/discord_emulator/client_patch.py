"""Point discord.py at an emulator (or any Discord-compatible host).

Two class attributes decide where discord.py goes: `discord.http.Route.BASE` (every REST call,
including interaction callbacks and webhooks, builds its URL from it) and
`discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY` (the websocket of a plain Client, and the one
every client falls back to after a non-resumable INVALID_SESSION). An AutoShardedClient instead
connects to the url GET /gateway/bot returns, which the emulator sets to its own gateway.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import discord.gateway
import discord.http
import yarl

log = logging.getLogger(__name__)


def patch_targets(api_base: str, gateway_url: str) -> list[tuple[type, str, object]]:
    """(owner, attribute, new value) triples; pytest fixtures feed them to monkeypatch."""
    return [
        (discord.http.Route, "BASE", api_base.rstrip("/")),
        (discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(gateway_url)),
    ]


@dataclass
class DiscordPatch:
    """The attributes changed by `point_discord_at`; `undo()` restores them."""

    api_base: str
    gateway_url: str
    _originals: list[tuple[type, str, object]] = field(default_factory=list)

    def undo(self) -> None:
        for owner, name, value in reversed(self._originals):
            setattr(owner, name, value)
        self._originals.clear()


def point_discord_at(api_base: str, gateway_url: str) -> DiscordPatch:
    """Make discord.py use `api_base` (…/api/v10) and `gateway_url` (ws://…/gateway)."""
    patch = DiscordPatch(api_base, gateway_url)
    for owner, name, value in patch_targets(api_base, gateway_url):
        patch._originals.append((owner, name, getattr(owner, name)))
        setattr(owner, name, value)
    log.info("discord.py now talks to %s and %s", api_base, gateway_url)
    return patch
