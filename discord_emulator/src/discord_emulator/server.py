"""`Emulator`: the local Discord a real discord.py client talks to, and the test-facing API."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from aiohttp import web

from .app import build_app
from .commands import RegisteredCommand
from .config import EmulatorConfig
from .core import EmulatorCore
from .entities import Channel, Guild, Member, PrivateChannel, Role, User
from .errors import CODE_MESSAGES
from .faults import Fault, FaultKind, compile_route
from .gateway import Gateway
from .interactions import InteractionResult
from .messages import StoredMessage
from .recorder import RecordedRequest
from .user_actions import Until, UserActions, _responded
from .world import World

log = logging.getLogger(__name__)

T = TypeVar("T")
ChannelRef = Channel | PrivateChannel | int
MESSAGE_CREATE_ROUTE = "POST /channels/{channel_id}/messages"


def _channel_id(channel: ChannelRef | None) -> int | None:
    return channel.id if isinstance(channel, Channel | PrivateChannel) else channel


class Emulator:
    """A Discord REST API + gateway on loopback, with a world-builder and a test API.

    >>> async with Emulator() as emu:          # port 0: a free port
    ...     guild = emu.world.add_guild("Test")
    ...     point_discord_at(emu.api_base, emu.gateway_url)
    """

    def __init__(
        self,
        config: EmulatorConfig | None = None,
        *,
        world: World | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.config = config or EmulatorConfig()
        self.core = EmulatorCore(self.config, world)
        self.host = host
        self.port = port
        self._runner: web.AppRunner | None = None
        self._actions = UserActions(self.core)

    # --- lifecycle -----------------------------------------------------------------------------

    async def start(self) -> Emulator:
        runner = web.AppRunner(build_app(self.core), access_log=None, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        await site.start()
        self._runner = runner
        bound = runner.addresses[0]
        self.port = int(bound[1])
        self.core.http_base = f"http://{self.host}:{self.port}"
        log.info("Discord emulator listening on %s (gateway %s)", self.api_base, self.gateway_url)
        return self

    async def stop(self) -> None:
        if self._runner is None:
            return
        self.core.faults.release_all()  # held requests are answered, not left hanging
        await self.core.gateway.shutdown()
        await self._runner.cleanup()
        self._runner = None

    async def __aenter__(self) -> Emulator:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # --- addresses -----------------------------------------------------------------------------

    @property
    def api_base(self) -> str:
        """e.g. http://127.0.0.1:PORT/api/v10 (for discord.http.Route.BASE)."""
        return self.core.api_base

    @property
    def gateway_url(self) -> str:
        """e.g. ws://127.0.0.1:PORT/gateway (for DiscordWebSocket.DEFAULT_GATEWAY)."""
        return self.core.gateway_url

    @property
    def token(self) -> str:
        return self.config.token

    # --- the world -----------------------------------------------------------------------------

    @property
    def world(self) -> World:
        return self.core.world

    @property
    def bot_user(self) -> User:
        return self.core.world.bot_user

    def set_overwrite(
        self, channel: Channel, target: Role | Member | User | int, *, allow: int = 0, deny: int = 0
    ) -> None:
        """Change a channel overwrite now; connected bots get CHANNEL_UPDATE."""
        self.world.set_overwrite(channel, target, allow=allow, deny=deny)

    def set_role_permissions(
        self, role: Role, permissions: int, *, mentionable: bool | None = None
    ) -> None:
        """Change a role now; connected bots get GUILD_ROLE_UPDATE."""
        self.world.set_role_permissions(role, permissions, mentionable=mentionable)

    def set_member_roles(self, member: Member, roles: list[Role]) -> None:
        """Change a member's roles now; bots with the members intent get GUILD_MEMBER_UPDATE."""
        self.world.set_member_roles(member, roles)

    # --- what a person does --------------------------------------------------------------------

    def post(self, member: Member, channel: Channel, content: str) -> StoredMessage:
        """`member` writes a message in `channel` (checked against their permissions); the bot
        gets MESSAGE_CREATE, with empty content unless it has the MESSAGE_CONTENT intent or is
        mentioned."""
        message, _ = self.core.messaging.create_in_channel(
            channel, {"content": content}, [], author=member.user
        )
        return message

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
        """Run '/command sub ...' as `member` in `channel`; returns once `until(result)` holds
        (by default: the first response arrived). Raises InteractionTimeout, or
        CommandNotAvailable when a real user could not run it.

        `ignore_default_permissions=True` sends it even though the command's
        default_member_permissions would hide it from `member`, as happens when a server's
        Integrations settings allow it for them, or with a crafted interaction: the bot's own
        checks are then all that stands in the way. `cross_guild_options=True` lets channel and
        role options name another server's channels and roles, which Discord's client never
        offers (and Discord refuses: "A channel id specified is invalid"); a bot should not
        depend on that alone."""
        return await self._actions.invoke(
            command,
            options,
            member=member,
            channel=channel,
            locale=locale,
            until=until,
            timeout=timeout,
            ignore_default_permissions=ignore_default_permissions,
            cross_guild_options=cross_guild_options,
        )

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
    ) -> list[dict[str, Any]]:
        """The choices `member` is offered while typing `typed` into option `focused`
        (`ignore_default_permissions` as for `invoke`)."""
        return await self._actions.autocomplete(
            command,
            focused,
            typed,
            options,
            member=member,
            channel=channel,
            locale=locale,
            timeout=timeout,
            ignore_default_permissions=ignore_default_permissions,
        )

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
        """Run '/command ...' as `user` in a DM or group DM (``world.dm_with_bot``,
        ``world.add_dm``, ``world.add_group_dm``). Discord offers only global commands whose
        ``contexts`` include the channel's and that are installed where it reaches: to the
        user's account (``world.install_for_user``) or, in a DM with the bot, with a server
        the user shares with it; anything else raises CommandNotAvailable, as the client
        offers no such command. The interaction has no guild: ``user``, ``context`` (1 or 2)
        and ``authorizing_integration_owners``."""
        return await self._actions.invoke_private(
            command,
            options,
            user=user,
            channel=channel,
            locale=locale,
            until=until,
            timeout=timeout,
        )

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
    ) -> list[dict[str, Any]]:
        """The choices `user` is offered in a DM or group DM (see ``invoke_private``)."""
        return await self._actions.autocomplete_private(
            command,
            focused,
            typed,
            options,
            user=user,
            channel=channel,
            locale=locale,
            timeout=timeout,
        )

    def commands_offered(self, user: User, channel: PrivateChannel) -> list[str]:
        """The names of the commands Discord's client lists for `user` in a DM or group DM."""
        return self._actions.commands_offered(user, channel)

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
        return await self._actions.click(
            message, custom_id, member=member, locale=locale, until=until, timeout=timeout
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
        return await self._actions.select(
            message, custom_id, values, member=member, locale=locale, until=until, timeout=timeout
        )

    async def submit_modal(
        self,
        opened_by: InteractionResult,
        values: Mapping[str, str],
        *,
        member: Member,
        until: Until = _responded,
        timeout: float = 5.0,  # noqa: ASYNC109 - the test API takes a timeout
    ) -> InteractionResult:
        return await self._actions.submit_modal(
            opened_by, values, member=member, until=until, timeout=timeout
        )

    # --- what can be observed ------------------------------------------------------------------

    def transcript(
        self, channel: ChannelRef, *, viewer: Member | User | None = None
    ) -> list[StoredMessage]:
        """Messages a person in the channel sees, oldest first, edits applied (see .history).
        Ephemeral messages appear only for the `viewer` they were meant for."""
        channel_id = _channel_id(channel)
        assert channel_id is not None
        return self.core.store.transcript(
            channel_id, viewer_id=None if viewer is None else viewer.id
        )

    def message(self, message_id: int) -> StoredMessage | None:
        return self.core.store.get(message_id)

    @property
    def requests(self) -> list[RecordedRequest]:
        return list(self.core.requests.entries)

    def requests_to(
        self, method: str | None = None, path_contains: str = ""
    ) -> list[RecordedRequest]:
        return self.core.requests.matching(method, path_contains)

    def synced_commands(self, guild: Guild | None = None) -> list[RegisteredCommand]:
        """Commands the bot synced globally (guild=None) or to a guild."""
        return self.core.commands.commands(None if guild is None else guild.id)

    @property
    def interactions(self) -> list[InteractionResult]:
        return self.core.interactions.all()

    @property
    def invalid_requests(self) -> int:
        """401/403/429 answers in the last 10 minutes (Cloudflare bans at 10,000)."""
        return self.core.limiter.invalid_requests()

    @property
    def rate_limited(self) -> dict[str, int]:
        """429 answers so far by scope: 'global', 'user' (a route's bucket), 'shared'."""
        return dict(self.core.limiter.limited)

    @property
    def gateway(self) -> Gateway:
        """Gateway state and faults: .close(code), .reconnect(), .invalidate_session(resumable)."""
        return self.core.gateway

    async def wait_for(
        self,
        predicate: Callable[[], T | None],
        timeout: float = 5.0,  # noqa: ASYNC109 - the test API takes a timeout
        *,
        recheck: float | None = 0.1,
    ) -> T:
        """Wait until predicate() is truthy and return its value (TimeoutError otherwise).

        It is re-checked on every recorded change (request, gateway event, message, world
        change) and, as a safety net for predicates about the bot's own state, every
        `recheck` seconds (None: only on emulator changes)."""
        return await self.core.signal.wait_for(predicate, timeout, recheck)

    # --- faults --------------------------------------------------------------------------------

    def _add_fault(
        self,
        kind: FaultKind,
        route: str,
        channel: ChannelRef | None,
        times: int | None,
        duration: float | None = None,
        **fields: Any,
    ) -> Fault:
        method, pattern = compile_route(route)
        expires_at = None if duration is None else self.core.clock.monotonic() + duration
        return self.core.faults.add(
            Fault(
                kind,
                route,
                method,
                pattern,
                _channel_id(channel),
                times,
                expires_at=expires_at,
                **fields,
            )
        )

    def fail(
        self,
        route: str,
        status: int,
        code: int = 0,
        *,
        message: str | None = None,
        times: int | None = 1,
        channel: ChannelRef | None = None,
        duration: float | None = None,
    ) -> Fault:
        """Answer the next `times` matching requests with `status`/`code` (None: until cleared).

        `route` is 'METHOD /path' relative to /api/v10 with {placeholders} or '*',
        e.g. 'POST /channels/{channel_id}/messages'. Every fault also takes `duration`: armed
        for that many seconds only (with `times=None`, a storm hitting everything it matches)."""
        text = message or CODE_MESSAGES.get(code, "Error")
        return self._add_fault(
            FaultKind.ERROR,
            route,
            channel,
            times,
            duration,
            status=status,
            code=code,
            message=text,
        )

    def rate_limit(
        self,
        route: str,
        retry_after: float,
        *,
        is_global: bool = False,
        scope: str | None = None,
        times: int | None = 1,
        channel: ChannelRef | None = None,
        duration: float | None = None,
    ) -> Fault:
        """Answer 429 with `retry_after` (route scope 'user', or 'global', or 'shared')."""
        return self._add_fault(
            FaultKind.RATE_LIMIT,
            route,
            channel,
            times,
            duration,
            status=429,
            retry_after=retry_after,
            is_global=is_global,
            scope=scope or ("global" if is_global else "user"),
        )

    def slow(
        self,
        route: str,
        delay: float,
        *,
        times: int | None = 1,
        channel: ChannelRef | None = None,
        duration: float | None = None,
    ) -> Fault:
        """Wait `delay` seconds before handling matching requests normally."""
        return self._add_fault(FaultKind.DELAY, route, channel, times, duration, delay=delay)

    def hold(
        self,
        route: str,
        *,
        times: int | None = 1,
        channel: ChannelRef | None = None,
        duration: float | None = None,
    ) -> Fault:
        """Hold matching requests until `fault.release()`, then handle them normally: a request
        on the wire for as long as a test needs, whatever the machine's speed. `fault.hits`
        counts the requests taken (`wait_for` wakes when one is held); clearing the faults or
        stopping the emulator releases them."""
        return self._add_fault(
            FaultKind.HOLD, route, channel, times, duration, gate=asyncio.Event()
        )

    def commit_then_fail(
        self,
        route: str = MESSAGE_CREATE_ROUTE,
        status: int = 500,
        *,
        times: int | None = 1,
        channel: ChannelRef | None = None,
        duration: float | None = None,
    ) -> Fault:
        """Handle the request (the message IS created) but answer `status` anyway."""
        return self._add_fault(
            FaultKind.COMMIT_THEN_FAIL, route, channel, times, duration, status=status
        )

    def clear_faults(self) -> None:
        self.core.faults.clear()
