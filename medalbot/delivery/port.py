"""What the sender needs from Discord, as a small interface with typed failures, so the outbox
logic is tested without a client and the Discord adapter stays a thin translation."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import discord

from medalbot.render.alerts import RenderedMessage


class SendFailure(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ChannelRefused(SendFailure):
    """403/404: the channel is gone or closed to us. Final: retrying only burns the
    invalid-request budget, so the subscription is paused."""

    def __init__(self, reason: str, *, status: int, code: int) -> None:
        super().__init__(reason)
        self.status = status
        self.code = code


class MessageRejected(SendFailure):
    """Discord refused this message itself (400), or its nonce names a message deleted since:
    retrying cannot help."""


class TransientFailure(SendFailure):
    """5xx, 429 after discord.py's own retries, a timeout: retried with backoff."""

    def __init__(self, reason: str, *, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class MessagePort(Protocol):
    async def send(self, channel_id: int, message: RenderedMessage, nonce: str) -> int:
        """Post a message; returns its id. Raises a SendFailure subclass."""
        ...

    async def edit(self, channel_id: int, message_id: int, embeds: Sequence[discord.Embed]) -> None:
        """Replace a message's embeds, keeping its content. Raises a SendFailure subclass."""
        ...
