"""Failed export items grouped by root cause, the fix for each cause, and retrying a group.

A cause is data the posting code stored on the item (sync/items.py): the integration, Pleo's
reason type, and what to map (mapping kind and Pleo key). No code here reads a message. Whether a
group is ready to retry is decided by the one mapping resolver (sync/mapping.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Max, Min, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from exporthub.core.activity import log_activity
from exporthub.core.reason_types import ERP_REASON_TYPES
from exporthub.sync.actions import create_export_job
from exporthub.sync.correction_models import in_correction_job
from exporthub.sync.mapping import MappingTable
from exporthub.sync.models import (
    FINISHED_JOB_STATUSES,
    ExportItem,
    ExportJob,
    Integration,
    ItemStatus,
    Mapping,
)

GROUP_FIELDS = (
    "job__integration_id",
    "failure_reason_type",
    "failure_mapping_kind",
    "failure_pleo_key",
)


@dataclass(frozen=True)
class Fix:
    """Where a person fixes a cause: "mapping" (the editor, prefilled), "pleo" (the entry must
    change in Pleo: no retry helps), "erp" (the ERP connection) or "item" (read the item)."""

    label: str
    kind: str
    mapping_kind: str = ""
    pleo_key: str = ""
    pleo_label: str = ""


@dataclass
class FailureGroup:
    integration: Integration
    reason_type: str
    mapping_kind: str
    pleo_key: str
    pleo_label: str = ""
    count: int = 0
    example_id: int | None = None
    ready: int = 0  # items whose cause the mappings now fix
    by_erp_key: dict[str, int] = field(default_factory=dict)

    @property
    def key(self) -> dict[str, str]:
        """The group's data, as the query string of its page and the fields of its retry form."""
        return {
            "reason_type": self.reason_type,
            "mapping_kind": self.mapping_kind,
            "pleo_key": self.pleo_key,
        }

    @property
    def fix(self) -> Fix:
        return fix_for(self.reason_type, self.mapping_kind, self.pleo_key, self.pleo_label)

    @property
    def can_retry(self) -> bool:
        """A retry can help: the mapping is fixed for some items, or the cause is not a mapping
        (a connection that works again, an unexpected error)."""
        if self.fix.kind in ("mapping", "pleo"):
            return self.ready > 0
        return True

    def measure_readiness(self, mappings: MappingTable) -> None:
        self.ready = sum(
            n
            for erp_key, n in self.by_erp_key.items()
            if mappings.fixes(self.mapping_kind, self.pleo_key, erp_key)
        )


KIND_LABELS = {
    Mapping.Kind.ACCOUNT: gettext_lazy("Add the account mapping"),
    Mapping.Kind.TAX_CODE: gettext_lazy("Add the tax code mapping"),
    Mapping.Kind.TAG: gettext_lazy("Add the tag mapping"),
    Mapping.Kind.CONTRA_ACCOUNT: gettext_lazy("Add the contra account mapping"),
    Mapping.Kind.VENDOR: gettext_lazy("Add the vendor mapping"),
}


def fix_for(reason_type: str, mapping_kind: str, pleo_key: str, pleo_label: str = "") -> Fix:
    """The fix for a cause, from its data."""
    if mapping_kind == Mapping.Kind.ACCOUNT and not pleo_key:
        return Fix(_("Fix the category in Pleo, then export again"), "pleo", mapping_kind)
    if mapping_kind in KIND_LABELS:
        return Fix(str(KIND_LABELS[mapping_kind]), "mapping", mapping_kind, pleo_key, pleo_label)
    if reason_type in ERP_REASON_TYPES:
        return Fix(_("Check the ERP connection"), "erp")
    return Fix(_("Open the example item"), "item")


def open_failures(items: QuerySet[ExportItem]) -> QuerySet[ExportItem]:
    """Failed items whose entry has not been in a newer export since (retried or exported): the
    `superseded` flag (sync/supersede.py), read through the `item_open_failures` index.

    Correction jobs are left out: they post nothing, so their rows are no failure to fix (nor,
    see sync/supersede.py, a newer export of the entry).
    """
    return items.filter(status=ItemStatus.FAILED, superseded=False).exclude(
        in_correction_job("job")
    )


def failure_groups(items: QuerySet[ExportItem]) -> list[FailureGroup]:
    """Open failures grouped by integration, reason type, mapping kind and Pleo key; biggest
    first; each knows how many of its items the current mappings fix."""
    rows = list(
        open_failures(items)
        .order_by()
        .values(*GROUP_FIELDS, "failure_erp_key")
        .annotate(n=Count("id"), example=Min("id"), label=Max("failure_pleo_label"))
    )
    integration_ids = {row["job__integration_id"] for row in rows}
    integrations = Integration.objects.select_related("pleo_connection").in_bulk(integration_ids)
    tables = _mapping_tables(integration_ids)
    groups: dict[tuple, FailureGroup] = {}
    for row in rows:
        key = tuple(row[name] for name in GROUP_FIELDS)
        group = groups.get(key)
        if group is None:
            group = groups[key] = FailureGroup(integrations[key[0]], *key[1:])
        group.count += row["n"]
        group.pleo_label = group.pleo_label or row["label"] or ""
        group.example_id = min(filter(None, [group.example_id, row["example"]]))
        group.by_erp_key[row["failure_erp_key"]] = row["n"]
    for group in groups.values():
        group.measure_readiness(tables[group.integration.pk])
    return sorted(
        groups.values(), key=lambda g: (-g.count, g.reason_type, g.mapping_kind, g.pleo_key)
    )


def _mapping_tables(integration_ids) -> dict[int, MappingTable]:
    found: dict[int, list[Mapping]] = {pk: [] for pk in integration_ids}
    for mapping in Mapping.objects.filter(integration_id__in=integration_ids):
        found[mapping.integration_id].append(mapping)
    return {pk: MappingTable(mappings) for pk, mappings in found.items()}


def find_group(items: QuerySet[ExportItem], integration_pk: int, data) -> FailureGroup | None:
    """The open group of `integration_pk` with the reason type, mapping kind and Pleo key in
    `data` (a QueryDict or dict), or None when it has no open failures (any more)."""
    wanted = (
        integration_pk,
        data.get("reason_type", ""),
        data.get("mapping_kind", ""),
        data.get("pleo_key", ""),
    )
    scoped = items.filter(
        job__integration_id=integration_pk,
        failure_reason_type=wanted[1],
        failure_mapping_kind=wanted[2],
        failure_pleo_key=wanted[3],
    )
    return next((g for g in failure_groups(scoped)), None)


def group_items(items: QuerySet[ExportItem], group: FailureGroup) -> QuerySet[ExportItem]:
    return open_failures(items).filter(
        job__integration=group.integration,
        failure_reason_type=group.reason_type,
        failure_mapping_kind=group.mapping_kind,
        failure_pleo_key=group.pleo_key,
    )


def retry_group(items: QuerySet[ExportItem], group: FailureGroup, *, user) -> ExportJob:
    """Export every item of the group again in one new Pleo job (after its cause was fixed).

    Items whose job still runs are left out: Pleo takes them back only once the job ended.
    """
    retry = group_items(items, group).filter(job__status__in=FINISHED_JOB_STATUSES)
    ids = sorted({str(i) for i in retry.values_list("accounting_entry_id", flat=True)})
    if not ids:
        raise ValueError(_("Nothing in this group can be retried until its export job finishes."))
    job = create_export_job(group.integration, ids, user=user)
    log_activity(
        "dashboard.failures.retried",
        actor=user,
        company_id=group.integration.pleo_connection.company_id,
        obj=job,
        reason_type=group.reason_type,
        mapping_kind=group.mapping_kind,
        pleo_key=group.pleo_key,
        entries=len(ids),
    )
    return job
