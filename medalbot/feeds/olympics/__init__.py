"""The ``olympics`` feed format: olympics.com's public competition API
(``{root}/competition/api/{LANG}/medals``, optionally ``.../medallists`` and the day's
schedule) read into the domain's whole-Games snapshots. ``docs/feeds.md`` describes it for users.

- ``body``: the responses as msgspec structs; ``decode``: bytes to a body, or why not;
- ``snapshot``: a body to a ``Snapshot``; ``adapter``: ordering by the site's clock, the
  "nothing new" hash, the empty-table guard;
- ``options``: the feed's settings (``OlympicsFeedSettings``: its ``[[feeds]]`` keys and polite
  defaults); ``endpoints``: the URLs and polite HTTP settings; ``source``: the HTTP feed source
  polling the endpoints; ``factory``: a source (HTTP or replay) from the settings;
  ``format``: the ``olympics`` entry of the feed formats (no marks, no records).
"""
