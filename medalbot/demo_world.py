"""The world of the offline demo in the Discord emulator: the "Oranje Fans" server.

The sandbox (the demo and the end-to-end tests) and ``medalbot emulator`` build it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from discord_emulator import Channel, ChannelType, Guild, Member, Permission, Role, World

BOT_NAME: Final = "medalbot"  # the bot user's name in the emulator


@dataclass(frozen=True, slots=True)
class DemoWorld:
    guild: Guild
    oranje: Channel  # the main fan channel
    golds: Channel  # an announcement channel for gold medals
    general: Channel
    moderator_role: Role
    alerts_role: Role  # a mentionable role that alerts may ping
    moderator: Member  # has Manage Server
    fan: Member  # an ordinary member
    bot: Member


def build_demo_world(world: World) -> DemoWorld:
    # Its Discord language is English (a Dutch fan club open to everyone), which it speaks
    # until a moderator chooses another with /alerts language.
    guild = world.add_guild("Oranje Fans", locale="en-US")
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
