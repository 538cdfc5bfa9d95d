"""The master-data push over the API: compare in the background, review the plan, apply it."""

from __future__ import annotations

from decimal import Decimal

from exporthub.sandbox.models import Tag, TaxCode
from exporthub.sync.models import BackgroundOperation, Mapping, OperationKind, OperationState
from exporthub.sync.push_models import MasterDataPush, PushState
from tests.api.conftest import problem_of
from tests.dashboard import test_master_data_push as on_the_page

declaring_ledger = on_the_page.declaring_ledger  # the page's fixtures, reused
pleo_requests = on_the_page.pleo_requests


def test_an_admin_compares_reviews_and_applies_and_pleo_gets_the_erps_values(
    api_as, users, declaring_ledger, company, pleo_requests, django_capture_on_commit_callbacks
):
    integration = declaring_ledger
    api = api_as(users["admin"])
    base = f"integrations/{integration.pk}/master-data-push"
    empty = api.get(base).json()
    assert empty == {"plan": None, "applied": None, "plan_operation": None,
                     "apply_operation": None}  # fmt: skip

    queued = api.post(f"{base}/plan")
    assert queued.status_code == 202
    operation = BackgroundOperation.objects.get(kind=OperationKind.PLAN_MASTER_DATA_PUSH)
    assert queued.json() == {**queued.json(), "started": True}
    assert queued.json()["operation"]["id"] == operation.pk
    assert operation.state == OperationState.QUEUED and operation.started_by == users["admin"]
    assert pleo_requests == []  # the request only queued the work
    again = api.post(f"{base}/plan").json()
    assert (again["started"], again["operation"]["id"]) == (False, operation.pk)
    assert api.get(base).json()["plan_operation"]["state"] == "queued"

    operation.delete()  # as if no worker came; run the work this time
    with django_capture_on_commit_callbacks(execute=True):
        assert api.post(f"{base}/plan").status_code == 202
    plan = MasterDataPush.objects.get(state=PushState.PLANNED)
    shown = api.get(base).json()
    assert shown["plan"]["id"] == plan.pk and shown["applied"] is None
    steps = {(s["target"], s["action"], s["code"]): s for s in shown["plan"]["steps"]}
    assert steps[("tag", "create", "COST:C1")]["name"] == "Cost centre 1"
    assert steps[("tax_code", "create", "V6")]["rate"] == "0.06"
    assert any(step["action"] == "archive" for step in steps.values())  # the sandbox's own codes

    with django_capture_on_commit_callbacks(execute=True):
        applied = api.post(f"{base}/{plan.pk}/apply", {"archive": False})
    assert applied.status_code == 202
    assert applied.json()["operation"]["kind"] == OperationKind.APPLY_MASTER_DATA_PUSH
    plan.refresh_from_db()
    assert plan.state == PushState.APPLIED and plan.applied_by == users["admin"]
    assert not plan.archive_confirmed
    assert Tag.objects.get(group__company=company, group__code="COST", code="C1").name == (
        "Cost centre 1"
    )
    assert TaxCode.objects.get(company=company, code="V6").rate == Decimal("0.06")
    assert TaxCode.objects.filter(company=company, archived=True).count() == 0  # not confirmed
    assert integration.mappings.filter(kind=Mapping.Kind.TAX_CODE, pleo_key="V6").exists()
    shown = api.get(base).json()
    assert shown["plan"] is None and shown["applied"]["id"] == plan.pk
    outcome = {(s["action"], s["code"]): s["result"] for s in shown["applied"]["outcome"]}
    assert outcome[("create", "V6")] == "done"
    assert {r for (action, _), r in outcome.items() if action == "archive"} == {"skipped"}
    assert shown["apply_operation"]["state"] == "done"

    refused = api.post(f"{base}/{plan.pk}/apply", {"archive": True})
    assert refused.status_code == 409
    assert problem_of(refused)["type"] == "urn:exporthub:problem:push-not-open"
    plan.refresh_from_db()
    assert not plan.archive_confirmed  # nothing changed
    assert BackgroundOperation.objects.filter(
        kind=OperationKind.APPLY_MASTER_DATA_PUSH).count() == 1  # fmt: skip


def test_applying_with_archive_records_the_admins_confirmation(api_as, users, integration):
    plan = MasterDataPush.objects.create(integration=integration, steps=[])
    response = api_as(users["admin"]).post(
        f"integrations/{integration.pk}/master-data-push/{plan.pk}/apply", {"archive": True}
    )
    assert response.status_code == 202 and response.json()["started"] is True
    plan.refresh_from_db()
    assert (plan.state, plan.archive_confirmed, plan.applied_by) == (
        PushState.APPLYING, True, users["admin"])  # fmt: skip
    operation = BackgroundOperation.objects.get(kind=OperationKind.APPLY_MASTER_DATA_PUSH)
    assert operation.state == OperationState.QUEUED and operation.integration == integration


def test_another_companys_push_is_not_found(api_as, users, integration, other_integration):
    theirs = MasterDataPush.objects.create(integration=other_integration, steps=[])
    response = api_as(users["admin"]).post(
        f"integrations/{integration.pk}/master-data-push/{theirs.pk}/apply", {}
    )
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.state == PushState.PLANNED
