"""Interactions as a user triggers them, and what the user then sees.

`InteractionResult` is filled in live as the bot answers: the callback (reply, defer, update,
autocomplete choices, modal), followups and edits of the original response.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

from .errors import DiscordError
from .messages import StoredMessage

JsonObject = dict[str, Any]


class InteractionType(IntEnum):
    PING = 1
    APPLICATION_COMMAND = 2
    MESSAGE_COMPONENT = 3
    AUTOCOMPLETE = 4
    MODAL_SUBMIT = 5


class CallbackType(IntEnum):
    PONG = 1
    CHANNEL_MESSAGE = 4
    DEFERRED_CHANNEL_MESSAGE = 5
    DEFERRED_UPDATE_MESSAGE = 6
    UPDATE_MESSAGE = 7
    AUTOCOMPLETE_RESULT = 8
    MODAL = 9


# Which callbacks Discord accepts for which interaction type.
ALLOWED_CALLBACKS: dict[InteractionType, frozenset[CallbackType]] = {
    InteractionType.APPLICATION_COMMAND: frozenset(
        {CallbackType.CHANNEL_MESSAGE, CallbackType.DEFERRED_CHANNEL_MESSAGE, CallbackType.MODAL}
    ),
    InteractionType.MESSAGE_COMPONENT: frozenset(
        {
            CallbackType.CHANNEL_MESSAGE,
            CallbackType.DEFERRED_CHANNEL_MESSAGE,
            CallbackType.DEFERRED_UPDATE_MESSAGE,
            CallbackType.UPDATE_MESSAGE,
            CallbackType.MODAL,
        }
    ),
    InteractionType.AUTOCOMPLETE: frozenset({CallbackType.AUTOCOMPLETE_RESULT}),
    InteractionType.MODAL_SUBMIT: frozenset(
        {
            CallbackType.CHANNEL_MESSAGE,
            CallbackType.DEFERRED_CHANNEL_MESSAGE,
            CallbackType.DEFERRED_UPDATE_MESSAGE,
            CallbackType.UPDATE_MESSAGE,
        }
    ),
}


class InteractionTimeout(TimeoutError):
    """The bot did not answer in time; Discord would show 'The application did not respond'."""


class CommandNotAvailable(PermissionError):
    """A real user could not run this: not synced, hidden by permissions, or no access."""


@dataclass(slots=True)
class InteractionResult:
    """One interaction and everything the bot did in answer to it."""

    id: int
    token: str
    type: InteractionType
    guild_id: int | None  # None in a DM or group DM
    channel_id: int
    user_id: int
    payload: JsonObject  # the INTERACTION_CREATE data sent to the bot
    dispatched_at: float  # emulator clock (monotonic)
    deadline: float  # the first response must arrive before this
    expires_at: float  # followups and edits work until this
    source_message: StoredMessage | None = None  # the message a component lives on
    response_type: CallbackType | None = None
    responded_at: float | None = None
    original: StoredMessage | None = None
    followups: list[StoredMessage] = field(default_factory=list)
    choices: list[JsonObject] | None = None
    modal: JsonObject | None = None
    rejected: list[DiscordError] = field(default_factory=list)  # refused callbacks (late, twice)

    @staticmethod
    def new_token() -> str:
        return "emu_" + secrets.token_urlsafe(48)

    @property
    def responded(self) -> bool:
        return self.response_type is not None

    @property
    def response_latency(self) -> float | None:
        """Seconds from dispatch to the first response (Discord allows 3)."""
        return None if self.responded_at is None else self.responded_at - self.dispatched_at

    @property
    def deferred(self) -> bool:
        return self.response_type in (
            CallbackType.DEFERRED_CHANNEL_MESSAGE,
            CallbackType.DEFERRED_UPDATE_MESSAGE,
        )

    @property
    def ephemeral(self) -> bool:
        return self.original is not None and self.original.ephemeral

    @property
    def content(self) -> str | None:
        return None if self.original is None else self.original.content

    @property
    def embeds(self) -> tuple[JsonObject, ...]:
        return () if self.original is None else self.original.embeds

    @property
    def components(self) -> tuple[JsonObject, ...]:
        return () if self.original is None else self.original.components

    @property
    def flags(self) -> int:
        return 0 if self.original is None else self.original.flags

    @property
    def messages(self) -> list[StoredMessage]:
        """The original response (if a message) followed by the followups."""
        first = [] if self.original is None else [self.original]
        return first + [m for m in self.followups if m is not self.original]


class InteractionRegistry:
    def __init__(self) -> None:
        self._by_id: dict[int, InteractionResult] = {}
        self._by_token: dict[str, InteractionResult] = {}

    def add(self, result: InteractionResult) -> None:
        self._by_id[result.id] = result
        self._by_token[result.token] = result

    def by_id(self, interaction_id: int) -> InteractionResult | None:
        return self._by_id.get(interaction_id)

    def by_token(self, token: str) -> InteractionResult | None:
        return self._by_token.get(token)

    def all(self) -> list[InteractionResult]:
        return list(self._by_id.values())
