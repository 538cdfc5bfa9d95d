from __future__ import annotations

import datetime as dt
import multiprocessing
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

from beancount import loader

from exporthub.connectors.base import ConfigError, PermanentError, TagUnknownError
from exporthub.connectors.beancount import connector as beancount_module
from exporthub.connectors.registry import build_connector
from tests.connectors.conftest import BEANCOUNT_CHART, beancount_config
from tests.connectors.entries import PDF, make_entry

BEAN_CHECK = str(Path(sys.executable).parent / "bean-check")


def bean_check(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([BEAN_CHECK, str(path)], capture_output=True, text=True, timeout=60)


def test_it_keeps_the_ledger_clean_for_bean_check(tmp_path):
    connector = build_connector(beancount_config(tmp_path))
    entries = [make_entry(BEANCOUNT_CHART, gross=f"{10 * n}.00") for n in range(1, 4)]
    for entry in entries + entries[:1]:
        connector.post(entry)

    result = bean_check(tmp_path / "main.beancount")

    assert result.returncode == 0, result.stdout + result.stderr


def test_it_writes_one_transaction_with_link_metadata_and_tax_postings(tmp_path):
    connector = build_connector(beancount_config(tmp_path))
    entry = make_entry(BEANCOUNT_CHART)

    connector.post(entry)
    entries, errors, _ = loader.load_file(str(tmp_path / "main.beancount"))

    (txn,) = [e for e in entries if e.meta.get("pleo-id") == entry.pleo_id]
    assert errors == []
    assert txn.links == {f"pleo-{entry.pleo_id}"}
    assert txn.payee == "Restaurant X"
    assert txn.narration == 'Client lunch at "Chez X"'
    assert [(p.account, str(p.units)) for p in txn.postings] == [
        ("Expenses:Meals", "80.00 EUR"),
        ("Assets:VAT:Input", "20.00 EUR"),
        ("Liabilities:Pleo", "-100.00 EUR"),
    ]
    assert txn.postings[0].meta["tax-code"] == "VAT25"
    assert txn.postings[0].meta["dim-dept"] == "SALES"
    assert txn.meta["pleo-reference"] == "4113617"


def test_it_writes_receipts_next_to_the_ledger(tmp_path):
    connector = build_connector(beancount_config(tmp_path))
    entry = make_entry(BEANCOUNT_CHART)

    connector.post(entry)
    entries, _, _ = loader.load_file(str(tmp_path / "main.beancount"))

    (txn,) = [e for e in entries if e.meta.get("pleo-id") == entry.pleo_id]
    assert (tmp_path / txn.meta["document"]).read_bytes() == PDF


def test_it_leaves_the_file_byte_identical_when_beancount_rejects_the_entry(tmp_path):
    connector = build_connector(beancount_config(tmp_path, open_date="2026-06-01"))
    connector.post(make_entry(BEANCOUNT_CHART, date=dt.date(2026, 7, 1)))
    ledger = tmp_path / "main.beancount"
    before = ledger.read_bytes()
    # Passes our checks (the accounts exist) but is dated before they were opened.
    early = make_entry(BEANCOUNT_CHART, date=dt.date(2026, 4, 28))

    try:
        connector.post(early)
        raised = None
    except PermanentError as exc:
        raised = exc

    assert raised is not None
    assert raised.reason_type == "accounting_system_validation_failure"
    assert "inactive account" in raised.message
    assert ledger.read_bytes() == before
    assert not (tmp_path / "documents" / early.pleo_id).exists()
    assert connector.find(early.pleo_id) is None
    assert bean_check(ledger).returncode == 0


def test_it_refuses_to_append_to_a_broken_ledger(tmp_path):
    ledger = tmp_path / "main.beancount"
    ledger.write_text('2026-01-01 * "Unbalanced"\n  Assets:Nowhere  10 EUR\n')
    connector = build_connector(beancount_config(tmp_path))

    try:
        connector.post(make_entry(BEANCOUNT_CHART))
        raised = None
    except ConfigError as exc:
        raised = exc

    assert raised is not None
    assert raised.failure_mode == "config"
    assert raised.job_reason_type == "invalid_configuration"
    assert ledger.read_text().startswith("2026-01-01")


def test_it_says_when_the_ledger_folder_is_missing(tmp_path):
    connector = build_connector(beancount_config(tmp_path / "missing"))

    try:
        connector.check_connection()
        raised = None
    except ConfigError as exc:
        raised = exc

    assert raised is not None
    assert "does not exist" in raised.message


def test_it_links_into_fava(tmp_path):
    connector = build_connector(beancount_config(tmp_path))
    entry = make_entry(BEANCOUNT_CHART)

    ref = connector.post(entry)

    assert ref.id == f"pleo-{entry.pleo_id}"
    assert ref.url == f"http://127.0.0.1:5000/main/journal/?filter=%5Epleo-{entry.pleo_id}"


def _post_all(ledger_dir: str, entries, barrier) -> None:
    connector = build_connector(beancount_config(Path(ledger_dir)))
    barrier.wait()
    for entry in entries:
        connector.post(entry)


def test_it_does_not_duplicate_when_two_processes_append_at_once(tmp_path):
    entries = [make_entry(BEANCOUNT_CHART, receipts=(), gross=f"{n}.00") for n in range(5, 25)]
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(2)
    workers = [
        context.Process(target=_post_all, args=(str(tmp_path), order, barrier))
        for order in (entries, entries[::-1])
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)

    text = (tmp_path / "main.beancount").read_text()
    assert [worker.exitcode for worker in workers] == [0, 0]
    assert all(text.count(f'pleo-id: "{entry.pleo_id}"') == 1 for entry in entries)
    assert bean_check(tmp_path / "main.beancount").returncode == 0


# -- the cached ledger state: correctness when others write, and the cost of a long run --------


def _post_in_another_process(ledger_dir: str, entry) -> None:
    build_connector(beancount_config(Path(ledger_dir))).post(entry)


def test_it_sees_what_another_process_appended_and_does_not_post_it_again(tmp_path):
    connector = build_connector(beancount_config(tmp_path))
    connector.post(make_entry(BEANCOUNT_CHART, receipts=()))  # the state is now cached
    theirs = make_entry(BEANCOUNT_CHART, receipts=(), gross="42.00")
    assert connector.find(theirs.pleo_id) is None
    checks = connector.full_checks

    other = multiprocessing.get_context("fork").Process(
        target=_post_in_another_process, args=(str(tmp_path), theirs)
    )
    other.start()
    other.join(60)

    assert other.exitcode == 0
    assert connector.find(theirs.pleo_id) == connector.post(theirs)
    assert connector.full_checks == checks + 1  # the changed file was re-read once
    assert (tmp_path / "main.beancount").read_text().count(f'pleo-id: "{theirs.pleo_id}"') == 1
    assert bean_check(tmp_path / "main.beancount").returncode == 0


def test_it_sees_an_edit_by_hand_that_breaks_the_ledger(tmp_path):
    connector = build_connector(beancount_config(tmp_path))
    connector.post(make_entry(BEANCOUNT_CHART))
    ledger = tmp_path / "main.beancount"
    with ledger.open("a") as handle:
        handle.write('\n2026-05-01 * "Typo"\n  Expenses:Meals  10 EUR\n')

    try:
        connector.post(make_entry(BEANCOUNT_CHART, gross="20.00"))
        raised = None
    except ConfigError as exc:
        raised = exc

    assert raised is not None
    assert raised.job_reason_type == "invalid_configuration"
    assert ledger.read_text().endswith("Expenses:Meals  10 EUR\n")


def test_a_long_run_checks_the_whole_ledger_only_as_it_doubles(tmp_path, monkeypatch):
    monkeypatch.setattr(beancount_module, "FULL_CHECK_MIN_GROWTH", 4096)
    connector = build_connector(beancount_config(tmp_path))
    for n in range(1, 61):
        connector.post(make_entry(BEANCOUNT_CHART, receipts=(), gross=f"{n}.00"))

    # About 700 bytes per entry: full checks at the start and at ~4, 8, 16 and 32 KB.
    assert 2 <= connector.full_checks <= 6
    assert bean_check(tmp_path / "main.beancount").returncode == 0


def test_the_periodic_full_check_stops_appends_after_an_error_it_did_not_foresee(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(beancount_module, "FULL_CHECK_MIN_GROWTH", 0)
    connector = build_connector(beancount_config(tmp_path))
    connector.post(make_entry(BEANCOUNT_CHART, receipts=()))
    ledger = tmp_path / "main.beancount"
    with ledger.open("a") as handle:
        handle.write("\n2026-06-01 balance Liabilities:Pleo  -100.00 EUR\n")
    connector.check_connection()  # re-read: the assertion holds
    # Pretend the single-entry check could not see the assertion these entries break.
    monkeypatch.setattr(beancount_module.LedgerState, "changes_asserted_balance", lambda *a: False)
    posted, raised = [], None
    for n in range(1, 6):  # the ledger doubles within a few entries
        entry = make_entry(BEANCOUNT_CHART, receipts=(), gross=f"{n}.00", date=dt.date(2026, 5, 2))
        try:
            connector.post(entry)
        except ConfigError as exc:
            raised = exc
            break
        posted.append(entry)

    assert raised is not None
    assert posted  # appended (and acknowledged) before the check: they stay in the ledger
    assert all(connector.find(entry.pleo_id) for entry in posted)
    assert "Balance failed" in raised.detail


def _ledger_with(tmp_path, text: str) -> Path:
    ledger = tmp_path / "main.beancount"
    connector = build_connector(beancount_config(tmp_path))
    connector.check_connection()  # writes the header
    with ledger.open("a") as handle:
        handle.write(text)
    return ledger


def test_an_entry_that_breaks_a_later_balance_assertion_is_rejected_and_leaves_no_trace(tmp_path):
    ledger = _ledger_with(tmp_path, "\n2026-06-01 balance Liabilities:Pleo  0.00 EUR\n")
    connector = build_connector(beancount_config(tmp_path))
    before = ledger.read_bytes()
    early = make_entry(BEANCOUNT_CHART, date=dt.date(2026, 5, 2))

    try:
        connector.post(early)
        raised = None
    except PermanentError as exc:
        raised = exc

    assert raised is not None
    assert "Balance failed" in raised.message
    assert ledger.read_bytes() == before
    assert not (tmp_path / "documents" / early.pleo_id).exists()
    assert connector.find(early.pleo_id) is None
    # Entries after the assertion do not touch it: appended without a full check.
    checks = connector.full_checks
    connector.post(make_entry(BEANCOUNT_CHART, date=dt.date(2026, 6, 2)))
    assert connector.full_checks == checks
    assert bean_check(ledger).returncode == 0


def test_under_a_plugin_that_relates_entries_every_append_gets_a_full_check(tmp_path):
    ledger = _ledger_with(tmp_path, '\nplugin "beancount.plugins.onecommodity"\n')
    connector = build_connector(beancount_config(tmp_path))
    connector.post(make_entry(BEANCOUNT_CHART, receipts=()))
    before = ledger.read_bytes()
    checks = connector.full_checks
    dollars = make_entry(BEANCOUNT_CHART, receipts=(), currency="USD")

    try:
        connector.post(dollars)
        raised = None
    except PermanentError as exc:
        raised = exc

    assert raised is not None
    assert "More than one currency" in raised.message
    assert connector.full_checks == checks + 1
    assert ledger.read_bytes() == before
    connector.post(make_entry(BEANCOUNT_CHART, receipts=(), gross="3.00"))
    assert connector.full_checks == checks + 2
    assert bean_check(ledger).returncode == 0


def test_large_ledgers_are_checked_in_a_child_process(tmp_path, monkeypatch):
    monkeypatch.setattr(beancount_module, "INPROCESS_SCAN_BYTES", 0)
    monkeypatch.setattr(beancount_module, "scan", None)  # never in this process
    connector = build_connector(beancount_config(tmp_path))
    entry = make_entry(BEANCOUNT_CHART)

    ref = connector.post(entry)

    assert connector.find(entry.pleo_id) == ref
    assert {account.code for account in connector.accounts()} >= {"6840", "5820"}
    with (tmp_path / "main.beancount").open("a") as handle:
        handle.write('\n2026-05-01 * "Typo"\n  Expenses:Meals  10 EUR\n')
    try:
        connector.check_connection()
        raised = None
    except ConfigError as exc:
        raised = exc
    assert raised is not None
    assert "does not balance" in raised.detail


def test_it_reports_declared_tax_rates_and_dimension_values(tmp_path):
    config = beancount_config(
        tmp_path,
        tax_codes={"VAT25": "Purchase VAT 25 %", "EXEMPT": "No VAT"},
        tax_rates={"VAT25": "0.25"},
        dimensions={"DEPT:SALES": "Sales", "DEPT:OPS": "Operations"},
    )
    connector = build_connector(config)

    taxes = {tax.code: (tax.name, tax.rate) for tax in connector.taxes()}
    dimensions = [(d.group, d.code, d.name) for d in connector.dimensions()]

    assert taxes == {"VAT25": ("Purchase VAT 25 %", Decimal("0.25")), "EXEMPT": ("No VAT", None)}
    assert dimensions == [("DEPT", "OPS", "Operations"), ("DEPT", "SALES", "Sales")]
    assert bean_check(tmp_path / "main.beancount").returncode == 0


def test_a_ledger_that_declares_a_dimension_refuses_its_other_values_before_writing(tmp_path):
    config = beancount_config(
        tmp_path, tax_codes={"VAT25": "VAT"}, dimensions={"DEPT:OPS": "Operations"}
    )
    connector = build_connector(config)
    entry = make_entry(BEANCOUNT_CHART)  # booked on DEPT:SALES

    problems = connector.validate(entry)
    try:
        connector.post(entry)
        raised = None
    except TagUnknownError as error:
        raised = error

    assert [type(problem) for problem in problems] == [TagUnknownError]
    assert raised is not None and raised.erp_key == "SALES"
    assert raised.reason_type == "tag_unknown"
    assert connector.find(entry.pleo_id) is None
    allowed = build_connector(
        beancount_config(
            tmp_path / "other", tax_codes={"VAT25": "VAT"}, dimensions={"PROJECT:APOLLO": "Apollo"}
        )
    )
    (tmp_path / "other").mkdir()
    ref = allowed.post(entry)  # DEPT is not declared there: any value of it goes
    entries, errors, _ = loader.load_file(str(tmp_path / "other" / "main.beancount"))
    (txn,) = [e for e in entries if e.meta.get("pleo-id") == entry.pleo_id]
    assert errors == [] and ref.id
    assert [p.account for p in txn.postings] == [
        "Expenses:Meals",
        "Assets:VAT:Input",
        "Liabilities:Pleo",
    ]
    assert txn.postings[0].meta["dim-dept"] == "SALES"
