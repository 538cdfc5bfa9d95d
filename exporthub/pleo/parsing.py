"""Reading Pleo's JSON into typed values, with errors that say exactly where the payload is wrong.

`Reader` wraps one JSON object and knows its path inside the payload. Its typed getters raise
`PayloadIssue(path, problem)`; `parse()` turns that into a `PleoPayloadError` that names the
entity too, e.g. `export item 0b7d…: accountingEntryLines[2].lineAmount.inSupplierCurrency.value:
expected a number, got "abc"`.

Numbers arrive as `int` or `Decimal` (the client decodes JSON with `parse_float=Decimal`); a
`float` is accepted only to be converted through its repr, so no binary float reaches money.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, TypeVar

from exporthub.pleo.enums import PleoEnum, UnknownValue, parse_enum
from exporthub.pleo.errors import PleoPayloadError

T = TypeVar("T")
E = TypeVar("E", bound=PleoEnum)


class PayloadIssue(Exception):
    """One field is missing or malformed (internal; surfaces as `PleoPayloadError`)."""

    def __init__(self, path: str, problem: str):
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


def describe(value: Any) -> str:
    """A short, JSON-looking rendering of a value for error messages."""
    if value is None:
        return "null"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        text = value if len(value) <= 40 else value[:37] + "..."
        return json.dumps(text)
    return str(value)


class Reader:
    """A JSON object at `path`; getters return typed values or raise `PayloadIssue`."""

    def __init__(self, data: Any, path: str = "", unknown: list[str] | None = None):
        if not isinstance(data, dict):
            raise PayloadIssue(path or "(root)", f"expected an object, got {describe(data)}")
        self.data = data
        self.path = path
        self.unknown = [] if unknown is None else unknown

    def at(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def raw(self, key: str, *, required: bool = True) -> Any:
        if key not in self.data:
            if required:
                raise PayloadIssue(self.at(key), "missing")
            return None
        value = self.data[key]
        if value is None and required:
            raise PayloadIssue(self.at(key), "expected a value, got null")
        return value

    # Scalars -----------------------------------------------------------------------------

    def str(self, key: str) -> str:
        return _as_str(self.raw(key), self.at(key))

    def opt_str(self, key: str) -> str | None:
        value = self.raw(key, required=False)
        return None if value is None else _as_str(value, self.at(key))

    def bool(self, key: str) -> bool:
        return _as_bool(self.raw(key), self.at(key))

    def opt_bool(self, key: str, default: bool | None = None) -> bool | None:
        value = self.raw(key, required=False)
        return default if value is None else _as_bool(value, self.at(key))

    def int(self, key: str) -> int:
        return _as_int(self.raw(key), self.at(key))

    def opt_int(self, key: str) -> int | None:
        value = self.raw(key, required=False)
        return None if value is None else _as_int(value, self.at(key))

    def decimal(self, key: str) -> Decimal:
        return _as_decimal(self.raw(key), self.at(key))

    def opt_decimal(self, key: str) -> Decimal | None:
        value = self.raw(key, required=False)
        return None if value is None else _as_decimal(value, self.at(key))

    def uuid(self, key: str) -> str:
        return _as_uuid(self.raw(key), self.at(key))

    def opt_uuid(self, key: str) -> str | None:
        value = self.raw(key, required=False)
        return None if value is None else _as_uuid(value, self.at(key))

    def datetime(self, key: str) -> datetime:
        return _as_datetime(self.raw(key), self.at(key))

    def opt_datetime(self, key: str) -> datetime | None:
        value = self.raw(key, required=False)
        return None if value is None else _as_datetime(value, self.at(key))

    def date(self, key: str) -> date:
        return _as_date(self.raw(key), self.at(key))

    def opt_date(self, key: str) -> date | None:
        value = self.raw(key, required=False)
        return None if value is None else _as_date(value, self.at(key))

    def enum(self, key: str, enum: type[E]) -> E | UnknownValue:
        return self._enum(_as_str(self.raw(key), self.at(key)), enum, self.at(key))

    def opt_enum(self, key: str, enum: type[E]) -> E | UnknownValue | None:
        value = self.raw(key, required=False)
        if value is None:
            return None
        return self._enum(_as_str(value, self.at(key)), enum, self.at(key))

    def _enum(self, value: str, enum: type[E], path: str) -> E | UnknownValue:
        parsed = parse_enum(enum, value)
        if not parsed.is_known:
            self.unknown.append(f"{path}={value!r}")
        return parsed

    # Containers --------------------------------------------------------------------------

    def obj(self, key: str) -> Reader:
        return Reader(self.raw(key), self.at(key), self.unknown)

    def opt_obj(self, key: str) -> Reader | None:
        value = self.raw(key, required=False)
        return None if value is None else Reader(value, self.at(key), self.unknown)

    def list(self, key: str, *, required: bool = True) -> list[Any]:
        value = self.raw(key, required=required)
        if value is None:
            return []
        if not isinstance(value, list):
            raise PayloadIssue(self.at(key), f"expected an array, got {describe(value)}")
        return value

    def objects(self, key: str, *, required: bool = True) -> list[Reader]:
        """The elements of an array of objects, each a `Reader` at `key[i]`."""
        return [
            Reader(item, f"{self.at(key)}[{index}]", self.unknown)
            for index, item in enumerate(self.list(key, required=required))
            if item is not None  # Pleo marks array elements nullable; skip nulls, keep indexes
        ]

    def strs(self, key: str, *, required: bool = True) -> tuple[str, ...]:
        return tuple(
            _as_str(item, f"{self.at(key)}[{index}]")
            for index, item in enumerate(self.list(key, required=required))
            if item is not None
        )

    def str_map(self, key: str) -> dict[str, str]:
        value = self.raw(key, required=False)
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise PayloadIssue(self.at(key), f"expected an object, got {describe(value)}")
        return {str(k): _as_str(v, f"{self.at(key)}.{k}") for k, v in value.items()}


def parse(
    what: str,
    data: Any,
    build: Callable[[Reader], T],
    *,
    id_key: str | None = None,
    where: str | None = None,
) -> T:
    """Build a schema object from `data`; any `PayloadIssue` becomes a `PleoPayloadError`.

    `what` names the entity ("export item"), `id_key` the field that identifies it, and
    `where` its place in the answer (e.g. "data[3]") when it has no readable id.
    """
    try:
        return build(Reader(data))
    except PayloadIssue as issue:
        ident = data.get(id_key) if id_key and isinstance(data, dict) else None
        if isinstance(ident, str) and ident:
            label = f"{what} {ident}"
        elif where:
            label = f"{what} at {where}"
        else:
            label = what
        raise PleoPayloadError(f"{label}: {issue.path}: {issue.problem}") from None


# Converters ------------------------------------------------------------------------------


def _as_str(value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise PayloadIssue(path, f"expected a string, got {describe(value)}")
    return value


def _as_bool(value: Any, path: str) -> bool:
    if not isinstance(value, bool):
        raise PayloadIssue(path, f"expected true or false, got {describe(value)}")
    return value


def _as_decimal(value: Any, path: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | Decimal | float):
        raise PayloadIssue(path, f"expected a number, got {describe(value)}")
    result = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if not result.is_finite():
        raise PayloadIssue(path, f"expected a number, got {describe(value)}")
    return result


def _as_int(value: Any, path: str) -> int:
    number = _as_decimal(value, path)
    if number != number.to_integral_value():
        raise PayloadIssue(path, f"expected a whole number, got {describe(value)}")
    return int(number)


def _as_uuid(value: Any, path: str) -> str:
    text = _as_str(value, path)
    try:
        return str(uuid.UUID(text))
    except ValueError:
        raise PayloadIssue(path, f"expected a UUID, got {describe(value)}") from None


def _as_datetime(value: Any, path: str) -> datetime:
    text = _as_str(value, path)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise PayloadIssue(path, f"expected an ISO 8601 date-time, got {describe(value)}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _as_date(value: Any, path: str) -> date:
    """Pleo types invoice dates as date-time but documents the pattern YYYY-MM-DD: take both."""
    text = _as_str(value, path)
    try:
        return date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text).date()
    except ValueError:
        raise PayloadIssue(path, f"expected an ISO 8601 date, got {describe(value)}") from None
