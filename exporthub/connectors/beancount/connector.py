"""Beancount v3: append journal entries to a plain-text ledger file.

Settings (`ConnectorConfig.settings`):
  ledger_path    the ledger file; relative paths are under settings.DATA_DIR (required)
  currency       operating currency written into a new ledger's header (default "EUR")
  open_accounts  {"Expenses:Meals": "6840", ...}: accounts (and optional codes) opened in the
                 header when the connector creates the ledger
  open_date      date of those `open` directives (default "2000-01-01")
  tax_codes      {"I25": "Standard VAT 25%", ...}: tax codes declared in a new ledger's header
  tax_rates      {"I25": "0.25", ...}: their rates, declared with them
  dimensions     {"DEPT:SALES": "Sales", ...}: dimension values declared in a new ledger's header

Tax codes are declared in the ledger with `custom "tax-code" "CODE" "Name"` directives (the
connector writes them for `tax_codes` into a new ledger). A ledger that declares tax codes
refuses entries with any other tax code; a ledger that declares none does not check them.
Dimension values (Pleo tags) are declared alike, with `custom "dimension" "DEPT" "SALES" "Sales"`:
a ledger that declares values of a dimension refuses other values of it.
  receipts_dir   where receipt files go, relative to the ledger's folder (default "documents")
  fava_url       e.g. "http://127.0.0.1:5000/ledger": external URLs then point into Fava

Accounts are never opened on demand: every account an entry uses must already be open in the
ledger (by name, or by a `code:` metadata value on its `open` directive). Opening on demand would
turn a typo in a category mapping into a silent new account; refusing it tells the bookkeeper.

Each entry becomes one transaction with metadata `pleo-id` and the link `^pleo-<id>`. Appends hold
an exclusive `flock` on the ledger and skip ids already present, so an entry is never posted
twice, also by several processes at once; an entry Beancount rejects is never left in the file.

How this stays fast (posting N entries used to re-parse the ledger 3N times: O(N²)):

* Full check. Each connector instance starts with a full Beancount load of the ledger (parse,
  booking, plugins, validation: what bean-check does; see scan.py) and keeps a summary of it:
  the posted Pleo ids, the open accounts, the balance assertions and the ledger's "context"
  (its option/plugin lines and open/close/commodity directives). The summary is keyed by the
  file's (device, inode, size, mtime_ns), read with fstat under the lock; when the key no longer
  matches what this instance last wrote or read, someone else changed the file, and the full
  check runs again before anything else is done, so their appends are seen and never duplicated.
  A ledger with errors refuses every append (ConfigError) until it is fixed, as before. Ledgers
  over 2 MB are checked in a child process, so their size never enters the worker's memory.
* One new entry is checked on its own, by Beancount itself: the context plus the new
  transaction text, loaded with `load_string` (~1 ms). That covers everything Beancount checks
  about a single transaction: syntax, balance, accounts open on its date and not closed,
  currency constraints, booking. Only if the check passes are its receipts written and the text
  appended (and fsync-ed); a rejected entry writes nothing, so the file stays byte-identical.
* What a transaction alone cannot show is its effect on other directives. Two are handled:
  a balance assertion dated after the entry on one of its accounts (or a parent) that the
  entry changes, and a plugin that relates entries to each other (any plugin except the few in
  SAFE_PLUGINS). Then the append is followed by a full check, and by a truncation back to the
  old size if that check fails: the previous behaviour, O(N) for that append.
* Safety net: the full check also runs again whenever the file has grown by more than its size
  at the last full check (at least 256 KB), so the cost stays linear overall (each check at
  most doubles the bytes covered) and an error the single-entry check could not foresee is
  found within one doubling — it then stops further appends (ConfigError) instead of spreading.
  Entries already appended are never removed again: they were reported as posted.

What is still not seen: a change made to the file by something that keeps its size and mtime
(and inode) identical to what we last saw; and constraints in plugins listed as safe that
depend on other entries. Both need a writer that bypasses both flock and the file's metadata.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import re
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import quote

from beancount import loader
from beancount.core import amount as bc_amount
from beancount.core import data
from beancount.parser import printer
from django import forms
from django.conf import settings as django_settings

from exporthub.connectors.base import (
    Account,
    AccountUnknownError,
    ConfigError,
    Connector,
    ConnectorError,
    Dimension,
    ExternalRef,
    JournalEntry,
    MissingConfigError,
    PermanentError,
    PostedEntry,
    TagUnknownError,
    Tax,
    TaxCodeUnknownError,
    ValidationError,
)
from exporthub.connectors.beancount.scan import DIMENSION_DIRECTIVE, TAX_CODE_DIRECTIVE, scan

_LINK_CHARS = re.compile(r"^[A-Za-z0-9\-_/.]+$")
_META_KEY_BAD = re.compile(r"[^a-z0-9\-_]")
_FILE_NAME_BAD = re.compile(r"[^A-Za-z0-9._-]+")


class BeancountForm(forms.Form):
    ledger_path = forms.CharField(help_text="Ledger file; relative paths are under the data dir.")
    currency = forms.CharField(initial="EUR", max_length=3)
    fava_url = forms.URLField(
        required=False, assume_scheme="http", help_text="Fava base URL including the ledger slug."
    )


# Ledgers up to this size are fully checked in this process, larger ones in a child process.
INPROCESS_SCAN_BYTES = 2 * 2**20
# The full check runs again once the file has grown by its size at the last check, but not
# before it has grown by this much.
FULL_CHECK_MIN_GROWTH = 256 * 2**10
# Plugins whose checks of one entry do not depend on the other entries (the rest are assumed to
# relate entries to each other, so each append under them gets a full check).
SAFE_PLUGINS = frozenset(
    {
        "beancount.plugins.auto",
        "beancount.plugins.auto_accounts",
        "beancount.plugins.implicit_prices",
        "beancount.plugins.check_commodity",
        "beancount.plugins.leafonly",
    }
)

FileKey = tuple[int, int, int, int]


def _file_key(handle: BinaryIO) -> FileKey:
    info = os.fstat(handle.fileno())
    return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)


def _format_errors(errors: list[str]) -> str:
    return "; ".join(errors)


@dataclass
class LedgerState:
    """What a full check found, valid for as long as the file's key is unchanged."""

    key: FileKey
    errors: list[str]
    ids: set[str]
    accounts: list[Account]
    names: dict[str, str]  # account name or code → account name
    taxes: dict[str, str]  # declared tax code → name
    tax_rates: dict[str, Decimal | None]  # declared tax code → rate, where declared
    dimensions: dict[tuple[str, str], str]  # declared (dimension, value) → name
    balances: dict[tuple[str, str], dt.date]  # (account, currency) → latest balance assertion
    # Option/plugin lines and open/close/commodity directives, to check one entry against;
    # None when that is not enough (plugins that relate entries), so every append is checked
    # with the whole ledger.
    context: str | None
    checked_size: int  # the file size the last full check covered
    unsafe_plugins: list[str] = field(default_factory=list)

    @classmethod
    def from_scan(cls, summary: dict[str, Any], key: FileKey) -> LedgerState:
        accounts = [
            Account(code=code, name=name, kind=name.split(":", 1)[0].lower())
            for name, code in summary["accounts"]
        ]
        names = {}
        for account in accounts:
            names[account.name] = account.name
            names[account.code] = account.name
        unsafe = [name for name in summary["plugins"] if name not in SAFE_PLUGINS]
        context = None if unsafe else summary["context"]
        if context is not None and _check_alone(context, ""):
            context = None  # the context alone does not load cleanly: rely on full checks
        return cls(
            key=key,
            errors=summary["errors"],
            ids=set(summary["ids"]),
            accounts=accounts,
            names=names,
            taxes={row[0]: row[1] for row in summary.get("tax_codes", [])},
            tax_rates={
                row[0]: Decimal(row[2]) if len(row) > 2 and row[2] else None
                for row in summary.get("tax_codes", [])
            },
            dimensions={(group, code): name for group, code, name in summary.get("dimensions", [])},
            balances={
                (account, currency): dt.date.fromisoformat(date)
                for account, currency, date in summary["balances"]
            },
            context=context,
            checked_size=key[2],
            unsafe_plugins=unsafe,
        )

    @property
    def dimension_groups(self) -> set[str]:
        """Dimensions the ledger declares values of: a value outside them is refused."""
        return {group for group, _code in self.dimensions}

    def due_for_full_check(self, size: int) -> bool:
        return size - self.checked_size > max(self.checked_size, FULL_CHECK_MIN_GROWTH)

    def changes_asserted_balance(self, entry: JournalEntry) -> bool:
        """Whether the entry changes an account (or parent) with a later balance assertion."""
        if not self.balances:
            return False
        change: dict[str, Decimal] = defaultdict(Decimal)
        for line in entry.lines:
            parts = self.names[line.account].split(":")
            for depth in range(1, len(parts) + 1):
                account = ":".join(parts[:depth])
                asserted = self.balances.get((account, entry.currency))
                if asserted is not None and asserted > entry.date:
                    change[account] += line.amount
        return any(change.values())


def _check_alone(context: str, text: str) -> list[str]:
    """Beancount's errors for the ledger's context plus one transaction's text."""
    _entries, errors, _options = loader.load_string(context + "\n" + text)
    return [error.message for error in errors]


class BeancountConnector(Connector):
    kind = "beancount"
    label = "Beancount ledger"
    config_form = BeancountForm
    accounts_by_name = True
    link_settings = ("fava_url",)
    data_path_settings = ("ledger_path",)

    def __init__(self, config) -> None:
        super().__init__(config)
        raw_path = self.settings.get("ledger_path")
        if not raw_path:
            raise MissingConfigError("Set the ledger file path of this Beancount connector.")
        path = Path(raw_path)
        self.path = path if path.is_absolute() else Path(django_settings.DATA_DIR) / path
        self.receipts_dir = self.path.parent / self.settings.get("receipts_dir", "documents")
        self.fava_url = (self.settings.get("fava_url") or "").rstrip("/")
        self._state: LedgerState | None = None
        self.full_checks = 0  # how many full checks this instance ran (for tests and the bench)

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
        rates = self.settings.get("tax_rates", {})
        for code, name in sorted(self.settings.get("tax_codes", {}).items()):
            rate = f" {Decimal(str(rates[code]))}" if code in rates else ""
            lines.append(f'{opened} custom "{TAX_CODE_DIRECTIVE}" "{code}" "{name}"{rate}')
        for key, name in sorted(self.settings.get("dimensions", {}).items()):
            group, _sep, code = key.partition(":")
            lines.append(f'{opened} custom "{DIMENSION_DIRECTIVE}" "{group}" "{code}" "{name}"')
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

    def _current(self, handle: BinaryIO, *, require_valid: bool = True) -> LedgerState:
        """The ledger's state, after a full check if the file is not as this instance left it.

        Call with the lock held. Raises ConfigError if the ledger has errors (`require_valid`).
        """
        key = _file_key(handle)
        state = self._state
        if state is None or state.key != key or state.due_for_full_check(key[2]):
            state = self._state = self._full_check(key)
        if require_valid and state.errors:
            raise ConfigError(
                "The ledger file has errors, so nothing is appended until it is fixed.",
                detail=_format_errors(state.errors),
            )
        return state

    def _full_check(self, key: FileKey) -> LedgerState:
        """Load the whole ledger like bean-check (in a child process if it is large)."""
        self.full_checks += 1
        if key[2] <= INPROCESS_SCAN_BYTES:
            return LedgerState.from_scan(scan(str(self.path)), key)
        command = [sys.executable, "-m", "exporthub.connectors.beancount.scan", str(self.path)]
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode:
            raise ConfigError(
                f"The ledger {self.path} could not be checked.", detail=result.stderr[-4000:]
            )
        return LedgerState.from_scan(json.loads(result.stdout), key)

    # -- connector interface -----------------------------------------------------------------

    def check_connection(self) -> None:
        with self._locked(exclusive=False) as handle:
            self._current(handle)

    def accounts(self) -> list[Account]:
        with self._locked(exclusive=False) as handle:
            return list(self._current(handle).accounts)

    def taxes(self) -> list[Tax]:
        with self._locked(exclusive=False) as handle:
            state = self._current(handle)
        return [
            Tax(code=code, name=name, rate=state.tax_rates.get(code))
            for code, name in state.taxes.items()
        ]

    def dimensions(self) -> list[Dimension]:
        with self._locked(exclusive=False) as handle:
            declared = self._current(handle).dimensions
        return [Dimension(group, code, name) for (group, code), name in sorted(declared.items())]

    def validate(self, entry: JournalEntry) -> list[ConnectorError]:
        with self._locked(exclusive=False) as handle:
            state = self._current(handle)
        return self._validate_against(entry, state)

    def _validate_against(self, entry: JournalEntry, state: LedgerState) -> list[ConnectorError]:
        problems = super().validate(entry)
        if not _LINK_CHARS.match(entry.pleo_id or "-"):
            problems.append(ValidationError(f"Pleo id {entry.pleo_id!r} cannot be a link."))
        for line in entry.lines:
            if line.account and line.account not in state.names:
                problems.append(
                    AccountUnknownError(
                        f"The ledger has no account {line.account!r}: map the Pleo value to an "
                        "account the ledger has.",
                        erp_key=line.account,
                    )
                )
            if line.tax_code and state.taxes and line.tax_code not in state.taxes:
                problems.append(
                    TaxCodeUnknownError(
                        f"The ledger declares no tax code {line.tax_code!r}: map the Pleo tax "
                        "code to one the ledger declares.",
                        erp_key=line.tax_code,
                    )
                )
            for group, value in line.dimensions.items():
                if (group, value) not in state.dimensions and group in state.dimension_groups:
                    problems.append(
                        TagUnknownError(
                            f"The ledger declares no value {value!r} of dimension {group!r}: map "
                            "the Pleo tag to a value the ledger declares.",
                            erp_key=value,
                        )
                    )
        return problems

    def find(self, pleo_id: str) -> ExternalRef | None:
        with self._locked(exclusive=False) as handle:
            state = self._current(handle, require_valid=False)
        return self._ref(pleo_id) if pleo_id in state.ids else None

    def read_postings(self, pleo_ids: Sequence[str]) -> dict[str, PostedEntry]:
        wanted = set(pleo_ids)
        with self._locked(exclusive=False):
            entries, _errors, _options = loader.load_file(str(self.path))
        found: dict[str, PostedEntry] = {}
        for txn in entries:
            pleo_id = isinstance(txn, data.Transaction) and str(txn.meta.get("pleo-id") or "")
            if not pleo_id or pleo_id not in wanted or pleo_id in found:
                continue
            amounts: dict[str, Decimal] = defaultdict(Decimal)
            for posting in txn.postings:
                amounts[posting.account] += posting.units.number
            currency = txn.postings[0].units.currency if txn.postings else ""
            found[pleo_id] = PostedEntry(self._ref(pleo_id), txn.date, currency, dict(amounts))
        return found

    def canonical_account(self, account: str) -> str:
        with self._locked(exclusive=False) as handle:
            names = self._current(handle, require_valid=False).names
        return names.get(account, account)

    def post(self, entry: JournalEntry) -> ExternalRef:
        with self._locked(exclusive=True) as handle:
            return self._post_locked(handle, self._current(handle), entry)

    def _post_locked(
        self, handle: BinaryIO, state: LedgerState, entry: JournalEntry
    ) -> ExternalRef:
        """Append one entry, with the lock held and `state` current."""
        if entry.pleo_id in state.ids:
            return self._ref(entry.pleo_id)
        problems = self._validate_against(entry, state)
        if problems:
            raise problems[0]
        documents = self._receipt_paths(entry)
        text = printer.format_entry(self._transaction(entry, state.names, documents))
        whole_ledger = state.context is None or state.changes_asserted_balance(entry)
        if not whole_ledger:
            errors = _check_alone(state.context, text)
            if errors:
                raise PermanentError(
                    f"Beancount rejected the entry: {_format_errors(errors)}", detail=text
                )
        written = self._write_receipts(entry)
        size = handle.seek(0, os.SEEK_END)
        try:
            self._write(handle, b"\n" + text.encode())
            checked = self._full_check(_file_key(handle)) if whole_ledger else None
        except BaseException:
            self._take_back(handle, size, entry, written, state)
            raise
        if checked is None:
            state.ids.add(entry.pleo_id)
            state.key = _file_key(handle)
        elif checked.errors:
            self._take_back(handle, size, entry, written, state)
            raise PermanentError(
                f"Beancount rejected the entry: {_format_errors(checked.errors)}",
                detail=text,
            )
        else:
            self._state = checked
        return self._ref(entry.pleo_id)

    def post_many(self, entries: Sequence[JournalEntry]) -> list[ExternalRef | ConnectorError]:
        """A page under one lock, in one write (one fsync) after one check by Beancount.

        The page's new transactions are checked together against the ledger's context (or, when
        that is not enough, the whole ledger after the append, taken back if it fails); if
        Beancount objects, the page is appended entry by entry instead, so each gets its own
        result. The write is the commit point: a process killed after it leaves the whole page
        in the ledger, where the next attempt finds it.
        """
        results: list[ExternalRef | ConnectorError | None] = [None] * len(entries)
        try:
            with self._locked(exclusive=True) as handle:
                state = self._current(handle)
                new: dict[str, tuple[JournalEntry, str]] = {}
                for index, entry in enumerate(entries):
                    if entry.pleo_id in state.ids or entry.pleo_id in new:
                        results[index] = self._ref(entry.pleo_id)
                        continue
                    problems = self._validate_against(entry, state)
                    if problems:
                        results[index] = problems[0]
                        continue
                    documents = self._receipt_paths(entry)
                    text = printer.format_entry(self._transaction(entry, state.names, documents))
                    new[entry.pleo_id] = (entry, text)
                if new and not self._append_page(handle, state, list(new.values())):
                    for index, entry in enumerate(entries):
                        if entry.pleo_id in new and results[index] is None:
                            try:
                                results[index] = self._post_locked(
                                    handle, self._current(handle), entry
                                )
                            except ConnectorError as error:
                                results[index] = error
                for index, entry in enumerate(entries):
                    if results[index] is None:
                        results[index] = self._ref(entry.pleo_id)
        except ConnectorError as error:
            return [result or error for result in results]
        return results  # type: ignore[return-value]

    def _append_page(
        self, handle: BinaryIO, state: LedgerState, page: list[tuple[JournalEntry, str]]
    ) -> bool:
        """Append the page's texts in one write if Beancount accepts them; False if it does not
        (then nothing is left of them)."""
        texts = "\n".join(text for _entry, text in page)
        whole_ledger = state.context is None or any(
            state.changes_asserted_balance(entry) for entry, _text in page
        )
        if not whole_ledger and _check_alone(state.context, texts):
            return False
        written = [(entry, self._write_receipts(entry)) for entry, _text in page]
        size = handle.seek(0, os.SEEK_END)
        try:
            self._write(handle, b"\n" + texts.encode())
            checked = self._full_check(_file_key(handle)) if whole_ledger else None
        except BaseException:
            self._take_back_page(handle, size, written, state)
            raise
        if checked is None:
            state.ids.update(entry.pleo_id for entry, _text in page)
            state.key = _file_key(handle)
        elif checked.errors:
            self._take_back_page(handle, size, written, state)
            return False
        else:
            self._state = checked
        return True

    def _write(self, handle: BinaryIO, data: bytes) -> None:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())

    def _take_back_page(self, handle, size, written, state) -> None:
        handle.truncate(size)
        handle.flush()
        os.fsync(handle.fileno())
        for entry, paths in written:
            self._remove_receipts(entry, paths)
        state.key = _file_key(handle)

    def _take_back(
        self,
        handle: BinaryIO,
        size: int,
        entry: JournalEntry,
        written: dict[str, str],
        state: LedgerState,
    ) -> None:
        """Truncate the ledger back to `size` (byte-identical again) and remove the receipts."""
        handle.truncate(size)
        handle.flush()
        os.fsync(handle.fileno())
        self._remove_receipts(entry, written)
        state.key = _file_key(handle)  # the file is again what `state` describes

    def attach_receipts(self, ref: ExternalRef, entry: JournalEntry) -> None:
        """Receipts are written by `post()` (their paths are part of the appended text)."""
        self._write_receipts(entry)

    # -- helpers ----------------------------------------------------------------------------

    def _ref(self, pleo_id: str) -> ExternalRef:
        link = f"pleo-{pleo_id}"
        url = f"{self.fava_url}/journal/?filter={quote('^' + link)}" if self.fava_url else ""
        return ExternalRef(id=link, url=url)

    def _receipt_paths(self, entry: JournalEntry) -> dict[str, str]:
        """{metadata key: path relative to the ledger folder} of the entry's receipt files."""
        return {
            key: str(target.relative_to(self.path.parent))
            for key, target, _receipt in self._receipt_files(entry)
        }

    def _receipt_files(self, entry: JournalEntry):
        for number, receipt in enumerate(entry.receipts, start=1):
            name = _FILE_NAME_BAD.sub("_", receipt.name).strip("._") or f"receipt-{number}"
            target = self.receipts_dir / entry.pleo_id / f"{number}-{name}"
            key = "document" if number == 1 else f"document-{number}"
            yield key, target, receipt

    def _write_receipts(self, entry: JournalEntry) -> dict[str, str]:
        """Write receipt files; return {metadata key: path relative to the ledger folder}."""
        written = {}
        for key, target, receipt in self._receipt_files(entry):
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(receipt.read())
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
