"""Stored messages with their edit history, transcripts, and the nonce deduplication window."""

from __future__ import annotations

import copy
import datetime
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .clock import Clock
from .entities import User
from .mentions import Pings

JsonObject = dict[str, Any]

EPHEMERAL = 1 << 6
LOADING = 1 << 7


def iso_timestamp(epoch_seconds: float) -> str:
    return datetime.datetime.fromtimestamp(epoch_seconds, datetime.UTC).isoformat()


def _frozen_json(items: Sequence[Mapping[str, Any]] | None) -> tuple[JsonObject, ...]:
    return tuple(copy.deepcopy(dict(item)) for item in items or ())


@dataclass(frozen=True, slots=True)
class MessageVersion:
    """One version of a message as people saw it (the first one, or the result of an edit)."""

    content: str
    embeds: tuple[JsonObject, ...]
    components: tuple[JsonObject, ...]
    attachments: tuple[JsonObject, ...]
    flags: int
    at: float
    embeds_stripped: bool = False
    mentions: Pings = field(default_factory=Pings)

    @classmethod
    def build(
        cls,
        *,
        content: str | None,
        embeds: Sequence[Mapping[str, Any]] | None,
        components: Sequence[Mapping[str, Any]] | None,
        attachments: Sequence[Mapping[str, Any]] | None,
        flags: int,
        at: float,
        embeds_stripped: bool = False,
        mentions: Pings | None = None,
    ) -> MessageVersion:
        return cls(
            content or "",
            _frozen_json(embeds),
            _frozen_json(components),
            _frozen_json(attachments),
            flags,
            at,
            embeds_stripped,
            mentions or Pings(),
        )


@dataclass(slots=True)
class StoredMessage:
    """A message in a channel; `version` is what is shown now, `history` what it was before.

    `pings` is who was notified when the message appeared. Edits never notify anyone, and a
    deferred ("thinking") interaction response that is completed later does not notify either.
    """

    id: int
    channel_id: int
    guild_id: int | None
    author: User
    version: MessageVersion
    pings: Pings
    created_at: float
    history: list[MessageVersion] = field(default_factory=list)
    nonce: str | int | None = None
    message_reference: JsonObject | None = None
    interaction_id: int | None = None
    webhook_id: int | None = None
    ephemeral_for: int | None = None
    message_type: int = 0
    deleted: bool = False

    @property
    def content(self) -> str:
        return self.version.content

    @property
    def embeds(self) -> tuple[JsonObject, ...]:
        return self.version.embeds

    @property
    def components(self) -> tuple[JsonObject, ...]:
        return self.version.components

    @property
    def flags(self) -> int:
        return self.version.flags

    @property
    def ephemeral(self) -> bool:
        return bool(self.version.flags & EPHEMERAL)

    @property
    def loading(self) -> bool:
        """True while this is a deferred 'bot is thinking...' response."""
        return bool(self.version.flags & LOADING)

    @property
    def edited(self) -> bool:
        return bool(self.history)

    @property
    def embeds_stripped(self) -> bool:
        return self.version.embeds_stripped

    @property
    def pinged_everyone(self) -> bool:
        return self.pings.everyone

    @property
    def pinged_roles(self) -> frozenset[int]:
        return self.pings.roles

    @property
    def pinged_users(self) -> frozenset[int]:
        return self.pings.users

    def buttons(self) -> Iterator[JsonObject]:
        """Every button (type 2) on the message, in display order."""
        for row in self.version.components:
            for child in row.get("components", ()):
                if child.get("type") == 2:
                    yield child

    def describe(self) -> str:
        """A one-line human view, for logs and the offline demo."""
        parts = [self.content] if self.content else []
        parts.extend(
            f"[embed: {embed.get('title') or embed.get('description', '')}]"
            for embed in self.embeds
        )
        if self.loading:
            parts.append(f"{self.author.username} is thinking...")
        edited = " (edited)" if self.edited else ""
        return f"{self.author.username}: {' '.join(parts)}{edited}"

    def apply_edit(self, version: MessageVersion) -> None:
        self.history.append(self.version)
        self.version = version


class MessageStore:
    """All messages, by id and per channel, plus the `enforce_nonce` window."""

    def __init__(self, clock: Clock, *, nonce_window: float) -> None:
        self._clock = clock
        self.nonce_window = nonce_window
        self._messages: dict[int, StoredMessage] = {}
        self._by_channel: dict[int, list[StoredMessage]] = {}
        self._nonces: dict[tuple[int, str], tuple[int, float]] = {}

    def add(self, message: StoredMessage) -> None:
        self._messages[message.id] = message
        self._by_channel.setdefault(message.channel_id, []).append(message)

    def get(self, message_id: int) -> StoredMessage | None:
        message = self._messages.get(message_id)
        return None if message is None or message.deleted else message

    def all(self) -> list[StoredMessage]:
        return [m for m in self._messages.values() if not m.deleted]

    def find_by_nonce(self, author_id: int, nonce: str | int) -> StoredMessage | None:
        """The message this author created with this nonce inside the window, if any."""
        entry = self._nonces.get((author_id, str(nonce)))
        if entry is None:
            return None
        message_id, created = entry
        if self._clock.monotonic() - created > self.nonce_window:
            return None
        return self._messages.get(message_id)

    def remember_nonce(self, author_id: int, nonce: str | int, message: StoredMessage) -> None:
        self._nonces[(author_id, str(nonce))] = (message.id, self._clock.monotonic())

    def transcript(self, channel_id: int, *, viewer_id: int | None = None) -> list[StoredMessage]:
        """What a person in the channel sees, oldest first.

        Ephemeral messages are shown only to the member they were meant for (`viewer_id`).
        """
        return [
            message
            for message in self._by_channel.get(channel_id, ())
            if not message.deleted
            and (message.ephemeral_for is None or message.ephemeral_for == viewer_id)
        ]
