from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from exporthub.core import formatting
from exporthub.core.access import has_role
from exporthub.core.http_urls import is_http_url
from exporthub.dashboard.job_progress import Progress, progress_of
from exporthub.dashboard.redaction import redacted_value

register = template.Library()

STATUS_CLASSES = {
    "successful": "ok",
    "completed": "ok",
    "confirmed": "ok",
    "active": "ok",
    "failed": "bad",
    "completed_with_errors": "warn",
    "abandoned": "warn",
    "needs_reauthorization": "bad",
    "pending_authorization": "warn",
}


# Status badges name a status in a word or two, lower case; the value is the data.
STATUS_LABELS = {
    "pending": pgettext_lazy("status", "pending"),
    "in_progress": pgettext_lazy("status", "in progress"),
    "completed": pgettext_lazy("status", "completed"),
    "completed_with_errors": pgettext_lazy("status", "completed with errors"),
    "failed": pgettext_lazy("status", "failed"),
    "successful": pgettext_lazy("status", "successful"),
    "abandoned": pgettext_lazy("status", "abandoned"),
    "active": pgettext_lazy("status", "active"),
    "disabled": pgettext_lazy("status", "disabled"),
    "pending_authorization": pgettext_lazy("status", "pending authorization"),
    "needs_reauthorization": pgettext_lazy("status", "needs reauthorization"),
    "QUEUED": pgettext_lazy("status", "queued"),
    "EXPORTING": pgettext_lazy("status", "exporting"),
    "EXPORTED": pgettext_lazy("status", "exported"),
}

# Money and dates are written in the locale of the company the page shows; see
# exporthub/dashboard/locale_scope.py for which one, and exporthub/core/formatting.py for how.


@register.filter
def money(minor, currency: str = "") -> str:
    """Minor units as money in the page's locale: 123456, "DKK" → "1.234,56 kr." (Danish).

    The currency's own decimals (JPY 0, KWD 3). Without a currency (a total over entries), the
    number alone with two decimals.
    """
    if minor in (None, ""):
        return "—"
    if currency:
        return formatting.format_minor_units(int(minor), currency)
    return formatting.format_number(Decimal(int(minor)).scaleb(-2), 2)


@register.filter
def day(value) -> str:
    """A date (or a datetime's local date) as the page's locale writes it: "1. feb. 2026"."""
    value = _as_date(value)
    return formatting.format_day(value) if value else ""


@register.filter
def moment(value) -> str:
    """A datetime in the current time zone, as the locale writes it, with the zone."""
    value = _as_date(value)
    return formatting.format_moment(value) if isinstance(value, datetime) else ""


@register.filter
def iso(value) -> str:
    """ISO 8601 (2026-02-01, or 2026-02-01T10:05:00+00:00), for machines and exact readers."""
    value = _as_date(value)
    return formatting.iso(value) if value else ""


@register.filter
def timetag(value) -> str:
    """A `<time>` element: the localized date or moment, with ISO 8601 in `datetime`/`title`."""
    value = _as_date(value)
    if not value:
        return ""
    shown = moment(value) if isinstance(value, datetime) else day(value)
    stamp = formatting.iso(value)
    return format_html('<time datetime="{}" title="{}">{}</time>', stamp, stamp, shown)


def _as_date(value) -> date | None:
    """A date or datetime as is; an ISO 8601 string (as in Pleo's payloads) read; else None."""
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value:
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return None
        return parsed.date() if len(value) == 10 else parsed
    return None


@register.filter
def locale_name(code: str) -> str:
    """A company's locale named in the reader's language ("dansk (Danmark)"), or who decides."""
    if not code:
        return str(_("as the reader's language"))
    return formatting.locale_display_name(code)


@register.filter
def status_class(status: str) -> str:
    return STATUS_CLASSES.get(str(status), "")


@register.filter
def status_label(status) -> str:
    """A status value as its badge's words, in the reader's language."""
    return str(STATUS_LABELS.get(str(status), human(status)))


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
    """An amount in the page's locale with its own decimals, or nothing when it is zero."""
    try:
        amount = Decimal(str(value))
    except (ArithmeticError, ValueError):
        return str(value)
    return "" if amount == 0 else formatting.format_number(amount)


@register.filter
def job_progress(job) -> Progress:
    """A job's exported, failed and remaining parts (see dashboard/job_progress.py)."""
    return progress_of(job)


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
