"""Builders and fakes shared by the delivery tests: a fake clock, a fake Discord that honours
nonces like the real one, alerts of the women's 1000m, a sender no rate limit slows down."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TypedDict

import discord
import msgspec

from medalbot.config import DeliverySettings
from medalbot.delivery.port import MessagePort
from medalbot.delivery.sender import OutboxSender
from medalbot.domain.alerts import Alert, MedalAlert, MedalWon, RecordAlert, RecordSet
from medalbot.domain.models import EventStatus, GamesInfo, Medal, Snapshot
from medalbot.domain.state import GamesState
from medalbot.render.alerts import RenderedMessage
from medalbot.store.base import Store


def minimal_state(sequence: int) -> GamesState:
    snapshot = Snapshot(
        format="medalbot.feed/1",
        games=GamesInfo(code="OWG2026", name="Milano Cortina 2026"),
        sequence=sequence,
        generated_at=datetime(2026, 2, 9, 16, sequence, tzinfo=UTC),
        events=(),
    )
    return GamesState(snapshot=snapshot, ledger={})


T0 = datetime(2026, 2, 9, 16, 0, tzinfo=UTC)


class Clock:
    """A fake clock the test moves by hand."""

    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class Crash(BaseException):
    """Stands for the process dying: nothing after it runs."""


@dataclass
class Posted:
    id: int
    channel_id: int
    nonce: str
    message: RenderedMessage
    edits: list[list[discord.Embed]] = field(default_factory=list)


class FakeDiscord:
    """Keeps what each channel shows; a repeated nonce returns the first message, like Discord."""

    def __init__(self) -> None:
        self.posted: list[Posted] = []
        # per channel, what each next send does: raise, or None to go through
        self.failures: dict[int, list[BaseException | None]] = {}
        self.crash_after_commit = False
        self._next_id = 1000

    def channel(self, channel_id: int) -> list[Posted]:
        return [p for p in self.posted if p.channel_id == channel_id]

    async def send(self, channel_id: int, message: RenderedMessage, nonce: str) -> int:
        queued = self.failures.get(channel_id)
        failure = queued.pop(0) if queued else None
        if failure is not None:
            raise failure
        for p in self.posted:
            if p.channel_id == channel_id and p.nonce == nonce:
                return p.id
        self._next_id += 1
        self.posted.append(Posted(self._next_id, channel_id, nonce, message))
        if self.crash_after_commit:
            raise Crash()
        return self._next_id

    async def edit(self, channel_id: int, message_id: int, embeds: Sequence[discord.Embed]) -> None:
        for p in self.posted:
            if p.id == message_id:
                p.edits.append(list(embeds))


class AlertCommon(TypedDict):
    """The fields every alert of the women's 1000m shares, typed so that ``**COMMON`` checks."""

    games: str
    event: str
    detected_at: datetime
    sport: str
    event_name: str
    event_status: EventStatus


COMMON = AlertCommon(
    games="OWG2026",
    event="SSKW1000M",
    detected_at=T0,
    sport="Speed Skating",
    event_name="Women's 1000m",
    event_status=EventStatus.RUNNING,
)
KOK = RecordSet("OR", "1:12.59", "NED", "Femke KOK")
LEERDAM = RecordSet("OR", "1:12.31", "NED", "Jutta LEERDAM")
PODIUM = (
    MedalWon(Medal.GOLD, "NED", "Jutta LEERDAM"),
    MedalWon(Medal.SILVER, "NED", "Femke KOK"),
    MedalWon(Medal.BRONZE, "JPN", "Miho TAKAGI"),
)


def alerts() -> list[Alert]:
    return [
        RecordAlert(id="r-kok", sequence=2, record=KOK, **COMMON),
        RecordAlert(id="r-leerdam", sequence=3, record=LEERDAM, **COMMON),
        MedalAlert(id="m-podium", sequence=4, medals=PODIUM, podium=PODIUM, **COMMON),
    ]


def bronzes(count: int, sequence: int = 2) -> list[Alert]:
    """``count`` bronze medals for the Netherlands, each an alert of its own."""
    return [
        MedalAlert(
            id=f"m-{i}",
            sequence=sequence,
            medals=(MedalWon(Medal.BRONZE, "NED", f"Skater {i}"),),
            **COMMON,
        )
        for i in range(count)
    ]


# How often a sender looks for rows whose time came (retries) when nothing woke it: a drain ends
# at the first look that finds nothing, so the tests' senders look often.
IDLE_CHECK = 0.01


def sender(store: Store, port: MessagePort, clock: Clock, **settings: object) -> OutboxSender:
    """A sender that no rate limit slows down."""
    unlimited = DeliverySettings(global_rate=1000, global_burst=1000, channel_rate=1000)
    delivery = msgspec.structs.replace(unlimited, **settings)
    return OutboxSender(store, port, delivery, clock=clock, idle_check=IDLE_CHECK)


async def drain(s: OutboxSender) -> None:
    """Send what is due as the bot does (``OutboxSender.run``) until a claim finds nothing due
    and nothing is being sent, then stop the sender as a shutdown does. A send that raises what
    is no Exception (a ``Crash``: the process dies) ends it, as it ends ``run``."""
    running = asyncio.create_task(s.run())
    idle = asyncio.create_task(s.wait_idle())
    done, _ = await asyncio.wait({running, idle}, return_when=asyncio.FIRST_COMPLETED)
    idle.cancel()
    if running in done:
        running.result()  # raises what ended it
        return
    running.cancel()
    try:
        await running
    except asyncio.CancelledError:
        if asyncio.current_task().cancelling():  # type: ignore[union-attr]  # the test's own
            raise
