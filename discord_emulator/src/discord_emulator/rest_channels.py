"""Channel routes: fetch a channel, send/edit/fetch/delete messages, read history."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiohttp import web

from . import payloads
from .core import EmulatorCore
from .entities import Channel
from .errors import (
    DiscordError,
    field_error,
    invalid_form_body,
    json_response,
    missing_access,
    missing_permissions,
    unknown_channel,
    unknown_message,
)
from .http_body import read_body, to_attachments
from .messages import StoredMessage
from .permissions import Permission, has


def _json_object(body: Any) -> Mapping[str, Any]:
    if body is None:
        return {}
    if not isinstance(body, Mapping):
        raise invalid_form_body(
            {
                "_errors": field_error("DICT_TYPE_CONVERT", "Only dictionaries may be used")[
                    "_errors"
                ]
            }
        )
    return body


def routes(core: EmulatorCore) -> list[web.RouteDef]:
    world = core.world

    def channel_of(request: web.Request) -> Channel:
        channel = world.channel(int(request.match_info["channel_id"]))
        if channel is None:
            raise unknown_channel()
        return channel

    def readable(channel: Channel, *, history: bool) -> None:
        perms = world.bot_permissions_in(channel)
        if not has(perms, Permission.VIEW_CHANNEL):
            raise missing_access()
        if history and not has(perms, Permission.READ_MESSAGE_HISTORY):
            raise missing_permissions()

    def message_of(request: web.Request, channel: Channel) -> StoredMessage:
        message = core.store.get(int(request.match_info["message_id"]))
        if message is None or message.channel_id != channel.id or message.ephemeral_for is not None:
            raise unknown_message()
        return message

    async def get_channel(request: web.Request) -> web.Response:
        channel = channel_of(request)
        readable(channel, history=False)
        return json_response(payloads.channel(channel))

    async def create_message(request: web.Request) -> web.Response:
        channel = channel_of(request)
        verdict = core.limiter.take_channel_message(channel.id)
        if not verdict.allowed:
            return json_response(verdict.body(), status=429, headers=verdict.headers)
        try:
            body = await read_body(request)
            attachments = to_attachments(body.files, world.snowflakes.next, channel.id)
            message, _ = core.messaging.create_in_channel(
                channel, _json_object(body.json), attachments
            )
        except DiscordError as error:
            return json_response(error.body(), status=error.status, headers=verdict.headers)
        return json_response(core.messaging.payload(message), headers=verdict.headers)

    async def get_message(request: web.Request) -> web.Response:
        channel = channel_of(request)
        readable(channel, history=True)
        return json_response(core.messaging.payload(message_of(request, channel)))

    async def edit_message(request: web.Request) -> web.Response:
        channel = channel_of(request)
        message = message_of(request, channel)
        body = await read_body(request)
        attachments = to_attachments(body.files, world.snowflakes.next, channel.id)
        core.messaging.edit(
            message, _json_object(body.json), attachments, check_channel_permissions=True
        )
        return json_response(core.messaging.payload(message))

    async def delete_message(request: web.Request) -> web.Response:
        channel = channel_of(request)
        message = message_of(request, channel)
        perms = world.bot_permissions_in(channel)
        if not has(perms, Permission.VIEW_CHANNEL):
            raise missing_access()
        if message.author.id != world.bot_user.id and not has(perms, Permission.MANAGE_MESSAGES):
            raise missing_permissions()
        core.messaging.delete(message)
        return web.Response(status=204)

    async def history(request: web.Request) -> web.Response:
        channel = channel_of(request)
        readable(channel, history=True)
        limit = max(1, min(100, int(request.query.get("limit", "50"))))
        before = int(request.query.get("before", "0")) or None
        after = int(request.query.get("after", "0")) or None
        messages = [
            m
            for m in core.store.transcript(channel.id)
            if (before is None or m.id < before) and (after is None or m.id > after)
        ]
        newest_first = sorted(messages, key=lambda m: m.id, reverse=True)
        chosen = newest_first[-limit:] if after is not None else newest_first[:limit]
        return json_response([core.messaging.payload(m) for m in chosen])

    base = "/api/v10/channels/{channel_id:\\d+}"
    return [
        web.get(base, get_channel),
        web.post(base + "/messages", create_message),
        web.get(base + "/messages", history),
        web.get(base + "/messages/{message_id:\\d+}", get_message),
        web.patch(base + "/messages/{message_id:\\d+}", edit_message),
        web.delete(base + "/messages/{message_id:\\d+}", delete_message),
    ]
