"""Credentials never reach logs, the activity log, exceptions or pages."""

from __future__ import annotations

import logging

from exporthub.connectors.models import ConnectorConfig
from exporthub.core.models import ActivityEntry
from exporthub.sandbox import services as sandbox
from exporthub.sync.models import ExportItem
from tests.sync.helpers import postable_entry_ids, run

ERP_KEY = "tryton-secret-key-0123456789abcdef"


def test_no_secret_reaches_the_logs_or_the_activity_log(
    integration, company, pleo_connection, caplog, settings
):
    caplog.set_level(logging.DEBUG)
    tryton = ConnectorConfig.objects.create(
        name="Tryton (down)",
        kind="tryton",
        settings={"url": "http://127.0.0.1:9", "database": "books", "company_id": 1},
    )
    tryton.set_secret("api_key", ERP_KEY)
    tryton.save()
    sandbox.create_export_job(company, entry_ids=postable_entry_ids(company, 3))
    run(integration)  # a good run, Beancount
    integration.erp_connection = tryton
    integration.save()
    sandbox.create_export_job(company, entry_ids=postable_entry_ids(company, 6)[3:])
    run(integration)  # a failing run, Tryton unreachable

    secrets = [company.test_api_key, ERP_KEY, settings.PLEO_WEBHOOK_SECRET]
    logged = "\n".join(record.getMessage() for record in caplog.records) + caplog.text
    stored = "\n".join(
        f"{entry.before} {entry.after} {entry.data}" for entry in ActivityEntry.objects.all()
    )
    details = "\n".join(
        f"{item.failure_reason} {item.error_detail}" for item in ExportItem.objects.all()
    )
    assert ActivityEntry.objects.filter(action="sync.job.failed").exists()
    for secret in secrets:
        assert secret not in logged
        assert secret not in stored
        assert secret not in details
    assert ERP_KEY not in str(tryton) and ERP_KEY not in repr(tryton)
    assert company.test_api_key not in repr(pleo_connection)
