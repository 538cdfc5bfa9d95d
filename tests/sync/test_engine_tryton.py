"""The whole path into a real Tryton server: sandbox → engine → Tryton REST → posted moves."""

from __future__ import annotations

from decimal import Decimal

import pytest

from exporthub.connectors.models import ConnectorConfig
from exporthub.connectors.registry import build_connector
from exporthub.pleo.models import PleoConnection
from exporthub.sandbox import services as sandbox
from exporthub.sync.models import ExportItem, Integration, ItemStatus, Mapping
from tests.sync.helpers import pleo_job, run

# Pleo's chart mapped onto Tryton's generic English chart (see devtools/tryton/local_setup.py).
# The integration is strict, so every category Pleo sends is mapped explicitly; the default
# only books lines Pleo sends without a category.
TRYTON_MAPPINGS = [
    *((Mapping.Kind.ACCOUNT, f"60{n}0", "5.1.3") for n in range(9)),  # Services
    (Mapping.Kind.ACCOUNT, "*", "5.1.3"),
    (Mapping.Kind.ACCOUNT, "vat:in", "6.3.6"),
    (Mapping.Kind.TAX_CODE, "I25", "VAT25"),
    (Mapping.Kind.CONTRA_ACCOUNT, "5820", "1.1.1"),  # the Pleo wallet: cash
]


@pytest.fixture
def euro_company(db):
    company, api_key = sandbox.create_company(name="Aurora GmbH", currency="EUR")
    sandbox.seed_company(company, entries=60, seed=11)
    company.test_api_key = api_key
    return company


@pytest.fixture
def tryton_integration(euro_company, sandbox_base_url, tryton_server, tryton_database):
    pleo = PleoConnection.objects.create(
        name="Aurora",
        company_id=euro_company.uuid,
        base_url=sandbox_base_url,
        auth_method=PleoConnection.AuthMethod.API_KEY,
        api_key=euro_company.test_api_key,
    )
    erp = ConnectorConfig.objects.create(
        name="Tryton",
        kind="tryton",
        settings={
            "url": tryton_server.url,
            "database": tryton_database,
            "company_id": tryton_server.company_id,
        },
    )
    erp.set_secret("api_key", tryton_server.api_key)
    erp.save()
    integration = Integration.objects.create(
        name="Aurora → Tryton",
        pleo_connection=pleo,
        erp_connection=erp,
        fallback_to_pleo_codes=False,
    )
    for kind, pleo_key, erp_key in TRYTON_MAPPINGS:
        integration.mappings.create(kind=kind, pleo_key=pleo_key, erp_key=erp_key)
    return integration


def simple_card_purchases(company, count: int) -> list[str]:
    """Card purchases in 25 % inclusive VAT without tags or vendor: what this chart can take."""
    found = []
    for entry in company.entries.filter(item_type="card_purchase", vendor__isnull=True):
        lines = entry.lines
        if all(
            (line.get("tax") or {}).get("code") == "I25" and not line.get("tags") for line in lines
        ):
            found.append(str(entry.uuid))
        if len(found) == count:
            return found
    raise AssertionError("the seed has too few simple card purchases")


def test_it_exports_a_job_into_tryton_as_posted_balanced_moves(tryton_integration, euro_company):
    ids = simple_card_purchases(euro_company, 3)
    sandbox.create_export_job(euro_company, entry_ids=ids)

    job = run(tryton_integration)

    failures = list(
        ExportItem.objects.filter(status=ItemStatus.FAILED).values_list("failure_reason", flat=True)
    )
    assert job.status == "completed", failures
    assert set(pleo_job(job).items.values_list("status", flat=True)) == {"successful"}
    with build_connector(tryton_integration.erp_connection) as tryton:
        for item in ExportItem.objects.filter(job=job):
            ref = tryton.find(str(item.accounting_entry_id))
            assert ref is not None and ref.id == item.external_id
            assert item.external_url == ref.url
            move = tryton.client.read("account.move", int(ref.id), ["state", "lines"])
            assert move["state"] == "posted"
            lines = tryton.client.search(
                "account.move.line", [("move", "=", int(ref.id))], ["debit", "credit"]
            )
            debit = sum(Decimal(str(line["debit"])) for line in lines)
            credit = sum(Decimal(str(line["credit"])) for line in lines)
            assert debit == credit > 0


def test_it_fails_items_tryton_cannot_take_with_the_right_reasons(tryton_integration, euro_company):
    entries = euro_company.entries.filter(item_type="card_purchase", vendor__isnull=True)
    tagged = next(str(e.uuid) for e in entries if any(line.get("tags") for line in e.lines))
    other_tax = next(
        str(e.uuid)
        for e in entries
        if any((line.get("tax") or {}).get("code") in {"E25", "Z0"} for line in e.lines)
        and not any(line.get("tags") for line in e.lines)
    )
    sandbox.create_export_job(euro_company, entry_ids=[tagged, other_tax])

    job = run(tryton_integration)

    assert job.status == "completed_with_errors"
    reasons = dict(
        ExportItem.objects.filter(job=job).values_list("accounting_entry_id", "failure_reason_type")
    )
    assert reasons[__import__("uuid").UUID(other_tax)] == "tax_code_unknown"
    assert reasons[__import__("uuid").UUID(tagged)] in {"tag_unknown", "tax_code_unknown"}
    kinds = dict(
        ExportItem.objects.filter(job=job).values_list(
            "accounting_entry_id", "failure_mapping_kind"
        )
    )
    assert kinds[__import__("uuid").UUID(other_tax)] == "tax_code"  # the mapping to add, as data
    assert kinds[__import__("uuid").UUID(tagged)] in {"tag", "tax_code"}


def test_it_fails_the_job_when_the_erp_company_is_not_the_configured_one(
    tryton_integration, euro_company
):
    tryton_integration.erp_company = "Some Other Company"
    tryton_integration.save()
    sandbox.create_export_job(euro_company, entry_ids=simple_card_purchases(euro_company, 2))

    job = run(tryton_integration)

    assert job.status == "failed"
    assert job.failure_reason_type == "invalid_configuration"
    assert "Some Other Company" in job.failure_reason
    assert set(pleo_job(job).items.values_list("status", flat=True)) == {"abandoned"}


def test_it_fails_the_job_when_every_accounting_period_is_closed(tryton_integration, euro_company):
    with build_connector(tryton_integration.erp_connection) as tryton:
        periods = tryton.client.search("account.period", [("state", "=", "open")], ["id"])
        for period in periods:
            tryton.client.button("account.period", period["id"], "close")
    sandbox.create_export_job(euro_company, entry_ids=simple_card_purchases(euro_company, 2))

    job = run(tryton_integration)

    assert job.status == "failed"
    assert job.failure_reason_type == "invalid_configuration"
    assert "no open accounting period" in job.failure_reason
