-- Edits owed to the messages of events whose result became official: written by the poll's
-- commit in the same transaction as the new state, deleted once the messages are edited. A
-- poller that dies between the two leaves them here, and the process that takes its feed
-- over (or the same one, restarted) makes them (medalbot.background). Portable between SQLite
-- and PostgreSQL, with the conventions of 0001_initial.sql (times in epoch microseconds).

CREATE TABLE official_edits (
    games_code TEXT NOT NULL,
    event_code TEXT NOT NULL,
    feed TEXT NOT NULL,              -- the feed whose poll owes them: its next poller makes them
    alert_ids_json TEXT NOT NULL,    -- the alerts that announced the event's medals, in order
    created_at BIGINT NOT NULL,
    PRIMARY KEY (games_code, event_code)
);
