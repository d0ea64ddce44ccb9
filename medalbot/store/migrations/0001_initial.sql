-- The first schema, portable between SQLite (>= 3.35) and PostgreSQL.
--
-- Conventions (every later migration keeps them):
--   * times are BIGINT microseconds since the Unix epoch, UTC (medalbot.store.times);
--   * Discord ids are BIGINT (64-bit snowflakes);
--   * booleans are INTEGER 0/1, with a CHECK;
--   * "every nation" / "every sport" is stored as '' rather than NULL, because NULLs never
--     collide in a UNIQUE constraint and the same channel could then subscribe twice;
--   * the identity_pk placeholder is the one dialect difference: an auto-assigned integer key
--     that is never reused (SQLite AUTOINCREMENT, PostgreSQL identity column).

CREATE TABLE feed_state (
    games_code TEXT PRIMARY KEY,
    sequence BIGINT NOT NULL,
    state_json TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE alerts (
    id TEXT PRIMARY KEY,
    games_code TEXT NOT NULL,
    event_code TEXT NOT NULL,
    sequence BIGINT NOT NULL,
    type TEXT NOT NULL,
    position BIGINT NOT NULL,  -- detection order within a Games, from 1
    alert_json TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (games_code, position)
);

CREATE TABLE subscriptions (
    id ${identity_pk},
    guild_id BIGINT NOT NULL,
    channel_id BIGINT NOT NULL,
    noc TEXT NOT NULL DEFAULT '',
    sport TEXT NOT NULL DEFAULT '',
    golds_only INTEGER NOT NULL DEFAULT 0 CHECK (golds_only IN (0, 1)),
    records INTEGER NOT NULL DEFAULT 1 CHECK (records IN (0, 1)),
    role_id BIGINT,
    paused_reason TEXT,
    created_at BIGINT NOT NULL,
    UNIQUE (guild_id, channel_id, noc, sport)
);

CREATE INDEX ix_subscriptions_channel ON subscriptions (channel_id);

CREATE TABLE guild_settings (
    guild_id BIGINT PRIMARY KEY,
    locale TEXT NOT NULL,
    log_channel_id BIGINT
);

CREATE TABLE deliveries (
    id ${identity_pk},
    alert_id TEXT NOT NULL REFERENCES alerts (id),
    subscription_id BIGINT NOT NULL,  -- no foreign key: the history outlives a removed subscription
    guild_id BIGINT NOT NULL,
    channel_id BIGINT NOT NULL,
    priority INTEGER NOT NULL,
    nonce TEXT NOT NULL CHECK (length(nonce) BETWEEN 1 AND 25),
    status TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    lease_until BIGINT,
    message_id BIGINT,
    last_error TEXT,
    sent_at BIGINT,
    batch_nonce TEXT CHECK (length(batch_nonce) BETWEEN 1 AND 25),  -- the message it is pinned to
    -- a channel never gets the same alert twice, even when two of its subscriptions match
    UNIQUE (alert_id, channel_id)
);

-- Claiming reads only the rows still to send; partial indexes stay small as sent rows pile up.
CREATE INDEX ix_deliveries_due ON deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX ix_deliveries_leased ON deliveries (lease_until) WHERE status = 'sending';
CREATE INDEX ix_deliveries_status ON deliveries (status, created_at);
CREATE INDEX ix_deliveries_channel ON deliveries (channel_id, status);
