"""Request validation: every helper raises BadRequest with a message naming the bad input."""

from __future__ import annotations

import json
import uuid
from datetime import datetime

from django.http import HttpRequest

from exporthub.sandbox.errors import BadRequest


def json_body(request: HttpRequest, *, expect: type = dict):
    """The parsed JSON body; an empty body counts as `{}` when an object is expected."""
    raw = request.body
    if not raw.strip() and expect is dict:
        return {}
    try:
        value = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("The request body is not valid JSON.") from None
    if not isinstance(value, expect):
        kind = "a JSON array" if expect is list else "a JSON object"
        raise BadRequest(f"The request body must be {kind}.")
    return value


def parse_uuid(value, field: str) -> uuid.UUID:
    if not isinstance(value, str):
        raise BadRequest(f"{field} must be a UUID string.")
    try:
        return uuid.UUID(value)
    except ValueError:
        raise BadRequest(f"{field} is not a valid UUID: {value!r}.") from None


def optional_uuid(value, field: str) -> uuid.UUID | None:
    return None if value is None else parse_uuid(value, field)


def uuid_list(value, field: str) -> list[uuid.UUID]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise BadRequest(f"{field} must be an array of UUIDs.")
    return [parse_uuid(item, f"{field}[]") for item in value]


def parse_enum(value, allowed: tuple[str, ...], field: str) -> str:
    if value not in allowed:
        raise BadRequest(f"{field} must be one of {', '.join(allowed)}; got {value!r}.")
    return value


def optional_enum(value, allowed: tuple[str, ...], field: str) -> str | None:
    return None if value is None else parse_enum(value, allowed, field)


def enum_list(values, allowed: tuple[str, ...], field: str) -> list[str]:
    if values is None:
        return []
    if not isinstance(values, list):
        raise BadRequest(f"{field} must be an array.")
    return [parse_enum(value, allowed, field) for value in values]


def optional_bool(value, field: str) -> bool | None:
    if value is not None and not isinstance(value, bool):
        raise BadRequest(f"{field} must be true or false.")
    return value


def optional_str(value, field: str) -> str | None:
    if value is not None and not isinstance(value, str):
        raise BadRequest(f"{field} must be a string.")
    return value


def optional_datetime(value, field: str) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadRequest(f"{field} must be an ISO-8601 date-time string.")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise BadRequest(f"{field} is not an ISO-8601 date-time: {value!r}.") from None
    if parsed.tzinfo is None:
        raise BadRequest(f"{field} must carry a time zone (e.g. a trailing Z).")
    return parsed


def query_uuid(request: HttpRequest, name: str) -> uuid.UUID | None:
    value = request.GET.get(name)
    return None if value is None else parse_uuid(value, name)


def query_bool(request: HttpRequest, name: str) -> bool | None:
    value = request.GET.get(name)
    if value is None:
        return None
    if value.lower() not in ("true", "false"):
        raise BadRequest(f"{name} must be true or false.")
    return value.lower() == "true"
