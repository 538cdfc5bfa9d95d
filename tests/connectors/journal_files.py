"""Reading the generic CSV/XLSX journals back with independent readers (csv module, openpyxl)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import openpyxl

from exporthub.connectors.file_journal.generic import COLUMNS

AMOUNTS = ("debit", "credit", "vat_amount")


def read_csv(content: bytes) -> list[dict]:
    """Rows of a CSV journal; refuses a file without the BOM or with other line ends."""
    assert content.startswith(b"\xef\xbb\xbf"), "the CSV has no UTF-8 byte-order mark"
    assert b"\n" not in content.replace(b"\r\n", b""), "a line does not end with CRLF"
    text = content.decode("utf-8-sig")
    reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
    assert tuple(reader.fieldnames) == COLUMNS
    rows = []
    for row in reader:
        for name in AMOUNTS:
            row[name] = Decimal(row[name]) if row[name] else None
        row["date"] = dt.date.fromisoformat(row["date"])
        rows.append(row)
    return rows


def read_xlsx(content: bytes) -> list[dict]:
    """Rows of an XLSX journal as openpyxl reads them; amounts must be numbers, dates dates."""
    workbook = openpyxl.load_workbook(io.BytesIO(content), data_only=False)
    assert workbook.sheetnames == ["Journal"]
    sheet = workbook["Journal"]
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == COLUMNS
    rows = []
    for number, cells in enumerate(values[1:], start=2):
        row = dict(zip(COLUMNS, cells, strict=True))
        for name in AMOUNTS:
            value = row[name]
            if value is not None:
                assert isinstance(value, int | float), (number, name, value)
                row[name] = Decimal(str(value))
        assert isinstance(row["date"], dt.datetime)
        row["date"] = row["date"].date()
        for name in COLUMNS:
            if row[name] is None and name not in AMOUNTS:
                row[name] = ""
        row["number_formats"] = {
            name: sheet.cell(row=number, column=COLUMNS.index(name) + 1).number_format
            for name in AMOUNTS
        }
        rows.append(row)
    return rows


def read_journal(path: Path) -> list[dict]:
    content = path.read_bytes()
    return read_xlsx(content) if path.suffix == ".xlsx" else read_csv(content)


def entries_of(rows: list[dict]) -> dict[str, list[dict]]:
    """{reference: its lines} in file order."""
    found: dict[str, list[dict]] = {}
    for row in rows:
        found.setdefault(row["reference"], []).append(row)
    return found
