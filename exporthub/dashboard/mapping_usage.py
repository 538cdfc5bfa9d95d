"""How many queued entries each mapping serves, resolved by the one mapping resolver."""

from __future__ import annotations

from collections import Counter

from django.db.models import Count

from exporthub.sync.mapping import MappingTable
from exporthub.sync.mapping_health import mappings_used
from exporthub.sync.models import ExportItem, Integration, Mapping
from exporthub.sync.queue_mirror import NO_ACCOUNT

Kind = Mapping.Kind
# Kinds Pleo's accounting-entry search does not carry: read from the entry's last export item.
FROM_PAYLOADS = {Kind.TAG, Kind.VENDOR, Kind.CONTRA_ACCOUNT}


def mapping_usage(integration: Integration) -> dict[int, int]:
    """Queued entries per mapping (by id), as posting would resolve them (sync/mapping.py).

    Accounts and tax codes come from the queue mirror; tags, vendors and contra accounts from
    the export item Pleo last sent for the entry (entries never exported before are not known
    to use them yet). A default counts the entries where Pleo sends no value.
    """
    mappings = list(integration.mappings.all())
    table = MappingTable(mappings)
    fallback = integration.fallback_to_pleo_codes
    counts: Counter = Counter()
    entries = integration.queued_entries.order_by()
    for kind, fields in ((Kind.ACCOUNT, ("account_code", "account_id")),
                         (Kind.TAX_CODE, ("tax_code", "tax_code_id"))):  # fmt: skip
        for code, identifier, n in entries.values_list(*fields).annotate(n=Count("id")):
            identifier = "" if identifier == NO_ACCOUNT else identifier
            if kind == Kind.TAX_CODE and not (code or identifier):
                found = table.default(Kind.TAX_CODE)  # a line without tax takes the default
            else:
                sent = (code, identifier) if code or identifier else ()
                found = table.resolve(kind, sent, code=code, fallback=fallback).mapping
            if found is not None:
                counts[found.pk] += n
    wanted = {m.pk for m in mappings if m.kind in FROM_PAYLOADS}
    if wanted:
        last: dict = {}
        payloads = (
            ExportItem.objects.filter(
                job__integration=integration,
                accounting_entry_id__in=entries.values("entry_id"),
                payload__isnull=False,
            )
            .order_by("id")
            .values_list("accounting_entry_id", "payload")
        )
        for entry_id, payload in payloads.iterator(chunk_size=500):
            last[entry_id] = payload
        for payload in last.values():
            counts.update(mappings_used(payload, table, fallback=fallback) & wanted)
    return {mapping.pk: counts[mapping.pk] for mapping in mappings}
