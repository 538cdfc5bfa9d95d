"""Which mappings point at ERP records that are missing or archived, and what they would break."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from exporthub.connectors.models import MasterDataRecord
from exporthub.sync.models import ExportItem, Integration, ItemStatus, JobStatus, Mapping

Kind = Mapping.Kind
ERP_KIND = {
    Kind.ACCOUNT: MasterDataRecord.Kind.ACCOUNT,
    Kind.CONTRA_ACCOUNT: MasterDataRecord.Kind.ACCOUNT,
    Kind.TAX_CODE: MasterDataRecord.Kind.TAX,
    Kind.TAG: MasterDataRecord.Kind.DIMENSION,
    Kind.VENDOR: MasterDataRecord.Kind.PARTY,
}


@dataclass(frozen=True)
class MappingFlag:
    mapping: Mapping
    problem: str  # "missing" (the ERP never reported it) or "archived" (it no longer does)

    @property
    def message(self) -> str:
        where = f"{self.mapping.get_kind_display().lower()} {self.mapping.erp_key!r}"
        if self.problem == "archived":
            return f"The ERP no longer offers {where} (archived or closed)."
        return f"The ERP has no {where}."


def _master_key(mapping: Mapping) -> str | None:
    if mapping.kind != Kind.TAG:
        return mapping.erp_key
    group, _, _ = mapping.pleo_key.partition(":")
    return None if mapping.is_default else f"{group}:{mapping.erp_key}"


def mapping_flags(integration: Integration) -> list[MappingFlag]:
    """Mappings whose ERP record is missing or archived; empty until master data was fetched."""
    rows = integration.erp_connection.master_data.values_list("kind", "code", "active")
    records = {(kind, code): active for kind, code, active in rows}
    if not records:
        return []
    fetched_kinds = {kind for kind, _ in records}
    flags = []
    for mapping in integration.mappings.all():
        kind, key = ERP_KIND[mapping.kind], _master_key(mapping)
        if key is None or kind not in fetched_kinds:
            continue
        active = records.get((kind, key))
        if active is None:
            flags.append(MappingFlag(mapping, "missing"))
        elif not active:
            flags.append(MappingFlag(mapping, "archived"))
    return flags


def pleo_keys_used(payload: dict) -> set[tuple[str, str]]:
    """(mapping kind, Pleo key) pairs an export item payload needs; lower-cased keys."""
    used: set[tuple[str, str]] = set()

    def add(kind: str, *keys) -> None:
        used.update((kind, str(key).casefold()) for key in keys if key)

    for line in payload.get("accountingEntryLines") or []:
        account = line.get("account") or {}
        add(Kind.ACCOUNT, account.get("code"), account.get("identifier"), account.get("id"))
        tax = line.get("tax") or {}
        add(Kind.TAX_CODE, tax.get("code"), tax.get("id"))
        add(Kind.ACCOUNT, tax.get("ingoingTaxAccount"), tax.get("outgoingTaxAccount"))
        for tag in line.get("tags") or []:
            add(Kind.TAG, f"{tag.get('groupCode')}:{tag.get('code')}", tag.get("id"))
    contra = payload.get("contraAccount") or {}
    add(Kind.CONTRA_ACCOUNT, contra.get("code"), contra.get("identifier"), contra.get("id"))
    add(Kind.CONTRA_ACCOUNT, payload.get("type"))
    vendor = payload.get("vendor") or {}
    add(Kind.VENDOR, vendor.get("code"), vendor.get("externalId"), vendor.get("id"))
    return used


def items_depending_on(mappings: Iterable[Mapping], payloads: Iterable[dict]) -> Counter:
    """How many of `payloads` use each mapping (by mapping id); default mappings are skipped."""
    wanted = {(m.kind, m.pleo_key.casefold()): m.pk for m in mappings if not m.is_default}
    counts: Counter = Counter()
    for payload in payloads:
        for key in pleo_keys_used(payload) & wanted.keys():
            counts[wanted[key]] += 1
    return counts


def items_at_risk(integration: Integration) -> Counter:
    """For each flagged mapping, how many items waiting in unfinished jobs would fail on it."""
    flagged = [flag.mapping for flag in mapping_flags(integration)]
    if not flagged:
        return Counter()
    waiting = ExportItem.objects.filter(
        job__integration=integration,
        job__status__in=[JobStatus.PENDING, JobStatus.IN_PROGRESS],
        status=ItemStatus.PENDING,
        payload__isnull=False,
    ).values_list("payload", flat=True)
    return items_depending_on(flagged, waiting.iterator(chunk_size=500))
