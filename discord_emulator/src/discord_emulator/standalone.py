"""Run the emulator on its own (for a demo and for poking at it by hand)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from .config import EmulatorConfig
from .entities import Guild
from .messages import StoredMessage
from .permissions import Permission
from .server import Emulator
from .world import World

log = logging.getLogger(__name__)

Populate = Callable[[World], Guild]


def build_starter_world(world: World) -> Guild:
    """One server to connect a bot to: "Test Server" with #general (its system channel), a
    "Moderator" role with Manage Server, the members "moderator" and "member"."""
    guild = world.add_guild("Test Server")
    general = world.add_channel(guild, "general")
    guild.system_channel_id = general.id
    moderator_role = world.add_role(guild, "Moderator", int(Permission.MANAGE_GUILD))
    world.add_member(guild, "moderator", [moderator_role])
    world.add_member(guild, "member")
    return guild


def _describe(message: StoredMessage, channel_name: str) -> str:
    pings = []
    if message.pinged_everyone:
        pings.append("@everyone")
    pings.extend(f"role {r}" for r in sorted(message.pinged_roles))
    pings.extend(f"user {u}" for u in sorted(message.pinged_users))
    suffix = f"  (pinged: {', '.join(pings)})" if pings else ""
    return f"#{channel_name} {message.describe()}{suffix}"


async def print_messages(emulator: Emulator) -> None:
    """Print each new or edited message as it happens (CLI output)."""
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
    populate: Populate = build_starter_world,
    show_messages: bool = True,
    started: asyncio.Future[Emulator] | None = None,
) -> None:
    """Serve the world `populate` builds (it returns the server to announce) until cancelled;
    `started` receives the running emulator."""
    emulator = Emulator(config, host=host, port=port)
    guild = populate(emulator.world)
    async with emulator:
        print(
            f"Discord emulator: REST {emulator.api_base}  gateway {emulator.gateway_url}",
            flush=True,
        )
        print(f"bot token: {emulator.token}   server: {guild.name} ({guild.id})", flush=True)
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
    """Blocking entry point for `python -m discord_emulator`."""
    try:
        asyncio.run(serve_forever(host, port, config=config))
    except KeyboardInterrupt:
        log.info("emulator stopped")
