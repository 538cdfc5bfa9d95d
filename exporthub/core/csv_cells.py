"""CSV cells that a spreadsheet cannot run as a formula.

Excel, LibreOffice and Google Sheets treat a cell that starts with `=`, `+`, `-` or `@` (and, in
some versions, a tab or carriage return before one) as a formula, so a supplier name such as
`=HYPERLINK(...)` would run when an accountant opens an export. Every CSV the hub writes passes
its cells through `neutralise`, which puts an apostrophe in front of such a cell (the usual
spreadsheet escape; OWASP's advice).
"""

from __future__ import annotations

from collections.abc import Iterable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value) -> object:
    """The cell as written: strings that would start a formula get a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def neutralise_row(row: Iterable) -> list:
    return [neutralise(value) for value in row]


def restore(value: str) -> str:
    """Undo `neutralise` on a cell read back (a mapping CSV the hub exported, re-imported)."""
    if value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value
