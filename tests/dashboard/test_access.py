"""Every dashboard URL × every role: allowed, sent to sign in, or refused; never a 500 or a leak."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils.http import urlencode

from exporthub.notifications.models import Subscription
from exporthub.sync.models import BackgroundOperation, ExportItem, OperationKind
from exporthub.sync.push_models import MasterDataPush
from exporthub.sync.reconciliation_models import Discrepancy, ReconciliationRun
from tests.dashboard.conftest import batch_of, make_user

ORDER = {None: 0, "viewer": 1, "accountant": 2, "admin": 3}
# (url name, kwargs names, least role, method)
PAGES = [
    ("home", (), "none", "GET"),
    ("dashboard:job-list", (), "viewer", "GET"),
    ("dashboard:job-detail", ("job",), "viewer", "GET"),
    ("dashboard:job-dismiss", ("job",), "admin", "POST"),
    ("dashboard:filed-batch-download", ("batch",), "viewer", "GET"),
    ("dashboard:item-detail", ("item",), "viewer", "GET"),
    ("dashboard:item-reference", ("item",), "accountant", "POST"),
    ("dashboard:item-mark-exported", ("item",), "accountant", "POST"),
    ("dashboard:items-bulk", ("item",), "accountant", "GET"),
    ("dashboard:failure-list", (), "viewer", "GET"),
    ("dashboard:failure-retry", (), "accountant", "POST"),
    ("dashboard:failure-group", ("integration",), "viewer", "GET"),
    ("dashboard:queue", ("integration",), "viewer", "GET"),
    ("dashboard:queue-refresh", ("integration",), "accountant", "POST"),
    ("dashboard:queue-export", ("integration",), "accountant", "POST"),
    ("dashboard:operation-status", ("integration", "operation"), "viewer", "GET"),
    ("dashboard:entry-preview", ("integration", "entry"), "viewer", "GET"),
    ("dashboard:run-now", ("integration",), "accountant", "POST"),
    ("dashboard:reconciliation", ("integration",), "viewer", "GET"),
    ("dashboard:reconciliation-run", ("integration",), "accountant", "POST"),
    ("dashboard:discrepancy-acknowledge", ("integration", "discrepancy"), "accountant", "POST"),
    ("dashboard:discrepancy-reexport", ("integration", "discrepancy"), "accountant", "POST"),
    ("dashboard:mapping-list", ("integration",), "admin", "GET"),
    ("dashboard:mapping-delete", ("integration", "mapping"), "admin", "GET"),  # asks first
    ("dashboard:mapping-export", ("integration",), "admin", "GET"),
    ("dashboard:mapping-refresh-records", ("integration",), "admin", "POST"),
    ("dashboard:mapping-import", ("integration",), "admin", "POST"),
    ("dashboard:master-data-push", ("integration",), "admin", "GET"),
    ("dashboard:master-data-push-plan", ("integration",), "admin", "POST"),
    ("dashboard:master-data-push-apply", ("integration", "push"), "admin", "POST"),
    ("dashboard:activity-list", (), "accountant", "GET"),
    ("dashboard:activity-export", (), "accountant", "GET"),
    ("dashboard:company-create", (), "admin", "GET"),
    ("dashboard:company-edit", ("integration",), "admin", "GET"),
    ("dashboard:pleo-connection-list", (), "admin", "GET"),
    ("dashboard:pleo-connection-create", (), "admin", "GET"),
    ("dashboard:pleo-connection-edit", ("pleo",), "admin", "GET"),
    ("dashboard:pleo-connection-test", ("pleo",), "admin", "POST"),
    ("dashboard:pleo-connection-authorize", ("pleo",), "admin", "POST"),
    ("dashboard:pleo-oauth-callback", (), "admin", "GET"),
    ("dashboard:erp-connection-list", (), "admin", "GET"),
    ("dashboard:erp-connection-create", (), "admin", "GET"),
    ("dashboard:erp-connection-edit", ("erp",), "admin", "GET"),
    ("dashboard:erp-connection-test", ("erp",), "admin", "POST"),
    ("dashboard:user-list", (), "admin", "GET"),
    ("dashboard:user-edit", ("user",), "admin", "GET"),
    ("dashboard:user-set-active", ("user",), "admin", "POST"),
    ("dashboard:user-password", ("user",), "admin", "GET"),
    ("notifications:subscription-list", (), "admin", "GET"),
    ("notifications:subscription-delete", ("subscription",), "admin", "POST"),
    ("notifications:delivery-list", (), "admin", "GET"),
]
# Pages that take their objects in the query string (repeated `item=<pk>` from checkbox forms).
QUERY_NAMES = {"dashboard:items-bulk": "item"}
KWARG_NAMES = {
    "job": "pk",
    "batch": "pk",
    "item": "pk",
    "integration": "pk",
    "entry": "entry_id",
    "mapping": "mapping_pk",
    "operation": "operation_pk",
    "discrepancy": "discrepancy_pk",
    "push": "push_pk",
    "subscription": "pk",
    "pleo": "pk",
    "erp": "pk",
    "user": "pk",
}


def test_it_lists_every_dashboard_url():
    from exporthub.dashboard.urls import urlpatterns

    assert {f"dashboard:{p.name}" for p in urlpatterns} == {
        name for name, *_ in PAGES if name.startswith("dashboard:")
    }


def objects_of(integration, job, folder):
    item = ExportItem.objects.filter(job=job).first()
    failed = ExportItem.objects.filter(job=job, status="failed").first()
    return {
        "group": urlencode(
            {
                "reason_type": failed.failure_reason_type,
                "mapping_kind": failed.failure_mapping_kind,
                "pleo_key": failed.failure_pleo_key,
            }
        )
        if failed
        else "",
        "job": job.pk,
        "batch": batch_of(job, folder),
        "item": item.pk,
        "integration": integration.pk,
        "entry": item.accounting_entry_id,
        "mapping": integration.mappings.first().pk,
        "operation": BackgroundOperation.objects.create(
            kind=OperationKind.REFRESH_QUEUE, integration=integration
        ).pk,
        "pleo": integration.pleo_connection_id,
        "erp": integration.erp_connection_id,
        "discrepancy": Discrepancy.objects.create(
            integration=integration,
            run=ReconciliationRun.objects.create(integration=integration),
            accounting_entry_id=item.accounting_entry_id,
            kind="missing_in_erp",
        ).pk,
        "push": MasterDataPush.objects.create(integration=integration).pk,
        "subscription": Subscription.objects.create(
            integration=integration, channel="email", target="a@b.test", events=["job_failed"]
        ).pk,
    }


def url_for(name, needs, objects):
    if name in QUERY_NAMES:
        return reverse(name) + "".join(f"?{QUERY_NAMES[name]}={objects[need]}" for need in needs)
    kwargs = {}
    for need in needs:
        kwargs[KWARG_NAMES[need]] = objects[need]
    query = "?kind=beancount" if name == "dashboard:erp-connection-create" else ""
    if name == "dashboard:failure-group":
        query = "?" + objects["group"]
    return reverse(name, kwargs=kwargs) + query


@pytest.fixture
def world(django_user_model, integration, other_integration, finished_job, settings, tmp_path):
    from tests.dashboard.conftest import export, postable_entry_ids

    other_job = export(other_integration, postable_entry_ids(other_integration.sandbox_company, 2))
    users = {
        None: make_user(django_user_model, "nobody", None, [integration]),
        "viewer": make_user(django_user_model, "vera", "viewer", [integration]),
        "accountant": make_user(django_user_model, "anna", "accountant", [integration]),
        "admin": make_user(django_user_model, "adam", "admin"),
    }
    settings.DATA_DIR = tmp_path
    mine = objects_of(integration, finished_job, tmp_path / "journal")
    theirs = objects_of(other_integration, other_job, tmp_path / "journal")
    mine["user"] = theirs["user"] = users["viewer"].pk
    return users, mine, theirs


@pytest.mark.parametrize("role", [None, "viewer", "accountant", "admin"])
def test_it_allows_refuses_or_sends_to_sign_in_for_every_url(client, world, role):
    users, mine, _ = world
    client.force_login(users[role])
    for name, needs, least, method in PAGES:
        url = url_for(name, needs, mine)
        allowed = least == "none" or ORDER[role] >= ORDER[least]
        if method == "POST" and allowed:
            # Allowed POSTs are tested by each page's own tests; here: they refuse GET.
            response = client.get(url)
            assert response.status_code == 405, (name, role)
            continue
        response = client.post(url) if method == "POST" else client.get(url)
        expected = 200 if allowed else 403
        if name == "dashboard:pleo-oauth-callback" and allowed:
            expected = 302  # no sign-in in progress: back to the connections page
        assert response.status_code == expected, (name, role, response.status_code)


def test_it_sends_anonymous_visitors_to_sign_in_everywhere(client, world):
    _, mine, _ = world
    for name, needs, _least, method in PAGES:
        url = url_for(name, needs, mine)
        response = client.post(url) if method == "POST" else client.get(url)
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("login")), name


@pytest.mark.parametrize("role", ["viewer", "accountant"])
def test_it_never_shows_another_companys_objects(client, world, role):
    users, _, theirs = world
    client.force_login(users[role])
    for name, needs, least, method in PAGES:
        if not set(needs) & {"job", "batch", "item", "integration"} or ORDER[role] < ORDER[least]:
            continue
        url = url_for(name, needs, theirs)
        response = client.post(url) if method == "POST" else client.get(url)
        assert response.status_code == 404, (name, role, response.status_code)


@pytest.mark.parametrize("role", ["viewer", "accountant"])
def test_it_leaves_other_companies_out_of_lists(client, world, other_integration, role):
    users, _, _ = world
    client.force_login(users[role])
    for name in ["home", "dashboard:job-list", "dashboard:failure-list"]:
        page = client.get(reverse(name)).content.decode()
        assert "Nordlys Design ApS" in page or name != "home"
        assert other_integration.name not in page, name
    if role == "accountant":
        response = client.get(reverse("dashboard:activity-export"))
        page = b"".join(response.streaming_content).decode()
        assert str(other_integration.pleo_connection.company_id) not in page


def test_it_shows_admins_every_company(client, world, other_integration):
    users, _, _ = world
    client.force_login(users["admin"])
    page = client.get(reverse("dashboard:job-list")).content.decode()
    assert "Nordlys Design ApS" in page
    assert other_integration.name in page
