"""Money, dates and times written the way a locale writes them, through Babel.

A page shows a company's numbers in that company's locale (`1.234,56 kr.` for a Danish one,
`DKK1,234.56` for a US one), whatever language the reader chose for the interface. Which
locale applies is decided once per request (see `exporthub.dashboard.locale_scope`) and kept in
a context variable, so template filters need no argument for it; code outside a request (a
task, a command) gets the locale of the active interface language.

Amounts keep the currency's own number of decimals from `exporthub.core.money` (JPY 0, DKK 2,
KWD 3), not Babel's idea of them, so one table decides how precise an amount is.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from decimal import Decimal

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_time, get_datetime_format
from babel.languages import get_official_languages
from babel.numbers import get_currency_symbol
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from exporthub.core.money import currency_exponent, from_minor_units

# The locales offered for a company (Pleo's markets); any locale Babel knows is accepted.
SUPPORTED_LOCALES = (
    "da_DK",
    "de_AT",
    "de_DE",
    "en_GB",
    "en_IE",
    "en_US",
    "es_ES",
    "et_EE",
    "fi_FI",
    "fr_BE",
    "fr_FR",
    "it_IT",
    "nb_NO",
    "nl_BE",
    "nl_NL",
    "pt_PT",
    "sv_SE",
)

_page_locale: ContextVar[str | Callable[[], str | None] | None] = ContextVar(
    "exporthub_formatting_locale", default=None
)


class _Once:
    """A resolver that runs at most once, so a page asks the database for its locale once."""

    def __init__(self, resolve: Callable[[], str | None]):
        self._resolve = resolve
        self._done = False
        self._value: str | None = None

    def __call__(self) -> str | None:
        if not self._done:
            self._value, self._done = self._resolve(), True
        return self._value


@contextmanager
def formatting_locale(locale: str | Callable[[], str | None] | None) -> Iterator[None]:
    """Format in `locale` inside the block; a callable is asked on first use, at most once.

    None (or a callable answering None) means the locale of the active interface language.
    """
    token = _page_locale.set(_Once(locale) if callable(locale) else locale)
    try:
        yield
    finally:
        _page_locale.reset(token)


def current_locale() -> Locale:
    """The locale amounts and dates are written in right now."""
    chosen = _page_locale.get()
    if callable(chosen):
        chosen = chosen()
    return _parse(chosen) or language_locale()


def language_locale() -> Locale:
    """The locale of the active interface language (`da` → Danish, `en` → English)."""
    return _parse(translation.to_locale(translation.get_language() or "en")) or Locale("en")


def locale_for_country(country: str | None) -> str:
    """A country's usual locale (`DK` → `da_DK`, `NO` → `nb_NO`), or "" when unknown."""
    if not country:
        return ""
    country = country.upper()
    codes = [f"{language}_{country}" for language in get_official_languages(country, de_facto=True)]
    offered = [code for code in codes if code in SUPPORTED_LOCALES]
    return next((code for code in offered + codes if _parse(code)), "")


def locale_choices() -> list[tuple[str, str]]:
    """The supported locales as (code, name), named in the reader's language."""
    return sorted(
        ((code, locale_display_name(code)) for code in SUPPORTED_LOCALES),
        key=lambda choice: choice[1].casefold(),
    )


def locale_display_name(code: str) -> str:
    """A locale's name in the reader's language: `da_DK` → "Danish (Denmark)"/"dansk (Danmark)"."""
    locale = _parse(code)
    return (locale.get_display_name(language_locale()) if locale else None) or code


def validate_locale(value: str) -> None:
    """Model/form validator: `value` must be a locale Babel knows, such as `da_DK`."""
    if value and _parse(value) is None:
        raise ValidationError(
            _("%(value)s is not a locale (expected something like da_DK)."),
            params={"value": value},
        )


def format_money(amount: Decimal | int | str, currency: str, locale: Locale | None = None) -> str:
    """A major-unit amount with its currency, in the currency's own decimals.

    A currency code written right against the digits gets a no-break space, as CLDR's currency
    spacing rule says (`DKK 1,234.56`, not `DKK1,234.56`); Babel does not apply that rule.
    """
    locale, currency = locale or current_locale(), currency.upper()
    pattern = copy.copy(locale.currency_formats["standard"])
    decimals = currency_exponent(currency)
    pattern.frac_prec = (decimals, decimals)
    symbol = get_currency_symbol(currency, locale)
    if symbol[-1:].isalpha():
        pattern.prefix = tuple(_space_after_sign(part) for part in pattern.prefix)
    if symbol[:1].isalpha():
        pattern.suffix = tuple(_space_before_sign(part) for part in pattern.suffix)
    return pattern.apply(Decimal(str(amount)), locale, currency=currency, currency_digits=False)


def _space_after_sign(prefix: str) -> str:
    return f"{prefix}\N{NO-BREAK SPACE}" if prefix.endswith("¤") else prefix


def _space_before_sign(suffix: str) -> str:
    return f"\N{NO-BREAK SPACE}{suffix}" if suffix.startswith("¤") else suffix


def format_minor_units(minor: int | str, currency: str, locale: Locale | None = None) -> str:
    """Minor units as Pleo sends them (123456, "DKK") as money (`1.234,56 kr.`)."""
    return format_money(from_minor_units(minor, currency), currency, locale)


def format_number(value: Decimal | int | str, decimals: int | None = None, locale=None) -> str:
    """A number with the locale's separators: exactly `decimals` places, or as many as it has."""
    locale = locale or current_locale()
    value = Decimal(str(value))
    if decimals is None:
        decimals = max(0, -int(value.as_tuple().exponent))
    pattern = copy.copy(locale.decimal_formats[None])
    pattern.frac_prec = (decimals, decimals)
    return pattern.apply(value, locale)


def format_day(value: date, locale: Locale | None = None) -> str:
    """A date as the locale writes it in lists (`1. feb. 2026`, `Feb 1, 2026`)."""
    if isinstance(value, datetime):
        value = _local(value).date()
    return format_date(value, "medium", locale=locale or current_locale())


def format_moment(value: datetime, locale: Locale | None = None) -> str:
    """A point in time in the current time zone, with the zone (`1. feb. 2026 10.05 CET`)."""
    locale = locale or current_locale()
    local = _local(value)
    joined = (
        get_datetime_format("medium", locale=locale)
        .replace("'", "")
        .replace("{0}", format_time(local, "short", locale=locale))
        .replace("{1}", format_date(local, "medium", locale=locale))
    )
    zone = local.tzname()
    return f"{joined} {zone}" if zone else joined


def iso(value: date) -> str:
    """ISO 8601: a date as 2026-02-01, a datetime in the current time zone with its offset."""
    if isinstance(value, datetime):
        return _local(value).isoformat(timespec="seconds")
    return value.isoformat()


def _local(value: datetime) -> datetime:
    return timezone.localtime(value) if timezone.is_aware(value) else value


def _parse(code: str | None) -> Locale | None:
    if not code:
        return None
    try:
        return Locale.parse(code)
    except (UnknownLocaleError, ValueError, TypeError):
        return None
