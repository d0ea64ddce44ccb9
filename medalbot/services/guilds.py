"""Per-server settings (language, moderators' log channel), cached in memory so replies never
wait on the database after the first question.

A server speaks its Discord language (the guild's ``preferred_locale``, which the gateway
reports) until a moderator chooses one with ``/alerts language``.
"""

from __future__ import annotations

from msgspec.structs import replace

from medalbot.i18n import N_, SUPPORTED_LOCALES, resolve_locale
from medalbot.services.errors import UserError
from medalbot.store.base import GuildSettings, GuildSettingsStore


class GuildSettingsService:
    def __init__(self, store: GuildSettingsStore) -> None:
        self._store = store
        self._cache: dict[int, GuildSettings] = {}

    async def get(self, guild_id: int) -> GuildSettings:
        cached = self._cache.get(guild_id)
        if cached is None:
            cached = self._cache[guild_id] = await self._store.get_guild_settings(guild_id)
        return cached

    def cached(self, guild_id: int) -> GuildSettings | None:
        """The settings as this process holds them, without reading the store."""
        return self._cache.get(guild_id)

    async def reload(self, guild_id: int | None = None) -> None:
        """Another process changed a server's settings (``None``: maybe any server's): read
        again what is cached, so that replies still never wait on the database."""
        for cached in [guild_id] if guild_id is not None else list(self._cache):
            if cached in self._cache:
                self._cache[cached] = await self._store.get_guild_settings(cached)

    async def locale(self, guild_id: int | None, fallback: str | None = None) -> str:
        """The server's language; outside a server, the user's own (``fallback``)."""
        if guild_id is None:
            return resolve_locale(fallback)
        return (await self.get(guild_id)).language

    async def seen(self, guild_id: int, preferred_locale: str | None) -> GuildSettings:
        """The gateway told us the server's Discord language (it joined, became available or
        changed it): remember it, writing only when it changed."""
        settings = await self.get(guild_id)
        if not preferred_locale or settings.discord_locale == preferred_locale:
            return settings
        return await self._save(replace(settings, discord_locale=preferred_locale))

    async def set_locale(self, guild_id: int, locale: str) -> GuildSettings:
        code = resolve_locale(locale)
        asked = locale.strip().replace("_", "-").lower().split("-")[0]
        if code.lower().split("_")[0] != asked:  # resolved to the English fallback
            raise UserError(
                N_("I don't speak “{locale}” yet. Choose one of: {locales}."),
                locale=locale,
                locales=", ".join(SUPPORTED_LOCALES),
            )
        return await self._save(replace(await self.get(guild_id), locale=code))

    async def set_log_channel(self, guild_id: int, channel_id: int | None) -> GuildSettings:
        return await self._save(replace(await self.get(guild_id), log_channel_id=channel_id))

    async def _save(self, settings: GuildSettings) -> GuildSettings:
        # cached before the write: a change made while it is written (the gateway's language
        # and a moderator's command) starts from this one instead of overwriting it
        previous = self._cache.get(settings.guild_id)
        self._cache[settings.guild_id] = settings
        try:
            await self._store.save_guild_settings(settings)
        except BaseException:
            if self._cache.get(settings.guild_id) is settings:
                if previous is None:
                    del self._cache[settings.guild_id]
                else:
                    self._cache[settings.guild_id] = previous
            raise
        return settings
