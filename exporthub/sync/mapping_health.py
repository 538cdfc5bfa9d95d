"""Which mappings point at ERP records that are missing or archived, and what they would break."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass

from django.utils.translation import gettext as _

from exporthub.connectors.models import MasterDataRecord
from exporthub.connectors.registry import find_connector_class
from exporthub.pleo.errors import PleoPayloadError
from exporthub.pleo.schemas.export_item import ExportItem as PleoExportItem
from exporthub.sync.mapping import MappingTable, Resolution
from exporthub.sync.models import ExportItem, Integration, ItemStatus, JobStatus, Mapping
from exporthub.sync.posting import UnpostableItem, build_journal_entry

Kind = Mapping.Kind
ERP_KIND = {
    Kind.ACCOUNT: MasterDataRecord.Kind.ACCOUNT,
    Kind.CONTRA_ACCOUNT: MasterDataRecord.Kind.ACCOUNT,
    Kind.TAX_CODE: MasterDataRecord.Kind.TAX,
    Kind.TAG: MasterDataRecord.Kind.DIMENSION,
    Kind.VENDOR: MasterDataRecord.Kind.PARTY,
}


class ErpRecords:
    """The ERP's cached master data, to tell whether an ERP key exists (see connectors'
    master_data.py). Kinds the ERP never reported are unknown (`status` None), not missing."""

    def __init__(self, records: dict[tuple[str, str], bool], names: dict[str, bool]):
        self._records = records
        self._account_names = names  # Beancount: an account may be named instead of coded
        self._fetched = {kind for kind, _code in records}

    @classmethod
    def for_integration(cls, integration: Integration) -> ErpRecords:
        config = integration.erp_connection
        rows = config.master_data.values_list("kind", "code", "name", "active")
        records, names = {}, {}
        connector = find_connector_class(config.kind)
        by_name = connector is not None and connector.accounts_by_name
        for kind, code, name, active in rows:
            records[(kind, code)] = active
            if by_name and kind == MasterDataRecord.Kind.ACCOUNT and name:
                names[name] = active
        return cls(records, names)

    def status(self, mapping_kind: str, erp_key: str, pleo_key: str = "") -> str | None:
        """ "ok", "missing" or "archived" for an ERP key of a mapping kind; None if unknown."""
        kind = ERP_KIND[mapping_kind]
        if kind not in self._fetched:
            return None
        if mapping_kind == Kind.TAG:
            group, _sep, _code = pleo_key.partition(":")
            if not _sep:
                return None  # the plain default has no group to look the dimension up in
            erp_key = f"{group}:{erp_key}"
        active = self._records.get((kind, erp_key))
        if active is None and kind == MasterDataRecord.Kind.ACCOUNT:
            active = self._account_names.get(erp_key)
        if active is None:
            return "missing"
        return "ok" if active else "archived"


@dataclass(frozen=True)
class MappingFlag:
    mapping: Mapping
    problem: str  # "missing" (the ERP never reported it) or "archived" (it no longer does)

    @property
    def message(self) -> str:
        where = f"{self.mapping.get_kind_display().lower()} {self.mapping.erp_key!r}"
        if self.problem == "archived":
            return _("The ERP no longer offers %(what)s (archived or closed).") % {"what": where}
        return _("The ERP has no %(what)s.") % {"what": where}


def mapping_flags(integration: Integration) -> list[MappingFlag]:
    """Mappings whose ERP record is missing or archived; empty until master data was fetched."""
    records = ErpRecords.for_integration(integration)
    flags = []
    for mapping in integration.mappings.all():
        status = records.status(mapping.kind, mapping.erp_key, mapping.pleo_key)
        if status in ("missing", "archived"):
            flags.append(MappingFlag(mapping, status))
    return flags


def mappings_used(payload: dict, table: MappingTable, *, fallback: bool) -> set[int]:
    """The mappings (by id) the one resolver picks for an export item payload: explicit ones
    and defaults that apply. Empty for a payload that cannot be read."""
    trace: list[Resolution] = []
    try:
        item = PleoExportItem.from_json(payload)
    except (PleoPayloadError, ValueError):
        return set()
    with suppress(UnpostableItem):  # what resolved is in the trace all the same
        build_journal_entry(item, table, fallback_to_pleo_codes=fallback, trace=trace)
    return {found.mapping.pk for found in trace if found.mapping is not None}


def items_depending_on(
    mappings: Iterable[Mapping], payloads: Iterable[dict], *, fallback: bool = True
) -> Counter:
    """How many of `payloads` use each of `mappings` (by mapping id), as posting would."""
    mappings = list(mappings)
    table = MappingTable(mappings)
    counts: Counter = Counter()
    for payload in payloads:
        counts.update(mappings_used(payload, table, fallback=fallback))
    return counts


def items_at_risk(integration: Integration) -> Counter:
    """For each flagged mapping, how many items waiting in unfinished jobs would fail on it."""
    if not any(mapping_flags(integration)):
        return Counter()
    waiting = ExportItem.objects.filter(
        job__integration=integration,
        job__status__in=[JobStatus.PENDING, JobStatus.IN_PROGRESS],
        status=ItemStatus.PENDING,
        payload__isnull=False,
    ).values_list("payload", flat=True)
    flagged = {flag.mapping.pk for flag in mapping_flags(integration)}
    counts = items_depending_on(
        integration.mappings.all(),
        waiting.iterator(chunk_size=500),
        fallback=integration.fallback_to_pleo_codes,
    )
    return Counter({pk: n for pk, n in counts.items() if pk in flagged})
