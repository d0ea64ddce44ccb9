"""Login and gateway discovery: /users/@me, /oauth2/applications/@me, /gateway, /gateway/bot."""

from __future__ import annotations

from aiohttp import web

from . import payloads
from .core import EmulatorCore
from .errors import DiscordError, json_response


def routes(core: EmulatorCore) -> list[web.RouteDef]:
    world = core.world

    async def current_user(request: web.Request) -> web.Response:
        return json_response(
            {
                **payloads.user(world.bot_user),
                "verified": True,
                "mfa_enabled": False,
                "flags": 0,
                "bio": "",
                "locale": "en-US",
            }
        )

    async def get_user(request: web.Request) -> web.Response:
        user = world.users.get(int(request.match_info["user_id"]))
        if user is None:
            raise DiscordError(404, 10013, "Unknown User")
        return json_response(payloads.user(user))

    async def application(request: web.Request) -> web.Response:
        owner = next(
            (world.users[g.owner_id] for g in world.guilds.values()),
            world.bot_user,
        )
        return json_response(
            {
                "id": str(world.application_id),
                "name": world.application_name,
                "description": "",
                "icon": None,
                "bot_public": True,
                "bot_require_code_grant": False,
                "owner": payloads.user(owner),
                "verify_key": "0" * 64,
                "team": None,
                "flags": 0,
                "interactions_endpoint_url": None,
                "bot": payloads.user(world.bot_user),
                "approximate_guild_count": len(world.guilds),
                "install_params": {"scopes": ["bot", "applications.commands"], "permissions": "0"},
            }
        )

    async def gateway(request: web.Request) -> web.Response:
        return json_response({"url": core.gateway_url})

    async def gateway_bot(request: web.Request) -> web.Response:
        return json_response(
            {
                # AutoShardedClient connects every shard to this url, so it must be ours.
                "url": core.gateway_url,
                "shards": core.config.shard_count,
                "session_start_limit": {
                    "total": core.config.session_start_limit,
                    "remaining": max(0, core.config.session_start_limit - core.gateway.identifies),
                    "reset_after": 86_400_000,
                    "max_concurrency": core.config.max_concurrency,
                },
            }
        )

    return [
        web.get("/api/v10/users/@me", current_user),
        web.get("/api/v10/users/{user_id:\\d+}", get_user),
        web.get("/api/v10/oauth2/applications/@me", application),
        web.get("/api/v10/applications/@me", application),
        web.get("/api/v10/gateway", gateway),
        web.get("/api/v10/gateway/bot", gateway_bot),
    ]
