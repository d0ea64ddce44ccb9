"""Upgrading a database from before servers spoke their Discord language: a language a
moderator chose stays chosen; the stored English default becomes "not chosen", so the server
follows its Discord language from then on."""

from __future__ import annotations

from medalbot.store.base import GuildSettings
from medalbot.store.migrate import apply_migrations, bundled_migrations
from medalbot.store.sql import SqlStore
from tests.store.test_migrations import connect


async def test_chosen_languages_survive_and_the_english_default_is_no_choice(
    durable_url: str,
) -> None:
    db = await connect(durable_url)
    try:
        before = [m for m in bundled_migrations() if m.version < 5]
        later = [m for m in bundled_migrations() if m.version >= 5]
        assert [m.name for m in later][:1] == ["guild_language_source"]
        await apply_migrations(db, before)
        async with db.transaction() as conn:
            for guild_id, locale, log_channel in ((1, "nl", 10), (2, "en", 20), (3, "ja", None)):
                await conn.execute(
                    "INSERT INTO guild_settings (guild_id, locale, log_channel_id)"
                    " VALUES (?, ?, ?)",
                    guild_id,
                    locale,
                    log_channel,
                )

        assert await apply_migrations(db) == [m.version for m in later]

        store = SqlStore(db)
        assert await store.get_guild_settings(1) == GuildSettings(1, "nl", 10)
        assert await store.get_guild_settings(2) == GuildSettings(2, None, 20)
        assert await store.get_guild_settings(3) == GuildSettings(3, "ja", None)
        # the rebuilt table still refuses a second row for a server
        await store.save_guild_settings(GuildSettings(2, None, 20, discord_locale="fr"))
        assert (await store.get_guild_settings(2)).language == "fr"
    finally:
        await db.close()
