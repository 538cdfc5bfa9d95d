"""Beancount's batch path: a page under one lock, one write and one check; each entry once."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from beancount import loader
from beancount.core import data

from exporthub.connectors.base import AccountUnknownError, PermanentError
from exporthub.connectors.beancount import connector as beancount_module
from exporthub.connectors.registry import build_connector
from tests.connectors.conftest import BEANCOUNT_CHART, beancount_config
from tests.connectors.entries import make_entry

ACCOUNTS = {"6840": "Expenses:Meals", "Assets:VAT:Input": "Assets:VAT:Input"}
ACCOUNTS["5820"] = "Liabilities:Pleo"


def page_of(size: int) -> list:
    return [make_entry(BEANCOUNT_CHART, gross=f"{10 + n}.00") for n in range(size)]


def assert_booked(ledger: Path, entries) -> None:
    """bean-check passes, and each entry is one transaction with its accounts and amounts."""
    result = subprocess.run(
        [str(Path(sys.executable).parent / "bean-check"), str(ledger)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    loaded, errors, _options = loader.load_file(str(ledger))
    assert errors == []
    by_id: dict[str, list] = {}
    for txn in loaded:
        if isinstance(txn, data.Transaction):
            by_id.setdefault(txn.meta["pleo-id"], []).append(txn)
    for entry in entries:
        (txn,) = by_id[entry.pleo_id]
        booked = sorted((p.account, p.units.number, p.units.currency) for p in txn.postings)
        expected = sorted((ACCOUNTS[line.account], line.amount, "EUR") for line in entry.lines)
        assert booked == expected


def count_writes(monkeypatch) -> dict[str, int]:
    counts = {"fsync": 0, "check": 0}
    real_fsync, real_check = os.fsync, beancount_module._check_alone

    def fsync(fd):
        counts["fsync"] += 1
        return real_fsync(fd)

    def check(context, text):
        counts["check"] += 1
        return real_check(context, text)

    monkeypatch.setattr(beancount_module.os, "fsync", fsync)
    monkeypatch.setattr(beancount_module, "_check_alone", check)
    return counts


def test_a_page_is_one_write_and_one_check(tmp_path, monkeypatch):
    connector = build_connector(beancount_config(tmp_path))
    connector.check_connection()  # the ledger is created and fully checked once per job
    counts = count_writes(monkeypatch)
    entries = page_of(20)

    refs = connector.post_many(entries)

    assert counts == {"fsync": 1, "check": 1}
    assert [ref.id for ref in refs] == [f"pleo-{entry.pleo_id}" for entry in entries]
    assert_booked(tmp_path / "main.beancount", entries)
    assert all((tmp_path / "documents" / e.pleo_id).is_dir() for e in entries)


def test_posted_entries_in_a_page_keep_their_references_and_are_not_written_again(tmp_path):
    connector = build_connector(beancount_config(tmp_path))
    entries = page_of(5)
    earlier = connector.post_many(entries[:3])

    refs = connector.post_many(entries + entries[:1])

    assert refs[:3] == earlier
    assert refs[5] == refs[0]
    assert_booked(tmp_path / "main.beancount", entries)


def test_one_bad_entry_fails_alone_and_the_rest_of_the_page_is_posted(tmp_path):
    connector = build_connector(beancount_config(tmp_path))
    entries = page_of(4)
    line = entries[1].lines[0]
    entries[1] = entries[1].replace(lines=(replace(line, account="9999"), *entries[1].lines[1:]))
    # Our checks pass, Beancount's do not: dated before the ledger opened its accounts.
    entries[3] = entries[3].replace(date=entries[3].date.replace(year=1999))

    results = connector.post_many(entries)

    assert isinstance(results[1], AccountUnknownError)
    assert type(results[3]) is PermanentError
    assert "inactive account" in results[3].message
    assert_booked(tmp_path / "main.beancount", [entries[0], entries[2]])
    text = (tmp_path / "main.beancount").read_text()
    assert entries[1].pleo_id not in text and entries[3].pleo_id not in text
    assert not (tmp_path / "documents" / entries[3].pleo_id).exists()


def _post_and_die(ledger_dir: str, entries, sender, die_after_write: bool) -> None:
    connector = build_connector(beancount_config(Path(ledger_dir)))
    if die_after_write:
        write = connector._write

        def write_then_die(handle, data):
            write(handle, data)
            os.kill(os.getpid(), signal.SIGKILL)  # written and synced, nothing returned

        connector._write = write_then_die
    refs = connector.post_many(entries)
    sender.send(refs)
    os.kill(os.getpid(), signal.SIGKILL)  # before the hub could record anything


@pytest.mark.parametrize("die_after_write", [False, True], ids=["after-return", "after-write"])
def test_a_process_killed_after_the_batch_write_leaves_nothing_to_post_twice(
    tmp_path, die_after_write
):
    entries = page_of(4)
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(
        target=_post_and_die, args=(str(tmp_path), entries, sender, die_after_write)
    )
    child.start()
    child.join(60)
    assert child.exitcode == -signal.SIGKILL

    refs = build_connector(beancount_config(tmp_path)).post_many(entries)

    if not die_after_write:
        assert refs == receiver.recv()
    assert [ref.id for ref in refs] == [f"pleo-{entry.pleo_id}" for entry in entries]
    assert_booked(tmp_path / "main.beancount", entries)
    assert sum(entry.total_debit() for entry in entries) == Decimal("46.00")
