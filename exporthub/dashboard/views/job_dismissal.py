"""An admin dismisses an export job that blocks its company's queue (see sync.dismissal)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from exporthub.core.access import ADMIN, role_required
from exporthub.dashboard import scope
from exporthub.dashboard.forms import JobDismissForm
from exporthub.sync.dismissal import CannotDismiss, dismiss_job


@require_POST
@role_required(ADMIN)
def job_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(scope.jobs(request.user), pk=pk)
    form = JobDismissForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the job is dismissed."))
        return redirect("dashboard:job-detail", pk=job.pk)
    try:
        dismiss_job(job, reason=form.cleaned_data["reason"], actor=request.user)
    except CannotDismiss as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Job dismissed; the company's later jobs will be processed."))
    return redirect("dashboard:job-detail", pk=job.pk)
