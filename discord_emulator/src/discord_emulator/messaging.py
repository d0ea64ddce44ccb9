"""Creating and editing messages: permissions, limits, nonces, mentions, gateway dispatches.

Shared by the channel routes (bot messages) and the interaction routes (responses/followups).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from . import payloads
from .clock import Clock
from .entities import Channel, PrivateChannel, User
from .errors import (
    CANNOT_EDIT_OTHERS_MESSAGE,
    DiscordError,
    field_error,
    invalid_form_body,
    missing_access,
    missing_permissions,
    unknown_message,
)
from .gateway import INTENT_DIRECT_MESSAGES, INTENT_MESSAGE_CONTENT, Gateway, GatewaySession
from .limits import IS_COMPONENTS_V2, check_message
from .mentions import (
    NO_PINGS,
    PARSE_ALL,
    PARSE_USERS,
    Pings,
    check_allowed_mentions,
    resolve_pings,
    resolve_private_pings,
)
from .messages import EPHEMERAL, LOADING, MessageStore, MessageVersion, StoredMessage, iso_timestamp
from .permissions import Permission, has
from .recorder import ChangeSignal
from .snowflakes import SnowflakeGenerator
from .world import World

log = logging.getLogger(__name__)

JsonObject = dict[str, Any]

SUPPRESS_EMBEDS = 1 << 2
SUPPRESS_NOTIFICATIONS = 1 << 12
# Flags a bot may set on a new message; others are ignored like Discord does.
SETTABLE_FLAGS = SUPPRESS_EMBEDS | SUPPRESS_NOTIFICATIONS | IS_COMPONENTS_V2
MESSAGE_TYPE_DEFAULT = 0
MESSAGE_TYPE_REPLY = 19
MESSAGE_TYPE_CHAT_INPUT_COMMAND = 20


class Messaging:
    def __init__(
        self,
        *,
        world: World,
        store: MessageStore,
        gateway: Gateway,
        signal: ChangeSignal,
        clock: Clock,
        snowflakes: SnowflakeGenerator,
    ) -> None:
        self._world = world
        self._store = store
        self._gateway = gateway
        self._signal = signal
        self._clock = clock
        self._snowflakes = snowflakes

    # --- JSON ----------------------------------------------------------------------------------

    def payload(self, message: StoredMessage) -> JsonObject:
        version = message.version
        mentioned = [
            self._world.users[uid]
            for uid in sorted(version.mentions.users)
            if uid in self._world.users
        ]
        data: JsonObject = {
            "id": str(message.id),
            "type": message.message_type,
            "channel_id": str(message.channel_id),
            "author": payloads.user(message.author),
            "content": version.content,
            "timestamp": iso_timestamp(message.created_at),
            "edited_timestamp": iso_timestamp(version.at) if message.edited else None,
            "tts": False,
            "mention_everyone": version.mentions.everyone,
            "mentions": [payloads.user(u) for u in mentioned],
            "mention_roles": [str(r) for r in sorted(version.mentions.roles)],
            "attachments": list(version.attachments),
            "embeds": list(version.embeds),
            "components": list(version.components),
            "pinned": False,
            "flags": version.flags,
        }
        if message.guild_id is not None:
            data["guild_id"] = str(message.guild_id)
        if message.nonce is not None:
            data["nonce"] = message.nonce
        if message.message_reference is not None:
            data["message_reference"] = message.message_reference
        if message.webhook_id is not None:
            data["webhook_id"] = str(message.webhook_id)
            data["application_id"] = str(self._world.application_id)
        return data

    def _gateway_payload(self, message: StoredMessage) -> JsonObject:
        data = self.payload(message)
        guild = self._world.guilds.get(message.guild_id or 0)
        member = guild.members.get(message.author.id) if guild else None
        if member is not None:
            member_data = payloads.member(member)
            member_data.pop("user")
            data["member"] = member_data
        return data

    def _dispatch(self, event: str, message: StoredMessage) -> None:
        if message.ephemeral_for is not None:
            return  # ephemeral messages never go over the gateway
        full = self._gateway_payload(message)
        bot_id = self._world.bot_user.id

        def for_session(session: GatewaySession) -> JsonObject:
            # Without MESSAGE_CONTENT, bots get empty content except their own or mentioning them.
            if session.intents & INTENT_MESSAGE_CONTENT or message.author.id == bot_id:
                return full
            if bot_id in message.version.mentions.users:
                return full
            return {**full, "content": "", "embeds": [], "components": [], "attachments": []}

        if message.guild_id is not None:
            self._gateway.dispatch(event, for_session, message.guild_id)
            return
        # A DM's messages reach the bot only from its own DMs, with DIRECT_MESSAGES; a
        # user-installed app answering in a private channel it is not in hears nothing.
        private = self._world.private_channel(message.channel_id)
        if private is not None and self._world.is_bot_dm(private):
            self._gateway.dispatch(event, for_session, None, intent=INTENT_DIRECT_MESSAGES)

    # --- channel messages (POST /channels/{id}/messages) ---------------------------------------

    def create_in_channel(
        self,
        channel: Channel,
        body: Mapping[str, Any],
        attachments: Sequence[JsonObject],
        *,
        author: User | None = None,
    ) -> tuple[StoredMessage, bool]:
        """Create a bot message; returns (message, created) (False: an enforce_nonce repeat)."""
        author = author or self._world.bot_user
        member = self._world.guild_of(channel).members.get(author.id)
        perms = 0 if member is None else self._world.permissions_in(channel, member)
        if not has(perms, Permission.VIEW_CHANNEL):
            raise missing_access()
        if not has(perms, Permission.SEND_MESSAGES):
            raise missing_permissions()
        if attachments and not has(perms, Permission.ATTACH_FILES):
            raise missing_permissions()
        allowed = body.get("allowed_mentions")
        check_allowed_mentions(allowed)
        content = body.get("content")
        embeds = list(body.get("embeds") or [])
        components = list(body.get("components") or [])
        flags = int(body.get("flags") or 0) & SETTABLE_FLAGS
        nonce = body.get("nonce")
        check_message(
            content=content,
            embeds=embeds,
            components=components,
            flags=flags,
            nonce=nonce,
            has_attachments=bool(attachments) or bool(body.get("sticker_ids")),
        )
        reference, replied_user = self._check_reference(
            channel, body.get("message_reference"), perms
        )
        if nonce is not None and body.get("enforce_nonce"):
            existing = self._store.find_by_nonce(author.id, nonce)
            if existing is not None:
                log.info("enforce_nonce: returning message %s for nonce %r", existing.id, nonce)
                return existing, False
        stripped = bool(embeds) and not has(perms, Permission.EMBED_LINKS)
        pings = resolve_pings(
            content,
            allowed,
            guild=self._world.guild_of(channel),
            can_mention_everyone=has(perms, Permission.MENTION_EVERYONE),
            default_parse=PARSE_ALL,
            replied_user_id=replied_user,
        )
        now = self._clock.time()
        message = StoredMessage(
            id=self._snowflakes.next(),
            channel_id=channel.id,
            guild_id=channel.guild_id,
            author=author,
            version=MessageVersion.build(
                content=content,
                embeds=[] if stripped else embeds,
                components=components,
                attachments=attachments,
                flags=flags,
                at=now,
                embeds_stripped=stripped,
                mentions=pings,
            ),
            pings=pings,
            created_at=now,
            nonce=nonce,
            message_reference=reference,
            message_type=MESSAGE_TYPE_REPLY if reference else MESSAGE_TYPE_DEFAULT,
        )
        self._store.add(message)
        if nonce is not None and body.get("enforce_nonce"):
            self._store.remember_nonce(author.id, nonce, message)
        if stripped:
            log.info("message %s: embeds dropped, no EMBED_LINKS in #%s", message.id, channel.name)
        self._dispatch("MESSAGE_CREATE", message)
        self._signal.notify()
        return message, True

    def _check_reference(
        self, channel: Channel, reference: object, perms: int
    ) -> tuple[JsonObject | None, int | None]:
        if not isinstance(reference, Mapping) or reference.get("message_id") is None:
            return None, None
        if not has(perms, Permission.READ_MESSAGE_HISTORY):
            raise missing_permissions()
        target = self._store.get(int(reference["message_id"]))
        if target is None or target.channel_id != channel.id:
            if reference.get("fail_if_not_exists", True):
                raise invalid_form_body(
                    {
                        "message_reference": field_error(
                            "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", "Unknown message"
                        )
                    }
                )
            return None, None
        stored = {
            "type": 0,
            "message_id": str(target.id),
            "channel_id": str(channel.id),
            "guild_id": str(channel.guild_id),
        }
        return stored, target.author.id

    # --- edits ---------------------------------------------------------------------------------

    def edit(
        self,
        message: StoredMessage,
        body: Mapping[str, Any],
        new_attachments: Sequence[JsonObject] = (),
        *,
        check_channel_permissions: bool,
        complete_loading: bool = False,
    ) -> StoredMessage:
        """Apply a PATCH; edits never ping. Interaction webhook edits skip channel permissions."""
        channel = self._world.any_channel(message.channel_id)
        if channel is None:
            raise unknown_message()
        perms = self._world.bot_permissions_in(channel)
        if check_channel_permissions:
            if not has(perms, Permission.VIEW_CHANNEL):
                raise missing_access()
            if message.author.id != self._world.bot_user.id:
                raise DiscordError(
                    403,
                    CANNOT_EDIT_OTHERS_MESSAGE,
                    "Cannot edit a message authored by another user",
                )
        allowed = body.get("allowed_mentions")
        check_allowed_mentions(allowed)
        current = message.version
        content = body.get("content", current.content)
        embeds = list(body["embeds"] or []) if "embeds" in body else list(current.embeds)
        components = (
            list(body["components"] or []) if "components" in body else list(current.components)
        )
        attachments = self._kept_attachments(current, body) + list(new_attachments)
        flags = current.flags
        if "flags" in body and body["flags"] is not None:
            flags = (flags & ~SUPPRESS_EMBEDS) | (int(body["flags"]) & SUPPRESS_EMBEDS)
        if complete_loading:
            flags &= ~LOADING
        check_message(
            content=content,
            embeds=embeds,
            components=components,
            flags=flags,
            has_attachments=bool(attachments),
        )
        stripped = (
            bool(embeds) and check_channel_permissions and not has(perms, Permission.EMBED_LINKS)
        )
        display = self._pings(
            channel,
            content,
            allowed,
            perms=perms,
            default_parse=PARSE_ALL if message.webhook_id is None else PARSE_USERS,
        )
        message.apply_edit(
            MessageVersion.build(
                content=content,
                embeds=[] if stripped else embeds,
                components=components,
                attachments=attachments,
                flags=flags,
                at=self._clock.time(),
                embeds_stripped=stripped,
                mentions=display,
            )
        )
        self._dispatch("MESSAGE_UPDATE", message)
        self._signal.notify()
        return message

    @staticmethod
    def _kept_attachments(current: MessageVersion, body: Mapping[str, Any]) -> list[JsonObject]:
        if "attachments" not in body:
            return list(current.attachments)
        keep = {str(a.get("id")) for a in body["attachments"] or []}
        return [a for a in current.attachments if str(a.get("id")) in keep]

    def delete(self, message: StoredMessage) -> None:
        message.deleted = True
        if message.ephemeral_for is None:
            self._gateway.dispatch(
                "MESSAGE_DELETE",
                {
                    "id": str(message.id),
                    "channel_id": str(message.channel_id),
                    "guild_id": str(message.guild_id),
                },
                message.guild_id,
            )
        self._signal.notify()

    def _pings(
        self,
        channel: Channel | PrivateChannel,
        content: str | None,
        allowed: Mapping[str, Any] | None,
        *,
        perms: int,
        default_parse: frozenset[str],
    ) -> Pings:
        if isinstance(channel, PrivateChannel):
            recipients = frozenset(r.id for r in channel.recipients)
            return resolve_private_pings(
                content, allowed, recipients=recipients, default_parse=default_parse
            )
        return resolve_pings(
            content,
            allowed,
            guild=self._world.guild_of(channel),
            can_mention_everyone=has(perms, Permission.MENTION_EVERYONE),
            default_parse=default_parse,
        )

    # --- interaction responses -----------------------------------------------------------------

    def create_interaction_message(
        self,
        *,
        channel: Channel | PrivateChannel,
        interaction_id: int,
        invoker_id: int,
        body: Mapping[str, Any],
        attachments: Sequence[JsonObject],
        loading: bool,
        ephemeral: bool,
        is_command_response: bool,
        pings_allowed: bool = True,
    ) -> StoredMessage:
        """A response or followup. It needs no SEND_MESSAGES: interactions bypass that."""
        allowed = body.get("allowed_mentions")
        check_allowed_mentions(allowed)
        content = body.get("content")
        embeds = list(body.get("embeds") or [])
        components = list(body.get("components") or [])
        flags = int(body.get("flags") or 0) & SETTABLE_FLAGS
        if ephemeral:
            flags |= EPHEMERAL
        if loading:
            flags |= LOADING
        else:
            check_message(
                content=content,
                embeds=embeds,
                components=components,
                flags=flags,
                has_attachments=bool(attachments),
            )
        app_perms = self._world.bot_permissions_in(channel)
        pings = (
            self._pings(channel, content, allowed, perms=app_perms, default_parse=PARSE_USERS)
            if pings_allowed and not loading
            else NO_PINGS
        )
        now = self._clock.time()
        message = StoredMessage(
            id=self._snowflakes.next(),
            channel_id=channel.id,
            guild_id=channel.guild_id if isinstance(channel, Channel) else None,
            author=self._world.bot_user,
            version=MessageVersion.build(
                content=content,
                embeds=embeds,
                components=components,
                attachments=attachments,
                flags=flags,
                at=now,
                mentions=pings,
            ),
            pings=Pings() if ephemeral else pings,
            created_at=now,
            interaction_id=interaction_id,
            webhook_id=self._world.application_id,
            ephemeral_for=invoker_id if ephemeral else None,
            message_type=(
                MESSAGE_TYPE_CHAT_INPUT_COMMAND if is_command_response else MESSAGE_TYPE_DEFAULT
            ),
        )
        self._store.add(message)
        self._dispatch("MESSAGE_CREATE", message)
        self._signal.notify()
        return message
