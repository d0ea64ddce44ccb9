"""The gateway websocket: HELLO, IDENTIFY/READY/GUILD_CREATE, heartbeats, RESUME with replay,
member chunks, dispatches, and fault controls (close codes, RECONNECT, INVALID_SESSION).

Frames are TEXT JSON. discord.py asks for zlib-stream compression but only inflates BINARY
frames, so plain text frames are understood whatever it negotiated.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from . import payloads
from .config import EmulatorConfig
from .entities import Guild
from .recorder import ChangeSignal
from .world import World, WorldChange

log = logging.getLogger(__name__)

JsonObject = dict[str, Any]

OP_DISPATCH = 0
OP_HEARTBEAT = 1
OP_IDENTIFY = 2
OP_PRESENCE_UPDATE = 3
OP_VOICE_STATE_UPDATE = 4
OP_RESUME = 6
OP_RECONNECT = 7
OP_REQUEST_GUILD_MEMBERS = 8
OP_INVALID_SESSION = 9
OP_HELLO = 10
OP_HEARTBEAT_ACK = 11

CLOSE_UNKNOWN_OPCODE = 4001
CLOSE_DECODE_ERROR = 4002
CLOSE_NOT_AUTHENTICATED = 4003
CLOSE_AUTHENTICATION_FAILED = 4004
CLOSE_ALREADY_AUTHENTICATED = 4005
CLOSE_INVALID_SEQ = 4007
CLOSE_SESSION_TIMED_OUT = 4009
CLOSE_INVALID_SHARD = 4010
CLOSE_DISALLOWED_INTENTS = 4014
# Close codes after which the session can no longer be resumed.
SESSION_ENDING_CODES = frozenset({1000, 1001, CLOSE_INVALID_SEQ, CLOSE_SESSION_TIMED_OUT})

INTENT_GUILDS = 1 << 0
INTENT_GUILD_MEMBERS = 1 << 1
INTENT_GUILD_PRESENCES = 1 << 8
INTENT_GUILD_MESSAGES = 1 << 9
INTENT_DIRECT_MESSAGES = 1 << 12
INTENT_MESSAGE_CONTENT = 1 << 15
PRIVILEGED_INTENTS = INTENT_GUILD_MEMBERS | INTENT_GUILD_PRESENCES | INTENT_MESSAGE_CONTENT

EVENT_INTENTS = {
    "GUILD_CREATE": INTENT_GUILDS,
    "GUILD_UPDATE": INTENT_GUILDS,
    "GUILD_ROLE_CREATE": INTENT_GUILDS,
    "GUILD_ROLE_UPDATE": INTENT_GUILDS,
    "GUILD_ROLE_DELETE": INTENT_GUILDS,
    "CHANNEL_CREATE": INTENT_GUILDS,
    "CHANNEL_UPDATE": INTENT_GUILDS,
    "CHANNEL_DELETE": INTENT_GUILDS,
    "GUILD_MEMBER_ADD": INTENT_GUILD_MEMBERS,
    "GUILD_MEMBER_UPDATE": INTENT_GUILD_MEMBERS,
    "GUILD_MEMBER_REMOVE": INTENT_GUILD_MEMBERS,
    "MESSAGE_CREATE": INTENT_GUILD_MESSAGES,
    "MESSAGE_UPDATE": INTENT_GUILD_MESSAGES,
    "MESSAGE_DELETE": INTENT_GUILD_MESSAGES,
}


def shard_for(guild_id: int, shard_count: int) -> int:
    """Discord's routing rule: (guild_id >> 22) % shard_count."""
    return (guild_id >> 22) % shard_count


@dataclass(slots=True)
class _Close:
    code: int


class _Connection:
    """One websocket; frames are queued so dispatch order is kept without awaiting callers."""

    def __init__(self, ws: web.WebSocketResponse) -> None:
        self.ws = ws
        self.session: GatewaySession | None = None
        self.server_close_code: int | None = None
        self._queue: asyncio.Queue[str | _Close] = asyncio.Queue()
        self._writer = asyncio.create_task(self._write(), name="emulator-gateway-writer")

    def send(self, frame: JsonObject) -> None:
        self._queue.put_nowait(json.dumps(frame, separators=(",", ":")))

    def close(self, code: int) -> None:
        if self.server_close_code is None:
            self.server_close_code = code
            self._queue.put_nowait(_Close(code))

    async def _write(self) -> None:
        while True:
            item = await self._queue.get()
            try:
                if isinstance(item, _Close):
                    await self.ws.close(code=item.code)
                    return
                await self.ws.send_str(item)
            except (ConnectionResetError, RuntimeError) as exc:
                log.debug("gateway connection went away while writing: %s", exc)
                return

    async def stop(self, grace: float = 0.0) -> None:
        """Stop writing; give a pending close up to `grace` seconds to go out first."""
        if grace and not self._writer.done():
            await asyncio.wait([self._writer], timeout=grace)
        if not self._writer.done():
            self._writer.cancel()
        await asyncio.gather(self._writer, return_exceptions=True)


@dataclass(slots=True)
class GatewaySession:
    session_id: str
    shard_id: int
    shard_count: int
    intents: int
    identify: JsonObject
    seq: int = 0
    backlog: deque[JsonObject] = field(default_factory=deque)
    connection: _Connection | None = None

    @property
    def connected(self) -> bool:
        return self.connection is not None


@dataclass(frozen=True, slots=True)
class GatewayEvent:
    """Something that happened on the gateway, for tests to assert on."""

    kind: (
        str  # identify, resume, resume_failed, close, reconnect, invalid_session, chunk, heartbeat
    )
    shard_id: int | None
    detail: JsonObject


class Gateway:
    def __init__(
        self,
        world: World,
        config: EmulatorConfig,
        signal: ChangeSignal,
        ws_url: Callable[[], str],
    ) -> None:
        self._world = world
        self._config = config
        self._signal = signal
        self._ws_url = ws_url
        self.sessions: dict[str, GatewaySession] = {}
        self.events: list[GatewayEvent] = []
        self._connections: set[_Connection] = set()
        world.subscribe(self._on_world_change)

    # --- observability -------------------------------------------------------------------------

    def count(self, kind: str) -> int:
        return sum(1 for event in self.events if event.kind == kind)

    @property
    def identifies(self) -> int:
        return self.count("identify")

    @property
    def resumes(self) -> int:
        return self.count("resume")

    @property
    def heartbeats(self) -> int:
        return self.count("heartbeat")

    def connected_shards(self) -> set[int]:
        return {s.shard_id for s in self.sessions.values() if s.connected}

    def _record(self, kind: str, shard_id: int | None, **detail: Any) -> None:
        self.events.append(GatewayEvent(kind, shard_id, detail))
        log.debug("gateway %s shard=%s %s", kind, shard_id, detail)
        self._signal.notify()

    # --- websocket handler ---------------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        connection = _Connection(ws)
        self._connections.add(connection)
        connection.send(
            {
                "op": OP_HELLO,
                "d": {"heartbeat_interval": self._config.heartbeat_interval_ms},
                "s": None,
                "t": None,
            }
        )
        try:
            async for message in ws:
                if message.type is WSMsgType.TEXT:
                    try:
                        frame = json.loads(message.data)
                    except json.JSONDecodeError:
                        connection.close(CLOSE_DECODE_ERROR)
                        continue
                    self._on_frame(connection, frame)
                elif message.type is WSMsgType.BINARY:
                    connection.close(CLOSE_DECODE_ERROR)
        finally:
            self._connections.discard(connection)
            await connection.stop(grace=1.0 if connection.server_close_code is not None else 0.0)
            self._detach(connection, ws.close_code)
        return ws

    def _detach(self, connection: _Connection, close_code: int | None) -> None:
        session = connection.session
        if session is None or session.connection is not connection:
            return
        session.connection = None
        code = connection.server_close_code or close_code
        if code in SESSION_ENDING_CODES:
            self.sessions.pop(session.session_id, None)
        self._record("disconnect", session.shard_id, code=code)

    def _on_frame(self, connection: _Connection, frame: JsonObject) -> None:
        op = frame.get("op")
        data = frame.get("d")
        if op == OP_HEARTBEAT:
            connection.send({"op": OP_HEARTBEAT_ACK, "d": None, "s": None, "t": None})
            shard = connection.session.shard_id if connection.session else None
            self._record("heartbeat", shard, seq=data)
        elif op == OP_IDENTIFY:
            self._identify(connection, data or {})
        elif op == OP_RESUME:
            self._resume(connection, data or {})
        elif op == OP_REQUEST_GUILD_MEMBERS:
            if connection.session is None:
                connection.close(CLOSE_NOT_AUTHENTICATED)
            else:
                self._send_member_chunk(connection.session, data or {})
        elif op in (OP_PRESENCE_UPDATE, OP_VOICE_STATE_UPDATE):
            if connection.session is None:
                connection.close(CLOSE_NOT_AUTHENTICATED)
        else:
            connection.close(CLOSE_UNKNOWN_OPCODE)

    def _identify(self, connection: _Connection, data: JsonObject) -> None:
        if data.get("token") != self._config.token:
            self._record("identify_failed", None, reason="token")
            connection.close(CLOSE_AUTHENTICATION_FAILED)
            return
        if connection.session is not None:
            connection.close(CLOSE_ALREADY_AUTHENTICATED)
            return
        shard_id, shard_count = data.get("shard") or (0, 1)
        if not 0 <= shard_id < shard_count:
            connection.close(CLOSE_INVALID_SHARD)
            return
        intents = int(data.get("intents", 0))
        if intents & PRIVILEGED_INTENTS and not self._config.privileged_intents_enabled:
            connection.close(CLOSE_DISALLOWED_INTENTS)
            return
        # One bot process holds one session per shard; an older one is abandoned.
        for old in [
            s
            for s in self.sessions.values()
            if (s.shard_id, s.shard_count) == (shard_id, shard_count)
        ]:
            self.sessions.pop(old.session_id, None)
        session = GatewaySession(
            secrets.token_hex(16), shard_id, shard_count, intents, data, connection=connection
        )
        self.sessions[session.session_id] = session
        connection.session = session
        guilds = self._guilds_of_shard(shard_id, shard_count)
        self._send(
            session,
            "READY",
            {
                "v": 10,
                "user": {
                    **payloads.user(self._world.bot_user),
                    "verified": True,
                    "mfa_enabled": False,
                    "flags": 0,
                },
                "session_id": session.session_id,
                "resume_gateway_url": self._ws_url(),
                "session_type": "normal",
                "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
                "private_channels": [],
                "relationships": [],
                "presences": [],
                "guild_join_requests": [],
                "geo_ordered_rtc_regions": [],
                "application": {"id": str(self._world.application_id), "flags": 0},
                "shard": [shard_id, shard_count],
                "_trace": ["discord-emulator"],
            },
        )
        for guild in guilds:
            self._send(session, "GUILD_CREATE", payloads.guild_create(guild))
        self._record("identify", shard_id, shard=[shard_id, shard_count], intents=intents)

    def _resume(self, connection: _Connection, data: JsonObject) -> None:
        session = self.sessions.get(str(data.get("session_id")))
        if session is None or data.get("token") != self._config.token:
            connection.send({"op": OP_INVALID_SESSION, "d": False, "s": None, "t": None})
            self._record("resume_failed", None, session_id=data.get("session_id"))
            return
        if session.connection is not None and session.connection is not connection:
            session.connection.close(CLOSE_SESSION_TIMED_OUT)
        session.connection = connection
        connection.session = session
        last_seen = int(data.get("seq") or 0)
        replayed = 0
        for frame in session.backlog:
            if frame["s"] > last_seen:
                connection.send(frame)
                replayed += 1
        self._send(session, "RESUMED", {})
        self._record("resume", session.shard_id, replayed=replayed, seq=last_seen)

    def _send_member_chunk(self, session: GatewaySession, data: JsonObject) -> None:
        guild = self._world.guilds.get(int(data.get("guild_id", 0)))
        if guild is None:
            return
        query = str(data.get("query") or "").lower()
        wanted = {int(x) for x in data.get("user_ids") or ()}
        limit = int(data.get("limit") or 0)
        members = [
            m
            for m in guild.members.values()
            if (not wanted or m.id in wanted) and m.user.username.lower().startswith(query)
        ]
        if limit:
            members = members[:limit]
        chunk: JsonObject = {
            "guild_id": str(guild.id),
            "members": [payloads.member(m) for m in members],
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [str(x) for x in wanted - {m.id for m in members}],
        }
        if data.get("nonce") is not None:
            chunk["nonce"] = data["nonce"]
        self._send(session, "GUILD_MEMBERS_CHUNK", chunk)
        self._record("chunk", session.shard_id, guild_id=guild.id, members=len(members))

    # --- dispatching ---------------------------------------------------------------------------

    def _guilds_of_shard(self, shard_id: int, shard_count: int) -> list[Guild]:
        bot_id = self._world.bot_user.id
        return [
            g
            for g in self._world.guilds.values()
            if bot_id in g.members and shard_for(g.id, shard_count) == shard_id
        ]

    def _send(self, session: GatewaySession, event: str, data: JsonObject) -> None:
        session.seq += 1
        frame = {"op": OP_DISPATCH, "s": session.seq, "t": event, "d": data}
        session.backlog.append(frame)
        while len(session.backlog) > self._config.max_replay:
            session.backlog.popleft()
        if session.connection is not None:
            session.connection.send(frame)

    def sessions_for_guild(self, guild_id: int | None) -> list[GatewaySession]:
        """Sessions that receive this guild's events (DM-like events go to shard 0)."""
        return [
            s
            for s in self.sessions.values()
            if (
                s.shard_id == 0
                if guild_id is None
                else shard_for(guild_id, s.shard_count) == s.shard_id
            )
        ]

    def dispatch(
        self,
        event: str,
        data: JsonObject | Callable[[GatewaySession], JsonObject | None],
        guild_id: int | None,
        *,
        intent: int | None = None,
    ) -> int:
        """Send a dispatch to the sessions of the guild's shard, honouring their intents
        (``intent``: the one this dispatch needs, when not the event's usual one: a DM's
        messages need DIRECT_MESSAGES).

        `data` may be a function of the session (e.g. to blank message content when the
        MESSAGE_CONTENT intent is missing); returning None skips that session.
        Returns how many sessions got it (disconnected sessions get it on RESUME).
        """
        needed = EVENT_INTENTS.get(event, 0) if intent is None else intent
        delivered = 0
        for session in self.sessions_for_guild(guild_id):
            if needed and not session.intents & needed and not self._always_sent(event, data):
                continue
            frame_data = data(session) if callable(data) else data
            if frame_data is None:
                continue
            self._send(session, event, frame_data)
            delivered += 1
        if delivered:
            self._signal.notify()
        return delivered

    def _always_sent(self, event: str, data: object) -> bool:
        # Discord sends the bot its own member updates even without GUILD_MEMBERS.
        if event != "GUILD_MEMBER_UPDATE" or not isinstance(data, dict):
            return False
        return str(data.get("user", {}).get("id")) == str(self._world.bot_user.id)

    def _on_world_change(self, change: WorldChange) -> None:
        if change.event == "GUILD_CREATE":
            guild = self._world.guilds.get(change.guild_id)
            if guild is None or self._world.bot_user.id not in guild.members:
                return
        self.dispatch(change.event, change.data, change.guild_id)

    # --- fault controls ------------------------------------------------------------------------

    def _targets(self, shard_id: int | None) -> list[GatewaySession]:
        return [
            s
            for s in self.sessions.values()
            if s.connection is not None and (shard_id is None or s.shard_id == shard_id)
        ]

    def close(self, code: int = 4000, *, shard_id: int | None = None) -> int:
        """Close live connections with `code` (4000: the client resumes). Returns how many."""
        targets = self._targets(shard_id)
        for session in targets:
            assert session.connection is not None
            session.connection.close(code)
            self._record("close", session.shard_id, code=code)
        return len(targets)

    def reconnect(self, *, shard_id: int | None = None) -> int:
        """Send op 7 RECONNECT: the client closes and resumes."""
        targets = self._targets(shard_id)
        for session in targets:
            assert session.connection is not None
            session.connection.send({"op": OP_RECONNECT, "d": None, "s": None, "t": None})
            self._record("reconnect", session.shard_id)
        return len(targets)

    def invalidate_session(self, *, resumable: bool, shard_id: int | None = None) -> int:
        """Send op 9 INVALID_SESSION; with resumable=False the session is forgotten."""
        targets = self._targets(shard_id)
        for session in targets:
            assert session.connection is not None
            session.connection.send(
                {"op": OP_INVALID_SESSION, "d": resumable, "s": None, "t": None}
            )
            if not resumable:
                self.sessions.pop(session.session_id, None)
            self._record("invalid_session", session.shard_id, resumable=resumable)
        return len(targets)

    async def shutdown(self) -> None:
        connections = list(self._connections)
        for connection in connections:
            connection.close(1001)
        for connection in connections:
            await connection.stop(grace=0.5)
