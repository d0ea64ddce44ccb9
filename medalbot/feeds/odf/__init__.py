"""The ODF format (Olympic Data Feed, XML messages): what is read is listed in ``ODF.md``.

``messages`` reads one message (through defusedxml), ``codes`` holds ODF's code tables,
``accumulator`` keeps the newest version of each document and assembles snapshots from them,
``documents`` keeps those documents in the store across restarts, and ``format`` is the entry
``medalbot.feeds.formats`` lists as ``odf``.
"""
