"""Editing a Beancount ledger behind the hub's back, as a bookkeeper might (reconciliation)."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

POSTING = re.compile(r"^  ([A-Z][\w:]+)(\s+)(-?[\d.]+) ([A-Z]{3})$")


def blocks(path: Path) -> list[str]:
    return re.split(r"\n\s*\n", path.read_text())


def drop_transaction(path: Path, pleo_id: str) -> None:
    kept = [block for block in blocks(path) if f'pleo-id: "{pleo_id}"' not in block]
    path.write_text("\n\n".join(kept) + "\n")


def shift_amounts(path: Path, pleo_id: str, delta: Decimal) -> tuple[str, str]:
    """Add `delta` to the transaction's first posting and take it from its last (the contra
    line), so it still balances; returns those two accounts."""
    edited = []
    accounts = ("", "")
    for block in blocks(path):
        if f'pleo-id: "{pleo_id}"' in block:
            lines = block.split("\n")
            at = [n for n, line in enumerate(lines) if POSTING.match(line)]
            first, last = POSTING.match(lines[at[0]]), POSTING.match(lines[at[-1]])
            lines[at[0]] = lines[at[0]].replace(first[3], str(Decimal(first[3]) + delta))
            lines[at[-1]] = lines[at[-1]].replace(last[3], str(Decimal(last[3]) - delta))
            block = "\n".join(lines)
            accounts = (first[1], last[1])
        edited.append(block)
    path.write_text("\n\n".join(edited))
    return accounts
