"""Application command sync: bulk overwrite and listing, global and per guild."""

from __future__ import annotations

from aiohttp import web

from .core import EmulatorCore
from .errors import field_error, invalid_form_body, json_response, missing_access
from .http_body import read_body


def routes(core: EmulatorCore) -> list[web.RouteDef]:
    world = core.world

    def scope(request: web.Request) -> int | None:
        if int(request.match_info["app_id"]) != world.application_id:
            raise missing_access()
        raw = request.match_info.get("guild_id")
        if raw is None:
            return None
        guild = world.guilds.get(int(raw))
        # Without the bot (and its applications.commands scope) in the guild: Missing Access.
        if guild is None or world.bot_user.id not in guild.members:
            raise missing_access()
        return guild.id

    async def list_commands(request: web.Request) -> web.Response:
        return json_response(core.commands.payloads(scope(request)))

    async def overwrite(request: web.Request) -> web.Response:
        guild_id = scope(request)
        body = (await read_body(request)).json
        if not isinstance(body, list) or not all(isinstance(c, dict) for c in body):
            raise invalid_form_body(
                {"_errors": field_error("LIST_TYPE_CONVERT", "Must be an array")["_errors"]}
            )
        result = core.commands.bulk_overwrite(guild_id, body)
        core.signal.notify()
        return json_response(result)

    base = "/api/v10/applications/{app_id:\\d+}"
    return [
        web.get(base + "/commands", list_commands),
        web.put(base + "/commands", overwrite),
        web.get(base + "/guilds/{guild_id:\\d+}/commands", list_commands),
        web.put(base + "/guilds/{guild_id:\\d+}/commands", overwrite),
    ]
