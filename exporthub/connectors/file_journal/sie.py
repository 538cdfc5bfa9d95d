"""SIE 4, import file type 4I: one `#VER` voucher per journal entry.

The file is CP437 ("PC8") with CRLF line ends: the identification records (`#FLAGGA 0`,
`#PROGRAM`, `#FORMAT PC8`, `#GEN`, `#SIETYP 4`, `#FNAMN`, `#ORGNR`, `#VALUTA`), then `#KONTO`
for every account the batch uses (named after the connection's chart, `settings["accounts"]`,
when it has one, else after the code), `#DIM`/`#OBJEKT` for the dimensions written, and one
voucher per entry:

    #VER "P" "" 20260428 "Client lunch 0b0e6d1c-6f0e-4a53-9a56-8c1a7a3e0001"
    {
    #TRANS 6071 {1 "SALES"} 80.00 "" "Meals"
    ...
    }

Amounts are signed (debit positive) with a decimal point and at most two decimals, as SIE
writes them; an amount finer than that (a 3-decimal KWD amount) is a problem, never rounded.
Voucher numbers are left empty: the importing system numbers vouchers in its series, so two
batches can never collide on a number (some systems overwrite a voucher whose number they
already have). An entry's locator is its voucher's position in the file (1, 2, ...).
Text fields are quoted, with `\\` before a quote or backslash, and fitted into CP437 (see
`text.py`); texts are cut to `sie_text_length` characters (Fortnox, for one, refuses texts over
50), the voucher text before the Pleo entry id, which always stays whole at its end (the
entry's one unique reference: Pleo's reconciliation id can be shared).

Dimensions: `sie_dimensions` maps Pleo tag groups to SIE dimension numbers ("DEPT=1, PROJ=6";
1 is the cost centre and 6 the project in the standard); tags of groups not listed there are
not written.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from exporthub.connectors.base import JournalEntry, JournalLine
from exporthub.connectors.errors import (
    AccountUnknownError,
    ConnectorError,
    MissingConfigError,
    TagUnknownError,
    ValidationError,
)
from exporthub.connectors.file_journal.formats import BatchHeader, JournalFormat, RenderedBatch
from exporthub.connectors.file_journal.text import fit_text, unfit_characters
from exporthub.core.money import currency_exponent

ENCODING = "cp437"
MAX_DECIMALS = 2
_CODE = re.compile(r"[0-9A-Za-z][0-9A-Za-z._:-]*")
_ORG_NUMBER = re.compile(r"\d{6}-?\d{4}")
_DIMENSION = re.compile(r"\s*([^=,\s]+)\s*=\s*(\d{1,4})\s*")
# The names the SIE standard gives its reserved dimensions.
_DIMENSION_NAMES = {1: "Kostnadsställe", 2: "Kostnadsbärare", 6: "Projekt", 7: "Anställd"}


def parse_dimensions(value: str) -> dict[str, int]:
    """ "DEPT=1, PROJ=6" (commas or new lines) → {"DEPT": 1, "PROJ": 6}; ValueError if malformed."""
    found = {}
    for part in re.split(r"[,\n]", value or ""):
        if not part.strip():
            continue
        match = _DIMENSION.fullmatch(part)
        if match is None:
            raise ValueError(part.strip())
        found[match[1]] = int(match[2])
    return found


class SieSettingsForm(forms.Form):
    sie_org_number = forms.RegexField(
        regex=_ORG_NUMBER,
        label=gettext_lazy("Organisation number"),
        help_text=gettext_lazy("The company's Swedish organisation number, e.g. 556677-8899."),
    )
    sie_company_name = forms.CharField(
        required=False,
        max_length=100,
        label=gettext_lazy("Company name"),
        help_text=gettext_lazy("Written in #FNAMN when Pleo does not give the company's name."),
    )
    sie_series = forms.RegexField(
        regex=r"[0-9A-Za-z]{1,4}",
        required=False,
        initial="P",
        label=gettext_lazy("Voucher series"),
        help_text=gettext_lazy("The series the importing system books the vouchers in."),
    )
    sie_text_length = forms.IntegerField(
        min_value=20,
        max_value=200,
        required=False,
        initial=50,
        label=gettext_lazy("Longest text"),
        help_text=gettext_lazy("Voucher and line texts are cut to this many characters."),
    )
    sie_dimensions = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label=gettext_lazy("Dimensions"),
        help_text=gettext_lazy(
            "Pleo tag groups and their SIE dimension numbers, e.g. DEPT=1, PROJ=6 (1 is the "
            "cost centre, 6 the project). Tags of other groups are not written."
        ),
    )

    def clean_sie_dimensions(self) -> str:
        value = self.cleaned_data["sie_dimensions"]
        try:
            parse_dimensions(value)
        except ValueError as error:
            raise forms.ValidationError(
                _("%(part)s is not GROUP=NUMBER.") % {"part": error}
            ) from None
        return value


class SieFormat(JournalFormat):
    key = "sie4"
    label = gettext_lazy("SIE 4 (4I import file)")
    extension = "si"
    content_type = "text/plain; charset=IBM437"
    settings_form = SieSettingsForm

    def problems(self, entry: JournalEntry, settings: Mapping[str, Any]) -> list[ConnectorError]:
        found: list[ConnectorError] = []
        if not _ORG_NUMBER.fullmatch(str(settings.get("sie_org_number") or "")):
            found.append(
                MissingConfigError(
                    _("Set the organisation number for the SIE file (e.g. 556677-8899).")
                )
            )
        currency = settings.get("currency")
        if not currency:
            found.append(
                MissingConfigError(
                    _("Set the currency of the books: a SIE file holds amounts in one currency.")
                )
            )
        elif entry.currency != currency:
            found.append(
                ValidationError(
                    _("The entry is in %(entry)s; the SIE file is kept in %(books)s.")
                    % {"entry": entry.currency, "books": currency}
                )
            )
        try:
            dimensions = parse_dimensions(settings.get("sie_dimensions", ""))
        except ValueError:
            dimensions = {}
            found.append(MissingConfigError(_("The SIE dimension numbers are malformed.")))
        for number, line in enumerate(entry.lines, start=1):
            if not _CODE.fullmatch(line.account):
                found.append(
                    AccountUnknownError(
                        _("Line %(n)s: %(account)s is not an account number a SIE file can hold.")
                        % {"n": number, "account": line.account},
                        erp_key=line.account,
                    )
                )
            if _exponent(line.amount) > _decimals(entry.currency):
                found.append(
                    ValidationError(
                        _(
                            "Line %(n)s: %(amount)s %(currency)s has more decimals than a SIE "
                            "amount in %(currency)s (%(decimals)s)."
                        )
                        % {
                            "n": number,
                            "amount": line.amount,
                            "currency": entry.currency,
                            "decimals": _decimals(entry.currency),
                        }
                    )
                )
            for group, code in line.dimensions.items():
                if group in dimensions and not _CODE.fullmatch(code):
                    found.append(
                        TagUnknownError(
                            _("Line %(n)s: %(code)s is not an object code a SIE file can hold.")
                            % {"n": number, "code": code},
                            erp_key=code,
                        )
                    )
        for text in dict.fromkeys([entry.text, entry.reference, *(li.text for li in entry.lines)]):
            if fit_text(text, ENCODING) is None:
                found.append(
                    ValidationError(
                        _(
                            "The text %(text)r has characters a SIE file (CP437) cannot hold: "
                            "%(chars)s"
                        )
                        % {"text": text, "chars": unfit_characters(text, ENCODING)}
                    )
                )
        return found

    def locators(self, header: BatchHeader, entries: Sequence[JournalEntry]) -> list[str]:
        return [str(n) for n in range(1, len(entries) + 1)]

    def render(self, header: BatchHeader, entries: Sequence[JournalEntry]) -> RenderedBatch:
        settings = header.settings
        dimensions = parse_dimensions(settings.get("sie_dimensions", ""))
        width = int(settings.get("sie_text_length") or 50)
        series = settings.get("sie_series") or "P"
        names: Mapping[str, str] = settings.get("accounts") or {}
        org_number = settings.get("sie_org_number", "")
        company = (
            _text(header.company_name, 100)
            or _text(settings.get("sie_company_name") or "", 100)
            or org_number
        )
        lines = [
            "#FLAGGA 0",
            f"#PROGRAM {_quote('exporthub')} {_quote('1')}",
            "#FORMAT PC8",
            f"#GEN {header.created_at:%Y%m%d}",
            "#SIETYP 4",
            f"#ORGNR {org_number}",
            f"#FNAMN {_quote(company)}",
            f"#VALUTA {header.currency}",
        ]
        accounts = dict.fromkeys(line.account for entry in entries for line in entry.lines)
        lines += [
            f"#KONTO {code} {_quote(_text(names.get(code, ''), 100) or code)}" for code in accounts
        ]
        used = {
            (group, code)
            for entry in entries
            for line in entry.lines
            for group, code in line.dimensions.items()
            if group in dimensions
        }
        for group, number in sorted(dimensions.items(), key=lambda item: item[1]):
            if any(used_group == group for used_group, _code in used):
                lines.append(f"#DIM {number} {_quote(_DIMENSION_NAMES.get(number, group))}")
        for group, code in sorted(used, key=lambda item: (dimensions[item[0]], item[1])):
            lines.append(f"#OBJEKT {dimensions[group]} {_quote(code)} {_quote(code)}")
        for entry in entries:
            text = voucher_text(entry, width)
            lines.append(f"#VER {_quote(series)} {_quote('')} {entry.date:%Y%m%d} {_quote(text)}")
            lines.append("{")
            lines += [_trans(line, entry.currency, dimensions, width) for line in entry.lines]
            lines.append("}")
        content = "".join(f"{line}\r\n" for line in lines).encode(ENCODING)
        return RenderedBatch(content, [str(n) for n in range(1, len(entries) + 1)])


def voucher_text(entry: JournalEntry, width: int) -> str:
    """The entry's text, cut so that the Pleo entry id after it always fits whole."""
    suffix = entry.pleo_id
    text = _text(entry.text, max(width - len(suffix) - 1, 0))
    return f"{text} {suffix}" if text else suffix


def _trans(line: JournalLine, currency: str, dimensions: Mapping[str, int], width: int) -> str:
    objects = " ".join(
        f"{dimensions[group]} {_quote(code)}"
        for group, code in sorted(
            line.dimensions.items(), key=lambda item: dimensions.get(item[0], 0)
        )
        if group in dimensions
    )
    amount = format_amount(line.amount, currency)
    text = _quote(_text(line.text, width))
    return f"#TRANS {line.account} {{{objects}}} {amount} {_quote('')} {text}"


def format_amount(value: Decimal, currency: str) -> str:
    """A SIE amount: signed, a decimal point, the currency's decimals but at most two ("-12.50",
    "1500" for JPY); only called with amounts `problems()` accepted, so quantizing is exact."""
    return f"{value.quantize(Decimal(1).scaleb(-_decimals(currency))) + 0:f}"


def _decimals(currency: str) -> int:
    return min(currency_exponent(currency), MAX_DECIMALS)


def _exponent(value: Decimal) -> int:
    """How many decimals `value` really has (12.340 → 2, 1500.00 → 0)."""
    return max(-value.normalize().as_tuple().exponent, 0)  # type: ignore[operator]


def _text(text: str, width: int) -> str:
    return (fit_text(text, ENCODING) or "")[:width].rstrip()


def _quote(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'
