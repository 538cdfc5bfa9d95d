from __future__ import annotations

from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django_htmx.http import HTMX_STOP_POLLING

from exporthub.core.access import ADMIN, VIEWER, has_role, role_required
from exporthub.dashboard import scope
from exporthub.dashboard.redaction import redact_text
from exporthub.dashboard.views.common import page_of, query_without_page, render_page
from exporthub.sync.models import JobStatus

TIMELINE_LIMIT = 200


@role_required(VIEWER)
def job_list(request: HttpRequest) -> HttpResponse:
    jobs = scope.jobs(request.user).order_by("-pleo_created_at", "-id")
    status = request.GET.get("status", "")
    if status in JobStatus.values:
        jobs = jobs.filter(status=status)
    company = request.GET.get("company", "")
    if (integration_id := scope.id_param(company)) is not None:
        jobs = jobs.filter(integration_id=integration_id)
    context = {
        "jobs": page_of(request, jobs),
        "statuses": JobStatus.values,
        "status": status,
        "company": company,
        "companies": scope.integrations(request.user),
        "query": query_without_page(request),
    }
    return render_page(request, "dashboard/jobs/job_list.html", context, "job-table")


@role_required(VIEWER)
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(scope.jobs(request.user), pk=pk)
    if request.htmx and request.htmx.target == "job-progress":
        response = render_page(
            request, "dashboard/jobs/job_detail.html", {"job": job}, "job-progress"
        )
        if job.is_finished:
            response.status_code = HTMX_STOP_POLLING
        return response
    items = job.items.order_by("status", "id").only(
        "id",
        "job_id",
        "accounting_entry_id",
        "status",
        "external_id",
        "external_url",
        "failure_reason_type",
        "failure_reason",
        "attempts",
    )
    timeline = (
        scope.activity(request.user)
        .filter(Q(object_type="sync.exportjob", object_id=str(job.pk)) | Q(data__job=job.pk))
        .order_by("created_at", "id")[:TIMELINE_LIMIT]
    )
    context = {
        "job": job,
        "items": page_of(request, items, 50),
        "timeline": timeline,
        # Tracebacks name code and data paths: admins only.
        "errors": [
            (item, redact_text(item.error_detail))
            for item in job.items.exclude(error_detail="").order_by("id")[:20]
        ]
        if has_role(request.user, ADMIN)
        else [],
    }
    return render_page(request, "dashboard/jobs/job_detail.html", context, "job-items")
