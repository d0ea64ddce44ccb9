"""How everything the bot says looks on Discord, in one place.

Pure functions from alerts, digests, query results and subscriptions to embeds, all fitted to
Discord's limits by :mod:`medalbot.render.limits` (counted in UTF-16 units, as Discord counts).
The sender, the digest poster and the cogs decide where the results go.
"""
