"""Turn what a user types into a slash command's `data.options` and `data.resolved`.

Options are checked against the synced command definition the way Discord's client enforces
them (known names, required options, choices, channel types, value types), so a test cannot
send something a real user could not.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from . import payloads
from .commands import SUB_COMMAND, SUB_COMMAND_GROUP, RegisteredCommand
from .entities import Channel, Guild, Member, Role, User
from .world import World

JsonObject = dict[str, Any]

STRING = 3
INTEGER = 4
BOOLEAN = 5
USER = 6
CHANNEL = 7
ROLE = 8
MENTIONABLE = 9
NUMBER = 10
ATTACHMENT = 11


@dataclass(slots=True)
class _Resolved:
    users: JsonObject = field(default_factory=dict)
    members: JsonObject = field(default_factory=dict)
    roles: JsonObject = field(default_factory=dict)
    channels: JsonObject = field(default_factory=dict)
    attachments: JsonObject = field(default_factory=dict)

    def payload(self) -> JsonObject:
        kinds = ("users", "members", "roles", "channels", "attachments")
        return {kind: getattr(self, kind) for kind in kinds if getattr(self, kind)}


class OptionBuilder:
    def __init__(
        self,
        world: World,
        guild: Guild | None,  # None in a DM or group DM
        channel: Channel | None,
        invoker: Member | None,
        next_id: Callable[[], int],
        *,
        cross_guild: bool = False,
    ) -> None:
        self._world = world
        self._guild = guild
        self._channel = channel
        self._invoker = invoker
        self._next_id = next_id
        # channel and role options may name another server's (a crafted interaction)
        self._cross_guild = cross_guild
        self._resolved = _Resolved()

    def build(
        self,
        command: RegisteredCommand,
        path: Sequence[str],
        values: Mapping[str, Any],
        *,
        focused: str | None = None,
    ) -> JsonObject:
        """The interaction `data` for `/name path... values` (autocomplete when `focused`)."""
        data: JsonObject = {
            "id": str(command.id),
            "name": command.name,
            "type": command.type,
        }
        if command.guild_id is not None:
            data["guild_id"] = str(command.guild_id)
        data["options"] = self._walk(command.name, command.options, list(path), values, focused)
        resolved = self._resolved.payload()
        if resolved:
            data["resolved"] = resolved
        return data

    def _walk(
        self,
        where: str,
        definitions: Sequence[Mapping[str, Any]],
        path: list[str],
        values: Mapping[str, Any],
        focused: str | None,
    ) -> list[JsonObject]:
        groups = {
            d["name"]: d for d in definitions if d.get("type") in (SUB_COMMAND, SUB_COMMAND_GROUP)
        }
        if groups:
            if not path:
                raise ValueError(f"/{where} needs one of the subcommands {sorted(groups)}")
            name = path.pop(0)
            if name not in groups:
                raise ValueError(f"/{where} has no subcommand {name!r}; it has {sorted(groups)}")
            definition = groups[name]
            return [
                {
                    "name": name,
                    "type": definition["type"],
                    "options": self._walk(
                        f"{where} {name}", definition.get("options") or [], path, values, focused
                    ),
                }
            ]
        if path:
            raise ValueError(f"/{where} has no subcommand {path[0]!r}")
        return self._leaf_options(where, definitions, values, focused)

    def _leaf_options(
        self,
        where: str,
        definitions: Sequence[Mapping[str, Any]],
        values: Mapping[str, Any],
        focused: str | None,
    ) -> list[JsonObject]:
        by_name = {d["name"]: d for d in definitions}
        unknown = set(values) - set(by_name)
        if unknown:
            raise ValueError(
                f"/{where} has no option(s) {sorted(unknown)}; it has {sorted(by_name)}"
            )
        if focused is not None and focused not in by_name:
            raise ValueError(f"/{where} has no option {focused!r} to autocomplete")
        options: list[JsonObject] = []
        for definition in definitions:
            name = definition["name"]
            if name == focused:
                options.append(
                    {
                        "name": name,
                        "type": definition["type"],
                        "value": str(values.get(name, "")),
                        "focused": True,
                    }
                )
                continue
            if name not in values:
                if definition.get("required") and focused is None:
                    raise ValueError(f"/{where} needs option {name!r}")
                continue
            value = self._convert(where, definition, values[name])
            options.append({"name": name, "type": definition["type"], "value": value})
        return options

    def _convert(self, where: str, definition: Mapping[str, Any], value: Any) -> Any:
        kind = int(definition["type"])
        name = definition["name"]
        converted: Any
        if kind == STRING:
            if not isinstance(value, str):
                raise ValueError(f"/{where} {name} takes text, not {value!r}")
            converted = value
        elif kind == INTEGER:
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"/{where} {name} takes a whole number, not {value!r}")
            converted = value
        elif kind == NUMBER:
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"/{where} {name} takes a number, not {value!r}")
            converted = float(value)
        elif kind == BOOLEAN:
            if not isinstance(value, bool):
                raise ValueError(f"/{where} {name} takes True/False, not {value!r}")
            converted = value
        elif kind == USER:
            converted = self._resolve_user(where, name, value)
        elif kind == CHANNEL:
            converted = self._resolve_channel(where, definition, value)
        elif kind == ROLE:
            converted = self._resolve_role(where, name, value)
        elif kind == MENTIONABLE:
            if isinstance(value, Role):
                converted = self._resolve_role(where, name, value)
            else:
                converted = self._resolve_user(where, name, value)
        elif kind == ATTACHMENT:
            converted = self._resolve_attachment(where, name, value)
        else:
            raise ValueError(f"/{where} {name} has an option type {kind} the emulator cannot send")
        self._check_choices_and_range(where, definition, converted)
        return converted

    @staticmethod
    def _check_choices_and_range(where: str, definition: Mapping[str, Any], value: Any) -> None:
        name = definition["name"]
        choices = definition.get("choices")
        if choices and value not in [c["value"] for c in choices]:
            allowed = [c["value"] for c in choices]
            raise ValueError(f"/{where} {name} must be one of {allowed}, not {value!r}")
        if isinstance(value, int | float) and not isinstance(value, bool):
            low, high = definition.get("min_value"), definition.get("max_value")
            if (low is not None and value < low) or (high is not None and value > high):
                raise ValueError(f"/{where} {name} must be within [{low}, {high}], not {value}")
        if isinstance(value, str) and definition["type"] == STRING:
            low, high = definition.get("min_length"), definition.get("max_length")
            if (low is not None and len(value) < low) or (high is not None and len(value) > high):
                raise ValueError(f"/{where} {name} must be {low}..{high} characters long")

    def _resolve_user(self, where: str, name: str, value: Any) -> str:
        if isinstance(value, Member):
            user = value.user
        elif isinstance(value, User):
            user = value
        elif isinstance(value, int) and value in self._world.users:
            user = self._world.users[value]
        else:
            raise ValueError(f"/{where} {name} takes a member or user, not {value!r}")
        self._resolved.users[str(user.id)] = payloads.user(user)
        member = None if self._guild is None else self._guild.members.get(user.id)
        if member is not None and self._channel is not None:
            member_payload = payloads.member(
                member, permissions=self._world.permissions_in(self._channel, member)
            )
            member_payload.pop("user")
            self._resolved.members[str(user.id)] = member_payload
        return str(user.id)

    def _foreign_ok(self, guild_id: int) -> bool:
        return (self._guild is not None and guild_id == self._guild.id) or self._cross_guild

    def _server(self, where: str, name: str) -> Guild:
        if self._guild is None:
            raise ValueError(
                f"/{where} {name} takes a server's role or channel: there is none here"
            )
        return self._guild

    def _resolve_role(self, where: str, name: str, value: Any) -> str:
        guild = self._server(where, name)
        role = (
            value
            if isinstance(value, Role)
            else guild.roles.get(value)
            if isinstance(value, int)
            else None
        )
        if role is None or not self._foreign_ok(role.guild_id):
            raise ValueError(f"/{where} {name} takes a role of {guild.name}, not {value!r}")
        self._resolved.roles[str(role.id)] = payloads.role(role)
        return str(role.id)

    def _resolve_channel(self, where: str, definition: Mapping[str, Any], value: Any) -> str:
        name = definition["name"]
        guild = self._server(where, name)
        channel = (
            value
            if isinstance(value, Channel)
            else guild.channels.get(value)
            if isinstance(value, int)
            else None
        )
        if channel is None or not self._foreign_ok(channel.guild_id):
            raise ValueError(f"/{where} {name} takes a channel of {guild.name}, not {value!r}")
        allowed_types = definition.get("channel_types")
        if allowed_types and int(channel.type) not in allowed_types:
            raise ValueError(
                f"/{where} {name} accepts channel types {allowed_types}, not #{channel.name}"
            )
        self._resolved.channels[str(channel.id)] = {
            "id": str(channel.id),
            "name": channel.name,
            "type": int(channel.type),
            "guild_id": str(channel.guild_id),
            "parent_id": None,
            "flags": 0,
            # Discord sends the invoking member's permissions in that channel.
            "permissions": str(
                0 if self._invoker is None else self._world.permissions_in(channel, self._invoker)
            ),
        }
        return str(channel.id)

    def _resolve_attachment(self, where: str, name: str, value: Any) -> str:
        if not isinstance(value, Mapping) or "filename" not in value:
            raise ValueError(
                f"/{where} {name} takes an attachment dict with a filename, not {value!r}"
            )
        attachment_id = str(self._next_id())
        attachment = {
            "id": attachment_id,
            "filename": value["filename"],
            "size": int(value.get("size", 0)),
            "content_type": value.get("content_type"),
            "url": value.get(
                "url", f"https://cdn.emulator.invalid/{attachment_id}/{value['filename']}"
            ),
            "proxy_url": value.get(
                "url", f"https://media.emulator.invalid/{attachment_id}/{value['filename']}"
            ),
        }
        self._resolved.attachments[attachment_id] = attachment
        return attachment_id
