"""Pleo's cursor pagination: `before`/`after`/`offset`/`limit` in, `CursorPageInfo` out.

Cursors are opaque base32 strings (the spec's pattern `^[A-Z2-7=~]+$`) wrapping the row's
primary key; pages are always in ascending primary-key order, i.e. creation order.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.http import HttpRequest

from exporthub.sandbox.enums import PAGE_ORDERS
from exporthub.sandbox.errors import BadRequest

CURSOR_PATTERN = re.compile(r"^[A-Z2-7=~]+$")
PAGINATION_PARAMS = {"before", "after", "offset", "limit", "sorting_keys", "sorting_order"}


@dataclass(frozen=True)
class PageRequest:
    limit: int
    before: int | None = None
    after: int | None = None
    offset: int | None = None
    raw_before: str | None = None
    raw_after: str | None = None
    sorting_keys: list[str] = field(default_factory=list)
    sorting_order: list[str] = field(default_factory=list)


def encode_cursor(pk: int) -> str:
    return base64.b32encode(f"pk:{pk}".encode()).decode()


def decode_cursor(value: str, name: str) -> int:
    if not CURSOR_PATTERN.fullmatch(value):
        raise BadRequest(f"{name} is not a valid cursor.")
    try:
        text = base64.b32decode(value.replace("~", "")).decode()
        prefix, _, number = text.partition(":")
        if prefix != "pk":
            raise ValueError
        return int(number)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise BadRequest(f"{name} is not a valid cursor.") from None


def _int_param(request: HttpRequest, name: str) -> int | None:
    value = request.GET.get(name)
    if value is None:
        return None
    try:
        number = int(value)
    except ValueError:
        raise BadRequest(f"{name} must be a whole number.") from None
    if number < 0:
        raise BadRequest(f"{name} must not be negative.")
    return number


def page_request(
    request: HttpRequest, *, default_limit: int = 50, max_limit: int = 1000, min_limit: int = 0
) -> PageRequest:
    """Parse and check the pagination query parameters (400 on any misuse)."""
    before, after = request.GET.get("before"), request.GET.get("after")
    offset = _int_param(request, "offset")
    if sum(value is not None for value in (before, after, offset)) > 1:
        raise BadRequest("Use only one of before, after and offset.")
    limit = _int_param(request, "limit")
    if limit is None:
        limit = default_limit
    if limit < min_limit or limit > max_limit:
        raise BadRequest(f"limit must be between {min_limit} and {max_limit}.")
    keys = request.GET.getlist("sorting_keys")
    orders = request.GET.getlist("sorting_order")
    for order in orders:
        if order not in PAGE_ORDERS:
            raise BadRequest(f"sorting_order must be one of {', '.join(PAGE_ORDERS)}.")
    if orders and len(orders) != len(keys):
        raise BadRequest("sorting_order must have one value per sorting_keys value.")
    return PageRequest(
        limit=limit,
        before=decode_cursor(before, "before") if before is not None else None,
        after=decode_cursor(after, "after") if after is not None else None,
        offset=offset,
        raw_before=before,
        raw_after=after,
        sorting_keys=keys,
        sorting_order=orders,
    )


def paginate(queryset: QuerySet, page: PageRequest, request: HttpRequest) -> tuple[list, dict]:
    """One page of `queryset` (ascending pk) and the `CursorPageInfo` describing it."""
    queryset = queryset.order_by("pk")
    if page.after is not None:
        rows = list(queryset.filter(pk__gt=page.after)[: page.limit])
    elif page.before is not None:
        rows = list(queryset.filter(pk__lt=page.before).order_by("-pk")[: page.limit])
        rows.reverse()
    else:
        start = page.offset or 0
        rows = list(queryset[start : start + page.limit])

    if rows:
        has_next = queryset.filter(pk__gt=rows[-1].pk).exists()
        has_previous = queryset.filter(pk__lt=rows[0].pk).exists()
    elif page.after is not None:
        has_next, has_previous = False, queryset.filter(pk__lte=page.after).exists()
    elif page.before is not None:
        has_next, has_previous = queryset.filter(pk__gte=page.before).exists(), False
    else:
        start = page.offset or 0
        has_next = queryset[start : start + 1].exists()
        has_previous = start > 0 and queryset.exists()

    current: dict = {"parameters": _parameters(request), "limit": page.limit}
    if page.raw_after is not None:
        current["after"] = page.raw_after
    if page.raw_before is not None:
        current["before"] = page.raw_before
    if page.offset is not None:
        current["offset"] = page.offset
    if page.sorting_keys:
        current["sortingKeys"] = page.sorting_keys
    if page.sorting_order:
        current["sortingOrder"] = page.sorting_order
    info: dict = {
        "currentRequestPagination": current,
        "hasNextPage": has_next,
        "hasPreviousPage": has_previous,
        "total": queryset.count(),
    }
    if rows:
        info["startCursor"] = encode_cursor(rows[0].pk)
        info["endCursor"] = encode_cursor(rows[-1].pk)
    return rows, info


def _parameters(request: HttpRequest) -> dict[str, list[str]]:
    return {
        name: request.GET.getlist(name) for name in request.GET if name not in PAGINATION_PARAMS
    }
