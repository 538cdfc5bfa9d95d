"""The "act as the Pleo user" page: companies, their export queue and jobs, an Export button."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from exporthub.sandbox import services
from exporthub.sandbox.models import Company, ExportJob


def _require_enabled() -> None:
    if not settings.SANDBOX_ENABLED:
        raise Http404("The Pleo sandbox is switched off.")


@login_required
def home(request: HttpRequest) -> HttpResponse:
    _require_enabled()
    companies = Company.objects.annotate(
        queued=Count("entries", filter=Q(entries__export_status="QUEUED")),
    ).order_by("name")
    jobs = ExportJob.objects.select_related("company").order_by("-pk")[:20]
    return render(request, "sandbox/home.html", {"companies": companies, "jobs": jobs})


@require_POST
@login_required
def export(request: HttpRequest, company_id: str) -> HttpResponse:
    _require_enabled()
    company = get_object_or_404(Company, uuid=company_id)
    try:
        job = services.create_export_job(
            company, vendor_based_bookkeeping=request.POST.get("vendor_based_bookkeeping") == "on"
        )
    except services.SandboxError as error:
        messages.error(request, f"{error.type}: {error.message}")
    else:
        messages.success(
            request, f"Created export job {job.uuid} with {job.number_of_items} items."
        )
    return redirect("sandbox:home")
