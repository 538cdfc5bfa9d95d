"""How many queued entries match a queue filter, and in which currency: the queue page's and the
API's queue list's one answer."""

from __future__ import annotations

from django.db.models import Count, Sum

from exporthub.dashboard.forms import QueueFilterForm

COUNT_CAP = 1_000  # matches counted one by one at most (beyond: "1,000+")


def queue_totals(integration, form: QueueFilterForm, rows) -> dict:
    """How many entries match and their sum: exact from the queue's totals when the filters are
    ones they are counted by; otherwise counted from the rows up to COUNT_CAP ("1,000+", and no
    sum), so that a count never reads 100,000 rows. "Export all matching" counts them then."""
    if form.counted_by_totals:
        found = form.filter(integration.queue_day_totals.all()).aggregate(
            n=Sum("entries"), minor=Sum("amount_minor")
        )
        return {"n": found["n"] or 0, "minor": found["minor"] or 0, "capped": False}
    found = (
        rows.order_by()
        .values("amount_minor")[: COUNT_CAP + 1]
        .aggregate(n=Count("amount_minor"), minor=Sum("amount_minor"))
    )
    if found["n"] > COUNT_CAP:
        return {"n": COUNT_CAP, "minor": None, "capped": True}
    return {"n": found["n"], "minor": found["minor"] or 0, "capped": False}


def wallet_currency(integration) -> str:
    """The company's wallet currency, as its queued entries carry it ("" when none is queued)."""
    return integration.queued_entries.values_list("currency", flat=True).first() or ""
