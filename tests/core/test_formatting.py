"""Money and dates written the way a locale writes them (Babel), in the currency's own decimals."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from babel import Locale
from django.utils import timezone, translation

from exporthub.core.formatting import (
    current_locale,
    format_day,
    format_minor_units,
    format_moment,
    format_number,
    formatting_locale,
    iso,
    locale_for_country,
)

NBSP = "\N{NO-BREAK SPACE}"
NNBSP = "\N{NARROW NO-BREAK SPACE}"
DANISH, AMERICAN, GERMAN = Locale.parse("da_DK"), Locale.parse("en_US"), Locale.parse("de_DE")


@pytest.mark.parametrize(
    ("minor", "currency", "locale", "shown"),
    [
        (123456, "DKK", DANISH, f"1.234,56{NBSP}kr."),
        (123456, "DKK", AMERICAN, f"DKK{NBSP}1,234.56"),
        (123456, "EUR", GERMAN, f"1.234,56{NBSP}€"),
        (-123456, "DKK", DANISH, f"-1.234,56{NBSP}kr."),
        (1234, "JPY", AMERICAN, "¥1,234"),  # no decimals
        (1234, "JPY", DANISH, f"1.234{NBSP}JP¥"),
        (12345, "KWD", AMERICAN, f"KWD{NBSP}12.345"),  # three decimals
        (12345, "KWD", DANISH, f"12,345{NBSP}KWD"),
        (100, "DKK", DANISH, f"1,00{NBSP}kr."),  # the decimals show even when zero
        (100, "dkk", DANISH, f"1,00{NBSP}kr."),
    ],
)
def test_it_writes_money_in_the_locale_with_the_currencys_own_decimals(
    minor, currency, locale, shown
):
    assert format_minor_units(minor, currency, locale) == shown


def test_it_writes_a_plain_number_with_the_locales_separators():
    assert format_number("1234.5", 2, DANISH) == "1.234,50"
    assert format_number("1234.50", locale=AMERICAN) == "1,234.50"  # as many decimals as it has
    assert format_number("-7", locale=DANISH) == "-7"


def test_it_writes_dates_and_times_in_the_locale_and_the_current_time_zone():
    moment = dt.datetime(2026, 2, 1, 9, 5, tzinfo=dt.UTC)
    with timezone.override(zoneinfo.ZoneInfo("Europe/Copenhagen")):
        assert format_day(moment, DANISH) == "1. feb. 2026"
        assert format_day(dt.date(2026, 2, 1), AMERICAN) == "Feb 1, 2026"
        assert format_moment(moment, DANISH) == "1. feb. 2026 10.05 CET"
        assert format_moment(moment, AMERICAN) == f"Feb 1, 2026, 10:05{NNBSP}AM CET"
        assert iso(moment) == "2026-02-01T10:05:00+01:00"
        assert iso(dt.date(2026, 2, 1)) == "2026-02-01"


def test_it_formats_in_the_chosen_locale_and_else_in_the_interface_language():
    with translation.override("da"):
        assert current_locale() == Locale.parse("da")
        with formatting_locale("en_US"):
            assert format_minor_units(123456, "DKK") == f"DKK{NBSP}1,234.56"
        with formatting_locale(None):
            assert format_minor_units(123456, "DKK") == f"1.234,56{NBSP}kr."
    with translation.override("en"):
        assert format_minor_units(123456, "DKK") == f"DKK{NBSP}1,234.56"


def test_it_asks_a_lazy_locale_once_and_only_when_something_is_formatted():
    asked = []

    def page_locale():
        asked.append(1)
        return "da_DK"

    with formatting_locale(page_locale):
        assert asked == []
        assert format_minor_units(100, "DKK") == f"1,00{NBSP}kr."
        assert format_minor_units(200, "DKK") == f"2,00{NBSP}kr."
    assert asked == [1]


@pytest.mark.parametrize(
    ("country", "locale"),
    [("DK", "da_DK"), ("se", "sv_SE"), ("NO", "nb_NO"), ("US", "en_US"), ("GB", "en_GB"),
     ("XX", ""), (None, "")],
)  # fmt: skip
def test_it_knows_a_countrys_usual_locale(country, locale):
    assert locale_for_country(country) == locale
