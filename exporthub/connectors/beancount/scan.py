"""A full check of a Beancount ledger, and what the connector needs to know about it afterwards.

`scan(path)` loads the ledger exactly like bean-check (parse, booking, plugins, validation; the
uncached loader) and returns a JSON-able summary: the errors, the Pleo ids already posted, the
open accounts, the balance assertions, the plugins, and the "context" of the ledger — its
`option`/`plugin` lines and its open/close/commodity directives — against which one new entry can
be checked on its own (see connector.py).

Loading keeps every directive in memory (about 6 KB per transaction: ~630 MB for 100,000), so
for large ledgers the connector runs `python -m exporthub.connectors.beancount.scan LEDGER`,
which prints the summary as JSON, and only the summary enters the worker. Django-free on purpose.
"""

from __future__ import annotations

import json
import re
import sys
from decimal import Decimal
from typing import Any

from beancount.core import data
from beancount.loader import _uncached_load_file
from beancount.parser import printer

# `2000-01-01 custom "tax-code" "I25" "Standard VAT 25%" 0.25` declares a tax code the ledger
# uses (the rate is optional); `2000-01-01 custom "dimension" "DEPT" "SALES" "Sales"` a dimension
# value (a Pleo tag) of a dimension (a Pleo tag group).
TAX_CODE_DIRECTIVE = "tax-code"
DIMENSION_DIRECTIVE = "dimension"
_HEADER_LINE = re.compile(r"^(?:option|plugin)[ \t].*$", re.MULTILINE)


def scan(path: str) -> dict[str, Any]:
    # Beancount's load_file() keeps a pickle cache keyed on file mtimes once a load takes over a
    # second; an append and a truncate within one mtime tick could then be served stale. The
    # uncached loader parses, runs plugins and validates exactly like bean-check.
    entries, errors, options = _uncached_load_file(path, None, None, None)
    with open(path, encoding="utf-8") as handle:
        header = _HEADER_LINE.findall(handle.read())
    ids: list[str] = []
    opened: dict[str, Any] = {}
    closed: set[str] = set()
    context: list[str] = []
    balances: dict[tuple[str, str], str] = {}
    tax_codes: dict[str, list[str | None]] = {}  # code → [name, rate or None]
    dimensions: list[list[str]] = []  # [group, code, name]
    for entry in entries:
        if isinstance(entry, data.Transaction):
            pleo_id = entry.meta.get("pleo-id")
            if pleo_id:
                ids.append(str(pleo_id))
        elif isinstance(entry, data.Open | data.Close | data.Commodity):
            context.append(printer.format_entry(entry))
            if isinstance(entry, data.Open):
                opened[entry.account] = entry
            elif isinstance(entry, data.Close):
                closed.add(entry.account)
        elif isinstance(entry, data.Custom) and entry.type == TAX_CODE_DIRECTIVE and entry.values:
            code, *rest = (value.value for value in entry.values)
            names = [str(value) for value in rest if isinstance(value, str)]
            rates = [str(value) for value in rest if isinstance(value, Decimal)]
            tax_codes[str(code)] = [names[0] if names else str(code), rates[0] if rates else None]
        elif isinstance(entry, data.Custom) and entry.type == DIMENSION_DIRECTIVE:
            values = [str(value.value) for value in entry.values]
            if len(values) >= 2:
                dimensions.append([values[0], values[1], values[2] if len(values) > 2 else ""])
        elif isinstance(entry, data.Balance):
            key = (entry.account, entry.amount.currency)
            balances[key] = max(balances.get(key, ""), entry.date.isoformat())
    return {
        "errors": [error.message for error in errors],
        "ids": ids,
        "accounts": [
            [name, str(entry.meta.get("code") or name)]
            for name, entry in opened.items()
            if name not in closed
        ],
        "tax_codes": [[code, name, rate] for code, (name, rate) in tax_codes.items()],
        "dimensions": dimensions,
        "balances": [[account, currency, date] for (account, currency), date in balances.items()],
        "plugins": [name for name, _config in options["plugin"]],
        "context": "\n".join(header) + "\n\n" + "\n".join(context),
    }


if __name__ == "__main__":
    json.dump(scan(sys.argv[1]), sys.stdout)
