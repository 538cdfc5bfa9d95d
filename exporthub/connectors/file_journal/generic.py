"""The generic journal, as CSV and as XLSX: one row per journal line.

Columns: the entry's reference in the hub (`<batch>#<n>`, the same on all its lines), the Pleo
id, date, account, debit, credit, currency, VAT code, VAT amount, whether the line books the VAT
itself, dimensions (`GROUP=value; ...`), supplier, the entry's text, the line's text, and the
receipt link (the item in Pleo, which shows its receipts; empty when the entry has none). The
locator of an entry is its number in the batch (1, 2, ...), the `n` in its reference.

CSV: UTF-8 with a byte-order mark (so spreadsheet programs do not guess a legacy code page),
comma-separated, CRLF line ends (RFC 4180), a header row; amounts with a decimal point and
exactly the currency's decimals (JPY `1200`, DKK `12.50`, KWD `1.250`), debit and credit
unsigned with the other side empty, the VAT amount signed (negative on refunds). Text cells
that a spreadsheet would run as a formula get a leading apostrophe (`core.csv_cells`).

XLSX: one sheet `Journal` with the same columns; amounts are numbers formatted with the
currency's decimals, dates are dates, every text is written as a string (never a formula).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any

import xlsxwriter

from exporthub.connectors.base import JournalEntry, JournalLine, ValidationError
from exporthub.connectors.errors import ConnectorError
from exporthub.connectors.file_journal.formats import BatchHeader, JournalFormat, RenderedBatch
from exporthub.core.csv_cells import neutralise
from exporthub.core.money import currency_exponent

COLUMNS = (
    "reference",
    "pleo_id",
    "date",
    "account",
    "debit",
    "credit",
    "currency",
    "vat_code",
    "vat_amount",
    "vat_line",
    "dimensions",
    "supplier",
    "text",
    "line_text",
    "receipt_link",
)
XLSX_CELL_LIMIT = 32767  # characters in one cell
XLSX_DIGITS = 15  # significant digits a spreadsheet number (a double) holds exactly


def _dimensions(line: JournalLine) -> str:
    return "; ".join(f"{group}={code}" for group, code in sorted(line.dimensions.items()))


def _rows(header: BatchHeader, entries: Sequence[JournalEntry]) -> Iterator[dict[str, Any]]:
    """One dict per line, amounts as Decimals in the currency's decimals (None when empty)."""
    for number, entry in enumerate(entries, start=1):
        quantum = Decimal(1).scaleb(-currency_exponent(entry.currency))
        link = entry.source_url if entry.receipts else ""
        for line in entry.lines:
            yield {
                "reference": f"{header.name}#{number}",
                "pleo_id": entry.pleo_id,
                "date": entry.date,
                "account": line.account,
                "debit": line.debit.quantize(quantum) if line.debit else None,
                "credit": line.credit.quantize(quantum) if line.credit else None,
                "currency": entry.currency,
                "vat_code": line.tax_code,
                "vat_amount": None
                if line.tax_amount is None
                else line.tax_amount.quantize(quantum),
                "vat_line": "yes" if line.is_tax else "",
                "dimensions": _dimensions(line),
                "supplier": entry.party.name if entry.party else "",
                "text": entry.text,
                "line_text": line.text,
                "receipt_link": link,
            }


class _Generic(JournalFormat):
    def locators(self, header: BatchHeader, entries: Sequence[JournalEntry]) -> list[str]:
        return [str(number) for number in range(1, len(entries) + 1)]


class CsvJournalFormat(_Generic):
    key = "csv"
    label = "CSV journal"
    extension = "csv"
    content_type = "text/csv; charset=utf-8"

    def render(self, header: BatchHeader, entries: Sequence[JournalEntry]) -> RenderedBatch:
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(COLUMNS)
        for row in _rows(header, entries):
            writer.writerow(_csv_cell(row[column]) for column in COLUMNS)
        return RenderedBatch(
            content=buffer.getvalue().encode("utf-8-sig"),
            locators=self.locators(header, entries),
        )


def _csv_cell(value: Any) -> Any:
    """Amounts and dates as written by us; every text through the formula guard."""
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)  # a VAT amount may be negative (refunds): a number, not a formula
    return neutralise(value)


class XlsxJournalFormat(_Generic):
    key = "xlsx"
    label = "XLSX journal (Excel)"
    extension = "xlsx"
    content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

    def problems(self, entry: JournalEntry, settings: Mapping[str, Any]) -> list[ConnectorError]:
        found: list[ConnectorError] = []
        texts = [entry.text, entry.party.name if entry.party else "", entry.source_url]
        texts += [line.text for line in entry.lines]
        if any(len(text) > XLSX_CELL_LIMIT for text in texts):
            found.append(
                ValidationError(
                    f"A text of this entry is longer than the {XLSX_CELL_LIMIT} characters an "
                    "Excel cell holds."
                )
            )
        amounts = [value for line in entry.lines for value in (line.debit, line.credit)]
        amounts += [line.tax_amount for line in entry.lines if line.tax_amount is not None]
        if any(len(value.as_tuple().digits) > XLSX_DIGITS for value in amounts):
            found.append(
                ValidationError(
                    f"An amount of this entry has more than the {XLSX_DIGITS} digits an Excel "
                    "number holds exactly."
                )
            )
        return found

    def render(self, header: BatchHeader, entries: Sequence[JournalEntry]) -> RenderedBatch:
        buffer = io.BytesIO()
        # Reproducible bytes: fixed document times (XlsxWriter also fixes the zip entries' times).
        workbook = xlsxwriter.Workbook(
            buffer,
            {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False},
        )
        workbook.set_properties(
            {"title": header.name, "company": header.company_name, "created": header.created_at}
        )
        sheet = workbook.add_worksheet("Journal")
        bold = workbook.add_format({"bold": True})
        date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
        amount_formats: dict[int, Any] = {}
        for column, title in enumerate(COLUMNS):
            sheet.write_string(0, column, title, bold)
        for row_number, row in enumerate(_rows(header, entries), start=1):
            exponent = currency_exponent(row["currency"])
            if exponent not in amount_formats:
                pattern = "0" if exponent == 0 else "0." + "0" * exponent
                amount_formats[exponent] = workbook.add_format({"num_format": pattern})
            for column, name in enumerate(COLUMNS):
                value = row[name]
                if value is None:
                    continue
                if isinstance(value, Decimal):
                    sheet.write_number(row_number, column, float(value), amount_formats[exponent])
                elif isinstance(value, dt.date):
                    sheet.write_datetime(
                        row_number, column, dt.datetime.combine(value, dt.time()), date_format
                    )
                elif value != "":
                    sheet.write_string(row_number, column, value)
        sheet.freeze_panes(1, 0)
        workbook.close()
        return RenderedBatch(content=buffer.getvalue(), locators=self.locators(header, entries))
