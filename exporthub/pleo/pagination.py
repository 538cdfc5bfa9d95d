"""Following Pleo's cursor pagination, lazily.

All of Pleo's "new" APIs page the same way: send `limit` (and `after=<endCursor>` from the
previous page) until `pagination.hasNextPage` is false. `paginate` yields items one page at a
time, so at most one page is in memory and a caller that stops early never fetches the rest.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TypeVar

from exporthub.pleo.errors import PleoMalformedResponse
from exporthub.pleo.schemas import Page

T = TypeVar("T")


def paginate(fetch_page: Callable[[str | None], Page[T]]) -> Iterator[T]:
    """Yield every item of every page; `fetch_page(cursor)` gets the page after `cursor`.

    The first call gets `None` (the first page). Stops when Pleo says there is no next page or a
    page comes back empty. A page that claims a next page without a new cursor would loop
    forever, so it raises `PleoMalformedResponse` instead.
    """
    cursor: str | None = None
    seen: set[str] = set()
    while True:
        page = fetch_page(cursor)
        yield from page.items
        if not page.has_next_page or not page.items:
            return
        if not page.end_cursor or page.end_cursor in seen:
            raise PleoMalformedResponse(
                f"Pleo says there is a next page but gave no new cursor (after {cursor!r})"
            )
        seen.add(page.end_cursor)
        cursor = page.end_cursor
