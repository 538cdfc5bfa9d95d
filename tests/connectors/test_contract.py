"""The contract every connector keeps, run against each registered kind's real back end."""

from __future__ import annotations

import pytest

from exporthub.connectors.base import AccountUnknownError, ValidationError
from tests.connectors.entries import make_entry, unbalanced

# The file journals keep their register in the database (fixtures that need it dynamically
# requested by the parametrised `backend` do not set the database up on their own).
pytestmark = pytest.mark.django_db


def test_it_posts_the_same_entry_only_once(backend):
    entry = make_entry(backend.chart)

    first = backend.connector.post(entry)
    second = backend.connector.post(entry)

    assert first == second
    assert first.id
    assert backend.count(entry.pleo_id) == 1


def test_it_finds_what_it_posted(backend):
    entry = make_entry(backend.chart)
    assert backend.connector.find(entry.pleo_id) is None

    ref = backend.connector.post(entry)

    assert backend.connector.find(entry.pleo_id) == ref


def test_it_refuses_an_unbalanced_entry_before_writing(backend):
    entry = unbalanced(make_entry(backend.chart))

    problems = backend.connector.validate(entry)
    try:
        backend.connector.post(entry)
        raised = None
    except ValidationError as exc:
        raised = exc

    assert [type(problem) for problem in problems] == [ValidationError]
    assert raised is not None
    assert raised.failure_mode == "permanent"
    assert raised.reason_type == "validation_failure"
    assert "does not balance" in raised.message
    assert backend.count(entry.pleo_id) == 0
    assert backend.connector.find(entry.pleo_id) is None


def test_it_refuses_an_unknown_account_before_writing(backend):
    entry = make_entry(backend.chart)
    first, *rest = entry.lines
    entry = entry.replace(lines=(first.__class__(account="9999-nope", debit=first.debit), *rest))

    try:
        backend.connector.post(entry)
        raised = None
    except AccountUnknownError as exc:
        raised = exc

    assert raised is not None
    assert raised.reason_type == "account_unknown"
    assert "9999-nope" in raised.message
    assert backend.count(entry.pleo_id) == 0


def test_it_accepts_a_valid_entry_in_validate(backend):
    assert backend.connector.validate(make_entry(backend.chart)) == []


def test_it_checks_the_connection(backend):
    assert backend.connector.check_connection() is None


def test_it_lists_the_accounts_entries_use(backend):
    codes = {account.code for account in backend.connector.fetch_master_data().accounts}

    assert {backend.chart.expense, backend.chart.vat, backend.chart.payable} <= codes


def test_it_keeps_entries_with_different_pleo_ids_apart(backend):
    first = make_entry(backend.chart)
    second = make_entry(backend.chart, gross="250.00")

    refs = {backend.connector.post(first), backend.connector.post(second)}

    assert len(refs) == 2
    assert backend.count(first.pleo_id) == backend.count(second.pleo_id) == 1
