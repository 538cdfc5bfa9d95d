"""Export jobs, their items and timeline; items and their corrections; failure groups."""

from __future__ import annotations

from django.core import signing
from django.db.models import Q
from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from exporthub.api.auth import role
from exporthub.api.common import one, pleo_problem
from exporthub.api.pagination import DEFAULT_LIMIT, MAX_LIMIT, page_schema, paginate
from exporthub.api.problems import Problem, invalid
from exporthub.api.schemas import (
    ITEM_FIELDS,
    BatchFileOut,
    BulkIn,
    BulkOut,
    DismissIn,
    FailureGroupKey,
    FailureGroupOut,
    ItemDetailOut,
    ItemOut,
    JobOut,
    MarkExportedIn,
    OutcomeOut,
    ReferenceIn,
    TimelineLineOut,
)
from exporthub.core.access import ACCOUNTANT, ADMIN, VIEWER
from exporthub.dashboard import scope
from exporthub.dashboard.batch_files import (
    FileUnavailable,
    batch_content,
    batches_of,
    visible_batch,
)
from exporthub.dashboard.bulk import MAX_ITEMS, BulkCorrectionForm, apply_changes
from exporthub.dashboard.corrections import CorrectionRefused, Outcome, correct
from exporthub.dashboard.failures import failure_groups, find_group, group_items, retry_group
from exporthub.dashboard.forms import ExternalReferenceForm, JobDismissForm, MarkExportedForm
from exporthub.dashboard.job_timeline import line_for
from exporthub.pleo.errors import PleoError
from exporthub.sync.correction_models import Correction, CorrectionKind
from exporthub.sync.dismissal import CannotDismiss, dismiss_job
from exporthub.sync.models import JobStatus

router = Router(tags=["jobs"])


@router.get("/jobs", response=page_schema(JobOut, "JobList"), auth=role(VIEWER))
def list_jobs(
    request,
    status: str | None = None,
    integration: int | None = None,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
):
    """Export jobs, newest first; `status` and `integration` filter as on the jobs page."""
    rows = scope.jobs(request.auth).select_related(None)
    if status is not None:
        if status not in JobStatus.values:
            raise Problem(
                422,
                _("status is one of %(statuses)s.") % {"statuses": ", ".join(JobStatus.values)},
                slug="validation",
                errors=[{"field": "status", "message": _("Unknown job status.")}],
            )
        rows = rows.filter(status=status)
    if integration is not None:
        rows = rows.filter(integration_id=integration)
    return paginate(rows, ["-pleo_created_at", "-id"], cursor=cursor, limit=limit)


@router.get("/jobs/{int:pk}", response=JobOut, auth=role(VIEWER))
def get_job(request, pk: int):
    return one(scope.jobs(request.auth), "export job", pk=pk)


@router.get("/jobs/{int:pk}/files", response=list[BatchFileOut], auth=role(VIEWER))
def list_job_files(request, pk: int):
    """The file-journal batch files the job's entries were filed in, oldest first."""
    return list(batches_of(one(scope.jobs(request.auth), "export job", pk=pk)))


@router.get(
    "/files/{int:pk}",
    auth=role(VIEWER),
    openapi_extra={
        "responses": {
            200: {
                "description": "The batch file",
                "content": {"application/octet-stream": {"schema": {"type": "string"}}},
            }
        }
    },
)
def download_file(request, pk: int):
    """A batch file's bytes, as on the job page (rendered again from the register if the file
    is missing); 404 for a file of a job the token's user may not see."""
    batch = visible_batch(request.auth, pk)
    if batch is None:
        raise Problem(404, _("No such file."), slug="not-found")
    try:
        content, content_type = batch_content(batch)
    except FileUnavailable as error:
        raise Problem(404, str(error), slug="not-found") from error
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{batch.file_name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@router.get("/jobs/{int:pk}/items", response=page_schema(ItemOut, "ItemList"), auth=role(VIEWER))
def list_job_items(
    request,
    pk: int,
    status: str | None = None,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
):
    job = one(scope.jobs(request.auth), "export job", pk=pk)
    rows = job.items.only(*ITEM_FIELDS)
    if status is not None:
        rows = rows.filter(status=status)
    return paginate(rows, ["id"], cursor=cursor, limit=limit)


@router.get(
    "/jobs/{int:pk}/timeline",
    response=page_schema(TimelineLineOut, "TimelineList"),
    auth=role(VIEWER),
)
def list_job_timeline(request, pk: int, cursor: str | None = None, limit: int = DEFAULT_LIMIT):
    """What happened to the job, oldest first, as the job page tells it."""
    job = one(scope.jobs(request.auth), "export job", pk=pk)
    rows = scope.activity(request.auth).filter(
        Q(object_type="sync.exportjob", object_id=str(job.pk)) | Q(data__job=job.pk)
    )
    return paginate(
        rows.select_related("actor"),
        ["created_at", "id"],
        cursor=cursor,
        limit=limit,
        serialize=_line,
    )


def _line(entry) -> dict:
    line = line_for(entry)
    return {
        "id": entry.pk,
        "at": line.at,
        "action": entry.action,
        "text": line.text,
        "tone": line.tone,
    }


@router.post("/jobs/{int:pk}/dismiss", response=JobOut, auth=role(ADMIN))
def dismiss(request, pk: int, data: DismissIn):
    """Stop working on a job that blocks its company's queue."""
    job = one(scope.jobs(request.auth), "export job", pk=pk)
    form = JobDismissForm(data.dict())
    if not form.is_valid():
        raise invalid(form)
    try:
        return dismiss_job(job, reason=form.cleaned_data["reason"], actor=request.auth)
    except CannotDismiss as error:
        raise Problem(409, str(error), slug="cannot-dismiss") from None


@router.get("/items/{int:pk}", response=ItemDetailOut, auth=role(VIEWER))
def get_item(request, pk: int):
    item = one(scope.items(request.auth), "export item", pk=pk)
    item.latest_corrections = list(Correction.objects.filter(item=item).order_by("-id")[:20])
    return item


def _outcome(item, outcome: Outcome) -> dict:
    return {
        "item_id": item.pk,
        "kind": outcome.kind,
        "applied": outcome.applied,
        "unchanged": outcome.unchanged,
        "correction": outcome.correction,
    }


def _correct(request, pk: int, form, kind: str) -> dict:
    item = one(scope.items(request.auth), "export item", pk=pk)
    if not form.is_valid():
        raise invalid(form)
    try:
        outcome = correct(item, kind=kind, **form.cleaned_data, user=request.auth)
    except CorrectionRefused as refused:
        raise Problem(409, str(refused), slug="correction-refused") from None
    return _outcome(item, outcome)


@router.post("/items/{int:pk}/reference", response=OutcomeOut, auth=role(ACCOUNTANT))
def correct_reference(request, pk: int, data: ReferenceIn):
    """Correct an exported item's external reference, here and in Pleo (nothing is posted)."""
    return _correct(request, pk, ExternalReferenceForm(data.dict()), CorrectionKind.REFERENCE)


@router.post("/items/{int:pk}/mark-exported", response=OutcomeOut, auth=role(ACCOUNTANT))
def mark_exported(request, pk: int, data: MarkExportedIn):
    """Mark a failed item as booked by hand in the ERP, with its reference and a reason."""
    return _correct(request, pk, MarkExportedForm(data.dict()), CorrectionKind.MANUAL)


@router.post("/items/bulk-corrections", response=BulkOut, auth=role(ACCOUNTANT))
def bulk_correct(request, data: BulkIn):
    """Several items at once: exported items get a new reference, failed ones a manual mark;
    finished jobs' corrections go to Pleo in one correction job per company."""
    if not data.items or len(data.items) > MAX_ITEMS:
        raise Problem(
            422,
            _("Send 1 to %(limit)s items.") % {"limit": MAX_ITEMS},
            slug="validation",
            errors=[
                {"field": "items", "message": _("1 to %(limit)s items.") % {"limit": MAX_ITEMS}}
            ],
        )
    wanted = {row.item_id: row for row in data.items}
    items = list(scope.items(request.auth).filter(pk__in=wanted).select_related("job__integration"))
    if len(items) != len(wanted):
        raise Problem(404, _("Some of the items cannot be found."), slug="not-found")
    values = {"reason": data.reason}
    for row in data.items:
        values[f"external_id_{row.item_id}"] = row.external_id
        values[f"external_url_{row.item_id}"] = row.external_url
    form = BulkCorrectionForm(items, values)
    if not form.is_valid():
        raise invalid(form)
    result = apply_changes(form.cleaned_data["changes"], reason=data.reason, user=request.auth)
    return {
        "outcomes": [_outcome(item, outcome) for item, outcome in result.outcomes],
        "refused": [{"item_id": item.pk, "reason": reason} for item, reason in result.refused],
        "waiting": result.waiting,
    }


def _group_out(group, example) -> dict:
    fix = group.fix
    return {
        "integration_id": group.integration.pk,
        "reason_type": group.reason_type,
        "mapping_kind": group.mapping_kind,
        "pleo_key": group.pleo_key,
        "pleo_label": group.pleo_label,
        "count": group.count,
        "ready": group.ready,
        "can_retry": group.can_retry,
        "example_item_id": group.example_id,
        "failure_reason": example.failure_reason if example else "",
        "fix": {
            "label": fix.label,
            "kind": fix.kind,
            "mapping_kind": fix.mapping_kind,
            "pleo_key": fix.pleo_key,
        },
    }


GROUP_SALT = "exporthub.api.failure-groups"


def _group_sort_key(group) -> list:
    return [
        -group.count,
        group.integration.pk,
        group.reason_type,
        group.mapping_kind,
        group.pleo_key,
    ]


@router.get(
    "/failure-groups",
    response=page_schema(FailureGroupOut, "FailureGroupList"),
    auth=role(VIEWER),
)
def list_failure_groups(request, cursor: str | None = None, limit: int = DEFAULT_LIMIT):
    """Open failures grouped by cause, biggest first, each with its fix and how many of its
    items the mappings now fix (`ready`)."""
    if not 1 <= limit <= MAX_LIMIT:
        raise Problem(
            422,
            _("limit must be between 1 and %(limit)s.") % {"limit": MAX_LIMIT},
            slug="validation",
        )
    items = scope.items(request.auth)
    groups = sorted(failure_groups(items), key=_group_sort_key)
    if cursor:
        try:
            after = signing.loads(cursor, salt=GROUP_SALT)
        except signing.BadSignature:
            raise Problem(
                400, _("The cursor is not one this API gave out."), slug="bad-cursor"
            ) from None
        groups = [group for group in groups if _group_sort_key(group) > after]
    page, more = groups[:limit], len(groups) > limit
    examples = (
        items.select_related(None)
        .only("id", "failure_reason")
        .in_bulk([g.example_id for g in page if g.example_id])
    )
    return {
        "items": [_group_out(group, examples.get(group.example_id)) for group in page],
        "next_cursor": signing.dumps(_group_sort_key(page[-1]), salt=GROUP_SALT) if more else None,
    }


@router.get(
    "/failure-groups/items", response=page_schema(ItemOut, "GroupItemList"), auth=role(VIEWER)
)
def list_failure_group_items(
    request, key: Query[FailureGroupKey], cursor: str | None = None, limit: int = DEFAULT_LIMIT
):
    """One cause's open failed items."""
    items = scope.items(request.auth)
    group = find_group(items, key.integration_id, key.dict())
    if group is None:
        raise Problem(
            404, _("No such failure group (it may have been retried already)."), slug="not-found"
        )
    rows = group_items(items, group).select_related(None).only(*ITEM_FIELDS)
    return paginate(rows, ["id"], cursor=cursor, limit=limit)


@router.post("/failure-groups/retry", response={201: JobOut}, auth=role(ACCOUNTANT))
def retry_failure_group(request, key: FailureGroupKey):
    """Export every item of the group again in one new Pleo job, once its cause is fixed."""
    items = scope.items(request.auth)
    group = find_group(items, key.integration_id, key.dict())
    if group is None:
        raise Problem(
            404, _("No such failure group (it may have been retried already)."), slug="not-found"
        )
    try:
        job = retry_group(items, group, user=request.auth)
    except ValueError as error:
        raise Problem(409, str(error), slug="not-retryable") from None
    except PleoError as error:
        raise pleo_problem(error) from None
    return Status(201, job)
