"""Money in Pleo payloads: whole minor units plus an ISO 4217 currency; never a float."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from exporthub.core.money import from_minor_units
from exporthub.pleo.parsing import PayloadIssue, Reader


@dataclass(frozen=True)
class Money:
    """An amount as Pleo sends it: whole minor units of `currency` (896.96 SEK → 89696)."""

    currency: str
    minor_units: int

    @property
    def amount(self) -> Decimal:
        """The amount in major units, with the currency's exponent (JPY 0, EUR 2, KWD 3)."""
        return from_minor_units(self.minor_units, self.currency)

    @classmethod
    def read(cls, r: Reader, *, value_key: str = "value") -> Money:
        currency = r.str("currency")
        try:
            minor_units = r.int(value_key)
        except PayloadIssue as issue:
            if issue.problem.startswith("expected a whole number"):
                raise PayloadIssue(issue.path, issue.problem + " of minor units") from None
            raise
        return cls(currency=currency, minor_units=minor_units)


@dataclass(frozen=True)
class AmountPair:
    """One amount in the supplier's currency and in the Pleo wallet's currency."""

    in_supplier_currency: Money
    in_wallet_currency: Money

    @classmethod
    def read(cls, r: Reader) -> AmountPair:
        return cls(Money.read(r.obj("inSupplierCurrency")), Money.read(r.obj("inWalletCurrency")))
