"""The admin pushes the ERP's dimensions and tax codes into Pleo from a page (no waiting)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from exporthub.sandbox.models import Tag, TaxCode
from exporthub.sync.models import BackgroundOperation, Mapping, OperationKind, OperationState
from exporthub.sync.push_models import MasterDataPush, PushState
from tests.dashboard.test_operations import CountingTransport

DECLARED = {
    "tax_codes": {"I25": "Standard VAT 25%", "V6": "Reduced VAT 6 %"},
    "tax_rates": {"I25": "0.25", "V6": "0.06"},
    "dimensions": {"DEPT:SALES": "Sales", "DEPT:RND": "Research", "COST:C1": "Cost centre 1"},
}


@pytest.fixture
def pleo_requests(sandbox_transport, settings) -> list[str]:
    counting = CountingTransport(sandbox_transport)
    settings.PLEO_TRANSPORT_FACTORY = lambda: counting
    return counting.paths


@pytest.fixture
def declaring_ledger(integration):
    """The Beancount ledger declares tax codes with rates and dimension values."""
    config = integration.erp_connection
    config.settings = {**config.settings, **DECLARED}
    config.save()
    return integration


def page(client, integration) -> str:
    return client.get(reverse("dashboard:master-data-push", args=[integration.pk])).content.decode()


def test_an_admin_compares_then_pushes_and_pleo_gets_the_erps_values(
    client, admin_user, declaring_ledger, company, pleo_requests, django_capture_on_commit_callbacks
):
    integration = declaring_ledger
    client.force_login(admin_user)
    assert "No comparison yet" in page(client, integration)

    client.post(reverse("dashboard:master-data-push-plan", args=[integration.pk]))
    operation = BackgroundOperation.objects.get(kind=OperationKind.PLAN_MASTER_DATA_PUSH)
    assert operation.state == OperationState.QUEUED
    assert pleo_requests == []  # the request only queued the work
    assert "records with Pleo… waiting for a worker" in page(client, integration)
    operation.delete()  # as if no worker ever came; run the work this time
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("dashboard:master-data-push-plan", args=[integration.pk]))
    plan = MasterDataPush.objects.get(state=PushState.PLANNED)
    html = page(client, integration)
    assert '<tr data-action="create">' in html and "<code>COST:C1</code>" in html
    assert "<code>V6</code>" in html and "Reduced VAT 6 % (0.06)" in html
    assert "Also archive the" in html  # the sandbox's own tax codes the ledger lacks

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("dashboard:master-data-push-apply", args=[integration.pk, plan.pk]))

    plan.refresh_from_db()
    assert plan.state == PushState.APPLIED and plan.applied_by == admin_user
    assert Tag.objects.get(group__company=company, group__code="COST", code="C1").name == (
        "Cost centre 1"
    )
    assert TaxCode.objects.get(company=company, code="V6").rate == Decimal("0.06")
    assert TaxCode.objects.filter(company=company, archived=True).count() == 0  # not confirmed
    assert integration.mappings.filter(kind=Mapping.Kind.TAX_CODE, pleo_key="V6").exists()
    html = page(client, integration)
    assert "Last push" in html and "not archived (not confirmed)" in html

    again = client.post(
        reverse("dashboard:master-data-push-apply", args=[integration.pk, plan.pk]), follow=True
    )
    assert "already applied" in again.content.decode()
