"""Who a message really pings, resolving `allowed_mentions` the way Discord does.

Rules (discord-api-docs, Allowed Mentions): mentions are only ever taken from the content;
`parse` lists the kinds parsed wholesale, `users`/`roles` whitelist ids (and may not be combined
with the same kind in `parse`); @everyone/@here need "everyone" in parse AND the
MENTION_EVERYONE permission; a role pings only if it is mentionable or the author has
MENTION_EVERYONE. With no `allowed_mentions`, bot messages parse everything while interaction
responses and webhooks parse users only. Replies ping the replied-to author unless
`allowed_mentions` is given without `replied_user: true`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .entities import Guild
from .errors import field_error, invalid_form_body

USER_MENTION = re.compile(r"<@!?(\d{15,20})>")
ROLE_MENTION = re.compile(r"<@&(\d{15,20})>")
EVERYONE_MENTION = re.compile(r"@(everyone|here)\b")

PARSE_ALL = frozenset({"users", "roles", "everyone"})
PARSE_USERS = frozenset({"users"})


@dataclass(frozen=True, slots=True)
class Pings:
    """Who got notified by a message."""

    everyone: bool = False
    roles: frozenset[int] = frozenset()
    users: frozenset[int] = frozenset()

    @property
    def anyone(self) -> bool:
        return self.everyone or bool(self.roles) or bool(self.users)


NO_PINGS = Pings()


def check_allowed_mentions(allowed: object) -> None:
    """Reject the combinations Discord rejects with 50035."""
    if allowed is None:
        return
    if not isinstance(allowed, Mapping):
        raise invalid_form_body(
            {"allowed_mentions": field_error("DICT_TYPE_CONVERT", "Only dictionaries may be used")}
        )
    parse = set(allowed.get("parse") or [])
    errors: dict[str, Any] = {}
    for kind in ("users", "roles"):
        if kind in parse and allowed.get(kind):
            errors[kind] = field_error(
                "SET_TYPE_ALREADY_CONTAINS_VALUE",
                f'parse:["{kind}"] and {kind}: [ids...] are mutually exclusive.',
            )
    unknown = parse - PARSE_ALL
    if unknown:
        errors["parse"] = field_error("ENUM_TYPE_COERCE", f"Value(s) {sorted(unknown)} not valid.")
    if errors:
        raise invalid_form_body({"allowed_mentions": errors})


def resolve_pings(
    content: str | None,
    allowed: Mapping[str, Any] | None,
    *,
    guild: Guild,
    can_mention_everyone: bool,
    default_parse: frozenset[str] = PARSE_ALL,
    replied_user_id: int | None = None,
) -> Pings:
    text = content or ""
    if allowed is None:
        parse = default_parse
        user_whitelist: frozenset[int] = frozenset()
        role_whitelist: frozenset[int] = frozenset()
        ping_replied = True
    else:
        parse = frozenset(allowed.get("parse") or ())
        user_whitelist = frozenset(int(x) for x in allowed.get("users") or ())
        role_whitelist = frozenset(int(x) for x in allowed.get("roles") or ())
        ping_replied = bool(allowed.get("replied_user", False))

    users: set[int] = set()
    for match in USER_MENTION.finditer(text):
        user_id = int(match.group(1))
        if user_id in guild.members and ("users" in parse or user_id in user_whitelist):
            users.add(user_id)
    if replied_user_id is not None and ping_replied and replied_user_id in guild.members:
        users.add(replied_user_id)

    roles: set[int] = set()
    for match in ROLE_MENTION.finditer(text):
        role_id = int(match.group(1))
        role = guild.roles.get(role_id)
        if role is None or role.is_everyone:
            continue
        if ("roles" in parse or role_id in role_whitelist) and (
            role.mentionable or can_mention_everyone
        ):
            roles.add(role_id)

    everyone = (
        "everyone" in parse and can_mention_everyone and EVERYONE_MENTION.search(text) is not None
    )
    return Pings(everyone, frozenset(roles), frozenset(users))


def resolve_private_pings(
    content: str | None,
    allowed: Mapping[str, Any] | None,
    *,
    recipients: frozenset[int],
    default_parse: frozenset[str] = PARSE_ALL,
) -> Pings:
    """Pings in a DM or group DM: only its recipients can be notified; there are no roles and
    no @everyone outside a server."""
    if allowed is None:
        parse, user_whitelist = default_parse, frozenset[int]()
    else:
        parse = frozenset(allowed.get("parse") or ())
        user_whitelist = frozenset(int(x) for x in allowed.get("users") or ())
    users = {
        int(match.group(1))
        for match in USER_MENTION.finditer(content or "")
        if int(match.group(1)) in recipients
        and ("users" in parse or int(match.group(1)) in user_whitelist)
    }
    return Pings(False, frozenset(), frozenset(users))
