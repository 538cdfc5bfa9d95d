"""Envelopes: cursor pages `{data, pagination}` and plain `{data}` answers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from exporthub.pleo.parsing import Reader, parse

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a cursor-paginated answer (`CursorPaginatedResponse…`)."""

    items: tuple[T, ...]
    has_next_page: bool
    has_previous_page: bool = False
    start_cursor: str | None = None
    end_cursor: str | None = None
    total: int | None = None

    @classmethod
    def from_json(cls, data: Any, item: Callable[..., T], *, what: str = "page") -> Page[T]:
        """Parse a page; `item(element, where="data[i]")` parses each element of `data`."""
        envelope = parse(what, data, _read_envelope)
        items, info = envelope
        return cls(
            items=tuple(item(element, where=f"data[{i}]") for i, element in enumerate(items)),
            **info,
        )


def _read_envelope(r: Reader) -> tuple[list[Any], dict[str, Any]]:
    data = r.list("data")
    p = r.obj("pagination")
    return data, {
        "has_next_page": p.bool("hasNextPage"),
        "has_previous_page": p.opt_bool("hasPreviousPage", False),
        "start_cursor": p.opt_str("startCursor"),
        "end_cursor": p.opt_str("endCursor"),
        "total": p.opt_int("total"),
    }


def read_data_list(data: Any, item: Callable[..., T], *, what: str) -> tuple[T, ...]:
    """Parse an unpaginated `{data: [...]}` answer."""
    elements = parse(what, data, lambda r: r.list("data"))
    return tuple(item(element, where=f"data[{i}]") for i, element in enumerate(elements))


def read_data(data: Any, item: Callable[..., T], *, what: str) -> T:
    """Parse a `{data: {...}}` answer."""
    element = parse(what, data, lambda r: r.raw("data"))
    return item(element, where="data")
