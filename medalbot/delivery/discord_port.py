"""The MessagePort on a real discord.py client: translate its exceptions into ours."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Final, TypeVar

import aiohttp
import discord

from medalbot.delivery.port import ChannelRefused, MessageRejected, TransientFailure
from medalbot.i18n import N_
from medalbot.render.alerts import RenderedMessage

log = logging.getLogger(__name__)
_T = TypeVar("_T")

# Reasons are stored with the paused subscription in English and marked for the catalogues, so
# moderators read them in their server's language (gettext at display time).
_REASONS = {
    50001: N_("Missing Access: the bot cannot see this channel"),
    50013: N_("Missing Permissions: the bot may not post messages with embeds here"),
    10003: N_("Unknown Channel: the channel was deleted"),
}
UNKNOWN_MESSAGE: Final = 10008
# Without Embed Links Discord does not refuse a message: it drops its embeds and posts the rest,
# an empty message or a bare role ping. We treat that as a refusal (403 50013 in our terms).
NO_EMBED_LINKS = N_("Missing Permissions: the bot lacks Embed Links here, so alerts would be empty")


def _refused(exc: discord.HTTPException) -> ChannelRefused:
    reason = _REASONS.get(exc.code) or f"{exc.status} {exc.text or exc.response.reason}"
    return ChannelRefused(reason, status=exc.status, code=exc.code)


class DiscordPort:
    def __init__(self, client: discord.Client, *, send_timeout: float = 10.0) -> None:
        self._client = client
        # discord.py waits up to aiohttp's default 5 minutes for an answer: a hung request held
        # a sender worker that long (tests/faults/test_discord_faults.py). After this the send
        # is reported as failed and retried later with the same nonce, so a request Discord did
        # handle still shows once.
        self._send_timeout = send_timeout
        self._abandoned: set[asyncio.Task[Any]] = set()

    async def _answered(self, request: Coroutine[Any, Any, _T]) -> _T:
        """The request's result, or TimeoutError after ``send_timeout``. The request itself is
        never cancelled: discord.py holds its global rate-limit lock while it sleeps out a
        global 429, and cancelling it there leaves the lock closed for every later request.
        A request given up on finishes in the background and its outcome is dropped."""
        task = asyncio.ensure_future(request)
        try:
            done, _ = await asyncio.wait({task}, timeout=self._send_timeout)
        except asyncio.CancelledError:
            task.cancel()  # we are shutting down: nothing waits on discord.py's lock any more
            raise
        if not done:
            self._abandoned.add(task)
            task.add_done_callback(self._forget)
            raise TimeoutError
        return task.result()

    def _forget(self, task: asyncio.Task[Any]) -> None:
        self._abandoned.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.debug("a request given up on ended with %r", task.exception())

    def _lacks_embed_links(self, channel_id: int) -> bool:
        """From the gateway's cache; unknown channels are tried (Discord then decides)."""
        channel = self._client.get_channel(channel_id)
        if not isinstance(channel, discord.abc.GuildChannel | discord.Thread):
            return False
        me = channel.guild.me
        if me is None:
            return False
        perms = channel.permissions_for(me)
        # Without View Channel or Send Messages discord.py reports no Embed Links either; those
        # Discord refuses itself (403), with its own reason.
        return perms.view_channel and perms.send_messages and not perms.embed_links

    async def send(self, channel_id: int, message: RenderedMessage, nonce: str) -> int:
        if message.embeds and self._lacks_embed_links(channel_id):
            raise ChannelRefused(NO_EMBED_LINKS, status=403, code=50013)
        channel = self._client.get_partial_messageable(channel_id)
        with self._failures_translated():
            try:
                sent = await self._answered(
                    channel.send(
                        content=message.content,
                        embeds=list(message.embeds),
                        allowed_mentions=message.allowed_mentions,
                        nonce=nonce,  # discord.py adds enforce_nonce: Discord returns the first
                    )
                )
            except discord.NotFound as exc:
                if exc.code != UNKNOWN_MESSAGE:
                    raise
                # Our retry's nonce names a message someone deleted since (enforce_nonce does
                # not post it again): these alerts are done; the channel is fine.
                raise MessageRejected(
                    f"already posted with nonce {nonce} and deleted since"
                ) from exc
        if message.embeds and not sent.embeds:  # the cache was behind: take the hollow post back
            await self._delete_hollow(channel_id, sent)
            raise ChannelRefused(NO_EMBED_LINKS, status=403, code=50013)
        return sent.id

    async def _delete_hollow(self, channel_id: int, sent: discord.Message) -> None:
        try:
            await sent.delete()
        except discord.HTTPException as exc:
            log.warning(
                "channel %d: could not delete message %d posted without its embeds: %s",
                channel_id,
                sent.id,
                exc,
            )

    async def edit(self, channel_id: int, message_id: int, embeds: Sequence[discord.Embed]) -> None:
        message = self._client.get_partial_messageable(channel_id).get_partial_message(message_id)
        with self._failures_translated():
            await self._answered(message.edit(embeds=list(embeds)))

    @contextmanager
    def _failures_translated(self) -> Iterator[None]:
        """discord.py's and the network's failures as the port's, the same for every call."""
        try:
            yield
        except (discord.Forbidden, discord.NotFound) as exc:
            raise _refused(exc) from exc
        except discord.HTTPException as exc:
            raise _translate(exc) from exc
        except TimeoutError as exc:  # an OSError too: before the network's
            raise TransientFailure(f"no answer within {self._send_timeout:g} s") from exc
        except (aiohttp.ClientError, OSError) as exc:
            raise TransientFailure(f"network: {exc!r}") from exc


def _translate(exc: discord.HTTPException) -> MessageRejected | TransientFailure:
    if exc.status == 429:
        # discord.py gave up after its own tries: wait as long as Discord asks before the next
        return TransientFailure(f"HTTP 429: {exc.text}", retry_after=_retry_after(exc))
    if exc.status >= 500:
        return TransientFailure(f"HTTP {exc.status}: {exc.text}")
    return MessageRejected(f"HTTP {exc.status} ({exc.code}): {exc.text}")


def _retry_after(exc: discord.HTTPException) -> float | None:
    """Seconds from the 429's Retry-After header (discord.py keeps no parsed body)."""
    headers = getattr(exc.response, "headers", None)
    value = headers.get("Retry-After") if headers is not None else None
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None
