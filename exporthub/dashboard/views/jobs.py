from __future__ import annotations

from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django_htmx.http import HTMX_STOP_POLLING, reswap, retarget

from exporthub.core.access import ACCOUNTANT, ADMIN, VIEWER, has_role, role_required
from exporthub.dashboard import scope
from exporthub.dashboard.batch_files import batches_of
from exporthub.dashboard.job_timeline import timeline
from exporthub.dashboard.redaction import redact_text
from exporthub.dashboard.views.common import page_of, query_without_page, render_page
from exporthub.sync.models import JobStatus

TIMELINE_LIMIT = 200
ITEMS_PER_PAGE = 50
TEMPLATE = "dashboard/jobs/job_detail.html"


@role_required(VIEWER)
def job_list(request: HttpRequest) -> HttpResponse:
    jobs = scope.jobs(request.user).order_by("-pleo_created_at", "-id")
    status = request.GET.get("status", "")
    if status in JobStatus.values:
        jobs = jobs.filter(status=status)
    company = request.GET.get("company", "")
    if (integration_id := scope.id_param(company)) is not None:
        jobs = jobs.filter(integration_id=integration_id)
    page = page_of(request, jobs)
    page.object_list = list(page.object_list)
    names = requested_by(request.user, page.object_list)
    for job in page.object_list:
        job.requested_by = names.get(job.pk, "")
    context = {
        "jobs": page,
        "statuses": JobStatus.values,
        "status": status,
        "company": company,
        "companies": scope.integrations(request.user),
        "query": query_without_page(request),
    }
    return render_page(request, "dashboard/jobs/job_list.html", context, "job-table")


def requested_by(user, jobs) -> dict[int, str]:
    """Who asked for each job in the hub ({job pk: name}); jobs started in Pleo are absent."""
    ids = [str(job.pk) for job in jobs]
    rows = (
        scope.activity(user)
        .filter(action="sync.job.requested", object_type="sync.exportjob", object_id__in=ids)
        .select_related("actor")
        .order_by("id")
    )
    return {
        int(row.object_id): row.actor.get_full_name() or row.actor.get_username()
        for row in rows
        if row.actor is not None
    }


@role_required(VIEWER)
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The job page. While the job runs, htmx polls its summary (status, times, progress);
    the poll that finds it ended gets the whole job body instead, so nothing stays stale."""
    job = get_object_or_404(scope.jobs(request.user), pk=pk)
    polling = request.htmx and request.htmx.target == "job-summary"
    if polling and not job.is_finished:
        return render(request, f"{TEMPLATE}#job-summary", summary_context(job))
    context = {**summary_context(job), **body_context(request, job)}
    if polling:
        response = render(request, f"{TEMPLATE}#job-body", context)
        response.status_code = HTMX_STOP_POLLING
        return reswap(retarget(response, "#job-body"), "outerHTML")
    return render_page(request, TEMPLATE, context, "job-items")


def summary_context(job) -> dict:
    return {"job": job}


def body_context(request: HttpRequest, job) -> dict:
    items = job.items.order_by("status", "id").only(
        "id",
        "job_id",
        "accounting_entry_id",
        "status",
        "entry_date",
        "supplier",
        "amount_minor",
        "currency",
        "category_code",
        "category_name",
        "employee",
        "external_id",
        "external_url",
        "failure_reason_type",
        "failure_reason",
    )
    activity = (
        scope.activity(request.user)
        .filter(Q(object_type="sync.exportjob", object_id=str(job.pk)) | Q(data__job=job.pk))
        .select_related("actor")
        .order_by("created_at", "id")[:TIMELINE_LIMIT]
    )
    page = page_of(request, items, ITEMS_PER_PAGE)
    return {
        "items": page,
        "query": query_without_page(request),
        "timeline": timeline(activity),
        "batches": list(batches_of(job)),
        "bulk_url": reverse("dashboard:items-bulk") if has_role(request.user, ACCOUNTANT) else "",
        "can_dismiss": has_role(request.user, ADMIN)
        and not job.is_finished
        and job.dismissed_at is None,
        # Tracebacks name code and data paths: admins only.
        "errors": [
            (item, redact_text(item.error_detail))
            for item in job.items.exclude(error_detail="").order_by("id")[:20]
        ]
        if has_role(request.user, ADMIN)
        else [],
    }
