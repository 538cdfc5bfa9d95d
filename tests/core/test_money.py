from __future__ import annotations

from decimal import Decimal

import pytest

from exporthub.core.money import currency_exponent, from_minor_units, to_minor_units


@pytest.mark.parametrize(
    ("currency", "exponent"), [("EUR", 2), ("DKK", 2), ("JPY", 0), ("KWD", 3), ("eur", 2)]
)
def test_it_knows_each_currencys_exponent(currency, exponent):
    assert currency_exponent(currency) == exponent


@pytest.mark.parametrize(
    ("value", "currency", "amount"),
    [
        (12345, "EUR", Decimal("123.45")),
        (12345, "JPY", Decimal("12345")),
        (12345, "KWD", Decimal("12.345")),
        (-500, "DKK", Decimal("-5.00")),
        (1999.0, "EUR", Decimal("19.99")),
        ("7", "EUR", Decimal("0.07")),
    ],
)
def test_it_converts_minor_units_to_decimal_without_floats(value, currency, amount):
    result = from_minor_units(value, currency)
    assert isinstance(result, Decimal)
    assert result == amount


def test_it_round_trips_minor_units():
    assert to_minor_units(Decimal("12.345"), "KWD") == 12345
    assert to_minor_units(Decimal("100"), "JPY") == 100


def test_it_refuses_fractions_of_a_minor_unit():
    with pytest.raises(ValueError, match="not a whole number"):
        from_minor_units(12.5, "EUR")
    with pytest.raises(ValueError, match="more decimals than JPY"):
        to_minor_units(Decimal("1.5"), "JPY")
