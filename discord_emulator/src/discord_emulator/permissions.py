"""Discord permission bits and the channel permission algorithm.

Follows the documented order: base permissions from @everyone and the member's roles
(ADMINISTRATOR or ownership grants everything), then the channel's @everyone overwrite,
then all role overwrites together, then the member's own overwrite.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import IntEnum, IntFlag


class Permission(IntFlag):
    CREATE_INSTANT_INVITE = 1 << 0
    KICK_MEMBERS = 1 << 1
    BAN_MEMBERS = 1 << 2
    ADMINISTRATOR = 1 << 3
    MANAGE_CHANNELS = 1 << 4
    MANAGE_GUILD = 1 << 5
    ADD_REACTIONS = 1 << 6
    VIEW_AUDIT_LOG = 1 << 7
    PRIORITY_SPEAKER = 1 << 8
    STREAM = 1 << 9
    VIEW_CHANNEL = 1 << 10
    SEND_MESSAGES = 1 << 11
    SEND_TTS_MESSAGES = 1 << 12
    MANAGE_MESSAGES = 1 << 13
    EMBED_LINKS = 1 << 14
    ATTACH_FILES = 1 << 15
    READ_MESSAGE_HISTORY = 1 << 16
    MENTION_EVERYONE = 1 << 17
    USE_EXTERNAL_EMOJIS = 1 << 18
    VIEW_GUILD_INSIGHTS = 1 << 19
    CONNECT = 1 << 20
    SPEAK = 1 << 21
    MUTE_MEMBERS = 1 << 22
    DEAFEN_MEMBERS = 1 << 23
    MOVE_MEMBERS = 1 << 24
    USE_VAD = 1 << 25
    CHANGE_NICKNAME = 1 << 26
    MANAGE_NICKNAMES = 1 << 27
    MANAGE_ROLES = 1 << 28
    MANAGE_WEBHOOKS = 1 << 29
    MANAGE_GUILD_EXPRESSIONS = 1 << 30
    USE_APPLICATION_COMMANDS = 1 << 31
    REQUEST_TO_SPEAK = 1 << 32
    MANAGE_EVENTS = 1 << 33
    MANAGE_THREADS = 1 << 34
    CREATE_PUBLIC_THREADS = 1 << 35
    CREATE_PRIVATE_THREADS = 1 << 36
    USE_EXTERNAL_STICKERS = 1 << 37
    SEND_MESSAGES_IN_THREADS = 1 << 38
    USE_EMBEDDED_ACTIVITIES = 1 << 39
    MODERATE_MEMBERS = 1 << 40
    VIEW_CREATOR_MONETIZATION_ANALYTICS = 1 << 41
    USE_SOUNDBOARD = 1 << 42
    CREATE_GUILD_EXPRESSIONS = 1 << 43
    CREATE_EVENTS = 1 << 44
    USE_EXTERNAL_SOUNDS = 1 << 45
    SEND_VOICE_MESSAGES = 1 << 46
    SET_VOICE_CHANNEL_STATUS = 1 << 48
    SEND_POLLS = 1 << 49
    USE_EXTERNAL_APPS = 1 << 50
    PIN_MESSAGES = 1 << 51
    BYPASS_SLOWMODE = 1 << 52


ALL_PERMISSIONS = 0
for _flag in Permission:
    ALL_PERMISSIONS |= int(_flag)

# What a fresh server's @everyone role allows (no MENTION_EVERYONE, no management).
DEFAULT_EVERYONE_PERMISSIONS = int(
    Permission.CREATE_INSTANT_INVITE
    | Permission.ADD_REACTIONS
    | Permission.STREAM
    | Permission.VIEW_CHANNEL
    | Permission.SEND_MESSAGES
    | Permission.EMBED_LINKS
    | Permission.ATTACH_FILES
    | Permission.READ_MESSAGE_HISTORY
    | Permission.USE_EXTERNAL_EMOJIS
    | Permission.CONNECT
    | Permission.SPEAK
    | Permission.USE_VAD
    | Permission.CHANGE_NICKNAME
    | Permission.USE_APPLICATION_COMMANDS
    | Permission.SEND_MESSAGES_IN_THREADS
    | Permission.CREATE_PUBLIC_THREADS
    | Permission.SEND_POLLS
)

# What the bot's managed integration role gets when it is invited (a sensible invite URL).
DEFAULT_BOT_PERMISSIONS = int(
    Permission.VIEW_CHANNEL
    | Permission.SEND_MESSAGES
    | Permission.EMBED_LINKS
    | Permission.ATTACH_FILES
    | Permission.READ_MESSAGE_HISTORY
    | Permission.USE_APPLICATION_COMMANDS
    | Permission.SEND_MESSAGES_IN_THREADS
)

# Without SEND_MESSAGES these have no effect in a channel (as Discord's clients compute it).
_NEEDS_SEND = int(
    Permission.SEND_TTS_MESSAGES
    | Permission.MENTION_EVERYONE
    | Permission.EMBED_LINKS
    | Permission.ATTACH_FILES
)

# Without VIEW_CHANNEL every channel-scoped permission is gone; guild-wide ones
# (kick, ban, manage server, ...) remain.
CHANNEL_SCOPED = 0
for _bit in (
    0,
    4,
    6,
    8,
    9,
    *range(10, 19),
    *range(20, 26),
    28,
    29,
    31,
    32,
    *range(34, 40),
    42,
    45,
    46,
    *range(49, 53),
):
    CHANNEL_SCOPED |= 1 << _bit


# Voice-only permissions mean nothing in a text channel; they are left out there (as
# discord.py's TextChannel.permissions_for and Discord's client do).
VOICE_ONLY = int(
    Permission.PRIORITY_SPEAKER
    | Permission.STREAM
    | Permission.CONNECT
    | Permission.SPEAK
    | Permission.MUTE_MEMBERS
    | Permission.DEAFEN_MEMBERS
    | Permission.MOVE_MEMBERS
    | Permission.USE_VAD
    | Permission.USE_EMBEDDED_ACTIVITIES
    | Permission.USE_SOUNDBOARD
    | Permission.USE_EXTERNAL_SOUNDS
    | Permission.SET_VOICE_CHANNEL_STATUS
)


class OverwriteType(IntEnum):
    ROLE = 0
    MEMBER = 1


@dataclass(frozen=True, slots=True)
class Overwrite:
    """A channel permission overwrite for one role or one member."""

    target_id: int
    type: OverwriteType
    allow: int = 0
    deny: int = 0


def has(permissions: int, flag: Permission) -> bool:
    return permissions & int(flag) == int(flag)


def base_permissions(
    *,
    everyone_permissions: int,
    role_permissions: Iterable[int],
    is_owner: bool,
) -> int:
    """Guild-level permissions: @everyone plus every role the member has."""
    if is_owner:
        return ALL_PERMISSIONS
    permissions = everyone_permissions
    for role_perms in role_permissions:
        permissions |= role_perms
    if has(permissions, Permission.ADMINISTRATOR):
        return ALL_PERMISSIONS
    return permissions


def channel_permissions(
    base: int,
    *,
    guild_id: int,
    member_id: int,
    member_role_ids: Iterable[int],
    overwrites: Mapping[int, Overwrite],
    text_channel: bool = True,
) -> int:
    """Apply a channel's overwrites to guild-level permissions, in Discord's order."""
    if has(base, Permission.ADMINISTRATOR):
        return ALL_PERMISSIONS & ~VOICE_ONLY if text_channel else ALL_PERMISSIONS
    permissions = base
    everyone = overwrites.get(guild_id)
    if everyone is not None:
        permissions = (permissions & ~everyone.deny) | everyone.allow
    allow = deny = 0
    for role_id in member_role_ids:
        role_overwrite = overwrites.get(role_id)
        if role_overwrite is not None and role_overwrite.type is OverwriteType.ROLE:
            allow |= role_overwrite.allow
            deny |= role_overwrite.deny
    permissions = (permissions & ~deny) | allow
    own = overwrites.get(member_id)
    if own is not None and own.type is OverwriteType.MEMBER:
        permissions = (permissions & ~own.deny) | own.allow
    if not has(permissions, Permission.SEND_MESSAGES):
        permissions &= ~_NEEDS_SEND
    if not has(permissions, Permission.VIEW_CHANNEL):
        permissions &= ~CHANNEL_SCOPED
    if text_channel:
        permissions &= ~VOICE_ONLY
    return permissions


# What an app may do in a DM or group DM (there are no roles or overwrites to compute from).
PRIVATE_CHANNEL_PERMISSIONS = (
    Permission.VIEW_CHANNEL
    | Permission.SEND_MESSAGES
    | Permission.EMBED_LINKS
    | Permission.ATTACH_FILES
    | Permission.READ_MESSAGE_HISTORY
    | Permission.ADD_REACTIONS
    | Permission.USE_EXTERNAL_EMOJIS
    | Permission.USE_APPLICATION_COMMANDS
)
