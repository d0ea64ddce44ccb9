"""Run the emulator on its own (for the offline demo and for poking at it by hand)."""

from __future__ import annotations

import asyncio
import logging

from .config import EmulatorConfig
from .demo import DemoWorld, build_demo_world
from .messages import StoredMessage
from .server import Emulator

log = logging.getLogger(__name__)


def _describe(message: StoredMessage, channel_name: str) -> str:
    pings = []
    if message.pinged_everyone:
        pings.append("@everyone")
    pings.extend(f"role {r}" for r in sorted(message.pinged_roles))
    pings.extend(f"user {u}" for u in sorted(message.pinged_users))
    suffix = f"  (pinged: {', '.join(pings)})" if pings else ""
    return f"#{channel_name} {message.describe()}{suffix}"


async def print_messages(emulator: Emulator) -> None:
    """Print each new or edited message as it happens (CLI output for the demo)."""
    seen: dict[int, int] = {}

    def changed() -> list[StoredMessage]:
        return [m for m in emulator.core.store.all() if seen.get(m.id) != len(m.history)]

    while True:
        for message in await emulator.wait_for(changed, timeout=86_400, recheck=None):
            seen[message.id] = len(message.history)
            channel = emulator.world.channel(message.channel_id)
            print(
                _describe(message, channel.name if channel else str(message.channel_id)), flush=True
            )


async def serve_forever(
    host: str = "127.0.0.1",
    port: int = 8990,
    *,
    config: EmulatorConfig | None = None,
    show_messages: bool = True,
    started: asyncio.Future[Emulator] | None = None,
) -> None:
    """Serve the demo world until cancelled; `started` receives the running emulator."""
    emulator = Emulator(config, host=host, port=port)
    demo: DemoWorld = build_demo_world(emulator.world)
    async with emulator:
        print(
            f"Discord emulator: REST {emulator.api_base}  gateway {emulator.gateway_url}",
            flush=True,
        )
        print(
            f"bot token: {emulator.token}   server: {demo.guild.name} ({demo.guild.id})", flush=True
        )
        if started is not None:
            started.set_result(emulator)
        watcher = asyncio.create_task(print_messages(emulator)) if show_messages else None
        try:
            await asyncio.Event().wait()
        finally:
            if watcher is not None:
                watcher.cancel()
                await asyncio.gather(watcher, return_exceptions=True)


def run_standalone(
    host: str = "127.0.0.1", port: int = 8990, *, config: EmulatorConfig | None = None
) -> None:
    """Blocking entry point for `medalbot emulator` / `python -m medalbot.emulator`."""
    try:
        asyncio.run(serve_forever(host, port, config=config))
    except KeyboardInterrupt:
        log.info("emulator stopped")
