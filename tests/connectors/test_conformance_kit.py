"""The kit fails a connector that breaks the contract: its checks can fail.

Each test takes the example connector, breaks one promise in a subclass, and runs the kit's own
test method against it.
"""

from __future__ import annotations

import sqlite3
from decimal import Decimal

import pytest
from exporthub_example_connector.connector import ExampleBooksConnector

from exporthub.connectors.errors import PermanentError
from exporthub.connectors.testing import ConnectorConformance, Target
from tests.connectors.test_conformance_example import (
    CHART,
    example_config,
    make_books,
    read_books,
)

KIT = ConnectorConformance()


class PostsTwice(ExampleBooksConnector):
    """Never looks the Pleo id up before writing (and its books have no UNIQUE to stop it)."""

    def _post(self, entry):
        self.find = lambda pleo_id: None  # for this write only
        try:
            return super()._post(entry)
        finally:
            del self.find


class RoundsToCents(ExampleBooksConnector):
    """Writes every amount with two decimals, whatever the currency."""

    def _post(self, entry):
        lines = tuple(
            line.__class__(
                **{
                    **line.__dict__,
                    "debit": line.debit.quantize(Decimal("0.01")),
                    "credit": line.credit.quantize(Decimal("0.01")),
                }
            )
            for line in entry.lines
        )
        return super()._post(entry.replace(lines=lines))

    def ensure_valid(self, entry):
        """(The rounded entry would not balance; this connector does not check.)"""


class VagueErrors(ExampleBooksConnector):
    """Refuses an unknown account with a generic error."""

    def validate(self, entry):
        return [PermanentError(str(problem)) for problem in super().validate(entry)]


class FindsNothing(ExampleBooksConnector):
    def find(self, pleo_id):
        return None


def without_unique_pleo_ids(path) -> None:
    """The books with nothing in the file to stop a second voucher for a Pleo id."""
    db = sqlite3.connect(path)
    with db:
        db.executescript(
            "DROP TABLE voucher; CREATE TABLE voucher (id INTEGER PRIMARY KEY, pleo_id TEXT, "
            "date TEXT, currency TEXT, text TEXT, party TEXT, party_code TEXT, "
            "supplier_amount TEXT);"
        )
    db.close()


@pytest.fixture
def broken(tmp_path):
    path = tmp_path / "books.sqlite"
    make_books(path)

    def target_for(connector_class) -> Target:
        if connector_class is PostsTwice:
            without_unique_pleo_ids(path)
        return Target(
            connect=lambda: connector_class(example_config(path)),
            read=read_books(path),
            chart=CHART,
            misconfigured=lambda: connector_class(example_config(path, "wrong-key")),
        )

    return target_for


def test_it_fails_a_connector_that_posts_an_entry_twice(broken):
    target = broken(PostsTwice)
    with target.connect() as connector, pytest.raises(AssertionError, match="V-2"):
        KIT.test_it_books_each_corpus_entry_once_and_exactly("zero_rate", target, connector)


def test_it_fails_a_connector_that_loses_a_crash(broken):
    target = broken(PostsTwice)
    with target.connect() as connector, pytest.raises(AssertionError) as failed:
        KIT.test_it_books_exactly_once_when_the_process_dies_after_writing(target, connector)
    assert "could not post" not in str(failed.value)  # the check failed, not the child


def test_it_fails_a_connector_that_gets_an_amount_wrong(broken):
    target = broken(RoundsToCents)
    with target.connect() as connector, pytest.raises(AssertionError, match="does not balance"):
        KIT.test_it_books_each_corpus_entry_once_and_exactly("kwd_wallet", target, connector)


def test_it_fails_a_connector_whose_errors_carry_no_reason(broken):
    target = broken(VagueErrors)
    with target.connect() as connector, pytest.raises(AssertionError, match="AccountUnknownError"):
        KIT.test_it_refuses_a_bad_entry_with_the_right_error("unknown_account", target, connector)


def test_it_fails_a_connector_that_does_not_find_what_it_posted(broken):
    target = broken(FindsNothing)
    with target.connect() as connector, pytest.raises(AssertionError, match="find"):
        KIT.test_it_books_each_corpus_entry_once_and_exactly("refund", target, connector)
