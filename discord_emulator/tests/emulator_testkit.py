"""What the emulator's tests share besides fixtures: the fan server they run in, and the type
of the `emulator_factory` fixture. (A plain module: this folder is no package, so that its
name cannot collide with another project's ``tests`` package.)"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from discord_emulator import (
    Channel,
    ChannelType,
    Emulator,
    Guild,
    Member,
    Permission,
    Role,
    World,
)

EmulatorFactory = Callable[..., Awaitable[Emulator]]


@dataclass(frozen=True, slots=True)
class DemoWorld:
    guild: Guild
    oranje: Channel  # the main fan channel
    golds: Channel  # an announcement channel
    general: Channel  # the server's system channel
    moderator_role: Role
    alerts_role: Role  # a mentionable role
    moderator: Member  # has Manage Server
    fan: Member  # an ordinary member
    bot: Member


def build_demo_world(world: World) -> DemoWorld:
    """The "Oranje Fans" server: three channels, a moderator, a fan and the bot."""
    guild = world.add_guild("Oranje Fans", locale="nl")
    moderator_role = world.add_role(
        guild, "Moderator", int(Permission.MANAGE_GUILD | Permission.MANAGE_MESSAGES)
    )
    alerts_role = world.add_role(guild, "Oranje alerts", 0, mentionable=True, color=0xFF7F00)
    oranje = world.add_channel(guild, "oranje", topic="Alles over TeamNL")
    golds = world.add_channel(guild, "golds", ChannelType.ANNOUNCEMENT, topic="Gouden medailles")
    general = world.add_channel(guild, "general")
    guild.system_channel_id = general.id  # Discord's "system messages" channel
    moderator = world.add_member(guild, "sanne_mod", [moderator_role])
    fan = world.add_member(guild, "oranje_fan", [alerts_role])
    bot = world.bot_member(guild)
    assert bot is not None
    return DemoWorld(
        guild, oranje, golds, general, moderator_role, alerts_role, moderator, fan, bot
    )
