"""The MessagePort on a real discord.py client: translate its exceptions into ours."""

from __future__ import annotations

from collections.abc import Sequence

import aiohttp
import discord

from medalbot.delivery.port import ChannelRefused, MessageRejected, TransientFailure
from medalbot.delivery.render import RenderedMessage

_REASONS = {
    50001: "Missing Access: the bot cannot see this channel",
    50013: "Missing Permissions: the bot may not post messages with embeds here",
    10003: "Unknown Channel: the channel was deleted",
}


def _refused(exc: discord.HTTPException) -> ChannelRefused:
    reason = _REASONS.get(exc.code) or f"{exc.status} {exc.text or exc.response.reason}"
    return ChannelRefused(reason, status=exc.status, code=exc.code)


class DiscordPort:
    def __init__(self, client: discord.Client) -> None:
        self._client = client

    async def send(self, channel_id: int, message: RenderedMessage, nonce: str) -> int:
        channel = self._client.get_partial_messageable(channel_id)
        try:
            sent = await channel.send(
                content=message.content,
                embeds=list(message.embeds),
                allowed_mentions=message.allowed_mentions,
                nonce=nonce,  # discord.py adds enforce_nonce: Discord returns the first copy
            )
        except (discord.Forbidden, discord.NotFound) as exc:
            raise _refused(exc) from exc
        except discord.HTTPException as exc:
            raise _translate(exc) from exc
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise TransientFailure(f"network: {exc!r}") from exc
        return sent.id

    async def edit(self, channel_id: int, message_id: int, embeds: Sequence[discord.Embed]) -> None:
        message = self._client.get_partial_messageable(channel_id).get_partial_message(message_id)
        try:
            await message.edit(embeds=list(embeds))
        except (discord.Forbidden, discord.NotFound) as exc:
            raise _refused(exc) from exc
        except discord.HTTPException as exc:
            raise _translate(exc) from exc
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            raise TransientFailure(f"network: {exc!r}") from exc


def _translate(exc: discord.HTTPException) -> MessageRejected | TransientFailure:
    if exc.status == 429 or exc.status >= 500:
        return TransientFailure(f"HTTP {exc.status}: {exc.text}")
    return MessageRejected(f"HTTP {exc.status} ({exc.code}): {exc.text}")
