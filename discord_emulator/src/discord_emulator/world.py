"""The emulated Discord world: users, guilds, roles, channels, members and overwrites.

The world is plain data plus a builder API. Every change after construction is announced to
subscribers (the gateway turns them into CHANNEL_UPDATE, GUILD_ROLE_UPDATE, ... dispatches),
so a running client's cache sees runtime permission changes.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from . import payloads
from .clock import Clock, SystemClock
from .entities import Channel, ChannelType, Guild, Member, PrivateChannel, Role, User
from .permissions import (
    DEFAULT_BOT_PERMISSIONS,
    DEFAULT_EVERYONE_PERMISSIONS,
    PRIVATE_CHANNEL_PERMISSIONS,
    Overwrite,
    OverwriteType,
    base_permissions,
    channel_permissions,
)
from .snowflakes import SnowflakeGenerator

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class WorldChange:
    """A change a connected client should hear about (a gateway dispatch)."""

    event: str
    guild_id: int
    data: dict[str, Any]


Target = Role | Member | User | int
ChangeListener = Callable[[WorldChange], None]


class World:
    """Builder and lookup API for the emulated Discord state."""

    def __init__(
        self,
        *,
        bot_name: str = "bot",
        clock: Clock | None = None,
        snowflakes: SnowflakeGenerator | None = None,
    ) -> None:
        self.clock: Clock = clock or SystemClock()
        self.snowflakes = snowflakes or SnowflakeGenerator(self.clock)
        self.users: dict[int, User] = {}
        self.guilds: dict[int, Guild] = {}
        self._channel_guild: dict[int, int] = {}
        self.private_channels: dict[int, PrivateChannel] = {}
        # users who installed the app to their own account (Discord's user-installable apps)
        self.user_installs: set[int] = set()
        self._listeners: list[ChangeListener] = []
        # For bots made after 2019 the application id equals the bot user's id.
        self.bot_user = self.add_user(bot_name, bot=True)
        self.application_id = self.bot_user.id
        self.application_name = bot_name

    # --- subscriptions -------------------------------------------------------------------------

    def subscribe(self, listener: ChangeListener) -> None:
        self._listeners.append(listener)

    def _announce(self, event: str, guild_id: int, data: dict[str, Any]) -> None:
        change = WorldChange(event, guild_id, data)
        for listener in self._listeners:
            listener(change)

    # --- builders ------------------------------------------------------------------------------

    def add_user(self, username: str, *, bot: bool = False, global_name: str | None = None) -> User:
        user = User(self.snowflakes.next(), username, global_name, bot)
        self.users[user.id] = user
        return user

    def add_guild(
        self,
        name: str,
        *,
        owner: User | None = None,
        locale: str = "en-US",
        everyone_permissions: int = DEFAULT_EVERYONE_PERMISSIONS,
        bot_permissions: int | None = DEFAULT_BOT_PERMISSIONS,
    ) -> Guild:
        """A guild with its @everyone role, an owner and (unless bot_permissions is None) the bot.

        The bot joins with a managed role named after it holding `bot_permissions`, as happens
        when a bot is invited with a permissions integer.
        """
        owner = owner or self.add_user(f"{name} owner")
        guild = Guild(self.snowflakes.next(), name, owner.id, locale)
        guild.roles[guild.id] = Role(guild.id, guild.id, "@everyone", everyone_permissions, 0)
        self.guilds[guild.id] = guild
        self._add_member_quietly(guild, owner, ())
        if bot_permissions is not None:
            bot_role = Role(
                self.snowflakes.next(),
                guild.id,
                self.application_name,
                bot_permissions,
                1,
                managed=True,
                bot_id=self.bot_user.id,
            )
            guild.roles[bot_role.id] = bot_role
            self._add_member_quietly(guild, self.bot_user, (bot_role,))
        self._announce("GUILD_CREATE", guild.id, payloads.guild_create(guild, newly_joined=True))
        return guild

    def add_role(
        self,
        guild: Guild,
        name: str,
        permissions: int = 0,
        *,
        mentionable: bool = False,
        color: int = 0,
    ) -> Role:
        position = max(role.position for role in guild.roles.values()) + 1
        role = Role(
            self.snowflakes.next(),
            guild.id,
            name,
            permissions,
            position,
            mentionable=mentionable,
            color=color,
        )
        guild.roles[role.id] = role
        self._announce(
            "GUILD_ROLE_CREATE", guild.id, {"guild_id": str(guild.id), "role": payloads.role(role)}
        )
        return role

    def add_channel(
        self,
        guild: Guild,
        name: str,
        type: ChannelType | int = ChannelType.TEXT,
        *,
        overwrites: Iterable[Overwrite] = (),
        topic: str | None = None,
    ) -> Channel:
        channel = Channel(
            self.snowflakes.next(),
            guild.id,
            name,
            ChannelType(type),
            len(guild.channels),
            {ow.target_id: ow for ow in overwrites},
            topic,
        )
        guild.channels[channel.id] = channel
        self._channel_guild[channel.id] = guild.id
        self._announce("CHANNEL_CREATE", guild.id, payloads.channel(channel))
        return channel

    def add_member(
        self,
        guild: Guild,
        user: User | str,
        roles: Iterable[Role] = (),
        *,
        nick: str | None = None,
    ) -> Member:
        """Add a member; pass a username to create the user as well."""
        if isinstance(user, str):
            user = self.add_user(user)
        member = self._add_member_quietly(guild, user, roles, nick=nick)
        self._announce("GUILD_MEMBER_ADD", guild.id, payloads.member(member, with_guild=True))
        return member

    def _add_member_quietly(
        self, guild: Guild, user: User, roles: Iterable[Role], *, nick: str | None = None
    ) -> Member:
        joined = datetime.datetime.fromtimestamp(self.clock.time(), datetime.UTC).isoformat()
        member = Member(user, guild.id, [role.id for role in roles], joined, nick)
        guild.members[user.id] = member
        return member

    # --- runtime changes (announced to connected clients) --------------------------------------

    def set_overwrite(
        self, channel: Channel, target: Target, *, allow: int = 0, deny: int = 0
    ) -> Overwrite:
        """Set (replace) the overwrite for a role or member on a channel."""
        target_id, kind = self._overwrite_target(channel, target)
        overwrite = Overwrite(target_id, kind, allow, deny)
        channel.overwrites[target_id] = overwrite
        self._announce("CHANNEL_UPDATE", channel.guild_id, payloads.channel(channel))
        return overwrite

    def remove_overwrite(self, channel: Channel, target: Target) -> None:
        target_id, _ = self._overwrite_target(channel, target)
        channel.overwrites.pop(target_id, None)
        self._announce("CHANNEL_UPDATE", channel.guild_id, payloads.channel(channel))

    def set_role_permissions(
        self, role: Role, permissions: int, *, mentionable: bool | None = None
    ) -> None:
        role.permissions = permissions
        if mentionable is not None:
            role.mentionable = mentionable
        self._announce(
            "GUILD_ROLE_UPDATE",
            role.guild_id,
            {"guild_id": str(role.guild_id), "role": payloads.role(role)},
        )

    def set_member_roles(self, member: Member, roles: Iterable[Role]) -> None:
        member.role_ids = [role.id for role in roles]
        self._announce(
            "GUILD_MEMBER_UPDATE", member.guild_id, payloads.member(member, with_guild=True)
        )

    def set_preferred_locale(self, guild: Guild, locale: str) -> None:
        """A server's owner changes its language in Server Settings (Community → Overview)."""
        guild.preferred_locale = locale
        self._announce("GUILD_UPDATE", guild.id, payloads.guild(guild))

    # --- the app installed to users, and private channels --------------------------------------

    def install_for_user(self, user: User) -> None:
        """The user adds the app to their own account (integration type USER_INSTALL)."""
        self.user_installs.add(user.id)

    def uninstall_for_user(self, user: User) -> None:
        self.user_installs.discard(user.id)

    def dm_with_bot(self, user: User) -> PrivateChannel:
        """The DM between a user and the bot (opened by the user; one per user)."""
        for channel in self.private_channels.values():
            if channel.type is ChannelType.DM and {r.id for r in channel.recipients} == {
                user.id,
                self.bot_user.id,
            }:
                return channel
        return self._add_private(
            PrivateChannel(self.snowflakes.next(), ChannelType.DM, [user, self.bot_user])
        )

    def add_dm(self, user: User, other: User) -> PrivateChannel:
        """A DM between two people (not the bot): a user-installed app can answer there."""
        if self.bot_user.id in (user.id, other.id):
            return self.dm_with_bot(other if user.id == self.bot_user.id else user)
        return self._add_private(
            PrivateChannel(self.snowflakes.next(), ChannelType.DM, [user, other])
        )

    def add_group_dm(
        self, owner: User, others: Iterable[User], *, name: str | None = None
    ) -> PrivateChannel:
        return self._add_private(
            PrivateChannel(
                self.snowflakes.next(),
                ChannelType.GROUP_DM,
                [owner, *others],
                name=name,
                owner_id=owner.id,
            )
        )

    def _add_private(self, channel: PrivateChannel) -> PrivateChannel:
        self.private_channels[channel.id] = channel
        return channel

    def private_channel(self, channel_id: int) -> PrivateChannel | None:
        return self.private_channels.get(channel_id)

    def any_channel(self, channel_id: int) -> Channel | PrivateChannel | None:
        """A server's channel, or a DM or group DM."""
        return self.channel(channel_id) or self.private_channels.get(channel_id)

    def is_bot_dm(self, channel: PrivateChannel) -> bool:
        """A DM with the bot itself (interaction context BOT_DM), as opposed to a private
        channel between people (PRIVATE_CHANNEL)."""
        return channel.type is ChannelType.DM and channel.has(self.bot_user)

    def shares_guild_with_bot(self, user: User) -> bool:
        return any(
            user.id in guild.members and self.bot_user.id in guild.members
            for guild in self.guilds.values()
        )

    def _overwrite_target(self, channel: Channel, target: Target) -> tuple[int, OverwriteType]:
        if isinstance(target, Role):
            return target.id, OverwriteType.ROLE
        if isinstance(target, Member | User):
            return target.id, OverwriteType.MEMBER
        guild = self.guilds[channel.guild_id]
        if target in guild.roles:
            return target, OverwriteType.ROLE
        if target in guild.members:
            return target, OverwriteType.MEMBER
        raise KeyError(f"{target} is neither a role nor a member of guild {guild.id}")

    # --- lookups -------------------------------------------------------------------------------

    def channel(self, channel_id: int) -> Channel | None:
        guild_id = self._channel_guild.get(channel_id)
        if guild_id is None:
            return None
        return self.guilds[guild_id].channels.get(channel_id)

    def guild_of(self, channel: Channel) -> Guild:
        return self.guilds[channel.guild_id]

    def find_channel(self, guild: Guild, name: str) -> Channel:
        for channel in guild.channels.values():
            if channel.name == name:
                return channel
        raise KeyError(f"no channel #{name} in {guild.name}")

    def find_role(self, guild: Guild, name: str) -> Role:
        for role in guild.roles.values():
            if role.name == name:
                return role
        raise KeyError(f"no role {name} in {guild.name}")

    def find_member(self, guild: Guild, username: str) -> Member:
        for member in guild.members.values():
            if member.user.username == username:
                return member
        raise KeyError(f"no member {username} in {guild.name}")

    def find_guild(self, name: str) -> Guild:
        for guild in self.guilds.values():
            if guild.name == name:
                return guild
        raise KeyError(f"no guild {name}")

    def bot_member(self, guild: Guild) -> Member | None:
        return guild.members.get(self.bot_user.id)

    # --- permissions ---------------------------------------------------------------------------

    def guild_permissions(self, guild: Guild, member: Member) -> int:
        return base_permissions(
            everyone_permissions=guild.everyone.permissions,
            role_permissions=(
                guild.roles[role_id].permissions
                for role_id in member.role_ids
                if role_id in guild.roles
            ),
            is_owner=member.id == guild.owner_id,
        )

    def permissions_in(self, channel: Channel, member: Member) -> int:
        guild = self.guild_of(channel)
        return channel_permissions(
            self.guild_permissions(guild, member),
            guild_id=guild.id,
            member_id=member.id,
            member_role_ids=member.role_ids,
            overwrites=channel.overwrites,
        )

    def bot_permissions_in(self, channel: Channel | PrivateChannel) -> int:
        """The bot's effective permissions in a channel (0 when it is not in the guild)."""
        if isinstance(channel, PrivateChannel):
            return int(PRIVATE_CHANNEL_PERMISSIONS)
        member = self.bot_member(self.guild_of(channel))
        return 0 if member is None else self.permissions_in(channel, member)
