"""The example connector: each journal entry becomes one voucher in a SQLite books file.

Settings: `books_path`, the books file (relative paths are under the hub's data folder).
Secret: `access_key`, which the books file must hold (a stand-in for an ERP's API key).

Exactly once: a voucher is keyed by its Pleo id (UNIQUE), and `post()` looks it up, checks and
writes it in one transaction that holds the file's write lock, so a second post (or a retry after
a crash, whichever process runs it) finds the first voucher instead of adding one; a process
killed before the commit leaves nothing behind.
"""

from __future__ import annotations

import hmac
import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from django import forms
from django.conf import settings as django_settings

from exporthub.connectors.base import (
    Account,
    AccountUnknownError,
    AuthenticationError,
    ConfigError,
    Connector,
    ConnectorError,
    Dimension,
    ExternalRef,
    JournalEntry,
    MissingConfigError,
    Party,
    TagUnknownError,
    Tax,
    TaxCodeUnknownError,
    VendorUnknownError,
)


class ExampleBooksForm(forms.Form):
    books_path = forms.CharField(help_text="The books file; relative paths are under the data dir.")
    access_key = forms.CharField(widget=forms.PasswordInput, required=False)


class ExampleBooksConnector(Connector):
    kind = "example_books"
    label = "Example books (SQLite)"
    config_form = ExampleBooksForm
    secret_fields = ("access_key",)
    data_path_settings = ("books_path",)

    def __init__(self, config) -> None:
        super().__init__(config)
        raw_path = self.settings.get("books_path")
        if not raw_path:
            raise MissingConfigError("Set the books file of this connection.")
        path = Path(raw_path)
        self.path = path if path.is_absolute() else Path(django_settings.DATA_DIR) / path
        self.access_key = config.secret("access_key")
        self._connection: sqlite3.Connection | None = None

    # -- the books file --------------------------------------------------------------------

    @property
    def db(self) -> sqlite3.Connection:
        """The open books file, once its access key has been checked."""
        if self._connection is None:
            if not self.path.is_file():
                raise ConfigError(f"There is no books file at {self.path}.")
            connection = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            try:
                (stored,) = connection.execute("SELECT access_key FROM books").fetchone()
            except (sqlite3.DatabaseError, TypeError) as error:
                connection.close()
                raise ConfigError(f"{self.path} is not a books file.") from error
            if not hmac.compare_digest(stored.encode(), self.access_key.encode()):
                connection.close()
                raise AuthenticationError("The books file does not accept this access key.")
            self._connection = connection
        return self._connection

    @contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        """One transaction holding the file's write lock: committed, or rolled back on error."""
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    # -- master data ------------------------------------------------------------------------

    def check_connection(self) -> None:
        self.db.execute("SELECT count(*) FROM account").fetchone()

    def company_name(self) -> str:
        return self.db.execute("SELECT company FROM books").fetchone()[0]

    def accounts(self) -> list[Account]:
        rows = self.db.execute("SELECT code, name FROM account ORDER BY code")
        return [Account(code, name) for code, name in rows]

    def taxes(self) -> list[Tax]:
        return [Tax(code, name) for code, name in self.db.execute("SELECT code, name FROM tax")]

    def dimensions(self) -> list[Dimension]:
        rows = self.db.execute("SELECT grp, code, name FROM dimension ORDER BY grp, code")
        return [Dimension(group, code, name) for group, code, name in rows]

    def parties(self) -> list[Party]:
        rows = self.db.execute("SELECT code, name FROM party ORDER BY code")
        return [Party(name, code=code) for code, name in rows]

    # -- posting ----------------------------------------------------------------------------

    def validate(self, entry: JournalEntry) -> list[ConnectorError]:
        problems = super().validate(entry)
        db = self.db
        accounts = {code for (code,) in db.execute("SELECT code FROM account")}
        taxes = {code for (code,) in db.execute("SELECT code FROM tax")}
        dimensions = set(db.execute("SELECT grp, code FROM dimension"))
        for line in entry.lines:
            if line.account not in accounts:
                problems.append(
                    AccountUnknownError(
                        f"The books have no account {line.account!r}.", erp_key=line.account
                    )
                )
            if line.tax_code and line.tax_code not in taxes:
                problems.append(
                    TaxCodeUnknownError(
                        f"The books have no tax code {line.tax_code!r}.", erp_key=line.tax_code
                    )
                )
            for group, code in line.dimensions.items():
                if (group, code) not in dimensions:
                    problems.append(
                        TagUnknownError(f"The books have no {group} {code!r}.", erp_key=code)
                    )
        code = entry.party.code if entry.party else ""
        if code and not db.execute("SELECT 1 FROM party WHERE code = ?", (code,)).fetchone():
            problems.append(VendorUnknownError(f"The books have no party {code!r}.", erp_key=code))
        return problems

    def find(self, pleo_id: str) -> ExternalRef | None:
        row = self.db.execute("SELECT id FROM voucher WHERE pleo_id = ?", (pleo_id,)).fetchone()
        return self._ref(row[0]) if row else None

    def post(self, entry: JournalEntry) -> ExternalRef:
        with self._writing():
            return self._post(entry)

    def post_many(self, entries: Sequence[JournalEntry]) -> list[ExternalRef | ConnectorError]:
        """The whole page in one transaction: all of it is written, or none of it."""
        results: list[ExternalRef | ConnectorError] = []
        with self._writing():
            for entry in entries:
                try:
                    results.append(self._post(entry))
                except ConnectorError as error:
                    results.append(error)
        return results

    def _post(self, entry: JournalEntry) -> ExternalRef:
        """Write one voucher, inside a `_writing()` transaction."""
        ref = self.find(entry.pleo_id)
        if ref is not None:
            return ref
        self.ensure_valid(entry)
        supplier = entry.supplier_amount
        cursor = self.db.execute(
            "INSERT INTO voucher (pleo_id, date, currency, text, party, party_code, "
            "supplier_amount) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                entry.pleo_id,
                entry.date.isoformat(),
                entry.currency,
                entry.text,
                entry.party.name if entry.party else "",
                entry.party.code if entry.party else "",
                f"{supplier.value} {supplier.currency}" if supplier else "",
            ),
        )
        voucher = cursor.lastrowid
        self.db.executemany(
            "INSERT INTO voucher_line VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    voucher,
                    line.account,
                    str(line.debit),
                    str(line.credit),
                    line.text,
                    line.tax_code,
                    json.dumps(dict(line.dimensions), sort_keys=True),
                )
                for line in entry.lines
            ],
        )
        ref = self._ref(voucher)
        self._attach(voucher, entry)
        return ref

    def attach_receipts(self, ref: ExternalRef, entry: JournalEntry) -> None:
        with self._writing():
            self._attach(int(ref.id.removeprefix("V-")), entry)

    def _attach(self, voucher: int, entry: JournalEntry) -> None:
        for receipt in entry.receipts:
            self.db.execute(
                "INSERT OR IGNORE INTO attachment VALUES (?, ?, ?, ?)",
                (voucher, receipt.name, receipt.content_type, receipt.read()),
            )

    def _ref(self, voucher: int) -> ExternalRef:
        return ExternalRef(id=f"V-{voucher}", label=f"Voucher {voucher}")
