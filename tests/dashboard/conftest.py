from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from exporthub.connectors.models import ConnectorConfig
from exporthub.core.access import assign_access
from exporthub.pleo.models import PleoConnection
from exporthub.sandbox import services as sandbox
from exporthub.sync import engine
from exporthub.sync.actions import create_export_job
from exporthub.sync.models import ExportJob, Integration
from exporthub.sync.queue_mirror import refresh_export_queue
from tests.sync.conftest import LEDGER_ACCOUNTS, MAPPINGS  # the demo's chart
from tests.sync.helpers import postable_entry_ids

PASSWORD = "a-long-test-password"


@pytest.fixture(autouse=True)
def pleo_in_process(sandbox_transport, settings):
    """The hub reaches the sandbox in-process, with every exchange checked against the spec."""
    settings.PLEO_TRANSPORT_FACTORY = lambda: sandbox_transport


@pytest.fixture(autouse=True)
def quick_retries(settings):
    settings.SYNC_RETRY_MAX_DELAY_SECONDS = 0
    settings.SYNC_MAX_ATTEMPTS = 3


def make_company(name: str, base_url: str, ledger_dir, *, entries: int = 40, seed: int = 7):
    company, api_key = sandbox.create_company(name=name, currency="DKK")
    sandbox.seed_company(company, entries=entries, seed=seed)
    connection = PleoConnection.objects.create(
        name=name,
        company_id=company.uuid,
        base_url=base_url,
        auth_method=PleoConnection.AuthMethod.API_KEY,
        api_key=api_key,
    )
    ledger_dir.mkdir(parents=True, exist_ok=True)
    books = ConnectorConfig.objects.create(
        name=f"Books of {name}",
        kind="beancount",
        settings={
            "ledger_path": str(ledger_dir / "main.beancount"),
            "currency": "DKK",
            "open_accounts": LEDGER_ACCOUNTS,
        },
    )
    integration = Integration.objects.create(
        name=name, pleo_connection=connection, erp_connection=books
    )
    for kind, pleo_key, erp_key in MAPPINGS:
        integration.mappings.create(kind=kind, pleo_key=pleo_key, erp_key=erp_key)
    integration.sandbox_company = company
    return integration


@pytest.fixture
def integration(db, sandbox_base_url, tmp_path):
    return make_company("Nordlys Design ApS", sandbox_base_url, tmp_path / "nordlys")


@pytest.fixture
def company(integration):
    return integration.sandbox_company


@pytest.fixture
def other_integration(db, sandbox_base_url, tmp_path):
    return make_company("Fjord Freight A/S", sandbox_base_url, tmp_path / "fjord", seed=3)


def make_user(django_user_model, name: str, role: str | None, integrations=()):
    user = django_user_model.objects.create_user(name, password=PASSWORD)
    assign_access(
        user,
        role=role,
        company_ids=[i.pleo_connection.company_id for i in integrations],
    )
    return user


@pytest.fixture
def viewer(django_user_model, integration):
    return make_user(django_user_model, "vera", "viewer", [integration])


@pytest.fixture
def accountant(django_user_model, integration):
    return make_user(django_user_model, "anna", "accountant", [integration])


@pytest.fixture
def admin_user(django_user_model):
    return make_user(django_user_model, "adam", "admin")


@pytest.fixture
def roles_exist(db):
    assert Group.objects.filter(name__in=["viewer", "accountant", "admin"]).count() == 3


def export(integration, entry_ids) -> ExportJob:
    """Create a Pleo export job over the entries and process it, as a worker would."""
    job = create_export_job(integration, [str(e) for e in entry_ids], user=None)
    engine.process_integration(integration.pk, "test-worker")
    job.refresh_from_db()
    return job


def unpostable_entry_ids(company) -> list[str]:
    """Queued entries with a line whose account has no code (they fail with account_unknown)."""
    return [
        str(entry.uuid)
        for entry in company.entries.filter(export_status="QUEUED").order_by("pk")
        if any(line.get("account") and not line["account"].get("code") for line in entry.lines)
    ]


@pytest.fixture
def finished_job(integration, company):
    """A job of 4 postable and every account-less entry; refreshed queue mirror."""
    ids = postable_entry_ids(company, 4) + unpostable_entry_ids(company)
    job = export(integration, ids)
    refresh_export_queue(integration)
    return job


def running_job_with_exported_item(integration, entry_id: str):
    """A Pleo job still in progress whose one item was already reported exported as OLD-1
    (as while a long job runs): Pleo still accepts changes to its items."""
    from exporthub.pleo.schemas.jobs import ItemUpdate
    from exporthub.sync.jobs import record_job
    from exporthub.sync.models import ExportItem, ItemStatus
    from exporthub.sync.wiring import open_pleo

    with open_pleo(integration) as pleo:
        remote = pleo.create_job([entry_id])
        pleo.start_job(str(remote.id))
        pleo.update_job_items(
            str(remote.id), [ItemUpdate.successful(entry_id, external_id="OLD-1")]
        )
        remote = pleo.get_job(str(remote.id))
    job, _ = record_job(integration, remote)
    item = ExportItem.objects.create(
        job=job,
        accounting_entry_id=entry_id,
        status=ItemStatus.SUCCESSFUL,
        external_id="OLD-1",
        exported_at=remote.started_at,
        reported_at=remote.last_updated_at,
    )
    return job, item


@pytest.fixture
def ledger_of():
    def read(integration) -> str:
        from pathlib import Path

        path = Path(integration.erp_connection.settings["ledger_path"])
        return path.read_text() if path.exists() else ""

    return read


def batch_of(job, folder) -> int:
    """A CSV journal's batch file holding an entry of `job`; its pk."""
    from exporthub.connectors.models import FiledBatch
    from exporthub.connectors.registry import build_connector
    from tests.connectors.conftest import FILE_JOURNAL_CHART
    from tests.connectors.entries import make_entry

    config, _ = ConnectorConfig.objects.get_or_create(
        name="Journal", kind="csv_journal", defaults={"settings": {"folder": str(folder)}}
    )
    with build_connector(config) as connector:
        connector.post(make_entry(FILE_JOURNAL_CHART, batch_key=str(job.pleo_id)))
    return FiledBatch.objects.get(key=str(job.pleo_id)).pk
