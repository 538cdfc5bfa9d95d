"""Keyset pagination: a page of rows after (or before) a row's sort value and id.

An OFFSET makes the database walk every row before the page, so deep pages of 100,000 rows get
slow; a keyset page starts where the index holds the cursor's row, and stays stable while rows
come and go (no row shown twice, none skipped). The cursor names the last (or first) row shown:
"<id>:v<value>", or "<id>:n" when its value is NULL.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import connections
from django.db.models import Q, QuerySet

from exporthub.dashboard.scope import id_param


@dataclass
class KeysetPage:
    object_list: list
    next_cursor: str = ""  # "" when this is the last page
    previous_cursor: str = ""  # "" when this is the first page

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)

    @property
    def has_next(self) -> bool:
        return bool(self.next_cursor)

    @property
    def has_previous(self) -> bool:
        return bool(self.previous_cursor)

    @property
    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous


def cursor_of(row, field: str) -> str:
    value = getattr(row, field)
    return f"{row.pk}:n" if value is None else f"{row.pk}:v{_text(value)}"


def _text(value) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def parse_cursor(rows: QuerySet, field: str, cursor: str):
    """(value, id) from a cursor, or None when it is not one (then the first page is shown)."""
    pk_text, _, rest = cursor.partition(":")
    pk = id_param(pk_text)
    if pk is None or not rest or rest[0] not in "nv":
        return None
    if rest[0] == "n":
        return None, pk
    try:
        return rows.model._meta.get_field(field).to_python(rest[1:]), pk
    except ValidationError:
        return None


def beyond(rows: QuerySet, field: str, descending: bool, value, pk: int) -> Q:
    """The rows that come after (value, pk) in the order (field, id), both descending or both
    ascending; NULLs where the database sorts them. The bound on `field` alone lets the index on
    (…, field, id) start at the cursor."""
    op = "lt" if descending else "gt"
    bound = "lte" if descending else "gte"
    nulls_after = connections[rows.db].features.nulls_order_largest != descending
    nullable = rows.model._meta.get_field(field).null
    if value is None:
        found = Q(**{f"{field}__isnull": True, f"pk__{op}": pk})
        return found if nulls_after else found | Q(**{f"{field}__isnull": False})
    found = Q(**{f"{field}__{bound}": value}) & (
        Q(**{f"{field}__{op}": value}) | Q(**{f"pk__{op}": pk})
    )
    return found | Q(**{f"{field}__isnull": True}) if nullable and nulls_after else found


def ordered(rows: QuerySet, field: str, descending: bool) -> QuerySet:
    sign = "-" if descending else ""
    return rows.order_by(f"{sign}{field}", f"{sign}pk")


def keyset_page(
    rows: QuerySet, field: str, descending: bool, per_page: int, *, after="", before=""
) -> KeysetPage:
    """The page after the `after` cursor, before the `before` cursor, or the first page."""
    if before and (position := parse_cursor(rows, field, before)) is not None:
        # Read backwards from the cursor, then turn the rows the right way round.
        backwards = rows.filter(beyond(rows, field, not descending, *position))
        found = list(ordered(backwards, field, not descending)[: per_page + 1])
        more_before = len(found) > per_page
        found = found[:per_page][::-1]
        if found:
            return KeysetPage(
                found,
                next_cursor=cursor_of(found[-1], field),
                previous_cursor=cursor_of(found[0], field) if more_before else "",
            )
    position = parse_cursor(rows, field, after) if after else None
    if position is not None:
        rows = rows.filter(beyond(rows, field, descending, *position))
    found = list(ordered(rows, field, descending)[: per_page + 1])
    more = len(found) > per_page
    found = found[:per_page]
    return KeysetPage(
        found,
        next_cursor=cursor_of(found[-1], field) if more else "",
        previous_cursor=cursor_of(found[0], field) if found and position is not None else "",
    )
