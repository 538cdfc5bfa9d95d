"""Cursor pagination: keyset pages that stay stable while rows are added.

A cursor is the signed position after the page's last row (its ordering values, the primary key
last); the next page is every row strictly after that position. Nullable ordering fields sort
their nulls last in both directions, on every database.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Sequence

from django.core import signing
from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext as _
from ninja import Schema

from exporthub.api.problems import Problem

SALT = "exporthub.api.cursor"
DEFAULT_LIMIT = 50
MAX_LIMIT = 200


class Page(Schema):
    next_cursor: str | None = None


def page_schema(item: type[Schema], name: str) -> type[Schema]:
    """The page of `item`s: {"items": [...], "next_cursor": "…" or null}."""
    return type(name, (Page,), {"__annotations__": {"items": list[item]}})


def _salt(ordering: Sequence[str]) -> str:
    """A cursor fits only lists in the same order."""
    return f"{SALT}:{','.join(ordering)}"


def _plain(value):
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def _after(ordering: Sequence[str], values: Sequence) -> Q:
    """Rows strictly after `values` in `ordering` (fields, "-" for descending, nulls last)."""
    field = ordering[0].lstrip("-")
    descending = ordering[0].startswith("-")
    value = values[0]
    rest = _after(ordering[1:], values[1:]) if len(ordering) > 1 else Q(pk__in=[])
    if value is None:
        return Q(**{f"{field}__isnull": True}) & rest
    beyond = Q(**{f"{field}__{'lt' if descending else 'gt'}": value}) | Q(
        **{f"{field}__isnull": True}
    )
    return beyond | (Q(**{field: value}) & rest)


def paginate(
    rows: QuerySet,
    ordering: Sequence[str],
    *,
    cursor: str | None,
    limit: int,
    serialize: Callable = lambda row: row,
    prepare: Callable[[list], None] | None = None,
) -> dict:
    """One page of `rows` in `ordering` (which must end with "id" or "-id", a unique key)."""
    if not 1 <= limit <= MAX_LIMIT:
        raise Problem(
            422,
            _("limit must be between 1 and %(limit)s.") % {"limit": MAX_LIMIT},
            slug="validation",
            errors=[
                {"field": "limit", "message": _("Between 1 and %(limit)s.") % {"limit": MAX_LIMIT}}
            ],
        )
    rows = rows.order_by(
        *(
            F(name.lstrip("-")).desc(nulls_last=True)
            if name.startswith("-")
            else F(name).asc(nulls_last=True)
            for name in ordering
        )
    )
    if cursor:
        try:
            values = signing.loads(cursor, salt=_salt(ordering))
        except signing.BadSignature:
            raise Problem(
                400, _("The cursor is not one this API gave out."), slug="bad-cursor"
            ) from None
        if not isinstance(values, list) or len(values) != len(ordering):
            raise Problem(400, _("The cursor does not fit this list."), slug="bad-cursor")
        rows = rows.filter(_after(ordering, values))
    found = list(rows[: limit + 1])
    more = len(found) > limit
    found = found[:limit]
    if prepare is not None:
        prepare(found)
    next_cursor = None
    if more:
        last = found[-1]
        values = [_plain(getattr(last, name.lstrip("-"))) for name in ordering]
        next_cursor = signing.dumps(values, salt=_salt(ordering), compress=True)
    return {"items": [serialize(row) for row in found], "next_cursor": next_cursor}
