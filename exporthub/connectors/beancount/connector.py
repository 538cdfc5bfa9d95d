"""Beancount v3: append journal entries to a plain-text ledger file.

Settings (`ConnectorConfig.settings`):
  ledger_path    the ledger file; relative paths are under settings.DATA_DIR (required)
  currency       operating currency written into a new ledger's header (default "EUR")
  open_accounts  {"Expenses:Meals": "6840", ...}: accounts (and optional codes) opened in the
                 header when the connector creates the ledger
  open_date      date of those `open` directives (default "2000-01-01")
  receipts_dir   where receipt files go, relative to the ledger's folder (default "documents")
  fava_url       e.g. "http://127.0.0.1:5000/ledger": external URLs then point into Fava

Accounts are never opened on demand: every account an entry uses must already be open in the
ledger (by name, or by a `code:` metadata value on its `open` directive). Opening on demand would
turn a typo in a category mapping into a silent new account; refusing it tells the bookkeeper.

Each entry becomes one transaction with metadata `pleo-id` and the link `^pleo-<id>`. Appends hold
an exclusive `flock` on the ledger, skip ids already present, re-validate the whole ledger with
Beancount's loader, and truncate the file back to its old size if Beancount finds any error.
"""

from __future__ import annotations

import fcntl
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import quote

from beancount.core import amount as bc_amount
from beancount.core import data
from beancount.loader import _uncached_load_file
from beancount.parser import printer
from django import forms
from django.conf import settings as django_settings

from exporthub.connectors.base import (
    Account,
    AccountUnknownError,
    ConfigError,
    Connector,
    ConnectorError,
    ExternalRef,
    JournalEntry,
    MissingConfigError,
    PermanentError,
    ValidationError,
)

_LINK_CHARS = re.compile(r"^[A-Za-z0-9\-_/.]+$")
_META_KEY_BAD = re.compile(r"[^a-z0-9\-_]")
_FILE_NAME_BAD = re.compile(r"[^A-Za-z0-9._-]+")


class BeancountForm(forms.Form):
    ledger_path = forms.CharField(help_text="Ledger file; relative paths are under the data dir.")
    currency = forms.CharField(initial="EUR", max_length=3)
    fava_url = forms.URLField(
        required=False, assume_scheme="http", help_text="Fava base URL including the ledger slug."
    )


def _load(path: Path) -> tuple[list[Any], list[Any]]:
    # Beancount's load_file() keeps a pickle cache keyed on file mtimes once a load takes over a
    # second; an append and a truncate within one mtime tick could then be served stale. The
    # uncached loader parses, runs plugins and validates exactly like bean-check.
    entries, errors, _options = _uncached_load_file(str(path), None, None, None)
    return entries, errors


def _format_errors(errors: list[Any]) -> str:
    return "; ".join(error.message for error in errors)


class BeancountConnector(Connector):
    kind = "beancount"
    label = "Beancount ledger"
    config_form = BeancountForm

    def __init__(self, config) -> None:
        super().__init__(config)
        raw_path = self.settings.get("ledger_path")
        if not raw_path:
            raise MissingConfigError("Set the ledger file path of this Beancount connector.")
        path = Path(raw_path)
        self.path = path if path.is_absolute() else Path(django_settings.DATA_DIR) / path
        self.receipts_dir = self.path.parent / self.settings.get("receipts_dir", "documents")
        self.fava_url = (self.settings.get("fava_url") or "").rstrip("/")

    # -- file handling -----------------------------------------------------------------------

    def _header(self) -> str:
        currency = self.settings.get("currency", "EUR")
        opened = self.settings.get("open_date", "2000-01-01")
        lines = [
            "; Beancount ledger written by exporthub. Pleo entries are appended below.",
            f'option "operating_currency" "{currency}"',
            "",
            f"{opened} commodity {currency}",
            "",
        ]
        for account, code in sorted(self.settings.get("open_accounts", {}).items()):
            lines.append(f"{opened} open {account}")
            if code:
                lines.append(f'  code: "{code}"')
        return "\n".join(lines) + "\n"

    @contextmanager
    def _locked(self, exclusive: bool) -> Iterator[BinaryIO]:
        """The ledger file, opened and flock-ed; created with its header if it does not exist."""
        if not self.path.parent.is_dir():
            raise ConfigError(f"The ledger folder {self.path.parent} does not exist.")
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except PermissionError as exc:
            raise ConfigError(f"Cannot open the ledger {self.path}: {exc.strerror}.") from exc
        with os.fdopen(fd, "r+b") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
            if handle.seek(0, os.SEEK_END) == 0:
                # A new ledger: upgrade to an exclusive lock to write the header exactly once.
                fcntl.flock(handle, fcntl.LOCK_EX)
                if handle.seek(0, os.SEEK_END) == 0:
                    handle.write(self._header().encode())
                    handle.flush()
                    os.fsync(handle.fileno())
            yield handle

    def _load_valid(self) -> list[Any]:
        entries, errors = _load(self.path)
        if errors:
            raise ConfigError(
                "The ledger file has errors, so nothing is appended until it is fixed.",
                detail=_format_errors(errors),
            )
        return entries

    # -- connector interface -----------------------------------------------------------------

    def check_connection(self) -> None:
        with self._locked(exclusive=False):
            self._load_valid()

    def accounts(self) -> list[Account]:
        with self._locked(exclusive=False):
            entries = self._load_valid()
        return _open_accounts(entries)

    def validate(self, entry: JournalEntry) -> list[ConnectorError]:
        with self._locked(exclusive=False):
            entries = self._load_valid()
        return self._validate_against(entry, entries)

    def _validate_against(self, entry: JournalEntry, entries: list[Any]) -> list[ConnectorError]:
        problems = super().validate(entry)
        if not _LINK_CHARS.match(entry.pleo_id or "-"):
            problems.append(ValidationError(f"Pleo id {entry.pleo_id!r} cannot be a link."))
        by_code = _account_names_by_code(entries)
        for line in entry.lines:
            if line.account and line.account not in by_code:
                problems.append(
                    AccountUnknownError(
                        f"Account {line.account!r} is not open in the ledger; add an `open` "
                        "directive for it (by name, or with a `code:` metadata value)."
                    )
                )
        return problems

    def find(self, pleo_id: str) -> ExternalRef | None:
        with self._locked(exclusive=False):
            entries, _errors = _load(self.path)
        return self._ref(pleo_id) if pleo_id in _posted_ids(entries) else None

    def post(self, entry: JournalEntry) -> ExternalRef:
        with self._locked(exclusive=True) as handle:
            entries = self._load_valid()
            if entry.pleo_id in _posted_ids(entries):
                return self._ref(entry.pleo_id)
            problems = self._validate_against(entry, entries)
            if problems:
                raise problems[0]
            by_code = _account_names_by_code(entries)
            written = self._write_receipts(entry)
            size = handle.seek(0, os.SEEK_END)
            text = printer.format_entry(self._transaction(entry, by_code, written))
            handle.write(b"\n" + text.encode())
            handle.flush()
            os.fsync(handle.fileno())
            _entries, errors = _load(self.path)
            if errors:
                handle.truncate(size)
                handle.flush()
                os.fsync(handle.fileno())
                self._remove_receipts(entry, written)
                raise PermanentError(
                    f"Beancount rejected the entry: {_format_errors(errors)}", detail=text
                )
        return self._ref(entry.pleo_id)

    def attach_receipts(self, ref: ExternalRef, entry: JournalEntry) -> None:
        """Receipts are written by `post()` (their paths are part of the appended text)."""
        self._write_receipts(entry)

    # -- helpers ----------------------------------------------------------------------------

    def _ref(self, pleo_id: str) -> ExternalRef:
        link = f"pleo-{pleo_id}"
        url = f"{self.fava_url}/journal/?filter={quote('^' + link)}" if self.fava_url else ""
        return ExternalRef(id=link, url=url)

    def _write_receipts(self, entry: JournalEntry) -> dict[str, str]:
        """Write receipt files; return {metadata key: path relative to the ledger folder}."""
        written = {}
        for number, receipt in enumerate(entry.receipts, start=1):
            folder = self.receipts_dir / entry.pleo_id
            folder.mkdir(parents=True, exist_ok=True)
            name = _FILE_NAME_BAD.sub("_", receipt.name).strip("._") or f"receipt-{number}"
            target = folder / f"{number}-{name}"
            target.write_bytes(receipt.read())
            key = "document" if number == 1 else f"document-{number}"
            written[key] = str(target.relative_to(self.path.parent))
        return written

    def _remove_receipts(self, entry: JournalEntry, written: dict[str, str]) -> None:
        for path in written.values():
            (self.path.parent / path).unlink(missing_ok=True)
        folder = self.receipts_dir / entry.pleo_id
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()

    def _transaction(
        self, entry: JournalEntry, by_code: dict[str, str], documents: dict[str, str]
    ) -> data.Transaction:
        meta: dict[str, Any] = {"pleo-id": entry.pleo_id}
        optional = {
            "pleo-type": entry.kind,
            "pleo-reference": entry.reference,
            "pleo-company": entry.company_ref,
            "pleo-url": entry.source_url,
            "invoice-number": entry.invoice_number,
        }
        meta.update({key: value for key, value in optional.items() if value})
        if entry.due_date:
            meta["due-date"] = entry.due_date
        if entry.supplier_amount:
            amount = entry.supplier_amount
            meta["supplier-amount"] = f"{amount.value} {amount.currency}"
        if entry.party and entry.party.code:
            meta["party-code"] = entry.party.code
        for key, value in entry.metadata.items():
            meta[_meta_key(key)] = str(value)
        meta.update(documents)
        postings = [
            data.Posting(
                account=by_code[line.account],
                units=bc_amount.Amount(line.amount, entry.currency),
                cost=None,
                price=None,
                flag=None,
                meta=_posting_meta(line),
            )
            for line in entry.lines
        ]
        return data.Transaction(
            meta=meta,
            date=entry.date,
            flag="*",
            payee=entry.party.name if entry.party else None,
            narration=entry.text,
            tags=frozenset(),
            links=frozenset({f"pleo-{entry.pleo_id}"}),
            postings=postings,
        )


def _meta_key(name: str) -> str:
    key = _META_KEY_BAD.sub("-", name.lower())
    return key if key[:1].isalpha() else f"x-{key}"


def _posting_meta(line) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    if line.text:
        meta["text"] = line.text
    if line.tax_code:
        meta["tax-code"] = line.tax_code
    if line.tax_amount is not None:
        meta["tax-amount"] = Decimal(line.tax_amount)
    if line.is_tax:
        meta["tax-line"] = True
    for group, code in sorted(line.dimensions.items()):
        meta[_meta_key(f"dim-{group}")] = code
    return meta


def _posted_ids(entries: list[Any]) -> set[str]:
    return {
        entry.meta["pleo-id"]
        for entry in entries
        if isinstance(entry, data.Transaction) and "pleo-id" in entry.meta
    }


def _open_accounts(entries: list[Any]) -> list[Account]:
    closed = {entry.account for entry in entries if isinstance(entry, data.Close)}
    return [
        Account(
            code=str(entry.meta.get("code") or entry.account),
            name=entry.account,
            kind=entry.account.split(":", 1)[0].lower(),
        )
        for entry in entries
        if isinstance(entry, data.Open) and entry.account not in closed
    ]


def _account_names_by_code(entries: list[Any]) -> dict[str, str]:
    """Every way an entry may name an open account (its name, or its `code`) → account name."""
    names = {}
    for account in _open_accounts(entries):
        names[account.name] = account.name
        names[account.code] = account.name
    return names
