"""Money helpers: Pleo sends amounts in minor units; we hold them as Decimal in major units."""

from __future__ import annotations

from decimal import Decimal

# ISO 4217 minor-unit exponents that differ from the usual 2.
_EXPONENTS = {
    **dict.fromkeys(
        [
            "BIF",
            "CLP",
            "DJF",
            "GNF",
            "ISK",
            "JPY",
            "KMF",
            "KRW",
            "PYG",
            "RWF",
            "UGX",
            "UYI",
            "VND",
            "VUV",
            "XAF",
            "XOF",
            "XPF",
        ],
        0,
    ),
    **dict.fromkeys(["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"], 3),
    **dict.fromkeys(["CLF", "UYW"], 4),
}


def currency_exponent(currency: str) -> int:
    """How many decimal places the currency has (JPY 0, EUR 2, KWD 3)."""
    return _EXPONENTS.get(currency.upper(), 2)


def from_minor_units(value: int | str | Decimal, currency: str) -> Decimal:
    """Turn a minor-unit amount (as Pleo sends it) into a Decimal in major units."""
    minor = Decimal(str(value))
    if minor != minor.to_integral_value():
        raise ValueError(f"{value!r} is not a whole number of minor units of {currency}")
    return minor.scaleb(-currency_exponent(currency))


def to_minor_units(amount: Decimal, currency: str) -> int:
    """Turn a major-unit Decimal into whole minor units; refuses amounts finer than the currency."""
    minor = amount.scaleb(currency_exponent(currency))
    if minor != minor.to_integral_value():
        raise ValueError(f"{amount} has more decimals than {currency} allows")
    return int(minor)
