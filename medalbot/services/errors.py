"""Errors whose message is written for the person who asked (shown as an ephemeral reply)."""

from __future__ import annotations


class UserError(Exception):
    """A request we refuse or cannot answer; ``str(error)`` is the reply the user sees."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
