"""DATEV-Format EXTF Buchungsstapel (header version 700, category 21, format version 13).

cp1252, CRLF, `;`-separated, text fields in double quotes (a quote inside doubled). Line 1 is
the batch header (Berater-/Mandantennummer, WJ-Beginn, Sachkontenlänge, Datum vom/bis, WKZ),
line 2 the 125 column names, then one row per booking, every row with all 125 fields.

From a journal entry to rows: the entry's last line is its contra line (the engine books the
total there, `sync/posting.py`); every other line becomes one row on its own account (Konto)
against the contra account (Gegenkonto), with Soll/Haben-Kennzeichen "S" when the line is a
debit and "H" when it is a credit, and the amount unsigned (decimal comma, two decimals). The
contra account is thus booked with exactly the sum of the rows, so each entry balances by
construction and the batch's totals are the entries' totals.

VAT (`datev_vat`): "bu_key" (the default) folds each VAT line into the row of the line it
belongs to (the nearest line before it with the same tax code) and writes the tax code as the
BU-Schlüssel: the tax code mapped in the hub's tax mappings *is* the DATEV key ("9" for 19 %
input VAT, "94" for reverse charge, ...), the row carries the gross amount, and DATEV books the
VAT from the key. Reverse-charge VAT lines (input and output) fold to nothing but the key. A VAT
line with no line to fold into is booked as a row of its own. "rows" writes no BU-Schlüssel and
books every VAT line as a row on its VAT account, exactly as Pleo computed it (for books whose
VAT accounts are not automatic accounts). Rows of zero are left out.

Belegfeld 1 (36 characters: A-Z, 0-9 and `$&%*+-/`) is the Pleo entry id in capitals (a UUID
has exactly 36), or "P" and a 35-character digest of it when the id does not fit. Belegdatum
is DDMM, the year being the header's; Buchungstext is the line's text (else the entry's), fitted
into cp1252 (`text.py`) and cut to 60 characters. Beleginfo 1 carries the full Pleo entry id
and Beleginfo 2 Pleo's reference. Tags of the groups named in `datev_kost1`/`datev_kost2` go to
KOST1/KOST2; other tags are not written (DATEV has two cost-centre fields). An entry's locator
is the number of its first row (1 = the first row after the column names).

Amounts are in the books' currency (the `currency` setting, required): the header's WKZ and
every row's WKZ Umsatz; an entry in another currency is refused, as the foreign-currency
columns (Kurs, Basis-Umsatz) would need a rate Pleo's entry does not carry.

A batch lies in one fiscal year (the Belegdatum has no year): `batch_key()` names an entry's
fiscal year, and the connector never files entries of two fiscal years into one batch.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.dates import MONTHS
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from exporthub.connectors.base import JournalEntry
from exporthub.connectors.errors import (
    AccountUnknownError,
    ConnectorError,
    MissingConfigError,
    TagUnknownError,
    TaxCodeUnknownError,
    ValidationError,
)
from exporthub.connectors.file_journal.formats import BatchHeader, JournalFormat, RenderedBatch
from exporthub.connectors.file_journal.text import fit_text, unfit_characters

ENCODING = "cp1252"
TEXT_LENGTH = 60
DOCUMENT_LENGTH = 36
MAX_INTEGER_DIGITS = 10
_BU_KEY = re.compile(r"\d{1,4}")
_DOCUMENT = re.compile(r"[A-Z0-9$&%*+\-/]{1,36}")
_COST_CENTRE = re.compile(r"[0-9A-Za-z_.-]{1,36}")

# The 125 columns of a Buchungsstapel (format version 13), in DATEV's order.
COLUMNS: tuple[str, ...] = (
    "Umsatz (ohne Soll/Haben-Kz)",
    "Soll/Haben-Kennzeichen",
    "WKZ Umsatz",
    "Kurs",
    "Basis-Umsatz",
    "WKZ Basis-Umsatz",
    "Konto",
    "Gegenkonto (ohne BU-Schlüssel)",
    "BU-Schlüssel",
    "Belegdatum",
    "Belegfeld 1",
    "Belegfeld 2",
    "Skonto",
    "Buchungstext",
    "Postensperre",
    "Diverse Adressnummer",
    "Geschäftspartnerbank",
    "Sachverhalt",
    "Zinssperre",
    "Beleglink",
    *(f"Beleginfo - {kind} {n}" for n in range(1, 9) for kind in ("Art", "Inhalt")),
    "KOST1 - Kostenstelle",
    "KOST2 - Kostenstelle",
    "Kost-Menge",
    "EU-Land u. UStID (Bestimmung)",
    "EU-Steuersatz (Bestimmung)",
    "Abw. Versteuerungsart",
    "Sachverhalt L+L",
    "Funktionsergänzung L+L",
    "BU 49 Hauptfunktionstyp",
    "BU 49 Hauptfunktionsnummer",
    "BU 49 Funktionsergänzung",
    *(
        name
        for n in range(1, 21)
        for name in (f"Zusatzinformation - Art {n}", f"Zusatzinformation- Inhalt {n}")
    ),
    "Stück",
    "Gewicht",
    "Zahlweise",
    "Forderungsart",
    "Veranlagungsjahr",
    "Zugeordnete Fälligkeit",
    "Skontotyp",
    "Auftragsnummer",
    "Buchungstyp",
    "USt-Schlüssel (Anzahlungen)",
    "EU-Land (Anzahlungen)",
    "Sachverhalt L+L (Anzahlungen)",
    "EU-Steuersatz (Anzahlungen)",
    "Erlöskonto (Anzahlungen)",
    "Herkunft-Kz",
    "Buchungs GUID",
    "KOST-Datum",
    "SEPA-Mandatsreferenz",
    "Skontosperre",
    "Gesellschaftername",
    "Beteiligtennummer",
    "Identifikationsnummer",
    "Zeichnernummer",
    "Postensperre bis",
    "Bezeichnung SoBil-Sachverhalt",
    "Kennzeichen SoBil-Buchung",
    "Festschreibung",
    "Leistungsdatum",
    "Datum Zuord. Steuerperiode",
    "Fälligkeit",
    "Generalumkehr (GU)",
    "Steuersatz",
    "Land",
    "Abrechnungsreferenz",
    "BVV-Position",
    "EU-Land u. UStID (Ursprung)",
    "EU-Steuersatz (Ursprung)",
    "Abw. Skontokonto",
)
_INDEX = {name: index for index, name in enumerate(COLUMNS)}


class DatevSettingsForm(forms.Form):
    datev_consultant = forms.IntegerField(
        min_value=1001,
        max_value=9999999,
        label=gettext_lazy("Beraternummer"),
        help_text=gettext_lazy("The tax adviser's DATEV number."),
    )
    datev_client = forms.IntegerField(
        min_value=1,
        max_value=99999,
        label=gettext_lazy("Mandantennummer"),
        help_text=gettext_lazy("The company's client number at the tax adviser."),
    )
    datev_fiscal_year_start = forms.TypedChoiceField(
        coerce=int,
        required=False,
        empty_value=1,
        initial=1,
        choices=list(MONTHS.items()),
        label=gettext_lazy("Fiscal year starts in month"),
    )
    datev_account_length = forms.IntegerField(
        min_value=4,
        max_value=8,
        initial=4,
        label=gettext_lazy("Sachkontenlänge"),
        help_text=gettext_lazy("Digits of a general-ledger account (4 for SKR03/SKR04)."),
    )
    datev_vat = forms.ChoiceField(
        required=False,
        initial="bu_key",
        choices=[
            ("bu_key", gettext_lazy("BU-Schlüssel from the tax mappings; DATEV books the VAT")),
            ("rows", gettext_lazy("VAT as rows on the VAT accounts, as Pleo computed it")),
        ],
        label=gettext_lazy("VAT"),
    )
    datev_kost1 = forms.CharField(
        required=False,
        max_length=64,
        label=gettext_lazy("Tag group for KOST1"),
        help_text=gettext_lazy("The Pleo tag group written as the first cost centre."),
    )
    datev_kost2 = forms.CharField(
        required=False,
        max_length=64,
        label=gettext_lazy("Tag group for KOST2"),
        help_text=gettext_lazy("The Pleo tag group written as the second cost centre."),
    )


@dataclass
class Row:
    """One booking: `amount` signed from Konto's side (debit positive)."""

    account: str
    amount: Decimal
    text: str
    bu_key: str = ""
    dimensions: Mapping[str, str] = field(default_factory=dict)


def rows_for(entry: JournalEntry, settings: Mapping[str, Any]) -> tuple[str, list[Row]]:
    """The contra account and the rows of `entry` (zero rows left out); see the module text."""
    *lines, contra = entry.lines
    fold = (settings.get("datev_vat") or "bu_key") == "bu_key"
    rows: list[Row] = []
    open_rows: dict[str, Row] = {}  # tax code → the row its VAT lines fold into
    for line in lines:
        text = line.text or entry.text
        if line.is_tax:
            target = open_rows.get(line.tax_code) if fold else None
            if target is not None:
                target.amount += line.amount
            else:
                rows.append(Row(line.account, line.amount, text))
            continue
        row = Row(line.account, line.amount, text, dimensions=line.dimensions)
        if fold and line.tax_code:
            row.bu_key = line.tax_code
            open_rows[line.tax_code] = row
        rows.append(row)
    return contra.account, [row for row in rows if row.amount]


def document_number(entry: JournalEntry) -> str:
    """Belegfeld 1: the Pleo id in capitals, or "P" and a digest of it if that does not fit."""
    upper = entry.pleo_id.upper()
    if _DOCUMENT.fullmatch(upper):
        return upper
    digest = base64.b32encode(hashlib.sha256(entry.pleo_id.encode()).digest()).decode()
    return "P" + digest[: DOCUMENT_LENGTH - 1]


def fiscal_year_start(day: dt.date, month: int) -> dt.date:
    start = dt.date(day.year, month, 1)
    return start if start <= day else dt.date(day.year - 1, month, 1)


class DatevFormat(JournalFormat):
    key = "datev"
    label = gettext_lazy("DATEV Buchungsstapel (EXTF)")
    extension = "csv"
    content_type = "text/csv; charset=windows-1252"
    settings_form = DatevSettingsForm

    def batch_key(self, entry: JournalEntry, settings: Mapping[str, Any]) -> str:
        """Entries with different keys must not share a batch: the fiscal year's start."""
        return f"{fiscal_year_start(entry.date, int(settings.get('datev_fiscal_year_start') or 1))}"

    def problems(self, entry: JournalEntry, settings: Mapping[str, Any]) -> list[ConnectorError]:
        missing = [
            name
            for name in ("datev_consultant", "datev_client", "datev_account_length")
            if not settings.get(name)
        ]
        if missing:
            return [
                MissingConfigError(
                    _("Set the DATEV Beraternummer, Mandantennummer and Sachkontenlänge.")
                )
            ]
        found: list[ConnectorError] = []
        currency = settings.get("currency")
        if not currency:
            found.append(
                MissingConfigError(
                    _("Set the currency of the books: DATEV rows are in the books' currency.")
                )
            )
        elif entry.currency != currency:
            found.append(
                ValidationError(
                    _("The entry is in %(entry)s; the DATEV books are kept in %(books)s.")
                    % {"entry": entry.currency, "books": currency}
                )
            )
        length = int(settings["datev_account_length"])
        contra, rows = rows_for(entry, settings)
        if not rows:
            found.append(ValidationError(_("The entry has no amount to book.")))
        for account in dict.fromkeys([contra, *(row.account for row in rows)]):
            if not (account.isascii() and account.isdigit() and len(account) <= length + 1):
                found.append(
                    AccountUnknownError(
                        _(
                            "%(account)s is not a DATEV account number (digits, at most "
                            "%(length)s: the Sachkontenlänge, one more for a Personenkonto)."
                        )
                        % {"account": account, "length": length + 1},
                        erp_key=account,
                    )
                )
        kost = {settings.get("datev_kost1"), settings.get("datev_kost2")} - {"", None}
        for row in rows:
            if row.account == contra:
                found.append(
                    ValidationError(
                        _("A line books on the contra account %(account)s itself.")
                        % {"account": contra}
                    )
                )
            if row.bu_key and not _BU_KEY.fullmatch(row.bu_key):
                found.append(
                    TaxCodeUnknownError(
                        _("Map the tax code %(code)s to a DATEV BU-Schlüssel (up to 4 digits).")
                        % {"code": row.bu_key},
                        erp_key=row.bu_key,
                    )
                )
            if _exponent(row.amount) > 2 or len(str(int(abs(row.amount)))) > MAX_INTEGER_DIGITS:
                found.append(
                    ValidationError(
                        _("%(amount)s %(currency)s does not fit a DATEV amount (10,2 digits).")
                        % {"amount": row.amount, "currency": entry.currency}
                    )
                )
            for group, code in row.dimensions.items():
                if group in kost and not _COST_CENTRE.fullmatch(code):
                    found.append(
                        TagUnknownError(
                            _(
                                "%(code)s is not a DATEV cost centre (36 letters, digits or ._- "
                                "at most)."
                            )
                            % {"code": code},
                            erp_key=code,
                        )
                    )
            if fit_text(row.text, ENCODING) is None:
                found.append(
                    ValidationError(
                        _("The text %(text)r has characters DATEV (cp1252) cannot hold: %(chars)s")
                        % {"text": row.text, "chars": unfit_characters(row.text, ENCODING)}
                    )
                )
        if fit_text(entry.reference, ENCODING) is None:
            found.append(ValidationError(_("Pleo's reference has characters cp1252 cannot hold.")))
        return found

    def locators(self, header: BatchHeader, entries: Sequence[JournalEntry]) -> list[str]:
        found, row = [], 1
        for entry in entries:
            found.append(str(row))
            row += len(rows_for(entry, header.settings)[1])
        return found

    def render(self, header: BatchHeader, entries: Sequence[JournalEntry]) -> RenderedBatch:
        settings = header.settings
        lines = [_header(header), ";".join(COLUMNS)]
        locators = []
        for entry in entries:
            locators.append(str(len(lines) - 1))
            contra, rows = rows_for(entry, settings)
            lines += [_row(entry, contra, row, settings) for row in rows]
        content = "".join(f"{line}\r\n" for line in lines).encode(ENCODING)
        return RenderedBatch(content, locators)


def _header(header: BatchHeader) -> str:
    settings = header.settings
    start = fiscal_year_start(header.date_from, int(settings.get("datev_fiscal_year_start") or 1))
    fields = [
        _quote("EXTF"),
        "700",
        "21",
        _quote("Buchungsstapel"),
        "13",
        f"{header.created_at:%Y%m%d%H%M%S}{header.created_at.microsecond // 1000:03d}",
        "",
        _quote("EH"),
        _quote("exporthub"),
        _quote(""),
        str(settings["datev_consultant"]),
        str(settings["datev_client"]),
        f"{start:%Y%m%d}",
        str(settings["datev_account_length"]),
        f"{header.date_from:%Y%m%d}",
        f"{header.date_to:%Y%m%d}",
        _quote((fit_text(header.name, ENCODING) or "")[:30]),
        _quote(""),
        "1",
        "0",
        "0",
        _quote(header.currency),
        "",
        _quote(""),
        "",
        "",
        _quote(""),
        "",
        "",
        _quote(""),
        _quote(""),
    ]
    return ";".join(fields)


def _row(entry: JournalEntry, contra: str, row: Row, settings: Mapping[str, Any]) -> str:
    values = dict.fromkeys(COLUMNS, "")
    values["Umsatz (ohne Soll/Haben-Kz)"] = (
        f"{abs(row.amount).quantize(Decimal('0.01')):f}".replace(".", ",")
    )
    values["Soll/Haben-Kennzeichen"] = _quote("S" if row.amount > 0 else "H")
    values["WKZ Umsatz"] = _quote(entry.currency)
    values["Konto"] = row.account
    values["Gegenkonto (ohne BU-Schlüssel)"] = contra
    values["BU-Schlüssel"] = _quote(row.bu_key) if row.bu_key else ""
    values["Belegdatum"] = f"{entry.date:%d%m}"
    values["Belegfeld 1"] = _quote(document_number(entry))
    values["Buchungstext"] = _quote((fit_text(row.text, ENCODING) or "")[:TEXT_LENGTH].rstrip())
    values["Beleginfo - Art 1"] = _quote("Pleo-ID")
    values["Beleginfo - Inhalt 1"] = _quote(entry.pleo_id)
    if entry.reference:
        values["Beleginfo - Art 2"] = _quote("Pleo-Referenz")
        values["Beleginfo - Inhalt 2"] = _quote(fit_text(entry.reference, ENCODING) or "")
    for column, setting in (
        ("KOST1 - Kostenstelle", "datev_kost1"),
        ("KOST2 - Kostenstelle", "datev_kost2"),
    ):
        group = settings.get(setting)
        if group and group in row.dimensions:
            values[column] = _quote(row.dimensions[group])
    return ";".join(values.values())


def _exponent(value: Decimal) -> int:
    return max(-value.normalize().as_tuple().exponent, 0)  # type: ignore[operator]


def _quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'
