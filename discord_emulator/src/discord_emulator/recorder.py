"""The request log and the change signal that `wait_for` sleeps on."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    seq: int
    method: str
    path: str  # relative to /api/v10, e.g. "/channels/1/messages"
    query: Mapping[str, str]
    json: Any  # the JSON body (or multipart payload_json), None when there was none
    headers: Mapping[str, str]  # Authorization is masked
    status: int
    at: float  # emulator clock, monotonic
    response: Any  # the decoded JSON answer, None for empty bodies
    fault: str | None  # the injected fault kind that shaped the answer, if any


class ChangeSignal:
    """Wakes every waiter on each recorded change; waiters re-check their own predicate."""

    def __init__(self) -> None:
        self.version = 0
        self._event = asyncio.Event()

    def notify(self) -> None:
        self.version += 1
        event, self._event = self._event, asyncio.Event()
        event.set()

    async def wait_for(
        self,
        predicate: Callable[[], T | None],
        timeout: float,  # noqa: ASYNC109 - the test API takes a timeout
        recheck: float | None = None,
    ) -> T:
        """Return the predicate's first truthy value; TimeoutError after `timeout` seconds.

        The predicate is re-checked on every change, and also every `recheck` seconds when
        given, for predicates that read state the emulator does not see change (a bot's own).
        """
        async with asyncio.timeout(timeout):
            while True:
                value = predicate()
                if value:
                    return value
                if recheck is None:
                    await self._event.wait()
                    continue
                try:
                    async with asyncio.timeout(recheck):
                        await self._event.wait()
                except TimeoutError:
                    continue


class RequestLog:
    def __init__(self) -> None:
        self.entries: list[RecordedRequest] = []

    def __len__(self) -> int:
        return len(self.entries)

    def append(self, entry: RecordedRequest) -> None:
        self.entries.append(entry)

    def matching(self, method: str | None = None, path_contains: str = "") -> list[RecordedRequest]:
        return [
            entry
            for entry in self.entries
            if (method is None or entry.method == method.upper()) and path_contains in entry.path
        ]
