"""Every dashboard page and action has its API operation, or a written reason why not.

A new dashboard URL fails here until it gets an entry: the operation id that does the same,
or an exemption whose reason is data, so a reviewer reads why.
"""

from __future__ import annotations

from exporthub.dashboard.urls import urlpatterns
from exporthub.notifications.urls import urlpatterns as notification_urlpatterns
from tests.api.test_access import api_operations

# dashboard URL name -> the API operation(s) doing the same
PARITY = {
    "job-list": ["list_jobs"],
    "job-detail": ["get_job", "list_job_items", "list_job_timeline", "list_job_files"],
    "filed-batch-download": ["download_file"],
    "job-dismiss": ["dismiss"],
    "item-detail": ["get_item"],
    "items-bulk": ["bulk_correct"],
    "item-reference": ["correct_reference"],
    "item-mark-exported": ["mark_exported"],
    "failure-list": ["list_failure_groups"],
    "failure-retry": ["retry_failure_group"],
    "failure-group": ["list_failure_group_items"],
    "queue": ["list_queue"],
    "queue-refresh": ["refresh_queue"],
    "queue-export": ["export_queue"],
    "operation-status": ["get_operation"],
    "entry-preview": ["preview_entry"],
    "run-now": ["run_integration_now"],
    "mapping-list": ["list_mappings", "save_integration_mapping", "update_integration_mapping"],
    "mapping-delete": ["delete_integration_mapping"],
    "mapping-refresh-records": ["refresh_erp_records"],
    "mapping-export": ["export_mapping_csv"],
    "mapping-import": ["import_mapping_csv"],
    "activity-list": ["list_activity"],
    "company-create": ["create_integration"],
    "company-edit": ["get_integration", "update_integration"],
    "pleo-connection-list": ["list_pleo_connections"],
    "pleo-connection-create": ["create_pleo_connection"],
    "pleo-connection-edit": ["get_pleo_connection", "update_pleo_connection"],
    "pleo-connection-test": ["test_pleo"],
    "erp-connection-list": ["list_erp_connections"],
    "erp-connection-create": ["create_erp_connection"],
    "erp-connection-edit": ["get_erp_connection", "update_erp_connection"],
    "erp-connection-test": ["test_erp"],
    "master-data-push": ["get_master_data_push"],
    "master-data-push-plan": ["plan_master_data_push"],
    "master-data-push-apply": ["apply_master_data_push"],
    "reconciliation": [
        "get_latest_reconciliation_run",
        "list_reconciliation_runs",
        "list_discrepancies",
    ],
    "reconciliation-run": ["start_reconciliation"],
    "discrepancy-acknowledge": ["acknowledge_discrepancy"],
    "discrepancy-reexport": ["reexport_discrepancy"],
    "notifications:subscription-list": ["list_subscriptions", "create_subscription"],
    "notifications:subscription-delete": ["delete_subscription"],
    "notifications:delivery-list": ["list_deliveries"],
}
# dashboard URL name -> why the API has no operation for it
EXEMPT = {
    "activity-export": "The CSV download of the activity log: list_activity pages the same rows "
    "with the same filters as JSON.",
    "pleo-connection-authorize": "OAuth sign-in in a browser: a person authorises the hub at "
    "Pleo, with the session holding the PKCE verifier; no script can do that step.",
    "pleo-oauth-callback": "Pleo's redirect back to the browser that started the OAuth sign-in.",
    "user-list": "User administration (accounts, roles, passwords) stays with a signed-in admin "
    "on the dashboard: a leaked token must not create users or change access.",
    "user-edit": "User administration stays on the dashboard (see user-list).",
    "user-set-active": "User administration stays on the dashboard (see user-list).",
    "user-password": "Passwords are set on the dashboard only (see user-list).",
}


def dashboard_url_names() -> set[str]:
    """The dashboard's URL names, and the notification pages' as "notifications:<name>"."""
    return {pattern.name for pattern in urlpatterns} | {
        f"notifications:{pattern.name}" for pattern in notification_urlpatterns
    }


def test_every_dashboard_url_has_an_api_operation_or_a_reason():
    names = dashboard_url_names()
    assert names - set(PARITY) - set(EXEMPT) == set(), "dashboard URLs without an API entry"
    assert set(PARITY) & set(EXEMPT) == set()
    assert set(PARITY) | set(EXEMPT) <= names, "entries for URLs the dashboard no longer has"
    assert all(len(reason) > 20 for reason in EXEMPT.values())


def test_every_named_operation_exists():
    operations = set(api_operations())
    named = {name for names in PARITY.values() for name in names}
    assert named - operations == set()
