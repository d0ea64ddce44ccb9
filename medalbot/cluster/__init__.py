"""Several ``medalbot run`` processes on one PostgreSQL: live instances whose claims are taken
back in seconds, one global rate limit for the bot token, one poller per feed, and commits
the other processes hear of (see each module)."""
