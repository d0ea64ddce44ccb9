-- Several processes on one database: each caches what moderators set (the nation a server
-- follows, its digest jobs, its language), so the others must hear of a change. PostgreSQL's
-- triggers on subscriptions and guild_settings notify them (medalbot.store.migrate;
-- medalbot.cluster.commits); nothing on SQLite, which is one process.

${guilds_notify}
