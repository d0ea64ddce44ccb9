"""Discord JSON shapes for world objects (ids as strings, as Discord sends them)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .entities import Channel, Guild, Member, PrivateChannel, Role, User

JsonObject = dict[str, Any]


def user(u: User) -> JsonObject:
    payload: JsonObject = {
        "id": str(u.id),
        "username": u.username,
        "discriminator": "0",
        "global_name": u.global_name,
        "avatar": None,
        "public_flags": 0,
    }
    if u.bot:
        payload["bot"] = True
    return payload


def role(r: Role) -> JsonObject:
    tags: JsonObject = {}
    if r.bot_id is not None:
        tags["bot_id"] = str(r.bot_id)
    return {
        "id": str(r.id),
        "name": r.name,
        "color": r.color,
        "colors": {"primary_color": r.color, "secondary_color": None, "tertiary_color": None},
        "hoist": r.hoist,
        "icon": None,
        "unicode_emoji": None,
        "position": r.position,
        "permissions": str(r.permissions),
        "managed": r.managed,
        "mentionable": r.mentionable,
        "flags": 0,
        "tags": tags,
    }


def channel(c: Channel) -> JsonObject:
    return {
        "id": str(c.id),
        "type": int(c.type),
        "guild_id": str(c.guild_id),
        "name": c.name,
        "position": c.position,
        "parent_id": None,
        "topic": c.topic,
        "nsfw": False,
        "last_message_id": None,
        "rate_limit_per_user": 0,
        "flags": 0,
        "permission_overwrites": [
            {
                "id": str(ow.target_id),
                "type": int(ow.type),
                "allow": str(ow.allow),
                "deny": str(ow.deny),
            }
            for ow in c.overwrites.values()
        ],
    }


def private_channel(c: PrivateChannel, *, viewer: User) -> JsonObject:
    """A DM or group DM as an interaction shows it: its recipients are the others."""
    payload: JsonObject = {
        "id": str(c.id),
        "type": int(c.type),
        "last_message_id": None,
        "flags": 0,
        "recipients": [user(r) for r in c.recipients if r.id != viewer.id],
    }
    if c.name is not None or c.owner_id is not None:
        payload["name"] = c.name
        payload["icon"] = None
        payload["owner_id"] = None if c.owner_id is None else str(c.owner_id)
    return payload


def member(m: Member, *, with_guild: bool = False, permissions: int | None = None) -> JsonObject:
    payload: JsonObject = {
        "user": user(m.user),
        "nick": m.nick,
        "avatar": None,
        "roles": [str(role_id) for role_id in m.role_ids],
        "joined_at": m.joined_at,
        "premium_since": None,
        "deaf": False,
        "mute": False,
        "pending": False,
        "flags": m.flags,
        "communication_disabled_until": None,
    }
    if with_guild:
        payload["guild_id"] = str(m.guild_id)
    if permissions is not None:
        payload["permissions"] = str(permissions)
    return payload


def guild(g: Guild) -> JsonObject:
    """The REST guild object (GET /guilds/{id})."""
    return {
        "id": str(g.id),
        "name": g.name,
        "icon": None,
        "splash": None,
        "discovery_splash": None,
        "owner_id": str(g.owner_id),
        "afk_channel_id": None,
        "afk_timeout": 300,
        "verification_level": 0,
        "default_message_notifications": 1,
        "explicit_content_filter": 0,
        "roles": [role(r) for r in g.roles.values()],
        "emojis": [],
        "stickers": [],
        "features": [],
        "mfa_level": 0,
        "system_channel_id": None if g.system_channel_id is None else str(g.system_channel_id),
        "system_channel_flags": 0,
        "rules_channel_id": None,
        "vanity_url_code": None,
        "description": None,
        "banner": None,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "preferred_locale": g.preferred_locale,
        "public_updates_channel_id": None,
        "nsfw_level": 0,
        "premium_progress_bar_enabled": False,
        "approximate_member_count": len(g.members),
    }


def guild_create(g: Guild, *, newly_joined: bool = False) -> JsonObject:
    """The gateway GUILD_CREATE payload: the REST guild plus channels, members and counts.

    After READY a guild "becomes available" (`unavailable: false`); a guild the bot joins
    later has no `unavailable` key, which is how clients tell a join (on_guild_join) apart.
    """
    payload = guild(g)
    if not newly_joined:
        payload["unavailable"] = False
    payload.update(
        {
            "large": False,
            "joined_at": None,
            "member_count": len(g.members),
            "members": [member(m) for m in g.members.values()],
            "channels": [channel(c) for c in g.channels.values()],
            "threads": [],
            "presences": [],
            "voice_states": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }
    )
    return payload
