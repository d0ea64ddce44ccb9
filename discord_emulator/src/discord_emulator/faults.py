"""Faults injected on demand for a route pattern and/or a channel, for a number of requests
and/or for a while (a storm: every matching request for N seconds)."""

from __future__ import annotations

import asyncio
import enum
import re
from dataclasses import dataclass

from .clock import Clock


class FaultKind(enum.Enum):
    ERROR = "error"  # answer with an error status/code instead of handling the request
    RATE_LIMIT = "rate_limit"  # answer 429 with retry_after
    DELAY = "delay"  # wait, then handle the request normally
    COMMIT_THEN_FAIL = "commit_then_fail"  # handle the request, then answer with an error
    HOLD = "hold"  # wait until the test releases it, then handle the request normally


def compile_route(route: str) -> tuple[str | None, re.Pattern[str]]:
    """'POST /channels/{channel_id}/messages' -> ('POST', regex); '*' matches anything.

    The method is optional ('/gateway/bot') or '*'. Paths are relative to /api/v10.
    """
    method, _, path = route.strip().partition(" ")
    if not path:
        method, path = "*", method
    pattern = ""
    for token in re.split(r"(\{[^}]*\}|\*)", path):
        if token == "*":
            pattern += ".*"
        elif token.startswith("{") and token.endswith("}"):
            pattern += "[^/]+"
        else:
            pattern += re.escape(token)
    return (None if method == "*" else method.upper()), re.compile(pattern)


@dataclass(slots=True)
class Fault:
    kind: FaultKind
    route: str
    method: str | None
    pattern: re.Pattern[str]
    channel_id: int | None
    remaining: int | None  # None: until removed
    status: int = 500
    code: int = 0
    message: str = "Internal Server Error"
    retry_after: float = 0.0
    is_global: bool = False
    scope: str = "user"
    delay: float = 0.0
    hits: int = 0
    expires_at: float | None = None  # emulator monotonic clock; None: no time limit
    gate: asyncio.Event | None = None  # HOLD: set by release()

    def matches(self, method: str, path: str, channel_id: int | None, now: float) -> bool:
        if not self.is_armed(now):
            return False
        if self.method is not None and self.method != method:
            return False
        if self.channel_id is not None and self.channel_id != channel_id:
            return False
        return self.pattern.fullmatch(path) is not None

    def release(self) -> None:
        """Let the requests a HOLD fault holds go on (and any it takes later, at once)."""
        if self.gate is not None:
            self.gate.set()

    def is_armed(self, now: float) -> bool:
        if self.remaining is not None and self.remaining <= 0:
            return False
        return self.expires_at is None or now < self.expires_at


class FaultInjector:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._faults: list[Fault] = []

    def add(self, fault: Fault) -> Fault:
        self._faults.append(fault)
        return fault

    def take(self, method: str, path: str, channel_id: int | None) -> Fault | None:
        """The first armed fault for this request, counting the use."""
        now = self._clock.monotonic()
        for fault in self._faults:
            if fault.matches(method, path, channel_id, now):
                fault.hits += 1
                if fault.remaining is not None:
                    fault.remaining -= 1
                return fault
        return None

    def remove(self, fault: Fault) -> None:
        fault.release()  # nothing stays held by a fault nobody can release any more
        if fault in self._faults:
            self._faults.remove(fault)

    def clear(self) -> None:
        self.release_all()
        self._faults.clear()

    def release_all(self) -> None:
        for fault in self._faults:
            fault.release()

    @property
    def armed(self) -> list[Fault]:
        now = self._clock.monotonic()
        return [f for f in self._faults if f.is_armed(now)]
