"""Failed export items grouped by root cause, the fix for each cause, and retrying a group."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from django.db.models import Count, Exists, Min, OuterRef, QuerySet

from exporthub.core.activity import log_activity
from exporthub.sync.actions import create_export_job
from exporthub.sync.models import (
    FINISHED_JOB_STATUSES,
    ExportItem,
    ExportJob,
    Integration,
    ItemStatus,
    Mapping,
)

_LINE = re.compile(r"\bline \d+\b", re.IGNORECASE)
_ATTEMPTS = re.compile(r"\s*\(gave up after \d+ attempts\)")
_SPACE = re.compile(r"\s+")
MAPPING_KIND_FOR_REASON = {
    "account_unknown": Mapping.Kind.ACCOUNT,
    "tax_code_unknown": Mapping.Kind.TAX_CODE,
    "tag_unknown": Mapping.Kind.TAG,
    "vendor_unknown": Mapping.Kind.VENDOR,
}
_KEY_PATTERNS = [
    (Mapping.Kind.ACCOUNT, re.compile(r"map Pleo account (\S+) to an ERP account")),
    (Mapping.Kind.ACCOUNT, re.compile(r"Pleo account (\S+) \(")),
    (Mapping.Kind.TAX_CODE, re.compile(r"Pleo tax code (\S+) is not mapped")),
    (Mapping.Kind.TAG, re.compile(r"Tag (\S+) is not mapped")),
    (Mapping.Kind.CONTRA_ACCOUNT, re.compile(r"No contra account is mapped")),
    (Mapping.Kind.VENDOR, re.compile(r"Vendor .+ is not mapped")),
]
ERP_REASONS = {
    "invalid_configuration",
    "accounting_system_authentication_failure",
    "accounting_system_unreachable",
    "accounting_system_timeout",
    "accounting_system_rate_limit",
    "authorization_failure",
}


def normalise_reason(reason: str) -> str:
    """The reason without what differs between items of one cause (line numbers, attempts)."""
    reason = _ATTEMPTS.sub("", reason)
    reason = _LINE.sub("a line", reason)
    return _SPACE.sub(" ", reason).strip()


@dataclass(frozen=True)
class Fix:
    label: str
    kind: str  # "mapping", "erp" or "item"
    mapping_kind: str = ""
    pleo_key: str = ""


@dataclass
class FailureGroup:
    integration: Integration
    reason_type: str
    reason: str
    count: int = 0
    example_id: int | None = None
    raw_reasons: set[str] = field(default_factory=set)

    @property
    def key(self) -> str:
        text = f"{self.integration.pk}|{self.reason_type}|{self.reason}"
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    @property
    def fix(self) -> Fix:
        return fix_for(self.reason_type, self.reason)


def fix_for(reason_type: str, reason: str) -> Fix:
    """Where a person fixes this cause: a mapping (with the Pleo key when the reason names
    one), the ERP connection, or the item itself."""
    for kind, pattern in _KEY_PATTERNS:
        found = pattern.search(reason)
        if found:
            key = found.group(1) if pattern.groups else ""
            label = Mapping.Kind(kind).label.lower()
            return Fix(f"Add the missing {label} mapping", "mapping", kind, key)
    if reason_type in MAPPING_KIND_FOR_REASON:
        kind = MAPPING_KIND_FOR_REASON[reason_type]
        return Fix(f"Check the {Mapping.Kind(kind).label.lower()} mappings", "mapping", kind)
    if reason_type in ERP_REASONS:
        return Fix("Check the ERP connection", "erp")
    return Fix("Open the example item", "item")


def open_failures(items: QuerySet[ExportItem]) -> QuerySet[ExportItem]:
    """Failed items whose entry has not been in a newer item since (retried or exported)."""
    newer = ExportItem.objects.filter(
        accounting_entry_id=OuterRef("accounting_entry_id"),
        job__integration_id=OuterRef("job__integration_id"),
        id__gt=OuterRef("id"),
    )
    return items.filter(status=ItemStatus.FAILED).exclude(Exists(newer))


def failure_groups(items: QuerySet[ExportItem]) -> list[FailureGroup]:
    """Open failures grouped by integration, reason type and normalised reason; biggest first."""
    rows = (
        open_failures(items)
        .order_by()
        .values("job__integration_id", "failure_reason_type", "failure_reason")
        .annotate(n=Count("id"), example=Min("id"))
    )
    rows = list(rows)
    integrations = Integration.objects.select_related("pleo_connection").in_bulk(
        {row["job__integration_id"] for row in rows}
    )
    groups: dict[tuple, FailureGroup] = {}
    for row in rows:
        integration_id = row["job__integration_id"]
        reason = normalise_reason(row["failure_reason"])
        key = (integration_id, row["failure_reason_type"], reason)
        group = groups.setdefault(
            key, FailureGroup(integrations[integration_id], row["failure_reason_type"], reason)
        )
        group.count += row["n"]
        group.example_id = min(filter(None, [group.example_id, row["example"]]))
        group.raw_reasons.add(row["failure_reason"])
    return sorted(groups.values(), key=lambda g: (-g.count, g.reason_type, g.reason))


def group_items(items: QuerySet[ExportItem], group: FailureGroup) -> QuerySet[ExportItem]:
    return open_failures(items).filter(
        job__integration=group.integration,
        failure_reason_type=group.reason_type,
        failure_reason__in=group.raw_reasons,
    )


def retry_group(items: QuerySet[ExportItem], group: FailureGroup, *, user) -> ExportJob:
    """Export every item of the group again in one new Pleo job (after its cause was fixed).

    Items whose job still runs are left out: Pleo takes them back only once the job ended.
    """
    retry = group_items(items, group).filter(job__status__in=FINISHED_JOB_STATUSES)
    ids = sorted({str(i) for i in retry.values_list("accounting_entry_id", flat=True)})
    if not ids:
        raise ValueError("Nothing in this group can be retried until its export job finishes.")
    job = create_export_job(group.integration, ids, user=user)
    log_activity(
        "dashboard.failures.retried",
        actor=user,
        company_id=group.integration.pleo_connection.company_id,
        obj=job,
        reason_type=group.reason_type,
        reason=group.reason,
        entries=len(ids),
    )
    return job
