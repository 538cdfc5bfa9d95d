"""A strict DATEV EXTF Buchungsstapel reader for the tests, written from the format description,
not from the writer (the writer's column list is not imported).

Checks: CRLF line ends only, cp1252 (bytes cp1252 leaves undefined are refused), no byte-order
mark; fields split on `;` with text fields in double quotes (a quote inside doubled; an
unterminated quote is an error) and number fields unquoted; the header line: 31 fields,
"EXTF", version 700, category 21 "Buchungsstapel", format version 13, a 17-digit creation time,
Berater- (1001-9999999) and Mandantennummer (1-99999), WJ-Beginn, Sachkontenlänge 4-8, Datum
vom ≤ bis inside that fiscal year, Buchungstyp 1, a 3-letter WKZ; the column line: 125 names
with the known ones at their positions; every row: 125 fields, Umsatz unsigned with a decimal
comma and two decimals (positive), Soll/Haben-Kennzeichen S or H, a 3-letter WKZ Umsatz, Konto
and Gegenkonto digits no longer than the Sachkontenlänge + 1 and different, a BU-Schlüssel of
up to 4 digits or none, Belegdatum DDMM giving a real date inside Datum vom/bis, Belegfeld 1 of
at most 36 characters from A-Z 0-9 $&%*+-/, Buchungstext at most 60 characters.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

POSITIONS = {
    1: "Umsatz (ohne Soll/Haben-Kz)",
    2: "Soll/Haben-Kennzeichen",
    3: "WKZ Umsatz",
    7: "Konto",
    8: "Gegenkonto (ohne BU-Schlüssel)",
    9: "BU-Schlüssel",
    10: "Belegdatum",
    11: "Belegfeld 1",
    14: "Buchungstext",
    21: "Beleginfo - Art 1",
    22: "Beleginfo - Inhalt 1",
    37: "KOST1 - Kostenstelle",
    38: "KOST2 - Kostenstelle",
    125: "Abw. Skontokonto",
}


class DatevError(ValueError):
    pass


@dataclass
class Header:
    consultant: int
    client: int
    fiscal_year_start: dt.date
    account_length: int
    date_from: dt.date
    date_to: dt.date
    name: str
    currency: str


@dataclass
class Row:
    amount: Decimal  # signed from Konto's side: S positive, H negative
    currency: str
    account: str
    contra: str
    bu_key: str
    date: dt.date
    document: str
    text: str
    fields: dict[str, str]  # every named column's value


def split(line: str) -> list[tuple[str, bool]]:
    """The fields of a line as (value, was quoted)."""
    fields, i = [], 0
    while True:
        if i < len(line) and line[i] == '"':
            value, i = [], i + 1
            while True:
                if i >= len(line):
                    raise DatevError(f"unterminated quote in {line[:80]!r}")
                if line[i] == '"':
                    if i + 1 < len(line) and line[i + 1] == '"':
                        value.append('"')
                        i += 2
                        continue
                    i += 1
                    break
                value.append(line[i])
                i += 1
            fields.append(("".join(value), True))
        else:
            end = line.find(";", i)
            end = len(line) if end < 0 else end
            raw = line[i:end]
            if '"' in raw:
                raise DatevError(f"a quote inside an unquoted field: {raw!r}")
            fields.append((raw, False))
            i = end
        if i == len(line):
            return fields
        if line[i] != ";":
            raise DatevError(f"text after a closing quote in {line[:80]!r}")
        i += 1


def _text(field: tuple[str, bool], what: str) -> str:
    value, quoted = field
    if value and not quoted:
        raise DatevError(f"{what} {value!r} is not quoted")
    return value


def _number(field: tuple[str, bool], what: str) -> str:
    value, quoted = field
    if quoted:
        raise DatevError(f"{what} {value!r} is quoted")
    return value


def _date(value: str, what: str) -> dt.date:
    if not re.fullmatch(r"\d{8}", value):
        raise DatevError(f"{what} {value!r} is not YYYYMMDD")
    return dt.datetime.strptime(value, "%Y%m%d").date()


def read_header(fields: list[tuple[str, bool]]) -> Header:
    if len(fields) != 31:
        raise DatevError(f"the header has {len(fields)} fields, not 31")
    if _text(fields[0], "Kennzeichen") != "EXTF" or _text(fields[3], "Formatname") != (
        "Buchungsstapel"
    ):
        raise DatevError("not an EXTF Buchungsstapel")
    version, category, fmt = (_number(fields[i], "version") for i in (1, 2, 4))
    if (version, category, fmt) != ("700", "21", "13"):
        raise DatevError(f"version {version}, category {category}, format version {fmt}")
    if not re.fullmatch(r"\d{17}", _number(fields[5], "Erzeugt am")):
        raise DatevError("Erzeugt am is not 17 digits")
    consultant, client = int(_number(fields[10], "Berater")), int(_number(fields[11], "Mandant"))
    if not (1001 <= consultant <= 9999999 and 1 <= client <= 99999):
        raise DatevError(f"Berater {consultant} / Mandant {client} out of range")
    start = _date(_number(fields[12], "WJ-Beginn"), "WJ-Beginn")
    length = int(_number(fields[13], "Sachkontenlänge"))
    if not 4 <= length <= 8:
        raise DatevError(f"Sachkontenlänge {length}")
    date_from = _date(_number(fields[14], "Datum vom"), "Datum vom")
    date_to = _date(_number(fields[15], "Datum bis"), "Datum bis")
    year_end = dt.date(start.year + 1, start.month, 1) - dt.timedelta(days=1)
    if not start <= date_from <= date_to <= year_end:
        raise DatevError(f"{date_from}..{date_to} is not inside the fiscal year from {start}")
    if _number(fields[18], "Buchungstyp") != "1":
        raise DatevError("Buchungstyp is not 1")
    currency = _text(fields[21], "WKZ")
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise DatevError(f"WKZ {currency!r}")
    name = _text(fields[16], "Bezeichnung")
    if len(name) > 30:
        raise DatevError("Bezeichnung longer than 30")
    return Header(consultant, client, start, length, date_from, date_to, name, currency)


def _account(value: str, header: Header, what: str) -> str:
    if not (value.isdigit() and len(value) <= header.account_length + 1):
        raise DatevError(f"{what} {value!r} is not an account of length {header.account_length}")
    return value


def _row(fields: list[tuple[str, bool]], names: list[str], header: Header) -> Row:
    if len(fields) != len(names):
        raise DatevError(f"a row has {len(fields)} fields, not {len(names)}")
    amount = _number(fields[0], "Umsatz")
    if not re.fullmatch(r"\d{1,10},\d{2}", amount) or Decimal(amount.replace(",", ".")) <= 0:
        raise DatevError(f"Umsatz {amount!r}")
    side = _text(fields[1], "S/H")
    if side not in ("S", "H"):
        raise DatevError(f"Soll/Haben-Kennzeichen {side!r}")
    currency = _text(fields[2], "WKZ Umsatz")
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise DatevError(f"WKZ Umsatz {currency!r}")
    account = _account(_number(fields[6], "Konto"), header, "Konto")
    contra = _account(_number(fields[7], "Gegenkonto"), header, "Gegenkonto")
    if account == contra:
        raise DatevError(f"Konto and Gegenkonto are both {account}")
    bu_key = _text(fields[8], "BU-Schlüssel")
    if bu_key and not re.fullmatch(r"\d{1,4}", bu_key):
        raise DatevError(f"BU-Schlüssel {bu_key!r}")
    day = _number(fields[9], "Belegdatum")
    if not re.fullmatch(r"\d{4}", day):
        raise DatevError(f"Belegdatum {day!r} is not DDMM")
    dates = []
    for year in {header.date_from.year, header.date_to.year}:
        try:
            candidate = dt.date(year, int(day[2:]), int(day[:2]))
        except ValueError:
            continue
        if header.date_from <= candidate <= header.date_to:
            dates.append(candidate)
    if len(dates) != 1:
        raise DatevError(f"Belegdatum {day} is not one date within the batch's dates")
    document = _text(fields[10], "Belegfeld 1")
    if not re.fullmatch(r"[A-Z0-9$&%*+\-/]{1,36}", document):
        raise DatevError(f"Belegfeld 1 {document!r}")
    text = _text(fields[13], "Buchungstext")
    if len(text) > 60:
        raise DatevError(f"Buchungstext longer than 60: {text!r}")
    value = Decimal(amount.replace(",", "."))
    return Row(
        amount=value if side == "S" else -value,
        currency=currency,
        account=account,
        contra=contra,
        bu_key=bu_key,
        date=dates[0],
        document=document,
        text=text,
        fields={name: field[0] for name, field in zip(names, fields, strict=True)},
    )


def read_datev(content: bytes) -> tuple[Header, list[Row]]:
    if content.startswith(b"\xef\xbb\xbf"):
        raise DatevError("byte-order mark")
    if not content.endswith(b"\r\n"):
        raise DatevError("the last line does not end with CRLF")
    raw_lines = content[:-2].split(b"\r\n")
    if any(b"\r" in raw or b"\n" in raw for raw in raw_lines):
        raise DatevError("a bare CR or LF")
    try:
        lines = [raw.decode("cp1252") for raw in raw_lines]
    except UnicodeDecodeError as error:
        raise DatevError(f"not cp1252: {error}") from None
    if len(lines) < 2:
        raise DatevError("no column line")
    header = read_header(split(lines[0]))
    names = [value for value, _quoted in split(lines[1])]
    if len(names) != 125:
        raise DatevError(f"{len(names)} columns, not 125")
    for position, name in POSITIONS.items():
        if names[position - 1] != name:
            raise DatevError(f"column {position} is {names[position - 1]!r}, not {name!r}")
    return header, [_row(split(line), names, header) for line in lines[2:]]
