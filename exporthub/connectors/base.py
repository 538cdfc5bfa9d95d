"""The connector contract: the neutral journal entry, references, master data and the base class.

Connectors receive a `JournalEntry` (never Pleo JSON: `sync` converts export items into entries)
and write it to one accounting system. Every failure a connector knows about is raised as one of
the errors in `exporthub.connectors.errors`; anything else propagates and is recorded as internal.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar, Self

from exporthub.connectors.errors import (  # noqa: F401  (re-exported: the taxonomy is part of the contract)
    AccountUnknownError,
    AuthenticationError,
    AuthorizationError,
    ConfigError,
    ConnectorError,
    MissingConfigError,
    PermanentError,
    RateLimitedError,
    ReceiptTooLargeError,
    ReceiptUploadError,
    RetryableError,
    SystemTimeoutError,
    TagUnknownError,
    TaxCodeUnknownError,
    UnreachableError,
    ValidationError,
    VendorUnknownError,
)
from exporthub.core.money import currency_exponent

if TYPE_CHECKING:
    from django import forms

    from exporthub.connectors.models import ConnectorConfig

ZERO = Decimal("0")


@dataclass(frozen=True)
class Amount:
    """A money amount in major units (`Decimal("12.50")`, not minor units)."""

    value: Decimal
    currency: str


@dataclass(frozen=True)
class Party:
    """The counterparty of an entry: the ERP vendor if Pleo knows it, else the merchant."""

    name: str
    code: str = ""  # the party's code/number in the accounting system, when known
    external_id: str = ""  # the accounting system's internal id, when known
    country: str = ""
    tax_id: str = ""
    registration_number: str = ""


@dataclass(frozen=True)
class Receipt:
    """One receipt file: give `content`, or `fetch` to download it only when it is needed."""

    name: str
    content_type: str = "application/octet-stream"
    content: bytes | None = None
    fetch: Callable[[], bytes] | None = None

    def read(self) -> bytes:
        if self.content is not None:
            return self.content
        if self.fetch is None:
            raise ValueError(f"Receipt {self.name!r} has neither content nor a fetch function")
        return self.fetch()


@dataclass(frozen=True)
class JournalLine:
    """One line of a double-entry journal entry, in the entry's booking currency.

    `tax_code` names the tax this line relates to. On an ordinary (base) line, `tax_amount` is
    the tax charged on it; a line with `is_tax=True` books that tax itself (its amount *is* the
    tax). `dimensions` maps a dimension (Pleo tag group code) to its value code.
    """

    account: str
    debit: Decimal = ZERO
    credit: Decimal = ZERO
    text: str = ""
    tax_code: str = ""
    tax_amount: Decimal | None = None
    is_tax: bool = False
    dimensions: Mapping[str, str] = field(default_factory=dict)

    @property
    def amount(self) -> Decimal:
        """Signed amount: debit positive, credit negative."""
        return self.debit - self.credit


@dataclass(frozen=True)
class JournalEntry:
    """A balanced journal entry built from one Pleo export item (accounting entry).

    `pleo_id` is Pleo's accountingEntryId and the idempotency key in every connector. Lines are in
    `currency` (the wallet/booking currency); `wallet_amount` and `supplier_amount` carry the
    totals as Pleo reports them, so a connector can record the original currency.
    """

    pleo_id: str
    date: dt.date
    currency: str
    lines: tuple[JournalLine, ...]
    text: str = ""
    kind: str = ""  # Pleo export item type: card_purchase, invoice, refund, ...
    reference: str = ""  # Pleo's reconciliation ("book") id
    company_ref: str = ""  # Pleo companyId, or the company's code in the accounting system
    party: Party | None = None
    wallet_amount: Amount | None = None
    supplier_amount: Amount | None = None
    receipts: tuple[Receipt, ...] = ()
    invoice_number: str = ""
    due_date: dt.date | None = None
    source_url: str = ""  # deep link back to the item in Pleo
    metadata: Mapping[str, str] = field(default_factory=dict)  # spender, team, attendees, ...
    # What the entry is exported with (the Pleo export job id), for systems that group entries
    # into batches (file journals: one file per job); "" when posted on its own.
    batch_key: str = ""

    def total_debit(self) -> Decimal:
        return sum((line.debit for line in self.lines), ZERO)

    def total_credit(self) -> Decimal:
        return sum((line.credit for line in self.lines), ZERO)

    def balance(self) -> Decimal:
        """Σdebit − Σcredit, rounded to the currency's minor unit."""
        quantum = Decimal(1).scaleb(-currency_exponent(self.currency))
        return (self.total_debit() - self.total_credit()).quantize(quantum)

    @property
    def is_balanced(self) -> bool:
        return self.balance() == 0

    def problems(self) -> list[str]:
        """What makes this entry unfit for any ledger, independent of the target system."""
        found = []
        if not self.pleo_id:
            found.append("The entry has no Pleo id.")
        if len(self.lines) < 2:
            found.append("A journal entry needs at least two lines.")
        exponent = currency_exponent(self.currency)
        for number, line in enumerate(self.lines, start=1):
            if not line.account:
                found.append(f"Line {number} has no account.")
            if line.debit < 0 or line.credit < 0:
                found.append(f"Line {number} has a negative debit or credit.")
            if line.debit and line.credit:
                found.append(f"Line {number} has both a debit and a credit.")
            for value in (line.debit, line.credit):
                if -value.as_tuple().exponent > exponent:  # type: ignore[operator]
                    found.append(f"Line {number}: {value} has more decimals than {self.currency}.")
        if not self.is_balanced:
            found.append(
                f"The entry does not balance: debit {self.total_debit()} ≠ credit "
                f"{self.total_credit()} {self.currency}."
            )
        return found

    def replace(self, **changes: Any) -> JournalEntry:
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True)
class ExternalRef:
    """Where an entry ended up: the accounting system's id, a link for people, and a label."""

    id: str
    url: str = ""
    label: str = ""  # what accountants see, e.g. a posted move number


@dataclass(frozen=True)
class PostedEntry:
    """A posting as the accounting system holds it now, read back for reconciliation.

    `amounts` maps each account (as `Connector.canonical_account` names it) to the entry's net
    signed amount on it (debit positive), in `currency`.
    """

    ref: ExternalRef
    date: dt.date
    currency: str
    amounts: Mapping[str, Decimal]


# Master data, as plain values. `code` is always what a JournalEntry refers to.
@dataclass(frozen=True)
class Account:
    code: str
    name: str
    kind: str = ""  # expense, payable, tax, ... when the system says


@dataclass(frozen=True)
class Tax:
    code: str
    name: str
    rate: Decimal | None = None


@dataclass(frozen=True)
class Dimension:
    group: str  # Pleo tag group code ↔ e.g. an analytic root
    code: str
    name: str = ""


@dataclass(frozen=True)
class Period:
    name: str
    start: dt.date
    end: dt.date


@dataclass(frozen=True)
class MasterData:
    accounts: list[Account]
    taxes: list[Tax]
    dimensions: list[Dimension]
    parties: list[Party]
    periods: list[Period]


class Connector:
    """Base class for one accounting system. This docstring is the contract.

    * One instance serves one job: build it from a `ConnectorConfig`, use it, `close()` it (or use
      it as a context manager). It may keep one HTTP client and cache master data meanwhile.
    * `post()` is idempotent: calling it again for the same `entry.pleo_id` returns the first
      result and never creates a second ledger entry. It looks the entry up by Pleo id first
      (`find()`), and completes a half-done earlier attempt instead of starting over.
    * Entries are validated before anything is written: an entry that `validate()` objects to,
      or that does not balance, raises a `PermanentError` subclass and writes nothing.
    * Known failures are translated into the taxonomy in `errors.py` (unreachable, timeout and
      rate limits → `RetryableError`; credentials and settings → `ConfigError`; the system
      refusing the entry → `PermanentError` carrying the system's own message). Unknown failures
      are not caught: they propagate and the engine records them as internal errors. Never catch
      an exception only to log it, and never put secrets into messages.
    * Connectors see only `JournalEntry`/`ExternalRef` and master-data values, never Pleo JSON.
    """

    kind: ClassVar[str]
    label: ClassVar[str]
    config_form: ClassVar[type[forms.Form] | None] = None
    secret_fields: ClassVar[tuple[str, ...]] = ()
    # Settings the connector sends its secrets to (changing one needs the secrets again), links
    # shown to people, and files it writes (kept inside the data folder); see settings_policy.
    endpoint_settings: ClassVar[tuple[str, ...]] = ()
    link_settings: ClassVar[tuple[str, ...]] = ()
    data_path_settings: ClassVar[tuple[str, ...]] = ()
    max_attempts: ClassVar[int] = 5
    # True for systems that lock postings by accounting period (then `open_periods()` matters).
    uses_periods: ClassVar[bool] = False
    # True for systems where an entry may name an account instead of giving its code.
    accounts_by_name: ClassVar[bool] = False

    def __init__(self, config: ConnectorConfig) -> None:
        self.config = config
        self.settings: Mapping[str, Any] = config.settings or {}

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def check_connection(self) -> None:
        """Check that the system is reachable and accepts our credentials; return None if so.

        Raises `RetryableError` (unreachable, timeout) or `ConfigError` (authentication,
        settings). Called from the settings page and before each job.
        """
        raise NotImplementedError

    def fetch_master_data(self) -> MasterData:
        """Accounts, taxes, dimensions, parties and open periods, as plain values."""
        return MasterData(
            accounts=self.accounts(),
            taxes=self.taxes(),
            dimensions=self.dimensions(),
            parties=self.parties(),
            periods=self.open_periods(),
        )

    def accounts(self) -> list[Account]:
        """The accounts entries may be booked on."""
        raise NotImplementedError

    def taxes(self) -> list[Tax]:
        """The tax codes lines may refer to (empty if the system has none)."""
        return []

    def dimensions(self) -> list[Dimension]:
        """The dimension values (analytic accounts, tags) lines may refer to."""
        return []

    def parties(self) -> list[Party]:
        """Known parties (suppliers)."""
        return []

    def open_periods(self) -> list[Period]:
        """Periods that accept postings (empty if the system has no period locking)."""
        return []

    def company_name(self) -> str:
        """The company this connection posts into, as the system names it ("" if it has none)."""
        return ""

    def validate(self, entry: JournalEntry) -> list[ConnectorError]:
        """Everything wrong with `entry` for this system, as errors (not raised); [] if fine.

        The base implementation checks what holds for every ledger (balance, lines, decimals);
        connectors extend it with checks against their master data (unknown account, tax code,
        dimension, party, closed period). Must not write anything.
        """
        return [ValidationError(problem) for problem in entry.problems()]

    def ensure_valid(self, entry: JournalEntry) -> None:
        """Raise the first problem `validate()` finds; call this in `post()` before writing."""
        problems = self.validate(entry)
        if problems:
            raise problems[0]

    def find(self, pleo_id: str) -> ExternalRef | None:
        """The reference of the entry already written for this Pleo id, or None.

        Returns exactly what `post()` returned (or would return) for that entry.
        """
        raise NotImplementedError

    def post(self, entry: JournalEntry) -> ExternalRef:
        """Write `entry` (with its receipts) and return where it ended up. Idempotent."""
        raise NotImplementedError

    def post_many(self, entries: Sequence[JournalEntry]) -> list[ExternalRef | ConnectorError]:
        """Post a page of entries; one result per entry, in order: its reference or its error.

        The same promise as `post()` for each entry (idempotent, validated first, exactly once).
        This default posts them one by one; a connector whose system takes batches overrides it
        to look the page up, write and post it in a few calls, falling back to one by one when
        the system refuses a batch. Errors outside the taxonomy propagate, as from `post()`.
        """
        results: list[ExternalRef | ConnectorError] = []
        for entry in entries:
            try:
                results.append(self.post(entry))
            except ConnectorError as error:
                results.append(error)
        return results

    def attach_receipts(self, ref: ExternalRef, entry: JournalEntry) -> None:
        """Attach `entry.receipts` to the written entry; receipts already there are skipped."""
        raise NotImplementedError

    def read_postings(self, pleo_ids: Sequence[str]) -> dict[str, PostedEntry]:
        """The postings of these Pleo ids as the system holds them now (ids it lacks are left
        out). Optional: a connector that cannot read postings back raises NotImplementedError,
        and reconciliation then checks with `find()` only. Must not write anything."""
        raise NotImplementedError

    def canonical_account(self, account: str) -> str:
        """How `read_postings` names the account an entry line gives (e.g. a code → a name)."""
        return account

    def retry_delay(self, attempt: int) -> timedelta:
        """How long to wait before attempt number `attempt + 1`: exponential, capped at 1 hour."""
        return timedelta(seconds=min(30 * 2 ** max(attempt - 1, 0), 3600))

    def close(self) -> None:
        """Release clients and files; the instance is not used afterwards."""
