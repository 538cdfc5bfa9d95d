"""Keeps secrets out of logs and the activity log."""

from __future__ import annotations

import re

REDACTED = "[redacted]"
_SECRET_KEY = re.compile(
    r"(secret|token|password|passwd|api[_-]?key|apikey|authorization|credential|private|"
    r"code_verifier|cookie|signature)",
    re.IGNORECASE,
)


def redact(value):
    """Return a copy of a JSON-like value with every secret-looking key's value replaced."""
    if isinstance(value, dict):
        return {
            key: REDACTED if _SECRET_KEY.search(str(key)) and item else redact(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [redact(item) for item in value]
    return value
