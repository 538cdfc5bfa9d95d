"""Every API operation × every role: allowed, refused (403) or unauthenticated (401); never a
500, never another company's objects. The table must name every operation the API has."""

from __future__ import annotations

import pytest
from django.utils.http import urlencode

from exporthub.api.main import api
from exporthub.notifications.models import Channel, Subscription
from exporthub.sync.models import BackgroundOperation, ExportItem, OperationKind
from exporthub.sync.push_models import MasterDataPush, PushState
from exporthub.sync.reconciliation_models import (
    Discrepancy,
    DiscrepancyKind,
    ReconciliationRun,
    RunState,
)
from tests.api.conftest import problem_of
from tests.dashboard.conftest import batch_of, export, postable_entry_ids

ORDER = {None: 0, "viewer": 1, "accountant": 2, "admin": 3}
ROLES = [None, "viewer", "accountant", "admin"]
V, A, ADM = "viewer", "accountant", "admin"
EMPTY = {}  # a write's body that fails validation: the role check passed, nothing was done
# operation id: (least role, method, path, body, status when allowed)
OPERATIONS = {
    "get_me": (V, "GET", "me", None, 200),
    "list_integrations": (V, "GET", "integrations", None, 200),
    "get_integration": (V, "GET", "integrations/{integration}", None, 200),
    "create_integration": (ADM, "POST", "integrations", EMPTY, 422),
    "update_integration": (ADM, "PUT", "integrations/{integration}", EMPTY, 422),
    "list_queue": (V, "GET", "integrations/{integration}/queue", None, 200),
    "refresh_queue": (A, "POST", "integrations/{integration}/queue/refresh", None, 202),
    "export_queue": (A, "POST", "integrations/{integration}/queue/export", EMPTY, 422),
    "preview_entry": (V, "GET", "integrations/{integration}/queue/{entry}/preview", None, 200),
    "run_integration_now": (A, "POST", "integrations/{integration}/run-now", None, 202),
    "get_operation": (V, "GET", "integrations/{integration}/operations/{operation}", None, 200),
    "list_jobs": (V, "GET", "jobs", None, 200),
    "get_job": (V, "GET", "jobs/{job}", None, 200),
    "list_job_items": (V, "GET", "jobs/{job}/items", None, 200),
    "list_job_timeline": (V, "GET", "jobs/{job}/timeline", None, 200),
    "list_job_files": (V, "GET", "jobs/{job}/files", None, 200),
    "download_file": (V, "GET", "files/{batch}", None, 200),
    "dismiss": (ADM, "POST", "jobs/{job}/dismiss", EMPTY, 422),
    "get_item": (V, "GET", "items/{item}", None, 200),
    "correct_reference": (A, "POST", "items/{item}/reference", EMPTY, 422),
    "mark_exported": (A, "POST", "items/{item}/mark-exported", EMPTY, 422),
    "bulk_correct": (A, "POST", "items/bulk-corrections", EMPTY, 422),
    "list_failure_groups": (V, "GET", "failure-groups", None, 200),
    "list_failure_group_items": (V, "GET", "failure-groups/items?{group}", None, 200),
    "retry_failure_group": (A, "POST", "failure-groups/retry", EMPTY, 422),
    "list_mappings": (ADM, "GET", "integrations/{integration}/mappings", None, 200),
    "save_integration_mapping": (ADM, "POST", "integrations/{integration}/mappings", EMPTY, 422),
    "update_integration_mapping": (
        ADM, "PUT", "integrations/{integration}/mappings/{mapping}", EMPTY, 422),
    "delete_integration_mapping": (
        ADM, "DELETE", "integrations/{integration}/mappings/{mapping}", None, 204),
    "export_mapping_csv": (ADM, "GET", "integrations/{integration}/mappings.csv", None, 200),
    "import_mapping_csv": (ADM, "POST", "integrations/{integration}/mappings/import", EMPTY, 422),
    "refresh_erp_records": (
        ADM, "POST", "integrations/{integration}/mappings/refresh-records", None, 202),
    "list_activity": (A, "GET", "activity", None, 200),
    "list_pleo_connections": (ADM, "GET", "pleo-connections", None, 200),
    "create_pleo_connection": (ADM, "POST", "pleo-connections", EMPTY, 422),
    "get_pleo_connection": (ADM, "GET", "pleo-connections/{pleo}", None, 200),
    "update_pleo_connection": (ADM, "PUT", "pleo-connections/{pleo}", EMPTY, 422),
    "test_pleo": (ADM, "POST", "pleo-connections/{pleo}/test", None, 200),
    "list_erp_connections": (ADM, "GET", "erp-connections", None, 200),
    "create_erp_connection": (ADM, "POST", "erp-connections", EMPTY, 422),
    "get_erp_connection": (ADM, "GET", "erp-connections/{erp}", None, 200),
    "update_erp_connection": (ADM, "PUT", "erp-connections/{erp}", EMPTY, 422),
    "test_erp": (ADM, "POST", "erp-connections/{erp}/test", None, 200),
    "get_master_data_push": (ADM, "GET", "integrations/{integration}/master-data-push", None, 200),
    "plan_master_data_push": (
        ADM, "POST", "integrations/{integration}/master-data-push/plan", None, 202),
    "apply_master_data_push": (  # the table's push is applied already: no longer open
        ADM, "POST", "integrations/{integration}/master-data-push/{push}/apply", EMPTY, 409),
    "list_reconciliation_runs": (
        V, "GET", "integrations/{integration}/reconciliation/runs", None, 200),
    "get_latest_reconciliation_run": (
        V, "GET", "integrations/{integration}/reconciliation/runs/latest", None, 200),
    "start_reconciliation": (A, "POST", "integrations/{integration}/reconciliation/runs",
                             {"start": "2026-12-01", "end": "2026-11-01"}, 422),
    "list_discrepancies": (V, "GET", "integrations/{integration}/discrepancies", None, 200),
    "acknowledge_discrepancy": (
        A, "POST", "integrations/{integration}/discrepancies/{discrepancy}/acknowledge", EMPTY,
        422),
    "reexport_discrepancy": (  # the table's discrepancy is a changed one: not exported again
        A, "POST", "integrations/{integration}/discrepancies/{discrepancy}/reexport", None, 409),
    "list_subscriptions": (ADM, "GET", "notifications/subscriptions", None, 200),
    "create_subscription": (ADM, "POST", "notifications/subscriptions", EMPTY, 422),
    "delete_subscription": (
        ADM, "DELETE", "notifications/subscriptions/{subscription}", None, 204),
    "list_deliveries": (ADM, "GET", "notifications/deliveries", None, 200),
}  # fmt: skip
SCOPED = ("{integration}", "{job}", "{item}", "{group}")


def api_operations() -> dict[str, tuple[str, str]]:
    """Every operation the API serves: {operation id: (method, path)}."""
    schema = api.get_openapi_schema()
    return {
        operation["operationId"]: (method.upper(), path)
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
    }


def test_the_table_names_every_operation_of_the_api_and_its_role():
    assert set(OPERATIONS) == set(api_operations())


def test_every_operation_requires_its_tables_role():
    for router_prefix, router in api._routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                name = operation.view_func.__name__
                roles = [getattr(auth, "least_role", None) for auth in operation.auth_callbacks]
                assert roles == [OPERATIONS[name][0]], (router_prefix, name, roles)


def objects_of(integration, job, folder) -> dict:
    item = ExportItem.objects.filter(job=job).first()
    failed = ExportItem.objects.filter(job=job, status="failed").first()
    run = ReconciliationRun.objects.create(integration=integration, state=RunState.DONE)
    return {
        "push": MasterDataPush.objects.create(integration=integration, state=PushState.APPLIED).pk,
        "discrepancy": Discrepancy.objects.create(
            integration=integration,
            run=run,
            accounting_entry_id=item.accounting_entry_id,
            item=item,
            kind=DiscrepancyKind.CHANGED_IN_ERP,
        ).pk,
        "subscription": Subscription.objects.create(
            integration=integration,
            channel=Channel.EMAIL,
            target="books@nordlys.test",
            events=["job_failed"],
        ).pk,
        "integration": integration.pk,
        "job": job.pk,
        "batch": batch_of(job, folder),
        "item": item.pk,
        "entry": item.accounting_entry_id,
        "mapping": integration.mappings.first().pk,
        "operation": BackgroundOperation.objects.create(
            kind=OperationKind.REFRESH_QUEUE, integration=integration
        ).pk,
        "pleo": integration.pleo_connection_id,
        "erp": integration.erp_connection_id,
        "group": urlencode(
            {
                "integration_id": integration.pk,
                "reason_type": failed.failure_reason_type,
                "mapping_kind": failed.failure_mapping_kind,
                "pleo_key": failed.failure_pleo_key,
            }
        ),
    }


def path_for(template: str, objects: dict) -> str:
    return template.format(**objects)


@pytest.fixture
def mine(users, integration, finished_job, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    return users, objects_of(integration, finished_job, tmp_path / "journal")


@pytest.fixture
def world(mine, other_integration, tmp_path):
    users, objects = mine
    other_job = export(other_integration, postable_entry_ids(other_integration.sandbox_company, 2))
    # The other company's job needs a failed item for its group's URL.
    ExportItem.objects.filter(pk=other_job.items.first().pk).update(
        status="failed", failure_reason_type="account_unknown", failure_mapping_kind="account",
        failure_pleo_key="9999")  # fmt: skip
    return users, objects, objects_of(other_integration, other_job, tmp_path / "journal")


@pytest.mark.parametrize("role", ROLES)
def test_each_role_is_allowed_or_refused_on_every_operation(api_as, mine, role):
    users, mine = mine
    client = api_as(users[role])
    for name, (least, method, template, body, ok) in OPERATIONS.items():
        response = client.call(method, path_for(template, mine), body)
        if ORDER[role] >= ORDER[least]:
            assert response.status_code == ok, (name, role, response.content[:400])
        else:
            assert response.status_code == 403, (name, role, response.status_code)
            assert problem_of(response)["type"] == "urn:exporthub:problem:role-required"


def test_without_a_token_every_operation_answers_401(api_as, mine):
    _, mine = mine
    anonymous = api_as(None)
    for name, (_least, method, template, body, _ok) in OPERATIONS.items():
        response = anonymous.call(method, path_for(template, mine), body)
        assert response.status_code == 401, name
        assert problem_of(response)["type"] == "urn:exporthub:problem:unauthenticated"
        assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("role", ["viewer", "accountant"])
def test_another_companys_objects_are_not_found_nor_listed(api_as, world, other_integration, role):
    users, _, theirs = world
    client = api_as(users[role])
    checked = 0
    for name, (least, method, template, body, _ok) in OPERATIONS.items():
        if ORDER[role] < ORDER[least] or not any(part in template for part in SCOPED):
            continue
        response = client.call(method, path_for(template, theirs), body)
        if body is EMPTY and response.status_code == 422:
            continue  # refused before the lookup; the lookup is checked with a valid body below
        assert response.status_code == 404, (name, role, response.status_code)
        checked += 1
    assert checked >= 8
    if role == "accountant":  # the writes again, with valid bodies
        writes = [
            ("failure-groups/retry", {"integration_id": theirs["integration"],
             "mapping_kind": "account", "reason_type": "account_unknown", "pleo_key": "9999"}),
            (f"items/{theirs['item']}/reference", {"external_id": "X-1"}),
            (f"items/{theirs['item']}/mark-exported", {"external_id": "X-1", "reason": "r"}),
            ("items/bulk-corrections", {"items": [{"item_id": theirs["item"],
                                                   "external_id": "X-1"}], "reason": "r"}),
            (f"integrations/{theirs['integration']}/queue/export", {"all_matching": True}),
            (f"integrations/{theirs['integration']}/discrepancies/{theirs['discrepancy']}"
             "/acknowledge", {"reason": "Booked by hand."}),
        ]  # fmt: skip
        for path, body in writes:
            assert client.post(path, body).status_code == 404, path
    for path in ["integrations", "jobs", "failure-groups"]:
        items = client.get(path).json()["items"]
        assert items, path
        assert other_integration.pk not in {
            row.get("integration_id", row.get("id")) for row in items
        }, path
