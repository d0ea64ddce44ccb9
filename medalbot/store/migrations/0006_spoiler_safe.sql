-- Spoiler-safe subscriptions (issue 12): their alerts, digests and quiet-hours summaries say
-- only that a medal or record happened in an event, everything else inside spoiler tags
-- (medalbot.render.spoilers). Portable between SQLite and PostgreSQL, with the conventions of
-- 0001_initial.sql (booleans are 0/1 integers). Existing subscriptions stay as they were.

ALTER TABLE subscriptions ADD COLUMN spoiler_safe INTEGER NOT NULL DEFAULT 0
    CHECK (spoiler_safe IN (0, 1));
