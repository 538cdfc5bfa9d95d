"""How many queued entries depend on each mapping, and which mappings point at nothing."""

from __future__ import annotations

from collections import Counter

from django.db.models import Count

from exporthub.sync.models import Integration, Mapping


def mapping_usage(integration: Integration) -> dict[int, int | None]:
    """Queued entries per mapping (by id); None where the mirror cannot tell (tags, vendors,
    contra accounts and defaults are not in Pleo's accounting-entry data)."""
    entries = integration.queued_entries.order_by()
    counts: dict[str, Counter] = {Mapping.Kind.ACCOUNT: Counter(), Mapping.Kind.TAX_CODE: Counter()}
    for field in ("account_code", "account_id"):
        for key, n in entries.values_list(field).annotate(n=Count("id")):
            counts[Mapping.Kind.ACCOUNT][str(key).casefold()] += n
    for field in ("tax_code", "tax_code_id"):
        for key, n in entries.values_list(field).annotate(n=Count("id")):
            counts[Mapping.Kind.TAX_CODE][str(key).casefold()] += n
    usage: dict[int, int | None] = {}
    for mapping in integration.mappings.all():
        if mapping.kind in counts and not mapping.is_default:
            usage[mapping.pk] = counts[mapping.kind][mapping.pleo_key.casefold()]
        else:
            usage[mapping.pk] = None
    return usage
