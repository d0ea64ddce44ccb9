"""Per-server settings (language, moderators' log channel), cached in memory so replies never
wait on the database after the first question."""

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
        return (await self.get(guild_id)).locale

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
        await self._store.save_guild_settings(settings)
        self._cache[settings.guild_id] = settings
        return settings
