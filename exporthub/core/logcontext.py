"""Context for log lines: the engine names the job, integration and item it is working on.

`with log_context(job=…, integration=…):` adds fields to every log record emitted inside the
block, in this thread or task only (a contextvar); the JSON log formatter (ops/logs.py) writes
them out. Nested blocks add to the outer fields.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

_fields: ContextVar[dict[str, Any]] = ContextVar("exporthub_log_context", default={})  # noqa: B039


@contextlib.contextmanager
def log_context(**fields: Any) -> Iterator[None]:
    token = _fields.set({**_fields.get(), **fields})
    try:
        yield
    finally:
        _fields.reset(token)


def current_log_context() -> dict[str, Any]:
    return dict(_fields.get())
