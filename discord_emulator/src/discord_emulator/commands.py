"""Application commands synced by the bot (bulk overwrite), stored so tests can assert them."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .errors import field_error, invalid_form_body
from .snowflakes import SnowflakeGenerator

JsonObject = dict[str, Any]

CHAT_INPUT = 1
SUB_COMMAND = 1
SUB_COMMAND_GROUP = 2
MAX_COMMANDS = 100
MAX_OPTIONS = 25
MAX_CHOICES = 25
# Interaction context types: where a command can be used.
GUILD_CONTEXT = 0
BOT_DM_CONTEXT = 1
PRIVATE_CHANNEL_CONTEXT = 2
CONTEXT_TYPES = frozenset({GUILD_CONTEXT, BOT_DM_CONTEXT, PRIVATE_CHANNEL_CONTEXT})
# Application integration types: where a command is installed.
GUILD_INSTALL = 0
USER_INSTALL = 1
INTEGRATION_TYPES = frozenset({GUILD_INSTALL, USER_INSTALL})
# Discord's documented name rule; \w covers letters and digits of every script.
CHAT_INPUT_NAME = re.compile(r"^[-_'\w]{1,32}$")


@dataclass(slots=True)
class RegisteredCommand:
    id: int
    guild_id: int | None
    payload: JsonObject  # exactly what GET returns

    @property
    def name(self) -> str:
        return str(self.payload["name"])

    @property
    def type(self) -> int:
        return int(self.payload.get("type", CHAT_INPUT))

    @property
    def options(self) -> list[JsonObject]:
        return list(self.payload.get("options") or [])

    @property
    def default_member_permissions(self) -> int | None:
        value = self.payload.get("default_member_permissions")
        return None if value is None else int(value)

    @property
    def integration_types(self) -> frozenset[int]:
        """Where the command is installed; a guild command only with its guild."""
        if self.guild_id is not None:
            return frozenset({GUILD_INSTALL})
        return frozenset(int(t) for t in self.payload.get("integration_types") or [GUILD_INSTALL])

    @property
    def contexts(self) -> frozenset[int]:
        """Where the command can be used. A guild command only in its guild; a global one
        without ``contexts`` in servers, in DMs with the bot unless ``dm_permission`` is false
        (the field ``contexts`` replaced), and in private channels when users can install it."""
        if self.guild_id is not None:
            return frozenset({GUILD_CONTEXT})
        listed = self.payload.get("contexts")
        if listed is not None:
            return frozenset(int(c) for c in listed)
        found = {GUILD_CONTEXT}
        if self.payload.get("dm_permission") is not False:
            found.add(BOT_DM_CONTEXT)
        if USER_INSTALL in self.integration_types:
            found.add(PRIVATE_CHANNEL_CONTEXT)
        return frozenset(found)


def _name_errors(name: object, *, chat_input: bool) -> JsonObject | None:
    if not isinstance(name, str) or not 1 <= len(name) <= 32:
        return field_error("BASE_TYPE_BAD_LENGTH", "Must be between 1 and 32 in length.")
    if chat_input and (not CHAT_INPUT_NAME.match(name) or name != name.lower()):
        return field_error("APPLICATION_COMMAND_INVALID_NAME", f"Command name is invalid: {name}")
    return None


def _description_errors(description: object, *, chat_input: bool) -> JsonObject | None:
    text = description if isinstance(description, str) else ""
    if chat_input and not 1 <= len(text) <= 100:
        return field_error("BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
    if not chat_input and text:
        return field_error("APPLICATION_COMMAND_INVALID_DESCRIPTION", "Must be empty.")
    return None


def _localization_errors(localized: object, *, limit: int, chat_input_name: bool) -> JsonObject:
    errors: JsonObject = {}
    if not isinstance(localized, Mapping):
        return errors
    for locale, text in localized.items():
        if chat_input_name:
            error = _name_errors(text, chat_input=True)
        elif not isinstance(text, str) or not 1 <= len(text) <= limit:
            error = field_error("BASE_TYPE_BAD_LENGTH", f"Must be between 1 and {limit} in length.")
        else:
            error = None
        if error:
            errors[str(locale)] = error
    return errors


def _option_errors(options: Sequence[Mapping[str, Any]]) -> JsonObject:
    errors: JsonObject = {}
    if len(options) > MAX_OPTIONS:
        errors["_errors"] = field_error(
            "BASE_TYPE_MAX_LENGTH", f"Must be {MAX_OPTIONS} or fewer in length."
        )["_errors"]
    seen_optional = False
    names: set[str] = set()
    for index, option in enumerate(options):
        here: JsonObject = {}
        name_error = _name_errors(option.get("name"), chat_input=True)
        if name_error:
            here["name"] = name_error
        elif option["name"] in names:
            here["name"] = field_error(
                "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS", "Duplicate"
            )
        names.add(str(option.get("name")))
        description_error = _description_errors(option.get("description"), chat_input=True)
        if description_error:
            here["description"] = description_error
        is_group = option.get("type") in (SUB_COMMAND, SUB_COMMAND_GROUP)
        if not is_group:
            if option.get("required"):
                if seen_optional:
                    here["required"] = field_error(
                        "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                        "Required options must be placed before non-required options",
                    )
            else:
                seen_optional = True
        choices = option.get("choices") or []
        if len(choices) > MAX_CHOICES:
            here["choices"] = field_error(
                "BASE_TYPE_MAX_LENGTH", f"Must be {MAX_CHOICES} or fewer in length."
            )
        nested = _option_errors(option.get("options") or [])
        if nested:
            here["options"] = nested
        if here:
            errors[str(index)] = here
    return errors


def _enum_list_errors(values: object, valid: frozenset[int]) -> JsonObject | None:
    """``contexts`` and ``integration_types``: null, or a list of known enum values."""
    if values is None:
        return None
    if not isinstance(values, list):
        return field_error("BASE_TYPE_ARRAY", "Must be an array.")
    errors: JsonObject = {}
    for index, value in enumerate(values):
        if isinstance(value, bool) or not isinstance(value, int) or value not in valid:
            errors[str(index)] = field_error(
                "ENUM_TYPE_COERCE", f'Value "{value}" is not a valid enum value.'
            )
    return errors or None


def validate_commands(commands: Sequence[Mapping[str, Any]]) -> None:
    """Raise 400/50035 for what Discord would refuse in a bulk overwrite."""
    errors: JsonObject = {}
    if len(commands) > MAX_COMMANDS:
        errors["_errors"] = field_error(
            "BASE_TYPE_MAX_LENGTH", f"Must be {MAX_COMMANDS} or fewer in length."
        )["_errors"]
    seen: set[tuple[str, int]] = set()
    for index, command in enumerate(commands):
        chat_input = int(command.get("type", CHAT_INPUT)) == CHAT_INPUT
        here: JsonObject = {}
        name_error = _name_errors(command.get("name"), chat_input=chat_input)
        if name_error:
            here["name"] = name_error
        key = (str(command.get("name")), int(command.get("type", CHAT_INPUT)))
        if key in seen:
            here["name"] = field_error(
                "APPLICATION_COMMANDS_DUPLICATE_NAME",
                f"Application command names must be unique: {key[0]}",
            )
        seen.add(key)
        description_error = _description_errors(command.get("description"), chat_input=chat_input)
        if description_error:
            here["description"] = description_error
        for field_name, limit in (("name_localizations", 32), ("description_localizations", 100)):
            localization_errors = _localization_errors(
                command.get(field_name),
                limit=limit,
                chat_input_name=chat_input and field_name == "name_localizations",
            )
            if localization_errors:
                here[field_name] = localization_errors
        option_errors = _option_errors(command.get("options") or [])
        if option_errors:
            here["options"] = option_errors
        for field_name, valid in (
            ("contexts", CONTEXT_TYPES),
            ("integration_types", INTEGRATION_TYPES),
        ):
            enum_errors = _enum_list_errors(command.get(field_name), valid)
            if enum_errors:
                here[field_name] = enum_errors
        if here:
            errors[str(index)] = here
    if errors:
        raise invalid_form_body(errors)


class CommandRegistry:
    """Global and per-guild command sets, keeping ids stable across re-syncs by (name, type)."""

    def __init__(self, application_id: int, snowflakes: SnowflakeGenerator) -> None:
        self.application_id = application_id
        self._snowflakes = snowflakes
        self._sets: dict[int | None, dict[tuple[str, int], RegisteredCommand]] = {}
        self.sync_count = 0

    def bulk_overwrite(
        self, guild_id: int | None, commands: Sequence[Mapping[str, Any]]
    ) -> list[JsonObject]:
        validate_commands(commands)
        previous = self._sets.get(guild_id, {})
        replaced: dict[tuple[str, int], RegisteredCommand] = {}
        for command in commands:
            key = (str(command["name"]), int(command.get("type", CHAT_INPUT)))
            old = previous.get(key)
            command_id = old.id if old is not None else self._snowflakes.next()
            replaced[key] = RegisteredCommand(
                command_id, guild_id, self._echo(command_id, guild_id, command)
            )
        self._sets[guild_id] = replaced
        self.sync_count += 1
        return [copy.deepcopy(c.payload) for c in replaced.values()]

    def _echo(
        self, command_id: int, guild_id: int | None, command: Mapping[str, Any]
    ) -> JsonObject:
        payload: JsonObject = {
            "id": str(command_id),
            "application_id": str(self.application_id),
            "version": str(self._snowflakes.next()),
            "type": CHAT_INPUT,
            "name_localizations": None,
            "description": "",
            "description_localizations": None,
            "default_member_permissions": None,
            "dm_permission": True,
            "nsfw": False,
            "contexts": None,
            "integration_types": [0],
        }
        payload.update(copy.deepcopy(dict(command)))
        if guild_id is not None:
            payload["guild_id"] = str(guild_id)
        return payload

    def commands(self, guild_id: int | None) -> list[RegisteredCommand]:
        return list(self._sets.get(guild_id, {}).values())

    def payloads(self, guild_id: int | None) -> list[JsonObject]:
        return [copy.deepcopy(c.payload) for c in self.commands(guild_id)]

    def lookup(
        self, name: str, guild_id: int | None, command_type: int = CHAT_INPUT
    ) -> RegisteredCommand | None:
        """What a user in `guild_id` can run: the guild's command first, then the global one."""
        for scope in (guild_id, None) if guild_id is not None else (None,):
            found = self._sets.get(scope, {}).get((name, command_type))
            if found is not None:
                return found
        return None

    def all(self) -> Iterable[RegisteredCommand]:
        for commands in self._sets.values():
            yield from commands.values()
