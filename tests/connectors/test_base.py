from __future__ import annotations

import datetime as dt
from datetime import timedelta
from decimal import Decimal

from exporthub.connectors.base import Connector, JournalEntry, JournalLine, Receipt
from exporthub.connectors.models import ConnectorConfig
from tests.connectors.conftest import BEANCOUNT_CHART
from tests.connectors.entries import make_entry, unbalanced


def entry_with(*lines: JournalLine, currency: str = "EUR") -> JournalEntry:
    return JournalEntry("e1", dt.date(2026, 1, 1), currency, lines)


def test_it_balances_to_the_cent():
    entry = make_entry(BEANCOUNT_CHART, gross="33.33")

    assert entry.balance() == Decimal("0.00")
    assert entry.is_balanced
    assert entry.problems() == []


def test_it_reports_an_unbalanced_entry():
    entry = unbalanced(make_entry(BEANCOUNT_CHART))

    assert entry.balance() == Decimal("1.00")
    assert not entry.is_balanced
    assert entry.problems() == ["The entry does not balance: debit 100.00 ≠ credit 99.00 EUR."]


def test_it_rejects_more_decimals_than_the_currency_has():
    entry = entry_with(
        JournalLine("A", debit=Decimal("10.005")),
        JournalLine("B", credit=Decimal("10.005")),
    )

    assert entry.problems() == [
        "Line 1: 10.005 has more decimals than EUR.",
        "Line 2: 10.005 has more decimals than EUR.",
    ]


def test_it_rejects_malformed_lines():
    entry = entry_with(JournalLine("", debit=Decimal("5"), credit=Decimal("5")))

    assert entry.problems() == [
        "A journal entry needs at least two lines.",
        "Line 1 has no account.",
        "Line 1 has both a debit and a credit.",
    ]


def test_it_uses_whole_units_for_yen():
    entry = entry_with(
        JournalLine("A", debit=Decimal("100")),
        JournalLine("B", credit=Decimal("100")),
        currency="JPY",
    )

    assert entry.balance() == Decimal("0")
    assert entry.problems() == []


def test_it_fetches_receipt_content_only_when_read():
    calls = []
    receipt = Receipt("r.pdf", fetch=lambda: calls.append(1) or b"pdf")

    assert calls == []
    assert receipt.read() == b"pdf"
    assert calls == [1]


def test_it_backs_off_exponentially_with_a_cap():
    connector = Connector(ConnectorConfig(kind="beancount", settings={}))

    delays = [connector.retry_delay(attempt) for attempt in (1, 2, 3, 20)]

    assert delays == [
        timedelta(seconds=30),
        timedelta(seconds=60),
        timedelta(seconds=120),
        timedelta(hours=1),
    ]
