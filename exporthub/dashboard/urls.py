from __future__ import annotations

from django.urls import path

from exporthub.dashboard.views import (
    activity,
    batch_files,
    bulk,
    companies,
    erp_connections,
    failures,
    items,
    job_dismissal,
    jobs,
    mappings,
    master_data_push,
    operations,
    pleo_connections,
    queue,
    reconciliation,
    users,
)

app_name = "dashboard"
urlpatterns = [
    path("jobs/", jobs.job_list, name="job-list"),
    path("jobs/<int:pk>/", jobs.job_detail, name="job-detail"),
    path("jobs/<int:pk>/dismiss/", job_dismissal.job_dismiss, name="job-dismiss"),
    path("files/<int:pk>/", batch_files.batch_download, name="filed-batch-download"),
    path("items/<int:pk>/", items.item_detail, name="item-detail"),
    path("items/bulk/", bulk.items_bulk, name="items-bulk"),
    path("items/<int:pk>/reference/", items.item_reference, name="item-reference"),
    path("items/<int:pk>/mark-exported/", items.item_mark_exported, name="item-mark-exported"),
    path("failures/", failures.failure_list, name="failure-list"),
    path("failures/retry/", failures.failure_retry, name="failure-retry"),
    path("failures/<int:pk>/group/", failures.failure_group, name="failure-group"),
    path("companies/<int:pk>/queue/", queue.queue, name="queue"),
    path("companies/<int:pk>/queue/refresh/", queue.queue_refresh, name="queue-refresh"),
    path("companies/<int:pk>/queue/export/", queue.queue_export, name="queue-export"),
    path(
        "companies/<int:pk>/operations/<int:operation_pk>/",
        operations.operation_status,
        name="operation-status",
    ),
    path(
        "companies/<int:pk>/queue/<uuid:entry_id>/preview/",
        queue.entry_preview,
        name="entry-preview",
    ),
    path("companies/<int:pk>/run-now/", queue.integration_run_now, name="run-now"),
    path(
        "companies/<int:pk>/reconciliation/",
        reconciliation.reconciliation,
        name="reconciliation",
    ),
    path(
        "companies/<int:pk>/reconciliation/run/",
        reconciliation.reconciliation_run,
        name="reconciliation-run",
    ),
    path(
        "companies/<int:pk>/reconciliation/<int:discrepancy_pk>/acknowledge/",
        reconciliation.discrepancy_acknowledge,
        name="discrepancy-acknowledge",
    ),
    path(
        "companies/<int:pk>/reconciliation/<int:discrepancy_pk>/reexport/",
        reconciliation.discrepancy_reexport,
        name="discrepancy-reexport",
    ),
    path("companies/<int:pk>/mappings/", mappings.mapping_list, name="mapping-list"),
    path(
        "companies/<int:pk>/mappings/<int:mapping_pk>/delete/",
        mappings.mapping_delete,
        name="mapping-delete",
    ),
    path(
        "companies/<int:pk>/mappings/refresh-records/",
        mappings.mapping_refresh_records,
        name="mapping-refresh-records",
    ),
    path("companies/<int:pk>/mappings.csv", mappings.mapping_export, name="mapping-export"),
    path(
        "companies/<int:pk>/push-to-pleo/",
        master_data_push.push_page,
        name="master-data-push",
    ),
    path(
        "companies/<int:pk>/push-to-pleo/plan/",
        master_data_push.push_plan,
        name="master-data-push-plan",
    ),
    path(
        "companies/<int:pk>/push-to-pleo/<int:push_pk>/apply/",
        master_data_push.push_apply,
        name="master-data-push-apply",
    ),
    path("companies/<int:pk>/mappings/import/", mappings.mapping_import, name="mapping-import"),
    path("activity/", activity.activity_list, name="activity-list"),
    path("activity.csv", activity.activity_export, name="activity-export"),
    path("settings/companies/new/", companies.company_edit, name="company-create"),
    path("settings/companies/<int:pk>/", companies.company_edit, name="company-edit"),
    path("settings/pleo/", pleo_connections.pleo_connection_list, name="pleo-connection-list"),
    path(
        "settings/pleo/new/", pleo_connections.pleo_connection_edit, name="pleo-connection-create"
    ),
    path(
        "settings/pleo/<int:pk>/",
        pleo_connections.pleo_connection_edit,
        name="pleo-connection-edit",
    ),
    path(
        "settings/pleo/<int:pk>/test/",
        pleo_connections.pleo_connection_test,
        name="pleo-connection-test",
    ),
    path(
        "settings/pleo/<int:pk>/authorize/",
        pleo_connections.pleo_connection_authorize,
        name="pleo-connection-authorize",
    ),
    path(
        "settings/pleo/callback/", pleo_connections.pleo_oauth_callback, name="pleo-oauth-callback"
    ),
    path("settings/erp/", erp_connections.erp_connection_list, name="erp-connection-list"),
    path("settings/erp/new/", erp_connections.erp_connection_edit, name="erp-connection-create"),
    path("settings/erp/<int:pk>/", erp_connections.erp_connection_edit, name="erp-connection-edit"),
    path(
        "settings/erp/<int:pk>/test/",
        erp_connections.erp_connection_test,
        name="erp-connection-test",
    ),
    path("settings/users/", users.user_list, name="user-list"),
    path("settings/users/<int:pk>/", users.user_edit, name="user-edit"),
    path("settings/users/<int:pk>/active/", users.user_set_active, name="user-set-active"),
    path("settings/users/<int:pk>/password/", users.user_password, name="user-password"),
]
