"""The whole path into your own system: sandbox → engine → signed JSON → the reference receiver
(a real process on a socket), which downloads the receipts through the hub's signed links."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from exporthub.connectors.models import ConnectorConfig
from exporthub.demo import services as demo
from exporthub.sandbox import services as sandbox
from exporthub.sync.models import ExportItem, Integration, ItemStatus
from tests.connectors.receiver import SECRET, Receiver, check_bodies_against_schema
from tests.sync.conftest import MAPPINGS
from tests.sync.helpers import pleo_job, run

# The receiver's chart: the demo ledger's accounts, by code and by name (the mappings use both).
CHART = {
    "accounts": [{"code": code, "name": name} for name, code in demo.LEDGER_ACCOUNTS.items()]
    + [{"code": name, "name": name} for name in demo.LEDGER_ACCOUNTS],
    "taxCodes": [{"code": code, "name": name} for code, name in demo.LEDGER_TAX_CODES.items()],
}
VAT_IN = "6900"  # vat:in is mapped to it
WALLET = "Assets:Pleo:DKK"  # the contra account 5820 is mapped to it


@pytest.fixture(autouse=True)
def bodies(monkeypatch):
    return check_bodies_against_schema(monkeypatch)


@pytest.fixture
def hub(live_server, settings, tmp_path):
    """Receipt links point at a live hub, which keeps the files in a fresh data folder."""
    settings.PUBLIC_URL = live_server.url
    settings.DATA_DIR = tmp_path / "data"


@pytest.fixture
def receiver(tmp_path):
    made = Receiver(tmp_path / "receiver.sqlite3", chart=CHART)
    yield made
    made.stop()


@pytest.fixture
def own_erp(pleo_connection, receiver, hub):
    """An integration into the receiver; the test starts the receiver with its switches."""

    def connect(*flags: str) -> Integration:
        receiver.start("--fetch-receipts", *flags)
        erp = ConnectorConfig.objects.create(
            name="Own ERP", kind="http_endpoint", settings={"url": receiver.url, "timeout": 10}
        )
        erp.set_secret("signing_secret", SECRET)
        erp.save()
        integration = Integration.objects.create(
            name="Nordlys → own ERP", pleo_connection=pleo_connection, erp_connection=erp
        )
        for kind, pleo_key, erp_key in MAPPINGS:
            integration.mappings.create(kind=kind, pleo_key=pleo_key, erp_key=erp_key)
        return integration

    return connect


def card_purchases_with_receipts(company, count: int):
    """Card purchases with 25 % inclusive VAT on every line and at least one receipt."""
    found = []
    for entry in company.entries.filter(item_type="card_purchase", vendor__isnull=True):
        if entry.receipts.exists() and all(
            (line.get("tax") or {}).get("code") == "I25" for line in entry.lines
        ):
            found.append(entry)
        if len(found) == count:
            return found
    raise AssertionError("the seed has too few card purchases with receipts")


def expected_lines(entry) -> list[tuple[str, Decimal, Decimal]]:
    """(account, debit, credit) from Pleo's own numbers: net on the category's account, the VAT
    on input VAT, the total credited to the wallet."""
    lines = []
    for line in entry.lines:
        gross = Decimal(line["lineAmount"]["inWalletCurrency"]["value"]) / 100
        tax = Decimal(line["tax"]["amount"]["inWalletCurrency"]["value"]) / 100
        lines += [(line["account"]["code"], gross - tax, Decimal(0)), (VAT_IN, tax, Decimal(0))]
    lines.append((WALLET, Decimal(0), abs(Decimal(entry.wallet_amount)) / 100))
    return lines


def make_due(job) -> None:
    ExportItem.objects.filter(job=job).update(next_attempt_at=timezone.now())


def test_it_exports_a_job_to_the_receiver_with_every_line_and_receipt(
    own_erp, company, receiver, bodies
):
    integration = own_erp()
    entries = card_purchases_with_receipts(company, 3)
    sandbox.create_export_job(company, entry_ids=[str(entry.uuid) for entry in entries])

    job = run(integration)

    assert job.status == "completed"
    assert sorted(receiver.pleo_ids()) == sorted(str(entry.uuid) for entry in entries)
    for entry in entries:
        assert receiver.lines(str(entry.uuid)) == expected_lines(entry)
    remote = {str(item.entry.uuid): item for item in pleo_job(job).items.select_related("entry")}
    for entry in entries:
        pleo_id = str(entry.uuid)
        assert remote[pleo_id].status == "successful"
        assert remote[pleo_id].external_id == receiver.external_id(pleo_id)
        assert remote[pleo_id].external_url == f"{receiver.url}/{pleo_id}"
        stored = receiver.receipts(pleo_id)
        assert len(stored) == entry.receipts.count()
        for _name, sha256, content in stored:
            assert content and hashlib.sha256(content).hexdigest() == sha256
    assert len(bodies) == 3
    assert {body["currency"] for body in bodies} == {"DKK"}
    assert all(body["lines"][0]["taxCode"] == "I25" for body in bodies)


def test_an_entry_the_receiver_refuses_fails_with_the_problems_reason_type(
    own_erp, company, receiver
):
    receiver.chart = {**CHART, "accounts": [a for a in CHART["accounts"] if a["code"] != VAT_IN]}
    integration = own_erp("--unpublished-chart")  # the hub cannot know before posting
    entries = card_purchases_with_receipts(company, 2)
    sandbox.create_export_job(company, entry_ids=[str(entry.uuid) for entry in entries])

    job = run(integration)

    assert job.status == "completed_with_errors"
    items = ExportItem.objects.filter(job=job)
    assert {item.status for item in items} == {ItemStatus.FAILED}
    for item in items:
        assert item.failure_reason_type == "account_unknown"
        assert item.failure_mapping_kind == "account"
        assert item.failure_erp_key == VAT_IN
        assert item.failure_reason == "Account 6900 is not in our chart of accounts."
    remote = pleo_job(job).items.all()
    assert {(item.status, item.failure_reason_type) for item in remote} == {
        ("failed", "account_unknown")
    }
    assert receiver.pleo_ids() == []


def test_a_503_with_retry_after_schedules_the_item_for_then_and_it_posts_later(
    own_erp, company, receiver
):
    integration = own_erp("--fail-posts", "1", "--retry-after", "120")
    (entry,) = card_purchases_with_receipts(company, 1)
    sandbox.create_export_job(company, entry_ids=[str(entry.uuid)])

    before = timezone.now()
    job = run(integration)
    after = timezone.now()

    assert job.status == "in_progress"
    item = ExportItem.objects.get(job=job)
    assert item.status == ItemStatus.PENDING
    assert item.failure_reason_type == "accounting_system_unreachable"
    # The engine's own backoff here is 0 s (quick_retries): the wait is the receiver's.
    assert before + timedelta(seconds=120) <= item.next_attempt_at <= after + timedelta(seconds=120)
    assert receiver.pleo_ids() == []

    make_due(job)
    job = run(integration)

    assert job.status == "completed"
    assert receiver.pleo_ids() == [str(entry.uuid)]
    assert receiver.lines(str(entry.uuid)) == expected_lines(entry)


def test_a_receiver_that_dies_after_its_write_gets_the_entry_once(
    own_erp, company, receiver, settings
):
    settings.SYNC_RETRY_MAX_DELAY_SECONDS = 30  # the retry waits, as the receiver restarts
    integration = own_erp("--die-after-write")
    (entry,) = card_purchases_with_receipts(company, 1)
    pleo_id = str(entry.uuid)
    sandbox.create_export_job(company, entry_ids=[pleo_id])

    job = run(integration)

    assert receiver.wait_dead() == 3  # it wrote, then died without answering
    assert job.status == "in_progress"
    assert ExportItem.objects.get(job=job).status == ItemStatus.PENDING
    assert receiver.count(pleo_id) == 1

    receiver.start()  # back up, same port and database, behaving
    make_due(job)
    job = run(integration)

    assert job.status == "completed"
    assert receiver.count(pleo_id) == 1
    assert receiver.lines(pleo_id) == expected_lines(entry)
    (remote,) = pleo_job(job).items.all()
    assert remote.status == "successful"
    assert remote.external_id == receiver.external_id(pleo_id)
