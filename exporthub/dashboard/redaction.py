"""Hiding credentials inside free text (ERP answers quoted in error details)."""

from __future__ import annotations

import json
import re

from django.core.serializers.json import DjangoJSONEncoder

from exporthub.core.redaction import REDACTED

_ASSIGNED = re.compile(
    r"""(?P<key>["']?(?:authorization|api[_-]?key|apikey|access[_-]?token|refresh[_-]?token|"""
    r"""token|password|passwd|secret|client[_-]?secret|cookie)["']?\s*[:=]\s*)"""
    r"""(?P<value>"[^"]*"|'[^']*'|(?:Bearer|Basic|Token)\s+\S+|[^\s,;&}]+)""",
    re.IGNORECASE,
)
_BEARER = re.compile(r"\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}", re.IGNORECASE)
_URL_CREDENTIALS = re.compile(r"(\w+://)[^/\s:@]+:[^/\s@]+@")


def redact_text(text: str) -> str:
    """`text` with values of secret-looking keys, bearer tokens and URL passwords replaced."""
    text = _ASSIGNED.sub(lambda m: m.group("key") + REDACTED, text)
    text = _BEARER.sub(lambda m: f"{m.group(1)} {REDACTED}", text)
    return _URL_CREDENTIALS.sub(lambda m: f"{m.group(1)}{REDACTED}@", text)


def redacted_value(value) -> str:
    """A logged value (the activity log's before/after/data) as the page and the CSV show it:
    JSON text with secrets in free text hidden. One function, so both always agree."""
    if value is None:
        return ""
    return redact_text(json.dumps(value, ensure_ascii=False, cls=DjangoJSONEncoder))
