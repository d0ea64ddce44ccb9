-- A server speaks its Discord language (the guild's preferred_locale) until a moderator
-- chooses one with /alerts language: `locale` becomes the moderator's choice (NULL: none) and
-- `discord_locale` keeps the server's Discord language, so the sender renders alerts in it
-- without waiting for the gateway. SQLite cannot drop a NOT NULL, so the table is rebuilt.
-- Before this version English was the default and was stored as 'en' by /alerts logchannel
-- too: a stored 'en' cannot be told apart from a choice, and becomes "not chosen" (the server
-- then follows its Discord language); any other stored language was a moderator's choice.

CREATE TABLE guild_settings_v4 (
    guild_id BIGINT PRIMARY KEY,
    locale TEXT,  -- chosen by a moderator; NULL: the server's Discord language
    log_channel_id BIGINT,
    discord_locale TEXT  -- the guild's preferred_locale as Discord spells it ("fr", "pt-BR")
);

INSERT INTO guild_settings_v4 (guild_id, locale, log_channel_id)
SELECT guild_id, CASE WHEN locale = 'en' THEN NULL ELSE locale END, log_channel_id
FROM guild_settings;

DROP TABLE guild_settings;

ALTER TABLE guild_settings_v4 RENAME TO guild_settings;
