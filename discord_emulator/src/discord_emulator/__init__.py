"""A local Discord emulator: REST + gateway on loopback for the real discord.py client.

Test a discord.py bot end to end without Discord. Typical use::

    async with Emulator() as emu:
        guild = emu.world.add_guild("Test Server")
        channel = emu.world.add_channel(guild, "general")
        fan = emu.world.add_member(guild, "fan")
        patch = point_discord_at(emu.api_base, emu.gateway_url)
        async with running_bot(make_bot(), emu):
            result = await emu.invoke("/ping", member=fan, channel=channel)
            print(result.content, emu.transcript(channel))
        patch.undo()
"""

from .client_patch import DiscordPatch, patch_targets, point_discord_at
from .clock import Clock, ManualClock, SystemClock
from .commands import RegisteredCommand
from .config import EmulatorConfig
from .entities import Channel, ChannelType, Guild, Member, PrivateChannel, Role, User
from .errors import DiscordError
from .faults import Fault, FaultKind
from .gateway import Gateway, GatewayEvent, shard_for
from .harness import running_bot
from .interactions import (
    CallbackType,
    CommandNotAvailable,
    InteractionResult,
    InteractionTimeout,
    InteractionType,
)
from .mentions import Pings
from .messages import MessageVersion, StoredMessage
from .permissions import (
    DEFAULT_BOT_PERMISSIONS,
    DEFAULT_EVERYONE_PERMISSIONS,
    Overwrite,
    OverwriteType,
    Permission,
)
from .recorder import RecordedRequest
from .server import Emulator
from .standalone import build_starter_world, run_standalone, serve_forever
from .world import World

__all__ = [
    "DEFAULT_BOT_PERMISSIONS",
    "DEFAULT_EVERYONE_PERMISSIONS",
    "CallbackType",
    "Channel",
    "ChannelType",
    "Clock",
    "CommandNotAvailable",
    "DiscordError",
    "DiscordPatch",
    "Emulator",
    "EmulatorConfig",
    "Fault",
    "FaultKind",
    "Gateway",
    "GatewayEvent",
    "Guild",
    "InteractionResult",
    "InteractionTimeout",
    "InteractionType",
    "ManualClock",
    "Member",
    "MessageVersion",
    "Overwrite",
    "OverwriteType",
    "Permission",
    "Pings",
    "PrivateChannel",
    "RecordedRequest",
    "RegisteredCommand",
    "Role",
    "StoredMessage",
    "SystemClock",
    "User",
    "World",
    "build_starter_world",
    "patch_targets",
    "point_discord_at",
    "run_standalone",
    "running_bot",
    "serve_forever",
    "shard_for",
]
