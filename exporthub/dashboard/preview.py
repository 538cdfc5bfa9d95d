"""A dry run: the exact ERP posting an entry would get, built without writing anything."""

from __future__ import annotations

from dataclasses import dataclass

from exporthub.connectors.base import JournalEntry
from exporthub.pleo.errors import PleoPayloadError
from exporthub.pleo.schemas.export_item import ExportItem as PleoExportItem
from exporthub.sync.mapping import MappingTable
from exporthub.sync.models import ExportItem, Integration
from exporthub.sync.posting import PostingProblem, UnpostableItem, build_journal_entry
from exporthub.sync.wiring import open_erp


@dataclass(frozen=True)
class Preview:
    source: ExportItem | None  # the export item whose payload the preview was built from
    entry: JournalEntry | None
    problems: tuple[PostingProblem, ...] = ()
    erp_problems: tuple[str, ...] = ()

    @property
    def available(self) -> bool:
        return self.source is not None


def preview_posting(integration: Integration, entry_id: str) -> Preview:
    """Build the journal entry from the newest payload Pleo sent for this entry, with today's
    mappings. Pleo shares an entry's accounting payload only inside an export job, so an entry
    that was never in one has no preview yet (`available` is False)."""
    source = (
        ExportItem.objects.filter(
            job__integration=integration, accounting_entry_id=entry_id, payload__isnull=False
        )
        .select_related("job")
        .order_by("-id")
        .first()
    )
    if source is None:
        return Preview(None, None)
    try:
        item = PleoExportItem.from_json(source.payload)
    except PleoPayloadError as error:
        return Preview(source, None, (PostingProblem("validation_failure", str(error)),))
    try:
        entry = build_journal_entry(
            item,
            MappingTable.for_integration(integration),
            fallback_to_pleo_codes=integration.fallback_to_pleo_codes,
        )
    except UnpostableItem as problem:
        return Preview(source, None, tuple(problem.problems))
    with open_erp(integration) as erp:
        erp_problems = tuple(str(error) for error in erp.validate(entry))
    return Preview(source, entry, erp_problems=erp_problems)
