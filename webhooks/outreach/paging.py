"""Page numbers from ``?page=``: whatever the query string holds, a page that exists."""

from __future__ import annotations

from flask import request

#: More digits than any real page number: read as "past the end" without converting them.
MAX_DIGITS = 9


def page_of(total: int, size: int) -> tuple[int, int]:
    """``(page, pages)`` for ``total`` rows, ``size`` a page. Anything but plain ASCII digits
    reads as page 1 and anything past the end as the last page, so no value can reach the
    database as an OFFSET too big for its integers (that was a 500)."""
    pages = max(1, -(-total // size))
    raw = request.args.get("page", "").strip()
    if not (raw.isascii() and raw.isdigit()):
        return 1, pages
    wanted = int(raw) if len(raw) <= MAX_DIGITS else pages
    return min(max(1, wanted), pages), pages
