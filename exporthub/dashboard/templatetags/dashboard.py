from __future__ import annotations

from decimal import Decimal

from django import template

from exporthub.core.access import has_role
from exporthub.core.http_urls import is_http_url
from exporthub.core.money import from_minor_units
from exporthub.dashboard.redaction import redacted_value

register = template.Library()

STATUS_CLASSES = {
    "successful": "ok",
    "completed": "ok",
    "active": "ok",
    "failed": "bad",
    "completed_with_errors": "warn",
    "abandoned": "warn",
    "needs_reauthorization": "bad",
    "pending_authorization": "warn",
}


@register.filter
def money(minor, currency: str = "") -> str:
    """Minor units as a readable amount: 123456, "DKK" → "1,234.56 DKK"."""
    if minor in (None, ""):
        return "—"
    if currency:
        amount = from_minor_units(int(minor), currency)
    else:  # a total over entries: the wallet currency's two decimals, shown even when zero
        amount = (Decimal(int(minor)) / 100).quantize(Decimal("0.01"))
    return f"{amount:,} {currency}".strip()


@register.filter
def status_class(status: str) -> str:
    return STATUS_CLASSES.get(str(status), "")


@register.filter
def human(value) -> str:
    return str(value or "").replace("_", " ")


@register.simple_tag(takes_context=True)
def can(context, role: str) -> bool:
    return has_role(context["request"].user, role)


@register.filter
def percent(part, whole) -> int:
    return round(100 * (part or 0) / whole) if whole else 0


@register.filter
def nonzero(value) -> str:
    """An amount, or nothing when it is zero (debit/credit columns)."""
    try:
        return "" if Decimal(str(value)) == 0 else str(value)
    except (ArithmeticError, ValueError):
        return str(value)


@register.filter
def redacted(value) -> str:
    """A logged value as text, with tokens and URL passwords in free text hidden."""
    return redacted_value(value)


@register.filter
def safe_url(value) -> str:
    """`value` when it is an http(s) URL, else "": use it for every href built from stored data.

    `{% with link=item.external_url|safe_url %}{% if link %}<a href="{{ link }}">…{% endif %}`
    """
    return value if is_http_url(value) else ""
