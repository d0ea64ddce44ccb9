"""What a person does in Discord: run a slash command, type into an autocompleted option,
click a button, pick from a select menu, submit a modal. Each builds the INTERACTION_CREATE
Discord would send, dispatches it to the bot's shard and waits (on the change signal, with a
timeout) until the bot's answer is in.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from . import payloads
from .command_options import OptionBuilder
from .commands import (
    BOT_DM_CONTEXT,
    CHAT_INPUT,
    GUILD_CONTEXT,
    GUILD_INSTALL,
    PRIVATE_CHANNEL_CONTEXT,
    USER_INSTALL,
    RegisteredCommand,
)
from .core import EmulatorCore
from .entities import Channel, Guild, Member, PrivateChannel, User
from .interactions import (
    CommandNotAvailable,
    InteractionResult,
    InteractionTimeout,
    InteractionType,
)
from .messages import StoredMessage
from .permissions import Permission, has

log = logging.getLogger(__name__)

JsonObject = dict[str, Any]
Until = Callable[[InteractionResult], object]
ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024
ACTION_ROW = 1
LABEL = 18


def _responded(result: InteractionResult) -> bool:
    return result.responded


def _command_path(command: str) -> tuple[str, list[str]]:
    words = command.strip().removeprefix("/").split()
    if not words:
        raise ValueError("empty command")
    return words[0], words[1:]


def _submitted(component: Mapping[str, Any], values: Mapping[str, str]) -> JsonObject:
    """A modal component as submitted: text inputs carry the typed value."""
    if component.get("type") == LABEL:
        return {"type": LABEL, "component": _submitted(component["component"], values)}
    if component.get("type") == ACTION_ROW:
        children = component.get("components", ())
        return {"type": ACTION_ROW, "components": [_submitted(c, values) for c in children]}
    custom_id = str(component.get("custom_id", ""))
    return {
        "type": component.get("type"),
        "custom_id": custom_id,
        "value": values.get(custom_id, ""),
    }


class UserActions:
    def __init__(self, core: EmulatorCore) -> None:
        self._core = core

    # --- checks a Discord client makes before it lets a user do anything -----------------------

    def _context(self, member: Member, channel: Channel) -> tuple[Guild, int]:
        world = self._core.world
        guild = world.guild_of(channel)
        if guild.members.get(member.id) is not member:
            raise CommandNotAvailable(f"{member.user.username} is not a member of {guild.name}")
        permissions = world.permissions_in(channel, member)
        if not has(permissions, Permission.VIEW_CHANNEL):
            raise CommandNotAvailable(f"{member.user.username} cannot see #{channel.name}")
        return guild, permissions

    def _command(
        self,
        name: str,
        guild: Guild,
        member: Member,
        channel: Channel,
        permissions: int,
        *,
        ignore_default_permissions: bool = False,
    ) -> RegisteredCommand:
        command = self._core.commands.lookup(name, guild.id)
        if command is None:
            raise CommandNotAvailable(f"/{name} is not synced for {guild.name} (nor globally)")
        if not has(permissions, Permission.USE_APPLICATION_COMMANDS):
            raise CommandNotAvailable(
                f"{member.user.username} may not use commands in #{channel.name}"
            )
        if GUILD_CONTEXT not in command.contexts:
            raise CommandNotAvailable(f"/{name} is not offered in servers (contexts)")
        if ignore_default_permissions:
            return command
        required = command.default_member_permissions
        guild_perms = self._core.world.guild_permissions(guild, member)
        hidden = required is not None and (required == 0 or guild_perms & required != required)
        if hidden and not has(guild_perms, Permission.ADMINISTRATOR):
            raise CommandNotAvailable(
                f"/{name} is hidden from {member.user.username} "
                f"(default_member_permissions={required})"
            )
        return command

    def _private_command(
        self, name: str, user: User, channel: PrivateChannel
    ) -> tuple[RegisteredCommand, int, dict[str, str]]:
        """A command in a DM or group DM, as Discord offers it there: only global commands
        whose ``contexts`` include the channel's (BOT_DM with the bot itself, PRIVATE_CHANNEL
        anywhere else), installed in a way that reaches it: to the user's own account
        (USER_INSTALL), or, in a DM with the bot, with a server the user shares with the bot
        (GUILD_INSTALL). Returns the command, the context and the authorizing installations."""
        world = self._core.world
        if not channel.has(user):
            raise CommandNotAvailable(f"{user.username} is not in private channel {channel.id}")
        context = BOT_DM_CONTEXT if world.is_bot_dm(channel) else PRIVATE_CHANNEL_CONTEXT
        where = "a DM with the bot" if context == BOT_DM_CONTEXT else "private channels"
        command = self._core.commands.lookup(name, None)
        if command is None:
            raise CommandNotAvailable(f"/{name} is not synced globally, so not offered in {where}")
        if context not in command.contexts:
            raise CommandNotAvailable(
                f"/{name} is not offered in {where} (contexts={sorted(command.contexts)})"
            )
        owners: dict[str, str] = {}
        if (
            context == BOT_DM_CONTEXT
            and GUILD_INSTALL in command.integration_types
            and world.shares_guild_with_bot(user)
        ):
            owners[str(GUILD_INSTALL)] = "0"  # Discord's id for "a DM with the bot"
        if USER_INSTALL in command.integration_types and user.id in world.user_installs:
            owners[str(USER_INSTALL)] = str(user.id)
        if not owners:
            raise CommandNotAvailable(
                f"/{name} is not installed for {user.username} in {where} "
                f"(integration_types={sorted(command.integration_types)}, "
                f"user install: {user.id in world.user_installs})"
            )
        return command, context, owners

    def _private_component_context(
        self, user: User, channel: PrivateChannel
    ) -> tuple[int, dict[str, str]]:
        """The context and authorizing installations of a click in a DM or group DM."""
        world = self._core.world
        if not channel.has(user):
            raise CommandNotAvailable(f"{user.username} is not in private channel {channel.id}")
        context = BOT_DM_CONTEXT if world.is_bot_dm(channel) else PRIVATE_CHANNEL_CONTEXT
        owners: dict[str, str] = {}
        if context == BOT_DM_CONTEXT and world.shares_guild_with_bot(user):
            owners[str(GUILD_INSTALL)] = "0"
        if user.id in world.user_installs:
            owners[str(USER_INSTALL)] = str(user.id)
        return context, owners

    def _private_payload(
        self,
        kind: InteractionType,
        user: User,
        channel: PrivateChannel,
        locale: str,
        context: int,
        owners: dict[str, str],
    ) -> tuple[int, str, JsonObject]:
        """An interaction outside any server: ``user`` instead of ``member``, no ``guild_id``,
        the DM or group DM as ``channel``."""
        world = self._core.world
        interaction_id = world.snowflakes.next()
        token = InteractionResult.new_token()
        payload: JsonObject = {
            "id": str(interaction_id),
            "application_id": str(world.application_id),
            "type": int(kind),
            "token": token,
            "version": 1,
            "channel_id": str(channel.id),
            "channel": payloads.private_channel(channel, viewer=user),
            "user": payloads.user(user),
            "app_permissions": str(world.bot_permissions_in(channel)),
            "locale": locale,
            "entitlements": [],
            "authorizing_integration_owners": owners,
            "context": context,
            "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
        }
        return interaction_id, token, payload

    # --- building and dispatching --------------------------------------------------------------

    def _base_payload(
        self,
        kind: InteractionType,
        member: Member,
        channel: Channel,
        guild: Guild,
        permissions: int,
        locale: str,
    ) -> tuple[int, str, JsonObject]:
        world = self._core.world
        interaction_id = world.snowflakes.next()
        token = InteractionResult.new_token()
        payload: JsonObject = {
            "id": str(interaction_id),
            "application_id": str(world.application_id),
            "type": int(kind),
            "token": token,
            "version": 1,
            "guild_id": str(guild.id),
            "guild": {"id": str(guild.id), "locale": guild.preferred_locale, "features": []},
            "channel_id": str(channel.id),
            "channel": payloads.channel(channel),
            "member": payloads.member(member, permissions=permissions),
            "app_permissions": str(world.bot_permissions_in(channel)),
            "locale": locale,
            "guild_locale": guild.preferred_locale,
            "entitlements": [],
            "authorizing_integration_owners": {"0": str(guild.id)},
            "context": 0,
            "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
        }
        return interaction_id, token, payload

    def _dispatch(
        self,
        kind: InteractionType,
        payload: JsonObject,
        interaction_id: int,
        token: str,
        member: Member | User,
        channel: Channel | PrivateChannel,
        source: StoredMessage | None = None,
    ) -> InteractionResult:
        core = self._core
        now = core.clock.monotonic()
        guild_id = channel.guild_id if isinstance(channel, Channel) else None
        result = InteractionResult(
            id=interaction_id,
            token=token,
            type=kind,
            guild_id=guild_id,
            channel_id=channel.id,
            user_id=member.id,
            payload=payload,
            dispatched_at=now,
            deadline=now + core.config.interaction_deadline,
            expires_at=now + core.config.interaction_token_lifetime,
            source_message=source,
        )
        core.interactions.add(result)
        delivered = core.gateway.dispatch("INTERACTION_CREATE", payload, guild_id)
        if not delivered:
            raise CommandNotAvailable(
                f"no bot session receives guild {guild_id}: is the bot connected?"
            )
        log.info("dispatched interaction %s (%s) in #%s", interaction_id, kind.name, channel.name)
        return result

    async def _wait(
        self,
        result: InteractionResult,
        until: Until,
        timeout: float,  # noqa: ASYNC109
        what: str,
    ) -> InteractionResult:
        try:
            await self._core.signal.wait_for(lambda: until(result), timeout)
        except TimeoutError as exc:
            raise InteractionTimeout(
                f"{what}: no answer within {timeout}s "
                f"(response_type={result.response_type}, followups={len(result.followups)})"
            ) from exc
        return result

    def _dispatch_command(
        self,
        kind: InteractionType,
        command: str,
        options: Mapping[str, Any],
        focused: str | None,
        *,
        member: Member,
        channel: Channel,
        locale: str,
        ignore_default_permissions: bool,
        cross_guild_options: bool = False,
    ) -> InteractionResult:
        """Build a slash command (or its autocomplete) interaction as Discord would, and send it."""
        name, path = _command_path(command)
        guild, permissions = self._context(member, channel)
        registered = self._command(
            name,
            guild,
            member,
            channel,
            permissions,
            ignore_default_permissions=ignore_default_permissions,
        )
        interaction_id, token, payload = self._base_payload(
            kind, member, channel, guild, permissions, locale
        )
        builder = OptionBuilder(
            self._core.world,
            guild,
            channel,
            member,
            self._core.world.snowflakes.next,
            cross_guild=cross_guild_options,
        )
        payload["data"] = builder.build(registered, path, options, focused=focused)
        return self._dispatch(kind, payload, interaction_id, token, member, channel)

    def _dispatch_private_command(
        self,
        kind: InteractionType,
        command: str,
        options: Mapping[str, Any],
        focused: str | None,
        *,
        user: User,
        channel: PrivateChannel,
        locale: str,
    ) -> InteractionResult:
        name, path = _command_path(command)
        registered, context, owners = self._private_command(name, user, channel)
        interaction_id, token, payload = self._private_payload(
            kind, user, channel, locale, context, owners
        )
        builder = OptionBuilder(
            self._core.world, None, None, None, self._core.world.snowflakes.next
        )
        payload["data"] = builder.build(registered, path, options, focused=focused)
        return self._dispatch(kind, payload, interaction_id, token, user, channel)

    # --- the actions ---------------------------------------------------------------------------

    async def invoke(
        self,
        command: str,
        options: Mapping[str, Any] | None = None,
        *,
        member: Member,
        channel: Channel,
        locale: str = "en-US",
        until: Until = _responded,
        timeout: float = 5.0,  # noqa: ASYNC109 - the test API takes a timeout
        ignore_default_permissions: bool = False,
        cross_guild_options: bool = False,
    ) -> InteractionResult:
        result = self._dispatch_command(
            InteractionType.APPLICATION_COMMAND,
            command,
            options or {},
            None,
            member=member,
            channel=channel,
            locale=locale,
            ignore_default_permissions=ignore_default_permissions,
            cross_guild_options=cross_guild_options,
        )
        return await self._wait(result, until, timeout, f"/{command.strip().removeprefix('/')}")

    async def autocomplete(
        self,
        command: str,
        focused: str,
        typed: str,
        options: Mapping[str, Any] | None = None,
        *,
        member: Member,
        channel: Channel,
        locale: str = "en-US",
        timeout: float = 5.0,  # noqa: ASYNC109 - the test API takes a timeout
        ignore_default_permissions: bool = False,
    ) -> list[JsonObject]:
        """The choices the user is offered while typing `typed` into option `focused`."""
        result = self._dispatch_command(
            InteractionType.AUTOCOMPLETE,
            command,
            {**(options or {}), focused: typed},
            focused,
            member=member,
            channel=channel,
            locale=locale,
            ignore_default_permissions=ignore_default_permissions,
        )
        await self._wait(
            result, lambda r: r.choices is not None, timeout, f"autocomplete {focused}"
        )
        assert result.choices is not None
        return result.choices

    def _message_and_component(
        self, message: StoredMessage | int, custom_id: str, member: Member | User
    ) -> tuple[StoredMessage, Channel | PrivateChannel, JsonObject]:
        core = self._core
        stored = core.store.get(message) if isinstance(message, int) else message
        if stored is None or stored.deleted:
            raise ValueError(f"message {message!r} does not exist")
        channel = core.world.any_channel(stored.channel_id)
        if channel is None:
            raise ValueError(f"message {stored.id} is in an unknown channel")
        if stored.ephemeral_for not in (None, member.id):
            name = member.user.username if isinstance(member, Member) else member.username
            raise CommandNotAvailable(f"{name} cannot see message {stored.id}")
        for row in stored.components:
            for component in row.get("components", ()):
                if component.get("custom_id") == custom_id:
                    if component.get("disabled"):
                        raise CommandNotAvailable(f"component {custom_id!r} is disabled")
                    return stored, channel, component
        raise ValueError(f"message {stored.id} has no component {custom_id!r}")

    async def _component(
        self,
        message: StoredMessage | int,
        custom_id: str,
        data_extra: JsonObject,
        *,
        member: Member | User,
        locale: str,
        until: Until,
        timeout: float,  # noqa: ASYNC109 - the test API takes a timeout
    ) -> InteractionResult:
        stored, channel, component = self._message_and_component(message, custom_id, member)
        if isinstance(channel, PrivateChannel):
            user = member.user if isinstance(member, Member) else member
            context, owners = self._private_component_context(user, channel)
            interaction_id, token, payload = self._private_payload(
                InteractionType.MESSAGE_COMPONENT, user, channel, locale, context, owners
            )
        else:
            if not isinstance(member, Member):
                raise CommandNotAvailable(f"{member.username} clicks in a server as its member")
            guild, permissions = self._context(member, channel)
            interaction_id, token, payload = self._base_payload(
                InteractionType.MESSAGE_COMPONENT, member, channel, guild, permissions, locale
            )
        payload["data"] = {
            "custom_id": custom_id,
            "component_type": component.get("type"),
            **data_extra,
        }
        payload["message"] = self._core.messaging.payload(stored)
        result = self._dispatch(
            InteractionType.MESSAGE_COMPONENT,
            payload,
            interaction_id,
            token,
            member,
            channel,
            stored,
        )
        return await self._wait(result, until, timeout, f"component {custom_id}")

    async def click(
        self,
        message: StoredMessage | int,
        custom_id: str,
        *,
        member: Member | User,
        locale: str = "en-US",
        until: Until = _responded,
        timeout: float = 5.0,  # noqa: ASYNC109 - the test API takes a timeout
    ) -> InteractionResult:
        """Click the button `custom_id` on a message (as a server's member, or as a user in a
        DM or group DM)."""
        return await self._component(
            message, custom_id, {}, member=member, locale=locale, until=until, timeout=timeout
        )

    async def select(
        self,
        message: StoredMessage | int,
        custom_id: str,
        values: list[str],
        *,
        member: Member,
        locale: str = "en-US",
        until: Until = _responded,
        timeout: float = 5.0,  # noqa: ASYNC109 - the test API takes a timeout
    ) -> InteractionResult:
        """Pick `values` in the select menu `custom_id` on a message."""
        return await self._component(
            message,
            custom_id,
            {"values": list(values)},
            member=member,
            locale=locale,
            until=until,
            timeout=timeout,
        )

    async def submit_modal(
        self,
        opened_by: InteractionResult,
        values: Mapping[str, str],
        *,
        member: Member,
        locale: str = "en-US",
        until: Until = _responded,
        timeout: float = 5.0,  # noqa: ASYNC109 - the test API takes a timeout
    ) -> InteractionResult:
        """Fill in and submit the modal the bot opened in answer to `opened_by`."""
        modal = opened_by.modal
        if modal is None:
            raise ValueError(f"interaction {opened_by.id} did not open a modal")
        channel = self._core.world.channel(opened_by.channel_id)
        assert channel is not None
        guild, permissions = self._context(member, channel)
        interaction_id, token, payload = self._base_payload(
            InteractionType.MODAL_SUBMIT, member, channel, guild, permissions, locale
        )
        payload["data"] = {
            "custom_id": modal["custom_id"],
            "components": [_submitted(row, values) for row in modal.get("components", ())],
        }
        result = self._dispatch(
            InteractionType.MODAL_SUBMIT, payload, interaction_id, token, member, channel
        )
        return await self._wait(result, until, timeout, f"modal {modal['custom_id']}")

    async def invoke_private(
        self,
        command: str,
        options: Mapping[str, Any] | None = None,
        *,
        user: User,
        channel: PrivateChannel,
        locale: str = "en-US",
        until: Until = _responded,
        timeout: float = 5.0,  # noqa: ASYNC109 - the test API takes a timeout
    ) -> InteractionResult:
        result = self._dispatch_private_command(
            InteractionType.APPLICATION_COMMAND,
            command,
            options or {},
            None,
            user=user,
            channel=channel,
            locale=locale,
        )
        return await self._wait(result, until, timeout, f"/{command.strip().removeprefix('/')}")

    async def autocomplete_private(
        self,
        command: str,
        focused: str,
        typed: str,
        options: Mapping[str, Any] | None = None,
        *,
        user: User,
        channel: PrivateChannel,
        locale: str = "en-US",
        timeout: float = 5.0,  # noqa: ASYNC109 - the test API takes a timeout
    ) -> list[JsonObject]:
        result = self._dispatch_private_command(
            InteractionType.AUTOCOMPLETE,
            command,
            {**(options or {}), focused: typed},
            focused,
            user=user,
            channel=channel,
            locale=locale,
        )
        await self._wait(
            result, lambda r: r.choices is not None, timeout, f"autocomplete {focused}"
        )
        assert result.choices is not None
        return result.choices

    def commands_offered(self, user: User, channel: PrivateChannel) -> list[str]:
        """The names of the commands Discord's client offers `user` in a DM or group DM."""
        offered = []
        for command in self._core.commands.commands(None):
            if command.type != CHAT_INPUT:
                continue
            try:
                self._private_command(command.name, user, channel)
            except CommandNotAvailable:
                continue
            offered.append(command.name)
        return sorted(offered)
