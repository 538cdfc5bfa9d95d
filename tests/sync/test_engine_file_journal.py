"""Export jobs into file journals (CSV, XLSX) through the engine, against the sandbox.

Every file is read back by an independent reader (the csv module, openpyxl) and checked against
what Pleo holds: each entry on the right accounts, balanced, its total Pleo's amount.
"""

from __future__ import annotations

import signal
import subprocess
import tempfile
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import timezone

from exporthub.connectors.models import ConnectorConfig, FiledBatch, FiledEntry
from exporthub.sandbox import services as sandbox
from exporthub.sandbox.models import AccountingEntry
from exporthub.sync.detection import poll_integration
from exporthub.sync.models import ExportItem, ExportJob, Integration
from tests.connectors.journal_files import entries_of, read_journal
from tests.processes import PYTHON, ROOT, child_env
from tests.sync.helpers import pleo_job, postable_entry_ids, run
from tests.sync.journal_chart import (
    JOURNAL_ACCOUNTS,
    JOURNAL_MAPPINGS,
    expected_lines,
    ids_with_every_tax_type,
)

CONTRA = {
    "card_purchase": "5820",
    "fee": "5820",
    "refund": "5820",
    "chargeback": "5820",
    "out_of_pocket": "2820",
    "mileage": "2820",
    "per_diem": "2820",
    "invoice": "2400",
}


@pytest.fixture(params=["csv_journal"])
def journal(request, pleo_connection, settings, tmp_path):
    """A CSV journal (the XLSX one shares the engine path; the first test runs both)."""
    settings.DATA_DIR = tmp_path
    erp = ConnectorConfig.objects.create(
        name="Journal",
        kind=request.param,
        settings={"folder": "journal", "company_name": "Nordlys", "accounts": JOURNAL_ACCOUNTS},
    )
    integration = Integration.objects.create(
        name="Nordlys → Journal", pleo_connection=pleo_connection, erp_connection=erp
    )
    for kind, pleo_key, erp_key, _label in JOURNAL_MAPPINGS:
        integration.mappings.create(kind=kind, pleo_key=pleo_key, erp_key=erp_key)
    return integration


def minor(value: Decimal, exponent: int = 2) -> int:
    return int(value.scaleb(exponent))


def check_books(path, company) -> dict[str, list[dict]]:
    """Read the file back and check every entry against the sandbox; {pleo id: its rows}."""
    by_reference = entries_of(read_journal(path))
    by_pleo_id = {}
    for reference, rows in by_reference.items():
        pleo_id = rows[0]["pleo_id"]
        assert {row["pleo_id"] for row in rows} == {pleo_id}
        assert pleo_id not in by_pleo_id, f"{pleo_id} is in the file twice"
        by_pleo_id[pleo_id] = rows
        pleo = AccountingEntry.objects.get(uuid=pleo_id, company=company)
        debit = sum(row["debit"] or 0 for row in rows)
        credit = sum(row["credit"] or 0 for row in rows)
        assert debit == credit, f"{reference} does not balance"
        assert {row["currency"] for row in rows} == {pleo.wallet_currency}
        *booked, contra = rows
        # The contra line takes Pleo's total, on the account the item type goes to.
        assert contra["account"] == CONTRA[pleo.item_type], reference
        assert minor((contra["credit"] or 0) - (contra["debit"] or 0)) == pleo.wallet_amount
        # The other lines are Pleo's lines on Pleo's accounts (plus VAT), summing to the total.
        assert minor(sum((r["debit"] or 0) - (r["credit"] or 0) for r in booked)) == (
            pleo.wallet_amount
        )
        # Each line, VAT lines too, on the account it belongs on with its amount.
        assert [
            (row["account"], minor((row["debit"] or Decimal(0)) - (row["credit"] or 0)))
            for row in booked
        ] == expected_lines(pleo), reference
        rows_of_lines = [row for row in booked if not row["vat_line"]]
        for row, line in zip(rows_of_lines, pleo.lines, strict=True):
            if line.get("tax"):
                assert row["vat_code"] == line["tax"]["code"]
    return by_pleo_id


def test_a_job_becomes_one_batch_file_with_every_entry_once_on_the_right_accounts(journal, company):
    ids = ids_with_every_tax_type(company, 12)
    sandbox.create_export_job(company, entry_ids=ids)

    job = run(journal)

    assert job.status == "completed"
    batch = FiledBatch.objects.get()
    assert batch.key == str(job.pleo_id) and batch.closed_at is not None and batch.is_written
    assert batch.file_name == f"pleo-00001.{batch.format}"
    path = django_settings.DATA_DIR / "journal" / batch.file_name
    filed = check_books(path, company)
    assert sorted(filed) == sorted(ids)
    url = django_settings.PUBLIC_URL + reverse("dashboard:filed-batch-download", args=[batch.pk])
    remote = {str(item.entry.uuid): item for item in pleo_job(job).items.select_related("entry")}
    for pleo_id, rows in filed.items():
        assert remote[pleo_id].status == "successful"
        assert remote[pleo_id].external_id == rows[0]["reference"]
        assert remote[pleo_id].external_url == url
    register = {
        filed.pleo_id: f"{filed.batch.name}#{filed.locator}"
        for filed in FiledEntry.objects.select_related("batch")
    }
    assert {str(item.accounting_entry_id): item.external_id for item in job.items.all()} == (
        register
    )
    assert sorted(register.values()) == sorted(f"pleo-00001#{n}" for n in range(1, len(ids) + 1))


def test_a_job_with_failures_files_only_what_it_exports(journal, company):
    sandbox.create_export_job(company)

    job = run(journal)

    assert job.status == "completed_with_errors"
    exported = {
        str(i)
        for i in ExportItem.objects.filter(job=job, status="successful").values_list(
            "accounting_entry_id", flat=True
        )
    }
    path = django_settings.DATA_DIR / "journal" / FiledBatch.objects.get().file_name
    assert set(check_books(path, company)) == exported


def test_an_entry_exported_again_keeps_its_reference_and_nothing_is_written(journal, company):
    ids = postable_entry_ids(company, 4)
    sandbox.create_export_job(company, entry_ids=ids)
    first = run(journal)
    references = {str(i.accounting_entry_id): i.external_id for i in first.items.all()}
    path = django_settings.DATA_DIR / "journal" / FiledBatch.objects.get().file_name
    before = path.read_bytes(), path.stat().st_mtime_ns
    # Pleo hands the same entries out again in a new job (as after a crash before Pleo heard).
    sandbox_job = pleo_job(first)
    sandbox_job.items.all().delete()
    sandbox_job.delete()
    company.entries.filter(uuid__in=ids).update(export_status="QUEUED")
    sandbox.create_export_job(company, entry_ids=ids)

    run(journal)

    second = ExportJob.objects.exclude(pk=first.pk).get()
    assert second.status == "completed"
    assert {str(i.accounting_entry_id): i.external_id for i in second.items.all()} == references
    assert FiledBatch.objects.count() == 1 and FiledEntry.objects.count() == 4
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]


def test_a_later_job_gets_its_own_file(journal, company):
    ids = postable_entry_ids(company, 6)
    sandbox.create_export_job(company, entry_ids=ids[:3])
    run(journal)
    sandbox.create_export_job(company, entry_ids=ids[3:])
    poll_integration(journal)

    job = run(journal)

    assert job.status == "completed"
    first, second = FiledBatch.objects.order_by("number")
    assert (first.name, second.name) == ("pleo-00001", "pleo-00002")
    folder = django_settings.DATA_DIR / "journal"
    assert sorted(check_books(folder / second.file_name, company)) == sorted(ids[3:])
    assert sorted(check_books(folder / first.file_name, company)) == sorted(ids[:3])


# A worker that dies (SIGKILL) right after the register filed its third entry, before the hub
# recorded it: the next run must find the entry in the register, not file it again.
DYING_WORKER = """
import os, signal
import django
django.setup()
from exporthub.connectors.file_journal.connector import FileJournalConnector
post_many = FileJournalConnector.post_many
def post_many_then_die(self, entries):
    post_many(self, entries)  # the page is filed ...
    os.kill(os.getpid(), signal.SIGKILL)  # ... and the hub never records it
FileJournalConnector.post_many = post_many_then_die
from django.core.management import call_command
call_command("process_pending")
"""


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_after_filing_a_page_never_files_it_twice(over_http, settings):
    company, integration, _ledger = over_http
    folder = Path(tempfile.mkdtemp(dir=settings.DATA_DIR))
    erp = ConnectorConfig.objects.create(
        name="Journal",
        kind="csv_journal",
        settings={"folder": str(folder), "accounts": JOURNAL_ACCOUNTS},
    )
    Integration.objects.filter(pk=integration.pk).update(erp_connection=erp)
    integration.mappings.all().delete()  # the fixture's are the Beancount ledger's
    for kind_, pleo_key, erp_key, _label in JOURNAL_MAPPINGS:
        integration.mappings.create(kind=kind_, pleo_key=pleo_key, erp_key=erp_key)
    ids = postable_entry_ids(company, 6)
    sandbox.create_export_job(company, entry_ids=ids)
    env = child_env(EXPORTHUB_DATA_DIR=str(settings.DATA_DIR))

    doomed = subprocess.run([PYTHON, "-c", DYING_WORKER], cwd=ROOT, env=env, capture_output=True)

    assert doomed.returncode == -signal.SIGKILL, doomed.stderr.decode()[-3000:]
    job = ExportJob.objects.get()
    assert job.status == "in_progress" and FiledEntry.objects.count() == 6
    recorded = ExportItem.objects.filter(job=job, status="successful").count()
    assert recorded == 0  # the whole page is filed but the hub never recorded it
    ExportJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timedelta(hours=1))

    survivor = subprocess.run(
        [PYTHON, "-c", WORKER], cwd=ROOT, env=env, capture_output=True, timeout=120
    )

    assert survivor.returncode == 0, survivor.stderr.decode()[-3000:]
    job.refresh_from_db()
    assert job.status == "completed"
    batch = FiledBatch.objects.get()  # the dead run's batch holds the page, filed once
    assert batch.entry_count == 6
    rows = entries_of(read_journal(folder / batch.file_name))
    assert sorted(lines[0]["pleo_id"] for lines in rows.values()) == sorted(ids)
    assert {str(i.accounting_entry_id): i.external_id for i in job.items.all()} == {
        lines[0]["pleo_id"]: reference for reference, lines in rows.items()
    }
    assert set(pleo_job(job).items.values_list("status", flat=True)) == {"successful"}


WORKER = (
    "import django; django.setup(); from django.core.management import call_command; "
    "call_command('process_pending')"
)
