"""Discord's documented message limits, answered with 400 + code 50035 like the real API.

Limits (discord-api-docs, Create Message and Embed Limits): content 2000 characters, at most
10 embeds whose title/description/field/footer/author text totals at most 6000 characters,
title 256, description 4096, 25 fields, field name 256, field value 1024, footer 2048,
author name 256; nonce at most 25 characters; 5 action rows of 5 buttons.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .errors import (
    CANNOT_SEND_EMPTY_MESSAGE,
    DiscordError,
    field_error,
    invalid_form_body,
)

MAX_CONTENT = 2000
MAX_EMBEDS = 10
MAX_EMBED_TOTAL = 6000
MAX_TITLE = 256
MAX_DESCRIPTION = 4096
MAX_FIELDS = 25
MAX_FIELD_NAME = 256
MAX_FIELD_VALUE = 1024
MAX_FOOTER = 2048
MAX_AUTHOR_NAME = 256
MAX_NONCE = 25
MAX_ACTION_ROWS = 5
MAX_ROW_COMPONENTS = 5
MAX_CUSTOM_ID = 100
MAX_LABEL = 80
MAX_AUTOCOMPLETE_CHOICES = 25
IS_COMPONENTS_V2 = 1 << 15

Errors = dict[str, Any]


def _put(errors: Errors, path: Sequence[str], leaf: Errors) -> None:
    node = errors
    for key in path:
        node = node.setdefault(key, {})
    node.setdefault("_errors", []).extend(leaf["_errors"])


def _max_length(errors: Errors, path: Sequence[str], value: object, limit: int) -> int:
    """Record a too-long string; return its length for the embed total."""
    if not isinstance(value, str):
        return 0
    if len(value) > limit:
        _put(
            errors,
            path,
            field_error("BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length."),
        )
    return len(value)


def _check_embed(errors: Errors, index: int, embed: Mapping[str, Any]) -> int:
    at = ("embeds", str(index))
    total = _max_length(errors, (*at, "title"), embed.get("title"), MAX_TITLE)
    total += _max_length(errors, (*at, "description"), embed.get("description"), MAX_DESCRIPTION)
    footer = embed.get("footer") or {}
    total += _max_length(errors, (*at, "footer", "text"), footer.get("text"), MAX_FOOTER)
    author = embed.get("author") or {}
    total += _max_length(errors, (*at, "author", "name"), author.get("name"), MAX_AUTHOR_NAME)
    fields = embed.get("fields") or []
    if len(fields) > MAX_FIELDS:
        _put(
            errors,
            (*at, "fields"),
            field_error("BASE_TYPE_MAX_LENGTH", f"Must be {MAX_FIELDS} or fewer in length."),
        )
    for number, embed_field in enumerate(fields):
        field_at = (*at, "fields", str(number))
        for key, limit in (("name", MAX_FIELD_NAME), ("value", MAX_FIELD_VALUE)):
            value = embed_field.get(key)
            if not value:
                _put(
                    errors,
                    (*field_at, key),
                    field_error("BASE_TYPE_REQUIRED", "This field is required"),
                )
            total += _max_length(errors, (*field_at, key), value, limit)
    return total


def _check_components(errors: Errors, components: Sequence[Mapping[str, Any]]) -> None:
    if len(components) > MAX_ACTION_ROWS:
        _put(
            errors,
            ("components",),
            field_error("BASE_TYPE_MAX_LENGTH", f"Must be {MAX_ACTION_ROWS} or fewer in length."),
        )
    for row_index, row in enumerate(components):
        children = row.get("components") or []
        row_at = ("components", str(row_index), "components")
        if len(children) > MAX_ROW_COMPONENTS:
            _put(
                errors,
                row_at,
                field_error(
                    "BASE_TYPE_MAX_LENGTH", f"Must be {MAX_ROW_COMPONENTS} or fewer in length."
                ),
            )
        for child_index, child in enumerate(children):
            child_at = (*row_at, str(child_index))
            _max_length(errors, (*child_at, "custom_id"), child.get("custom_id"), MAX_CUSTOM_ID)
            _max_length(errors, (*child_at, "label"), child.get("label"), MAX_LABEL)


def check_message(
    *,
    content: object,
    embeds: Sequence[Mapping[str, Any]],
    components: Sequence[Mapping[str, Any]],
    flags: int = 0,
    nonce: object = None,
    has_attachments: bool = False,
) -> None:
    """Raise the DiscordError Discord would answer for this (final) message, if any."""
    errors: Errors = {}
    _max_length(errors, ("content",), content, MAX_CONTENT)
    if isinstance(nonce, str):
        _max_length(errors, ("nonce",), nonce, MAX_NONCE)
    if len(embeds) > MAX_EMBEDS:
        _put(
            errors,
            ("embeds",),
            field_error("BASE_TYPE_MAX_LENGTH", f"Must be {MAX_EMBEDS} or fewer in length."),
        )
    total = sum(_check_embed(errors, index, embed) for index, embed in enumerate(embeds))
    if total > MAX_EMBED_TOTAL:
        _put(
            errors,
            ("embeds",),
            field_error(
                "MAX_EMBED_SIZE_EXCEEDED", f"Embed size exceeds maximum size of {MAX_EMBED_TOTAL}"
            ),
        )
    if not flags & IS_COMPONENTS_V2:
        _check_components(errors, components)
    if errors:
        raise invalid_form_body(errors)
    if not content and not embeds and not components and not has_attachments:
        raise DiscordError(400, CANNOT_SEND_EMPTY_MESSAGE, "Cannot send an empty message")


def check_autocomplete_choices(choices: Sequence[Mapping[str, Any]]) -> None:
    if len(choices) > MAX_AUTOCOMPLETE_CHOICES:
        raise invalid_form_body(
            {
                "data": {
                    "choices": field_error(
                        "BASE_TYPE_MAX_LENGTH",
                        f"Must be {MAX_AUTOCOMPLETE_CHOICES} or fewer in length.",
                    )
                }
            }
        )
