"""Reading request bodies the way Discord accepts them: JSON, or multipart with payload_json."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import BodyPartReader, web

from .errors import DiscordError

INVALID_JSON = 50109


@dataclass(frozen=True, slots=True)
class UploadedFile:
    field: str  # "files[0]"
    filename: str
    size: int
    content_type: str | None


@dataclass(frozen=True, slots=True)
class RequestBody:
    json: Any
    files: tuple[UploadedFile, ...] = ()


def _decode(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DiscordError(400, INVALID_JSON, "The request body contains invalid JSON.") from exc


BODY_KEY = web.RequestKey("emulator_body", RequestBody)


async def read_body(request: web.Request) -> RequestBody:
    """Parse the body once per request (the logging middleware and the handler both ask)."""
    if BODY_KEY in request:
        return request[BODY_KEY]
    body = await _parse(request)
    request[BODY_KEY] = body
    return body


async def _parse(request: web.Request) -> RequestBody:
    if request.content_type == "multipart/form-data":
        reader = await request.multipart()
        payload: Any = None
        files: list[UploadedFile] = []
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader):
                continue
            data = await part.read()
            if part.name == "payload_json":
                payload = _decode(data)
            elif part.filename is not None:
                files.append(
                    UploadedFile(
                        str(part.name),
                        part.filename,
                        len(data),
                        part.headers.get("Content-Type"),
                    )
                )
        return RequestBody(payload, tuple(files))
    if not request.can_read_body:
        return RequestBody(None)
    raw = await request.read()
    return RequestBody(_decode(raw) if raw else None)


def to_attachments(
    files: tuple[UploadedFile, ...], next_id: Callable[[], int], channel_id: int
) -> list[dict[str, Any]]:
    """Attachment objects for uploaded files, as Discord returns them on the message."""
    attachments = []
    for upload in files:
        attachment_id = next_id()
        url = f"https://cdn.emulator.invalid/attachments/{channel_id}/{attachment_id}/{upload.filename}"
        attachments.append(
            {
                "id": str(attachment_id),
                "filename": upload.filename,
                "size": upload.size,
                "content_type": upload.content_type,
                "url": url,
                "proxy_url": url.replace("cdn.", "media.", 1),
            }
        )
    return attachments
