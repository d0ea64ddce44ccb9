"""The aiohttp application: auth, faults, global rate limit, recording, Discord-shaped errors."""

from __future__ import annotations

import asyncio
import json
import logging
import re
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler

from . import rest_channels, rest_commands, rest_guilds, rest_interactions, rest_meta
from .core import API_PREFIX, GATEWAY_PATH, EmulatorCore
from .errors import DiscordError, json_response, not_found_route, unauthorized
from .faults import Fault, FaultKind
from .http_body import RequestBody, read_body
from .ratelimit import limited_headers
from .recorder import RecordedRequest

log = logging.getLogger(__name__)

# Interaction callbacks and interaction webhooks: no bot token, no global limit.
TOKENLESS = re.compile(r"^/(interactions|webhooks)/")
CHANNEL_IN_PATH = re.compile(r"^/channels/(\d+)")
INTERACTION_IN_PATH = re.compile(r"^/interactions/(\d+)/")
WEBHOOK_TOKEN_IN_PATH = re.compile(r"^/webhooks/\d+/([^/]+)")
INVALID_STATUSES = frozenset({401, 403, 429})


def _server_error_body(status: int) -> dict[str, Any]:
    return {"message": f"{status}: {web.Response(status=status).reason}", "code": 0}


class Pipeline:
    """Everything that happens to every /api/v10 request around its route handler."""

    def __init__(self, core: EmulatorCore) -> None:
        self._core = core

    def channel_of(self, path: str) -> int | None:
        """The channel a request is about, so faults can target one channel."""
        if match := CHANNEL_IN_PATH.match(path):
            return int(match.group(1))
        interaction = None
        if match := INTERACTION_IN_PATH.match(path):
            interaction = self._core.interactions.by_id(int(match.group(1)))
        elif match := WEBHOOK_TOKEN_IN_PATH.match(path):
            interaction = self._core.interactions.by_token(match.group(1))
        return None if interaction is None else interaction.channel_id

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if not request.path.startswith(API_PREFIX + "/"):
            return await handler(request)
        path = request.path[len(API_PREFIX) :]
        body = await self._peek_body(request)
        fault: Fault | None = None
        try:
            response, fault = await self._process(request, path, handler)
        except DiscordError as error:
            response = error.response()
        except web.HTTPException as http_error:
            # aiohttp's own 404/405: answer in Discord's JSON shape.
            response = json_response(
                {"message": f"{http_error.status}: {http_error.reason}", "code": 0},
                status=http_error.status,
            )
        self._record(request, path, body, response, fault)
        return response

    async def _peek_body(self, request: web.Request) -> RequestBody:
        """Parse the body up front for the log; handlers get the same parsed body."""
        try:
            return await read_body(request)
        except DiscordError:
            return RequestBody(None)

    async def _process(
        self, request: web.Request, path: str, handler: Handler
    ) -> tuple[web.StreamResponse, Fault | None]:
        core = self._core
        tokenless = TOKENLESS.match(path) is not None
        if not tokenless and request.headers.get("Authorization") != f"Bot {core.config.token}":
            raise unauthorized()
        fault = core.faults.take(request.method, path, self.channel_of(path))
        if fault is not None:
            log.info("injecting %s on %s %s", fault.kind.value, request.method, path)
            if fault.kind is FaultKind.ERROR:
                return self._fault_error(fault), fault
            if fault.kind is FaultKind.RATE_LIMIT:
                headers = limited_headers(
                    fault.retry_after, scope=fault.scope, is_global=fault.is_global
                )
                body = {
                    "message": "You are being rate limited.",
                    "retry_after": fault.retry_after,
                    "global": fault.is_global,
                }
                return json_response(body, status=429, headers=headers), fault
            if fault.kind is FaultKind.DELAY:
                await asyncio.sleep(fault.delay)
            if fault.kind is FaultKind.HOLD and fault.gate is not None:
                core.signal.notify()  # a test waiting for `fault.hits` sees it held
                await fault.gate.wait()
        if not tokenless:
            verdict = core.limiter.take_global(core.config.token)
            if not verdict.allowed:
                return json_response(verdict.body(), status=429, headers=verdict.headers), fault
        response = await handler(request)
        if fault is not None and fault.kind is FaultKind.COMMIT_THEN_FAIL:
            log.info("committed %s %s, answering %s anyway", request.method, path, fault.status)
            return self._fault_error(fault), fault
        return response, fault

    @staticmethod
    def _fault_error(fault: Fault) -> web.Response:
        if fault.status >= 500 and not fault.code:
            return json_response(_server_error_body(fault.status), status=fault.status)
        return DiscordError(fault.status, fault.code, fault.message).response()

    def _record(
        self,
        request: web.Request,
        path: str,
        body: RequestBody,
        response: web.StreamResponse,
        fault: Fault | None,
    ) -> None:
        core = self._core
        status = response.status
        scope = response.headers.get("X-RateLimit-Scope")
        if status == 429:
            core.limiter.record_limited(scope or "unknown")
        if status in INVALID_STATUSES and not (status == 429 and scope == "shared"):
            core.limiter.record_invalid()
        answer: Any = None
        if (
            isinstance(response, web.Response)
            and response.body
            and response.content_type == "application/json"
        ):
            raw = response.body
            if isinstance(raw, bytes):
                answer = json.loads(raw)
        headers = {
            key: ("Bot ***" if key.lower() == "authorization" else value)
            for key, value in request.headers.items()
        }
        core.requests.append(
            RecordedRequest(
                seq=len(core.requests) + 1,
                method=request.method,
                path=path,
                query=dict(request.query),
                json=body.json,
                headers=headers,
                status=status,
                at=core.clock.monotonic(),
                response=answer,
                fault=None if fault is None else fault.kind.value,
            )
        )
        core.signal.notify()


def build_app(core: EmulatorCore) -> web.Application:
    pipeline = Pipeline(core)
    app = web.Application(middlewares=[pipeline.middleware], client_max_size=26 * 1024 * 1024)
    app.router.add_get(GATEWAY_PATH, core.gateway.handle)
    for module in (rest_meta, rest_commands, rest_channels, rest_guilds, rest_interactions):
        app.router.add_routes(module.routes(core))

    async def unknown_route(request: web.Request) -> web.Response:
        raise not_found_route()

    app.router.add_route("*", API_PREFIX + "/{tail:.*}", unknown_route)
    return app
