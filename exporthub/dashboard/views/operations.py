"""The progress line of a background operation, polled by htmx until the operation is done."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from exporthub.core.access import VIEWER, role_required
from exporthub.dashboard import scope

PARTIAL = "dashboard/components/operation_progress.html"


@role_required(VIEWER)
def operation_status(request: HttpRequest, pk: int, operation_pk: int) -> HttpResponse:
    integration = get_object_or_404(scope.integrations(request.user), pk=pk)
    operation = get_object_or_404(integration.operations, pk=operation_pk)
    return render(request, PARTIAL, {"operation": operation})
