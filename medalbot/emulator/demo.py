"""The default world of the offline demo: the "Oranje Fans" server."""

from __future__ import annotations

from dataclasses import dataclass

from .entities import Channel, ChannelType, Guild, Member, Role
from .permissions import Permission
from .world import World


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
