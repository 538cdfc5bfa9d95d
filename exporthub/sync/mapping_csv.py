"""Mappings as CSV (kind, pleo_key, pleo_label, erp_key, erp_label), for import and export.

An import is all or nothing: any problem (a malformed row, a quote left open, a field or file
too large, the same key twice) is reported with its line number and nothing is saved.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from django.db import transaction

from exporthub.core.csv_cells import neutralise_row, restore
from exporthub.sync.models import Integration, Mapping

COLUMNS = ["kind", "pleo_key", "pleo_label", "erp_key", "erp_label"]
REQUIRED = ("kind", "pleo_key", "erp_key")
MAX_IMPORT_BYTES = 2 * 2**20  # a company with thousands of mappings stays far below this
MAX_ROWS = 20_000
MAX_FIELD = 255  # the longest key or label a mapping stores
MAX_PROBLEMS = 50


class MappingImportError(Exception):
    """The CSV has problems; `problems` lists each with its line number. Nothing was saved."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


class _TooLarge(Exception):
    pass


def export_mappings(integration: Integration) -> str:
    """All of the integration's mappings as CSV text (cells a spreadsheet would run, escaped)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for mapping in integration.mappings.order_by("kind", "pleo_key"):
        writer.writerow(neutralise_row(getattr(mapping, column) for column in COLUMNS))
    return out.getvalue()


def import_mappings(integration: Integration, lines: Iterable[str]) -> int:
    """Create or update mappings from CSV; all or nothing. Returns how many rows were applied."""
    rows = _read(lines)
    with transaction.atomic():
        for values in rows:
            Mapping.objects.update_or_create(
                integration=integration,
                kind=values["kind"],
                pleo_key=values["pleo_key"],
                defaults={
                    "erp_key": values["erp_key"],
                    "pleo_label": values.get("pleo_label", ""),
                    "erp_label": values.get("erp_label", ""),
                },
            )
    return len(rows)


def _read(lines: Iterable[str]) -> list[dict[str, str]]:
    """The file's rows as dicts of stripped values; MappingImportError for any problem."""
    reader = csv.reader(_limited(lines), strict=True)
    problems: list[str] = []
    rows: list[dict[str, str]] = []
    first_line: dict[tuple[str, str], int] = {}
    try:
        header = [name.strip() for name in next(reader, [])]
        missing = [column for column in REQUIRED if column not in header]
        if missing:
            raise MappingImportError([f"The header lacks the column(s): {', '.join(missing)}."])
        kinds = set(Mapping.Kind.values)
        for fields in reader:
            number = reader.line_num
            if not fields or fields == [""]:
                continue
            if len(rows) >= MAX_ROWS:
                raise MappingImportError([f"The file has more than {MAX_ROWS} rows."])
            row_problems = _row_problems(number, fields, header, kinds)
            if row_problems:
                problems.extend(row_problems)
            else:
                values = {
                    name: restore(value.strip())
                    for name, value in zip(header, fields, strict=True)
                    if name in COLUMNS
                }
                key = (values["kind"], values["pleo_key"])
                if key in first_line:
                    problems.append(
                        f"Line {number}: {key[0]} {key[1]!r} is already on line {first_line[key]}."
                    )
                first_line.setdefault(key, number)
                rows.append(values)
            if len(problems) >= MAX_PROBLEMS:
                break
    except csv.Error as error:
        problems.append(f"Line {reader.line_num}: the CSV is malformed ({error}).")
    except _TooLarge:
        raise MappingImportError(
            [f"The file is larger than {MAX_IMPORT_BYTES // 2**20} MB; nothing was imported."]
        ) from None
    if problems:
        raise MappingImportError(problems)
    return rows


def _row_problems(number: int, fields: list[str], header: list[str], kinds: set) -> list[str]:
    if len(fields) != len(header):
        return [f"Line {number}: {len(fields)} fields, but the header has {len(header)}."]
    values = dict(zip(header, (field.strip() for field in fields), strict=True))
    problems = []
    if values["kind"] not in kinds:
        problems.append(
            f"Line {number}: kind {values['kind']!r} is not one of {', '.join(sorted(kinds))}."
        )
    if not values["pleo_key"] or not values["erp_key"]:
        problems.append(f"Line {number}: pleo_key and erp_key are both required.")
    if any(len(values.get(column, "")) > MAX_FIELD for column in COLUMNS):
        problems.append(f"Line {number}: keys and labels are limited to {MAX_FIELD} characters.")
    return problems


def _limited(lines: Iterable[str]) -> Iterator[str]:
    """The lines, stopping with _TooLarge once more than MAX_IMPORT_BYTES characters came."""
    total = 0
    for line in lines:
        total += len(line)
        if total > MAX_IMPORT_BYTES:
            raise _TooLarge
        yield line
