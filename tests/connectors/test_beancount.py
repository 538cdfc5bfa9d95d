from __future__ import annotations

import datetime as dt
import multiprocessing
import subprocess
import sys
from pathlib import Path

from beancount import loader

from exporthub.connectors.base import ConfigError, PermanentError
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
