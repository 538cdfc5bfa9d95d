"""Mappings as CSV (kind, pleo_key, pleo_label, erp_key, erp_label), for import and export."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from django.db import transaction

from exporthub.sync.models import Integration, Mapping

COLUMNS = ["kind", "pleo_key", "pleo_label", "erp_key", "erp_label"]


class MappingImportError(Exception):
    """The CSV has problems; `problems` lists each with its line number. Nothing was saved."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


def export_mappings(integration: Integration) -> str:
    """All of the integration's mappings as CSV text."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for mapping in integration.mappings.order_by("kind", "pleo_key"):
        writer.writerow([getattr(mapping, column) for column in COLUMNS])
    return out.getvalue()


def import_mappings(integration: Integration, lines: Iterable[str]) -> int:
    """Create or update mappings from CSV; all or nothing. Returns how many rows were applied."""
    reader = csv.DictReader(lines)
    missing = [
        column
        for column in ("kind", "pleo_key", "erp_key")
        if column not in (reader.fieldnames or [])
    ]
    if missing:
        raise MappingImportError([f"The header lacks the column(s): {', '.join(missing)}."])
    kinds = set(Mapping.Kind.values)
    rows, problems = [], []
    for number, row in enumerate(reader, start=2):
        kind, pleo_key, erp_key = (row.get(c, "").strip() for c in ("kind", "pleo_key", "erp_key"))
        if kind not in kinds:
            problems.append(
                f"Line {number}: kind {kind!r} is not one of {', '.join(sorted(kinds))}."
            )
        if not pleo_key or not erp_key:
            problems.append(f"Line {number}: pleo_key and erp_key are both required.")
        if len(pleo_key) > 255 or len(erp_key) > 255:
            problems.append(f"Line {number}: keys are limited to 255 characters.")
        rows.append((kind, pleo_key, erp_key, row))
    if problems:
        raise MappingImportError(problems)
    with transaction.atomic():
        for kind, pleo_key, erp_key, row in rows:
            Mapping.objects.update_or_create(
                integration=integration,
                kind=kind,
                pleo_key=pleo_key,
                defaults={
                    "erp_key": erp_key,
                    "pleo_label": (row.get("pleo_label") or "").strip()[:255],
                    "erp_label": (row.get("erp_label") or "").strip()[:255],
                },
            )
    return len(rows)
