"""URLs the hub calls or shows as links: http and https only.

One rule for every outbound URL (Pleo, OAuth, ERP endpoints) and every external link (an
entry's URL in the ERP, Fava, Tryton's web client): an absolute http(s) URL with a host and no
whitespace or control characters. Host names without a dot (`tryton`, `localhost`) are allowed:
containers reach each other that way.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

SCHEMES = ("http", "https")
MAX_LENGTH = 2000


def http_url_problem(value: str) -> str | None:
    """Why `value` is not an absolute http(s) URL, or None when it is."""
    if not isinstance(value, str) or not value:
        return _("Enter a URL.")
    if len(value) > MAX_LENGTH:
        return _("The URL is too long.")
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in value):
        return _("A URL cannot contain spaces or control characters.")
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018  (raises ValueError for a port that is not a number)
    except ValueError:
        return _("This is not a valid URL.")
    if parts.scheme.lower() not in SCHEMES:
        return _("Only http:// and https:// URLs are allowed.")
    if not parts.hostname:
        return _("The URL needs a host name.")
    return None


def is_http_url(value) -> bool:
    return http_url_problem(value) is None


def validate_http_url(value: str) -> None:
    """A Django validator: raises ValidationError unless `value` is an absolute http(s) URL."""
    problem = http_url_problem(value)
    if problem:
        raise ValidationError(problem, code="invalid_url")
