"""Interaction callbacks, followups (webhook execute) and original/followup message edits.

These routes need no Authorization header (the token in the URL is the credential) and are
exempt from the global rate limit, as on Discord.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from .core import EmulatorCore
from .entities import Channel, PrivateChannel
from .errors import (
    INTERACTION_ALREADY_ACKNOWLEDGED,
    INVALID_WEBHOOK_TOKEN,
    UNKNOWN_WEBHOOK,
    DiscordError,
    field_error,
    invalid_form_body,
    json_response,
    unknown_interaction,
    unknown_message,
)
from .http_body import read_body, to_attachments
from .interactions import ALLOWED_CALLBACKS, CallbackType, InteractionResult, InteractionType
from .limits import check_autocomplete_choices
from .messages import EPHEMERAL, StoredMessage

log = logging.getLogger(__name__)

TRUE_VALUES = frozenset({"1", "true", "True"})


def _object(value: Any, where: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise invalid_form_body(
            {where: field_error("DICT_TYPE_CONVERT", "Only dictionaries may be used")}
        )
    return value


def routes(core: EmulatorCore) -> list[web.RouteDef]:
    world = core.world

    def channel_of(interaction: InteractionResult) -> Channel | PrivateChannel:
        channel = world.any_channel(interaction.channel_id)
        if channel is None:
            raise unknown_interaction()
        return channel

    async def callback(request: web.Request) -> web.Response:
        interaction = core.interactions.by_id(int(request.match_info["interaction_id"]))
        if interaction is None or interaction.token != request.match_info["token"]:
            raise unknown_interaction()
        now = core.clock.monotonic()
        if interaction.responded:
            error = DiscordError(
                400, INTERACTION_ALREADY_ACKNOWLEDGED, "Interaction has already been acknowledged."
            )
            interaction.rejected.append(error)
            raise error
        if now > interaction.deadline:
            error = unknown_interaction()
            interaction.rejected.append(error)
            log.warning(
                "interaction %s answered after %.2fs, past the deadline",
                interaction.id,
                now - interaction.dispatched_at,
            )
            raise error
        body = await read_body(request)
        payload = _object(body.json, "_root")
        try:
            kind = CallbackType(int(payload.get("type", 0)))
        except ValueError as exc:
            raise invalid_form_body(
                {"type": field_error("ENUM_TYPE_COERCE", "Not a valid callback type")}
            ) from exc
        if kind not in ALLOWED_CALLBACKS.get(interaction.type, frozenset()):
            raise invalid_form_body(
                {
                    "type": field_error(
                        "INTERACTION_CALLBACK_TYPE_INVALID", f"Callback {int(kind)} is invalid here"
                    )
                }
            )
        data = _object(payload.get("data"), "data")
        channel = channel_of(interaction)
        attachments = to_attachments(body.files, world.snowflakes.next, channel.id)
        resource_message = apply_callback(interaction, kind, data, channel, attachments)
        interaction.response_type = kind
        interaction.responded_at = now
        core.signal.notify()
        if request.query.get("with_response") not in TRUE_VALUES:
            return web.Response(status=204)
        return json_response(callback_response(interaction, kind, resource_message))

    def apply_callback(
        interaction: InteractionResult,
        kind: CallbackType,
        data: Mapping[str, Any],
        channel: Channel | PrivateChannel,
        attachments: list[dict[str, Any]],
    ) -> StoredMessage | None:
        """Validate and apply a callback; raises before changing anything when it is refused."""
        flags = int(data.get("flags") or 0)
        if kind in (CallbackType.CHANNEL_MESSAGE, CallbackType.DEFERRED_CHANNEL_MESSAGE):
            interaction.original = core.messaging.create_interaction_message(
                channel=channel,
                interaction_id=interaction.id,
                invoker_id=interaction.user_id,
                body=data,
                attachments=attachments,
                loading=kind is CallbackType.DEFERRED_CHANNEL_MESSAGE,
                ephemeral=bool(flags & EPHEMERAL),
                is_command_response=interaction.type is InteractionType.APPLICATION_COMMAND,
            )
            return interaction.original
        if kind in (CallbackType.UPDATE_MESSAGE, CallbackType.DEFERRED_UPDATE_MESSAGE):
            source = interaction.source_message
            if source is None:
                raise unknown_message()
            if kind is CallbackType.UPDATE_MESSAGE:
                core.messaging.edit(source, data, attachments, check_channel_permissions=False)
            interaction.original = source
            return source if kind is CallbackType.UPDATE_MESSAGE else None
        if kind is CallbackType.AUTOCOMPLETE_RESULT:
            choices = list(data.get("choices") or [])
            check_autocomplete_choices(choices)
            interaction.choices = [dict(choice) for choice in choices]
            return None
        if kind is CallbackType.MODAL:
            if not data.get("custom_id") or not data.get("title") or not data.get("components"):
                raise invalid_form_body(
                    {
                        "data": field_error(
                            "BASE_TYPE_REQUIRED", "custom_id, title and components are required"
                        )
                    }
                )
            interaction.modal = dict(data)
            return None
        raise invalid_form_body(
            {"type": field_error("INTERACTION_CALLBACK_TYPE_INVALID", "Unsupported")}
        )

    def callback_response(
        interaction: InteractionResult, kind: CallbackType, message: StoredMessage | None
    ) -> dict[str, Any]:
        info: dict[str, Any] = {
            "id": str(interaction.id),
            "type": int(interaction.type),
            "response_message_loading": bool(message is not None and message.loading),
            "response_message_ephemeral": bool(message is not None and message.ephemeral),
        }
        response: dict[str, Any] = {"interaction": info}
        if message is not None:
            info["response_message_id"] = str(message.id)
            response["resource"] = {"type": int(kind), "message": core.messaging.payload(message)}
        return response

    def webhook_interaction(request: web.Request) -> InteractionResult:
        interaction = core.interactions.by_token(request.match_info["token"])
        if interaction is None or int(request.match_info["app_id"]) != world.application_id:
            raise DiscordError(404, UNKNOWN_WEBHOOK, "Unknown Webhook")
        if core.clock.monotonic() > interaction.expires_at:
            raise DiscordError(401, INVALID_WEBHOOK_TOKEN, "Invalid Webhook Token")
        if not interaction.responded:
            raise DiscordError(404, UNKNOWN_WEBHOOK, "Unknown Webhook")
        return interaction

    def target_message(interaction: InteractionResult, raw_id: str) -> StoredMessage:
        if raw_id == "@original":
            if interaction.original is None:
                raise unknown_message()
            return interaction.original
        message = core.store.get(int(raw_id)) if raw_id.isdigit() else None
        if message is None or message not in interaction.messages:
            raise unknown_message()
        return message

    async def followup(request: web.Request) -> web.Response:
        interaction = webhook_interaction(request)
        channel = channel_of(interaction)
        body = await read_body(request)
        data = _object(body.json, "_root")
        attachments = to_attachments(body.files, world.snowflakes.next, channel.id)
        original = interaction.original
        if original is not None and original.loading:
            # The first followup after a defer replaces the "thinking" message (and keeps the
            # defer's ephemeral setting); like any edit it notifies nobody.
            message = core.messaging.edit(
                original, data, attachments, check_channel_permissions=False, complete_loading=True
            )
        else:
            message = core.messaging.create_interaction_message(
                channel=channel,
                interaction_id=interaction.id,
                invoker_id=interaction.user_id,
                body=data,
                attachments=attachments,
                loading=False,
                ephemeral=bool(int(data.get("flags") or 0) & EPHEMERAL),
                is_command_response=False,
            )
        interaction.followups.append(message)
        core.signal.notify()
        if request.query.get("wait") not in TRUE_VALUES:
            return web.Response(status=204)
        return json_response(core.messaging.payload(message))

    async def get_webhook_message(request: web.Request) -> web.Response:
        interaction = webhook_interaction(request)
        message = target_message(interaction, request.match_info["message_id"])
        return json_response(core.messaging.payload(message))

    async def edit_webhook_message(request: web.Request) -> web.Response:
        interaction = webhook_interaction(request)
        message = target_message(interaction, request.match_info["message_id"])
        body = await read_body(request)
        attachments = to_attachments(body.files, world.snowflakes.next, message.channel_id)
        core.messaging.edit(
            message,
            _object(body.json, "_root"),
            attachments,
            check_channel_permissions=False,
            complete_loading=message.loading,
        )
        return json_response(core.messaging.payload(message))

    async def delete_webhook_message(request: web.Request) -> web.Response:
        interaction = webhook_interaction(request)
        message = target_message(interaction, request.match_info["message_id"])
        core.messaging.delete(message)
        return web.Response(status=204)

    hook = "/api/v10/webhooks/{app_id:\\d+}/{token}"
    message_route = hook + "/messages/{message_id}"
    return [
        web.post("/api/v10/interactions/{interaction_id:\\d+}/{token}/callback", callback),
        web.post(hook, followup),
        web.get(message_route, get_webhook_message),
        web.patch(message_route, edit_webhook_message),
        web.delete(message_route, delete_webhook_message),
    ]
