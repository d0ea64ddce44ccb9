-- Quiet hours and a daily digest per subscription (medalbot.domain.schedule), held deliveries
-- and the digests already posted. Portable between SQLite (>= 3.35) and PostgreSQL, with the
-- conventions of 0001_initial.sql.
--
-- Local times are minutes after local midnight (0 to 1439) in the subscription's IANA time
-- zone; NULL means unset (no quiet hours, no digest).

ALTER TABLE subscriptions ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'UTC';
ALTER TABLE subscriptions ADD COLUMN quiet_start INTEGER
    CHECK (quiet_start BETWEEN 0 AND 1439);
ALTER TABLE subscriptions ADD COLUMN quiet_end INTEGER
    CHECK (quiet_end BETWEEN 0 AND 1439);
ALTER TABLE subscriptions ADD COLUMN records_break_through INTEGER NOT NULL DEFAULT 0
    CHECK (records_break_through IN (0, 1));
ALTER TABLE subscriptions ADD COLUMN digest_time INTEGER
    CHECK (digest_time BETWEEN 0 AND 1439);

-- A delivery held during quiet hours stays 'pending' with held_at set and next_attempt_at at
-- the end of the quiet hours; it blocks nothing behind it, and goes out in one summary message.
ALTER TABLE deliveries ADD COLUMN held_at BIGINT;

-- One digest per subscription and local day, recorded before it is sent (with the nonce it is
-- sent with), so that a restart or a second run of the job never posts it twice.
CREATE TABLE digests (
    id ${identity_pk},
    subscription_id BIGINT NOT NULL,  -- no foreign key: the history outlives the subscription
    local_date TEXT NOT NULL,  -- ISO date (YYYY-MM-DD) in the subscription's time zone
    channel_id BIGINT NOT NULL,
    nonce TEXT NOT NULL CHECK (length(nonce) BETWEEN 1 AND 25),
    message_id BIGINT,  -- set once Discord has the message
    created_at BIGINT NOT NULL,
    sent_at BIGINT,
    UNIQUE (subscription_id, local_date)
);

-- A digest reads the alerts logged in its period.
CREATE INDEX ix_alerts_created ON alerts (created_at);
