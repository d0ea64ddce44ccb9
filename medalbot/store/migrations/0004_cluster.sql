-- Several processes on one database (medalbot.cluster): live instances, claims that belong to
-- one, the shared global rate limit, and (PostgreSQL) a notice to the other processes when a
-- Games' state is committed. Portable between SQLite (>= 3.35) and PostgreSQL, with the
-- conventions of 0001_initial.sql. The last line is PostgreSQL's trigger that notifies the other
-- processes of a commit (medalbot.store.migrate; nothing on SQLite, which is one process).

-- A running process. Its claims are taken back as soon as it is found dead: its heartbeat is
-- older than a few seconds, or (PostgreSQL) the session advisory lock its connection holds on
-- its id is free, which happens the moment a killed process's connection drops.
CREATE TABLE instances (
    id ${identity_pk},
    started_at BIGINT NOT NULL,
    heartbeat_at BIGINT NOT NULL,
    description TEXT NOT NULL DEFAULT ''  -- host and pid, for operators
);

-- The instance whose claim put the row in 'sending' (NULL: claimed before this migration,
-- or by a process that registered no instance; such rows wait out their lease as before).
ALTER TABLE deliveries ADD COLUMN claimed_by BIGINT;

-- One row per shared limit: its theoretical arrival time (GCRA), microseconds on the
-- database server's clock, the only clock every process shares.
CREATE TABLE rate_limits (
    name TEXT PRIMARY KEY,
    tat BIGINT NOT NULL
);

${feed_state_notify}
