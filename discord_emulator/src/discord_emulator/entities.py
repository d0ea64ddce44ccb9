"""The emulated Discord world's entities: users, roles, channels, members and guilds, as plain
data. ``world`` builds and changes them; ``payloads`` shapes them as Discord sends them."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

from .permissions import Overwrite


class ChannelType(IntEnum):
    TEXT = 0
    DM = 1
    GROUP_DM = 3
    ANNOUNCEMENT = 5


@dataclass(slots=True)
class User:
    id: int
    username: str
    global_name: str | None = None
    bot: bool = False

    @property
    def mention(self) -> str:
        return f"<@{self.id}>"


@dataclass(slots=True)
class Role:
    id: int
    guild_id: int
    name: str
    permissions: int
    position: int
    mentionable: bool = False
    color: int = 0
    hoist: bool = False
    managed: bool = False
    bot_id: int | None = None

    @property
    def is_everyone(self) -> bool:
        return self.id == self.guild_id

    @property
    def mention(self) -> str:
        return "@everyone" if self.is_everyone else f"<@&{self.id}>"


@dataclass(slots=True)
class Channel:
    id: int
    guild_id: int
    name: str
    type: ChannelType
    position: int
    overwrites: dict[int, Overwrite] = field(default_factory=dict)
    topic: str | None = None

    @property
    def mention(self) -> str:
        return f"<#{self.id}>"


@dataclass(slots=True)
class PrivateChannel:
    """A DM (two people, one of them may be the bot) or a group DM: no server, no roles, no
    permission overwrites. A user-installed app answers commands in one it is not part of."""

    id: int
    type: ChannelType  # DM or GROUP_DM
    recipients: list[User]
    name: str | None = None  # a group DM's name
    owner_id: int | None = None  # a group DM's owner

    @property
    def mention(self) -> str:
        return f"<#{self.id}>"

    def has(self, user: User) -> bool:
        return any(r.id == user.id for r in self.recipients)


@dataclass(slots=True)
class Member:
    user: User
    guild_id: int
    role_ids: list[int]
    joined_at: str
    nick: str | None = None
    flags: int = 0

    @property
    def id(self) -> int:
        return self.user.id

    @property
    def mention(self) -> str:
        return self.user.mention


@dataclass(slots=True)
class Guild:
    id: int
    name: str
    owner_id: int
    preferred_locale: str
    roles: dict[int, Role] = field(default_factory=dict)
    channels: dict[int, Channel] = field(default_factory=dict)
    members: dict[int, Member] = field(default_factory=dict)
    system_channel_id: int | None = None  # where Discord posts joins; bots tell moderators there

    @property
    def everyone(self) -> Role:
        return self.roles[self.id]
