"""Slow work started from a page (refresh from Pleo, re-check the queue, refresh ERP records,
check Pleo for export jobs now).

A request only calls `start_operation`, which records a `BackgroundOperation` and enqueues a
task; a worker runs it through `run_operation`, counting progress on the row as it goes. The
page shows the latest operation's progress line (`dashboard/components/operation_progress.html`)
and polls it with htmx until it is done; without JavaScript a reload shows the same line.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django_q.tasks import async_task

from exporthub.connectors.errors import ConnectorError
from exporthub.connectors.master_data import refresh_master_data
from exporthub.connectors.models import ConnectorConfig
from exporthub.connectors.registry import build_connector
from exporthub.core.activity import log_activity
from exporthub.pleo.errors import PleoError
from exporthub.sync.actions import check_pleo_now
from exporthub.sync.master_data_push import apply_push, confirm_push, plan_fresh_push
from exporthub.sync.models import BackgroundOperation, Integration, OperationKind, OperationState
from exporthub.sync.push_models import PushState
from exporthub.sync.queue_mirror import recheck_preflight, refresh_export_queue
from exporthub.sync.wiring import open_pleo

log = logging.getLogger(__name__)
TASK = "exporthub.sync.tasks.run_operation"
# An unfinished operation not updated for this long belongs to a worker that died; a new
# click starts a fresh one instead of showing it forever.
ABANDONED_AFTER = timedelta(minutes=15)
UNFINISHED = (OperationState.QUEUED, OperationState.RUNNING)
# Which states of an earlier operation a new request joins instead of starting another. A
# re-check that already runs may have read the mappings before the change that asks for a new
# one, so only a re-check still waiting for a worker is joined.
JOINABLE = {
    OperationKind.REFRESH_QUEUE: UNFINISHED,
    OperationKind.RECHECK_PREFLIGHT: (OperationState.QUEUED,),
    OperationKind.REFRESH_ERP_RECORDS: UNFINISHED,
    OperationKind.PLAN_MASTER_DATA_PUSH: UNFINISHED,
    OperationKind.APPLY_MASTER_DATA_PUSH: UNFINISHED,
    OperationKind.RUN_NOW: UNFINISHED,
}


def start_operation(
    kind: str,
    *,
    integration: Integration | None = None,
    erp_connection: ConnectorConfig | None = None,
    user=None,
) -> tuple[BackgroundOperation, bool]:
    """Start `kind` for the target unless one is already under way; (operation, started).

    Idempotent: a second click while one runs returns the running one (started False); see
    `JOINABLE` for the re-check's exception.
    """
    with transaction.atomic():
        if integration is not None:
            Integration.objects.select_for_update().filter(pk=integration.pk).first()
        current = latest(kind, integration=integration, erp_connection=erp_connection)
        if current is not None and current.state in JOINABLE[kind] and not _abandoned(current):
            return current, False
        operation = BackgroundOperation.objects.create(
            kind=kind, integration=integration, erp_connection=erp_connection, started_by=user
        )
        transaction.on_commit(lambda: async_task(TASK, operation.pk, group=f"operation-{kind}"))
    return operation, True


def apply_master_data_push(push, *, user, archive: bool) -> tuple[BackgroundOperation, bool] | None:
    """Confirm a reviewed plan and start applying it (start_operation's answer); None when the
    plan is no longer open (applied, being applied, or replaced by a newer one)."""
    if not confirm_push(push, user=user, archive=archive):
        return None
    return start_operation(
        OperationKind.APPLY_MASTER_DATA_PUSH, integration=push.integration, user=user
    )


def latest(
    kind: str,
    *,
    integration: Integration | None = None,
    erp_connection: ConnectorConfig | None = None,
) -> BackgroundOperation | None:
    """The newest operation of `kind` for the target, finished or not."""
    return (
        BackgroundOperation.objects.filter(
            kind=kind, integration=integration, erp_connection=erp_connection
        )
        .order_by("-created_at", "-id")
        .first()
    )


def _abandoned(operation: BackgroundOperation) -> bool:
    return operation.updated_at < timezone.now() - ABANDONED_AFTER


def run_operation(operation_id: int) -> None:
    """Do the operation's work, keeping its state and progress up to date on the row."""
    operation = BackgroundOperation.objects.select_related(
        "integration", "erp_connection", "started_by"
    ).get(pk=operation_id)
    if operation.is_finished:
        return
    now = timezone.now()
    _update(operation, state=OperationState.RUNNING, started_at=now, updated_at=now)
    work = {
        OperationKind.REFRESH_QUEUE: _refresh_queue,
        OperationKind.RECHECK_PREFLIGHT: _recheck_preflight,
        OperationKind.REFRESH_ERP_RECORDS: _refresh_erp_records,
        OperationKind.PLAN_MASTER_DATA_PUSH: _plan_master_data_push,
        OperationKind.APPLY_MASTER_DATA_PUSH: _apply_master_data_push,
        OperationKind.RUN_NOW: _run_now,
    }[operation.kind]
    try:
        result = work(operation)
    except (PleoError, ConnectorError) as error:
        message = getattr(error, "message", None) or str(error)
        log.warning("%s failed: %s", operation, message)
        now = timezone.now()
        _update(
            operation, state=OperationState.FAILED, error=message, finished_at=now, updated_at=now
        )
        return
    now = timezone.now()
    _update(operation, state=OperationState.DONE, result=result, finished_at=now, updated_at=now)


def _update(operation: BackgroundOperation, **fields) -> None:
    BackgroundOperation.objects.filter(pk=operation.pk).update(**fields)
    for name, value in fields.items():
        setattr(operation, name, value)


def _progress(operation: BackgroundOperation):
    def report(done: int) -> None:
        _update(operation, progress=done, updated_at=timezone.now())

    return report


def _refresh_queue(operation: BackgroundOperation) -> int:
    return refresh_export_queue(operation.integration, progress=_progress(operation))


def _recheck_preflight(operation: BackgroundOperation) -> int:
    return recheck_preflight(operation.integration, progress=_progress(operation))


def _refresh_erp_records(operation: BackgroundOperation) -> int:
    config = operation.erp_connection
    try:
        with build_connector(config) as erp:
            found = refresh_master_data(config, erp)
    except ConnectorError as error:
        log_activity(
            "dashboard.erp.records_failed",
            actor=operation.started_by,
            obj=config,
            message=error.message,
        )
        raise
    log_activity("dashboard.erp.records_refreshed", actor=operation.started_by, obj=config)
    return found.active


def _run_now(operation: BackgroundOperation) -> int:
    return len(check_pleo_now(operation.integration, user=operation.started_by))


def _plan_master_data_push(operation: BackgroundOperation) -> int:
    return len(plan_fresh_push(operation.integration).steps)


def _apply_master_data_push(operation: BackgroundOperation) -> int:
    push = operation.integration.master_data_pushes.filter(state=PushState.APPLYING).first()
    if push is None:
        return 0
    with open_pleo(operation.integration) as pleo:
        return apply_push(push, pleo).done
