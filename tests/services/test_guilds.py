"""A server's settings: its Discord language is kept (written only when it changes) and
speaks until a moderator chooses."""

from __future__ import annotations

import pytest

from medalbot.services.guilds import GuildSettingsService
from medalbot.store.base import GuildSettings
from medalbot.store.memory import MemoryStore


class CountingStore(MemoryStore):
    def __init__(self) -> None:
        super().__init__()
        self.saves = 0

    async def save_guild_settings(self, settings: GuildSettings) -> None:
        self.saves += 1
        await super().save_guild_settings(settings)


async def test_the_discord_language_is_kept_and_written_only_when_it_changes() -> None:
    store = CountingStore()
    guilds = GuildSettingsService(store)

    assert (await guilds.seen(1, "fr")).language == "fr"
    await guilds.seen(1, "fr")  # every reconnect reports it again
    assert store.saves == 1
    assert await guilds.locale(1) == "fr"
    assert (await store.get_guild_settings(1)).discord_locale == "fr"

    await guilds.set_locale(1, "ja")
    changed = await guilds.seen(1, "es-ES")
    assert (changed.language, changed.discord_locale, changed.language_chosen) == (
        "ja",
        "es-ES",
        True,
    )
    # outside a server: the user's own language
    assert await guilds.locale(None, "pt-BR") == "pt_BR"


async def test_a_failed_write_leaves_the_cache_as_the_store_has_it() -> None:
    class Failing(MemoryStore):
        async def save_guild_settings(self, settings: GuildSettings) -> None:
            raise OSError("disk full")

    guilds = GuildSettingsService(Failing())
    await guilds.get(1)
    with pytest.raises(OSError, match="disk full"):
        await guilds.seen(1, "fr")
    assert (await guilds.get(1)).discord_locale is None
