"""What a connector's test module hands the conformance kit: its real target, and how to read it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from exporthub.connectors.base import Connector
from exporthub.connectors.testing.corpus import Chart


@dataclass(frozen=True)
class PostedLine:
    """One line of an entry as the target holds it; `account` in the chart's terms (its code)."""

    account: str
    debit: Decimal = Decimal(0)
    credit: Decimal = Decimal(0)


@dataclass(frozen=True)
class Posted:
    """One entry as the target holds it, read without the connector (an independent reader).

    `id` is what the connector's `ExternalRef.id` names. Give `text` (everything the target
    stores as the entry's description, e.g. its narration) and `receipts` (the files' bytes) when
    the target keeps them, None when it does not (then `Supports` says so).
    """

    id: str
    currency: str
    lines: tuple[PostedLine, ...]
    text: str | None = None
    receipts: tuple[bytes, ...] | None = None


@dataclass(frozen=True)
class Supports:
    """What the target can do. Each False is a declared limit the kit checks, never a skip.

    tax_codes    unknown tax codes are refused (TaxCodeUnknownError); False: the target has no
                 tax codes at all (its `taxes()` is empty and lines' codes are only recorded)
    dimensions   unknown dimension values are refused (TagUnknownError); False: none (empty)
    vendors      a party code the target does not know is refused (VendorUnknownError); False:
                 party codes are recorded as given
    currencies   the booking currencies the target takes; None: any. Entries in any other
                 currency are refused with a PermanentError before anything is written
    receipts     receipts are stored with the entry (and `Posted.receipts` reads them back)
    validates_master_data
                 `validate()` finds unknown accounts, tax codes, ... itself; False when only the
                 target knows (then they surface from `post()`, still writing nothing)
    """

    tax_codes: bool = True
    dimensions: bool = True
    vendors: bool = True
    currencies: frozenset[str] | None = None
    receipts: bool = True
    validates_master_data: bool = True

    def books(self, currency: str) -> bool:
        return self.currencies is None or currency in self.currencies


@dataclass(frozen=True)
class Target:
    """A connector's real target for the kit.

    connect       a new, ready connector instance for the target (also called in a forked child)
    read          every entry the target holds for a Pleo id, read independently of the connector
    chart         the codes the corpus uses, as the target knows them
    misconfigured a connector for the target with wrong settings or credentials (a missing
                  folder, a wrong key): building it or its `check_connection()` must raise a
                  ConfigError
    supports      what the target can do (see `Supports`)
    unreachable   a connector pointed at a target that does not answer: `check_connection()`
                  must raise a RetryableError (None: the connector reaches nothing over a
                  network, so it must have no `endpoint_settings`)
    """

    connect: Callable[[], Connector]
    read: Callable[[str], list[Posted]]
    chart: Chart
    misconfigured: Callable[[], Connector]
    supports: Supports = field(default_factory=Supports)
    unreachable: Callable[[], Connector] | None = None
