"""The target system of the example: a "books" file in SQLite, standing in for a real ERP.

Whoever keeps the books creates the file (`create_books`) with the company, an access key, the
chart of accounts, tax codes, dimension values and parties. The connector only reads those and
appends vouchers; amounts are stored as decimal text, so they stay exact.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from pathlib import Path

SCHEMA = """
CREATE TABLE books (company TEXT NOT NULL, access_key TEXT NOT NULL);
CREATE TABLE account (code TEXT PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE tax (code TEXT PRIMARY KEY, name TEXT NOT NULL, rate TEXT);
CREATE TABLE dimension (grp TEXT NOT NULL, code TEXT NOT NULL, name TEXT NOT NULL DEFAULT '',
                        PRIMARY KEY (grp, code));
CREATE TABLE party (code TEXT PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE voucher (
    id INTEGER PRIMARY KEY,
    pleo_id TEXT NOT NULL UNIQUE,
    date TEXT NOT NULL,
    currency TEXT NOT NULL,
    text TEXT NOT NULL,
    party TEXT NOT NULL,
    party_code TEXT NOT NULL,
    supplier_amount TEXT NOT NULL
);
CREATE TABLE voucher_line (
    voucher INTEGER NOT NULL REFERENCES voucher (id),
    account TEXT NOT NULL REFERENCES account (code),
    debit TEXT NOT NULL,
    credit TEXT NOT NULL,
    text TEXT NOT NULL,
    tax_code TEXT NOT NULL,
    dimensions TEXT NOT NULL
);
CREATE TABLE attachment (
    voucher INTEGER NOT NULL REFERENCES voucher (id),
    name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    content BLOB NOT NULL,
    UNIQUE (voucher, name)
);
"""


def create_books(
    path: Path,
    *,
    company: str,
    access_key: str,
    accounts: Iterable[tuple[str, str]],
    taxes: Iterable[tuple[str, str, str]] = (),
    dimensions: Iterable[tuple[str, str, str]] = (),
    parties: Iterable[tuple[str, str]] = (),
) -> None:
    """A new books file with its master data."""
    connection = sqlite3.connect(path)
    try:
        with connection:
            connection.executescript(SCHEMA)
            connection.execute("INSERT INTO books VALUES (?, ?)", (company, access_key))
            connection.executemany("INSERT INTO account VALUES (?, ?)", accounts)
            connection.executemany("INSERT INTO tax VALUES (?, ?, ?)", taxes)
            connection.executemany("INSERT INTO dimension VALUES (?, ?, ?)", dimensions)
            connection.executemany("INSERT INTO party VALUES (?, ?)", parties)
    finally:
        connection.close()
