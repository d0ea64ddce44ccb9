"""Guild routes: the guild, its channels, roles and a member."""

from __future__ import annotations

from aiohttp import web

from . import payloads
from .core import EmulatorCore
from .entities import Guild
from .errors import UNKNOWN_GUILD, UNKNOWN_MEMBER, DiscordError, json_response, missing_access


def routes(core: EmulatorCore) -> list[web.RouteDef]:
    world = core.world

    def guild_of(request: web.Request) -> Guild:
        guild = world.guilds.get(int(request.match_info["guild_id"]))
        if guild is None:
            raise DiscordError(404, UNKNOWN_GUILD, "Unknown Guild")
        if world.bot_user.id not in guild.members:
            raise missing_access()
        return guild

    async def get_guild(request: web.Request) -> web.Response:
        return json_response(payloads.guild(guild_of(request)))

    async def get_channels(request: web.Request) -> web.Response:
        # Discord lists every channel here, including ones the bot cannot view.
        return json_response([payloads.channel(c) for c in guild_of(request).channels.values()])

    async def get_roles(request: web.Request) -> web.Response:
        return json_response([payloads.role(r) for r in guild_of(request).roles.values()])

    async def get_member(request: web.Request) -> web.Response:
        guild = guild_of(request)
        member = guild.members.get(int(request.match_info["user_id"]))
        if member is None:
            raise DiscordError(404, UNKNOWN_MEMBER, "Unknown Member")
        return json_response(payloads.member(member))

    base = "/api/v10/guilds/{guild_id:\\d+}"
    return [
        web.get(base, get_guild),
        web.get(base + "/channels", get_channels),
        web.get(base + "/roles", get_roles),
        web.get(base + "/members/{user_id:\\d+}", get_member),
    ]
