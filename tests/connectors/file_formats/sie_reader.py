"""A strict SIE 4 (type 4I) reader for the tests, written from the format description, not from
the writer: it refuses anything the description does not allow.

Checks: CRLF line ends only (no bare CR or LF), no byte-order mark, CP437 ("PC8") text; every
line a known label (or the `{`/`}` of a voucher); `#FLAGGA`, `#FORMAT PC8`, `#SIETYP 4`,
`#GEN`, `#FNAMN` and `#ORGNR` present, `#FLAGGA` first; fields quoted with `\\"`/`\\\\`
escapes (an unterminated quote or a stray brace is an error); dates YYYYMMDD and real; amounts
`-?digits[.d{1,2}]`; `#KONTO` declared for every account a `#TRANS` uses, `#DIM` for every
dimension an `#OBJEKT` names, `#OBJEKT` for every object in a transaction's object list; every
`#VER` followed by `{`, its `#TRANS` lines and `}`, and balancing to exactly zero.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal

LABELS = {
    "FLAGGA",
    "PROGRAM",
    "FORMAT",
    "GEN",
    "SIETYP",
    "ORGNR",
    "FNAMN",
    "VALUTA",
    "KONTO",
    "DIM",
    "OBJEKT",
    "VER",
    "TRANS",
}
AMOUNT = re.compile(r"-?\d+(\.\d{1,2})?")


class SieError(ValueError):
    pass


@dataclass
class Trans:
    account: str
    objects: dict[int, str]
    amount: Decimal
    text: str


@dataclass
class Voucher:
    series: str
    number: str
    date: dt.date
    text: str
    trans: list[Trans] = field(default_factory=list)


@dataclass
class SieFile:
    records: dict[str, list[str]]  # identification records: label → fields
    accounts: dict[str, str]
    dimensions: dict[int, str]
    objects: dict[tuple[int, str], str]
    vouchers: list[Voucher]


def tokens(line: str) -> list[str | list[str]]:
    """Split a record into fields: quoted strings unescaped, `{...}` as a list of fields."""
    out: list[str | list[str]] = []
    stack: list[list[str | list[str]]] = [out]
    i = 0
    while i < len(line):
        char = line[i]
        if char in " \t":
            i += 1
        elif char == '"':
            value, i = [], i + 1
            while True:
                if i >= len(line):
                    raise SieError(f"unterminated quote in {line!r}")
                if line[i] == "\\" and i + 1 < len(line) and line[i + 1] in '"\\':
                    value.append(line[i + 1])
                    i += 2
                elif line[i] == '"':
                    i += 1
                    break
                else:
                    value.append(line[i])
                    i += 1
            stack[-1].append("".join(value))
        elif char == "{":
            inner: list[str | list[str]] = []
            stack[-1].append(inner)  # type: ignore[arg-type]
            stack.append(inner)
            i += 1
        elif char == "}":
            if len(stack) == 1:
                raise SieError(f"stray }} in {line!r}")
            stack.pop()
            i += 1
        else:
            start = i
            while i < len(line) and line[i] not in ' \t"{}':
                i += 1
            stack[-1].append(line[start:i])
    if len(stack) != 1:
        raise SieError(f"unclosed {{ in {line!r}")
    return out


def _date(value: str) -> dt.date:
    if not re.fullmatch(r"\d{8}", value):
        raise SieError(f"{value!r} is not a date")
    return dt.datetime.strptime(value, "%Y%m%d").date()


def _amount(value: str) -> Decimal:
    if not AMOUNT.fullmatch(value):
        raise SieError(f"{value!r} is not a SIE amount")
    return Decimal(value)


def read_sie(content: bytes) -> SieFile:
    if content.startswith(b"\xef\xbb\xbf"):
        raise SieError("byte-order mark")
    if not content.endswith(b"\r\n"):
        raise SieError("the last line does not end with CRLF")
    raw_lines = content[:-2].split(b"\r\n")
    if any(b"\r" in raw or b"\n" in raw for raw in raw_lines):
        raise SieError("a bare CR or LF")
    lines = [raw.decode("cp437") for raw in raw_lines]
    if any(ord(char) < 32 and char != "\t" for line in lines for char in line):
        raise SieError("a control character in a line")
    sie = SieFile({}, {}, {}, {}, [])
    voucher: Voucher | None = None
    in_block = False
    for number, line in enumerate(lines, start=1):
        where = f"line {number}: {line!r}"
        if line == "{":
            if voucher is None or in_block or voucher.trans:
                raise SieError(f"{where}: {{ without #VER")
            in_block = True
            continue
        if line == "}":
            if not in_block or voucher is None:
                raise SieError(f"{where}: }} without {{")
            total = sum((trans.amount for trans in voucher.trans), Decimal(0))
            if total != 0 or not voucher.trans:
                raise SieError(f"{where}: voucher {voucher.text!r} does not balance ({total})")
            sie.vouchers.append(voucher)
            voucher, in_block = None, False
            continue
        if not line.startswith("#"):
            raise SieError(f"{where}: not a record")
        label, *fields = tokens(line[1:])
        if label not in LABELS:
            raise SieError(f"{where}: unknown label")
        if number == 1 and label != "FLAGGA":
            raise SieError("#FLAGGA is not the first record")
        if label == "TRANS":
            if not in_block or voucher is None:
                raise SieError(f"{where}: #TRANS outside a voucher")
            account, objects, amount, *rest = fields
            if account not in sie.accounts:
                raise SieError(f"{where}: account {account} has no #KONTO")
            if not isinstance(objects, list) or len(objects) % 2:
                raise SieError(f"{where}: malformed object list")
            pairs = {int(objects[i]): objects[i + 1] for i in range(0, len(objects), 2)}
            for dim, code in pairs.items():
                if (dim, code) not in sie.objects:
                    raise SieError(f"{where}: object {dim} {code} has no #OBJEKT")
            if rest and rest[0]:
                _date(rest[0])
            voucher.trans.append(
                Trans(account, pairs, _amount(amount), rest[1] if len(rest) > 1 else "")
            )
            continue
        if in_block or voucher is not None:
            raise SieError(f"{where}: record inside a voucher")
        if label == "VER":
            series, verno, date, text = (fields + ["", ""])[:4]
            voucher = Voucher(series, verno, _date(date), text)
        elif label == "KONTO":
            if sie.vouchers:
                raise SieError(f"{where}: #KONTO after the vouchers")
            sie.accounts[fields[0]] = fields[1]
        elif label == "DIM":
            sie.dimensions[int(fields[0])] = fields[1]
        elif label == "OBJEKT":
            if int(fields[0]) not in sie.dimensions:
                raise SieError(f"{where}: dimension {fields[0]} has no #DIM")
            sie.objects[(int(fields[0]), fields[1])] = fields[2]
        else:
            if label in sie.records:
                raise SieError(f"{where}: #{label} twice")
            sie.records[label] = fields
    if voucher is not None:
        raise SieError("the last voucher is not closed")
    if sie.records.get("FLAGGA") != ["0"] or sie.records.get("FORMAT") != ["PC8"]:
        raise SieError("#FLAGGA 0 and #FORMAT PC8 are required")
    if sie.records.get("SIETYP") != ["4"]:
        raise SieError("#SIETYP 4 is required")
    for label in ("GEN", "FNAMN", "ORGNR", "PROGRAM"):
        if not sie.records.get(label):
            raise SieError(f"#{label} is required")
    _date(sie.records["GEN"][0])
    return sie
