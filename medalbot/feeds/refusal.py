"""The page a bot protection (Akamai, in front of olympics.com) serves instead of the feed:
HTTP 403 with an HTML "Access Denied" body. Recognised so the log and ``/healthz`` can say the
site refused us, rather than "HTTP 403" or "not JSON"."""

from __future__ import annotations

import html
import re
from typing import Final

REFUSED_BY_SITE: Final = "refused by the site's bot protection"
_TITLE: Final = re.compile(rb"<title>\s*access denied\s*</title>", re.IGNORECASE)
_REFERENCE: Final = re.compile(rb"Reference\s*(?:&#32;|\s)*(?:&#35;|#)([^<\s]+)", re.IGNORECASE)


def refusal_reason(body: bytes) -> str | None:
    """What to say when ``body`` is the bot protection's "Access Denied" page, else None.

    The page's reference number is kept: it is what the site's operators ask for."""
    head = body[:4096]
    if not _TITLE.search(head):
        return None
    reason = REFUSED_BY_SITE + ': an "Access Denied" page'
    match = _REFERENCE.search(head)
    if match is not None:
        reason += f" (reference #{html.unescape(match.group(1).decode('ascii', 'replace'))})"
    return reason
