"""The conformance tests: subclass `ConnectorConformance` in a test module, give it a `target`.

    class TestMyErpConformance(ConnectorConformance):
        @pytest.fixture
        def target(self, tmp_path) -> Target:
            return Target(connect=..., read=..., chart=..., misconfigured=...)

To share one target (say a database) across the tests, return it from a module-scoped fixture
of the test module: every test uses fresh Pleo ids. The kit's own fixtures are `connector` (a new
instance per test, closed afterwards) and `chart`.
"""

from __future__ import annotations

import json
import os
import select
import signal
import time
import traceback
import uuid
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal

import pytest

from exporthub.connectors.base import Connector, ExternalRef, JournalEntry
from exporthub.connectors.errors import (
    ConfigError,
    ConnectorError,
    PermanentError,
    RetryableError,
    TagUnknownError,
    TaxCodeUnknownError,
    ValidationError,
    VendorUnknownError,
)
from exporthub.connectors.registry import connector_choices, get_connector_class
from exporthub.connectors.testing.corpus import CORPUS, ERROR_CASES, corpus
from exporthub.connectors.testing.target import Posted, Target
from exporthub.core.http_urls import http_url_problem
from exporthub.core.reason_types import JOB_REASON_TYPES

# What a target that lacks a feature must not raise for it (see `Supports`).
UNCHECKED = {
    "tax_codes": TaxCodeUnknownError,
    "dimensions": TagUnknownError,
    "vendors": VendorUnknownError,
}
# How long a child process may take to post before the test gives up on it.
CHILD_DEADLINE_SECONDS = 120


def assert_booked(target: Target, entry: JournalEntry, ref: ExternalRef) -> Posted:
    """The target holds `entry` once, under `ref`, balanced, on the right accounts, exactly."""
    held = target.read(entry.pleo_id)
    assert len(held) == 1, f"{entry.pleo_id} is held {len(held)} times"
    posted = held[0]
    assert posted.id == ref.id
    assert posted.currency == entry.currency
    debit = sum((line.debit for line in posted.lines), Decimal(0))
    credit = sum((line.credit for line in posted.lines), Decimal(0))
    assert debit == credit, f"the posted entry does not balance: {debit} ≠ {credit}"
    assert _by_account(posted.lines) == _by_account(entry.lines)
    if posted.text is not None:
        assert entry.text in posted.text
    if target.supports.receipts:
        assert posted.receipts is not None, "the target declares receipts but reads none back"
        assert sorted(posted.receipts) == sorted(receipt.read() for receipt in entry.receipts)
    else:
        assert not posted.receipts, "the target declares no receipts but reads some back"
    return posted


def _by_account(lines) -> dict[str, tuple[Decimal, Decimal]]:
    """{account: (Σ debit, Σ credit)}: exact amounts per account, however lines are grouped."""
    totals: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for line in lines:
        totals[line.account][0] += line.debit
        totals[line.account][1] += line.credit
    return {account: (debit, credit) for account, (debit, credit) in totals.items()}


def assert_nothing_written(target: Target, connector: Connector, entry: JournalEntry) -> None:
    assert target.read(entry.pleo_id) == []
    assert connector.find(entry.pleo_id) is None


def _ref_json(result: ExternalRef | ConnectorError) -> dict:
    if isinstance(result, ExternalRef):
        return {"id": result.id, "url": result.url, "label": result.label}
    return {"error": type(result).__name__, "message": result.message}


def post_then_die(target: Target, single: JournalEntry, page: Sequence[JournalEntry]) -> list:
    """Post in a forked child that is SIGKILLed once the target has the entries.

    The child posts `single` with `post()` and `page` with `post_many()`, reports what it got
    back and waits: the moment the hub would record the results. The parent kills it there, so
    nothing after the ERP write runs (no `finally`, no atexit, no connection closing). Returns
    the child's results, as JSON: [single's ref, [page's refs or errors]].
    """
    reading, writing = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        try:
            os.close(reading)
            connector = target.connect()
            first = connector.post(single)
            rest = connector.post_many(page)
            report = {"results": [_ref_json(first), [_ref_json(result) for result in rest]]}
        except BaseException:  # reported to the parent, which fails the test with it
            report = {"crash": traceback.format_exc()}
        os.write(writing, json.dumps(report).encode() + b"\n")
        while True:
            signal.pause()  # until killed: the hub's record never happens
    os.close(writing)
    try:
        report = _read_line(reading, CHILD_DEADLINE_SECONDS)
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(reading)
    assert "crash" not in report, f"the child could not post:\n{report['crash']}"
    return report["results"]


def _read_line(fd: int, timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    data = b""
    while not data.endswith(b"\n"):
        left = deadline - time.monotonic()
        assert left > 0, "the child did not report within the deadline"
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            chunk = os.read(fd, 65536)
            assert chunk, "the child died before reporting"
            data += chunk
    return json.loads(data)


class ConnectorConformance:
    """The conformance kit. Subclass it as `Test…` and define the `target` fixture."""

    # -- fixtures ---------------------------------------------------------------------------

    @pytest.fixture
    def target(self) -> Target:
        raise NotImplementedError("Define a `target` fixture returning a conformance Target.")

    @pytest.fixture
    def connector(self, target):
        with target.connect() as connector:
            yield connector

    @pytest.fixture
    def chart(self, target):
        return target.chart

    def bookable(self, target: Target) -> list[JournalEntry]:
        """The corpus entries in currencies the target books."""
        entries = corpus(target.chart).values()
        return [entry for entry in entries if target.supports.books(entry.currency)]

    # -- the corpus -------------------------------------------------------------------------

    @pytest.mark.parametrize("case", sorted(CORPUS))
    def test_it_books_each_corpus_entry_once_and_exactly(self, case, target, connector):
        entry = CORPUS[case](target.chart)
        if not target.supports.books(entry.currency):
            # A declared limit: the entry is refused before anything is written.
            problems = connector.validate(entry)
            assert problems and isinstance(problems[0], PermanentError)
            with pytest.raises(PermanentError) as raised:
                connector.post(entry)
            assert raised.value.failure_mode == "permanent"
            assert_nothing_written(target, connector, entry)
            return
        assert connector.find(entry.pleo_id) is None
        assert connector.validate(entry) == []

        ref = connector.post(entry)

        assert ref.id
        assert not ref.url or http_url_problem(ref.url) is None  # shown to people as a link
        assert connector.find(entry.pleo_id) == ref
        assert connector.post(entry) == ref
        assert_booked(target, entry, ref)

    def test_it_finds_nothing_for_an_id_it_never_posted(self, connector):
        assert connector.find(str(uuid.uuid4())) is None

    def test_validate_writes_nothing(self, target, connector):
        entries = corpus(target.chart).values()
        refused = [case.build(target.chart) for case in ERROR_CASES.values()]
        for entry in [*entries, *refused]:
            connector.validate(entry)
        for entry in [*entries, *refused]:
            assert_nothing_written(target, connector, entry)

    def test_post_many_books_a_page_like_post_does(self, target, connector):
        good = self.bookable(target)[:5]
        bad = ERROR_CASES["unbalanced"].build(target.chart)
        page = [*good[:2], bad, *good[2:]]
        early = connector.post(good[0])  # already posted: post_many must return its reference

        results = connector.post_many(page)
        again = connector.post_many(page)

        assert len(results) == len(page)
        assert results[0] == early
        assert isinstance(results[2], ValidationError)
        assert results[2].reason_type == "validation_failure"
        assert_nothing_written(target, connector, bad)
        refs = [result for result in results if isinstance(result, ExternalRef)]
        assert len(set(refs)) == len(good)
        for entry, ref in zip(good, [results[0], results[1], *results[3:]], strict=True):
            assert connector.find(entry.pleo_id) == ref
            assert_booked(target, entry, ref)
        assert [_ref_json(result) for result in again] == [_ref_json(r) for r in results]

    # -- exactly once ------------------------------------------------------------------------

    def test_it_books_exactly_once_when_the_process_dies_after_writing(self, target, connector):
        single, *page = self.bookable(target)[:3]

        died_with = post_then_die(target, single, page)

        expected = [_ref_json(connector.find(entry.pleo_id)) for entry in [single, *page]]
        assert expected == [died_with[0], *died_with[1]]
        first = connector.post(single)
        rest = connector.post_many(page)
        assert [_ref_json(first), [_ref_json(result) for result in rest]] == died_with
        for entry, ref in zip([single, *page], [first, *rest], strict=True):
            assert_booked(target, entry, ref)

    # -- errors ------------------------------------------------------------------------------

    @pytest.mark.parametrize("name", sorted(ERROR_CASES))
    def test_it_refuses_a_bad_entry_with_the_right_error(self, name, target, connector):
        case = ERROR_CASES[name]
        entry = case.build(target.chart)
        if case.needs and not getattr(target.supports, case.needs):
            # A declared limit: the target has no such codes, so the kit checks it never
            # refuses an entry for them (and, for codes, that its master data has none).
            problems = connector.validate(entry)
            assert not any(isinstance(problem, UNCHECKED[case.needs]) for problem in problems)
            data = connector.fetch_master_data()
            if case.needs == "tax_codes":
                assert data.taxes == []
            if case.needs == "dimensions":
                assert data.dimensions == []
            return
        if target.supports.validates_master_data or case.error is ValidationError:
            problems = connector.validate(entry)
            assert problems, "validate() found nothing wrong"
            assert isinstance(problems[0], case.error), problems

        with pytest.raises(case.error) as raised:
            connector.post(entry)

        error = raised.value
        assert error.failure_mode == "permanent"
        assert error.reason_type == case.reason_type
        assert error.job_reason_type is None  # only this item fails, not the job
        assert error.message
        if case.erp_key:
            assert error.erp_key == case.erp_key
        assert_nothing_written(target, connector, entry)

    def test_a_misconfigured_connection_is_a_config_error(self, target):
        with pytest.raises(ConfigError) as raised, target.misconfigured() as connector:
            connector.check_connection()

        assert raised.value.failure_mode == "config"
        assert raised.value.job_reason_type in JOB_REASON_TYPES
        assert raised.value.message

    def test_an_unreachable_target_is_retried(self, target, connector):
        if target.unreachable is None:
            # A declared limit: the connector reaches nothing over a network.
            assert type(connector).endpoint_settings == ()
            return
        with pytest.raises(RetryableError) as raised, target.unreachable() as unreachable:
            unreachable.check_connection()

        assert raised.value.failure_mode == "exceeded"
        assert raised.value.job_reason_type in JOB_REASON_TYPES

    # -- connection, master data, registration -----------------------------------------------

    def test_it_checks_the_connection(self, connector):
        assert connector.check_connection() is None

    def test_its_master_data_has_the_charts_codes(self, target, connector):
        chart = target.chart
        data = connector.fetch_master_data()
        known = {account.code for account in data.accounts}
        if type(connector).accounts_by_name:
            known |= {account.name for account in data.accounts}
        used = {chart.expense, chart.other_expense, chart.input_vat, chart.output_vat}
        assert used | {chart.payable} <= known
        taxes = {chart.standard_tax, chart.zero_tax, chart.reverse_charge_tax} - {""}
        if target.supports.tax_codes:
            assert taxes <= {tax.code for tax in data.taxes}
        if target.supports.dimensions and chart.dimension:
            assert chart.dimension in {(dim.group, dim.code) for dim in data.dimensions}

    def test_it_is_registered_by_entry_point(self, connector):
        connector_class = type(connector)

        assert get_connector_class(connector_class.kind) is connector_class
        assert (connector_class.kind, connector_class.label) in connector_choices()

    def test_its_secrets_are_fields_of_its_settings_form(self, connector):
        connector_class = type(connector)
        if connector_class.config_form is None:
            assert connector_class.secret_fields == ()
            return
        fields = connector_class.config_form().fields
        assert set(connector_class.secret_fields) <= set(fields)
