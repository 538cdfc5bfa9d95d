"""The admin's page for pushing the ERP's dimensions and tax codes into Pleo.

The page shows the newest plan and the last applied push. Planning and applying both read or
write Pleo, so each is a background operation; the request only records the admin's intent.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from exporthub.core.access import ADMIN, role_required
from exporthub.dashboard import scope
from exporthub.sync.master_data_push import ARCHIVE, Step, current_pushes
from exporthub.sync.models import OperationKind
from exporthub.sync.operations import apply_master_data_push, start_operation
from exporthub.sync.operations import latest as latest_operation


@role_required(ADMIN)
def push_page(request: HttpRequest, pk: int) -> HttpResponse:
    integration = get_object_or_404(scope.integrations(request.user), pk=pk)
    plan, applied = current_pushes(integration)
    steps = [Step.from_dict(data) for data in plan.steps] if plan else []
    context = {
        "integration": integration,
        "plan": plan,
        "steps": steps,
        "archiving": sum(step.action == ARCHIVE for step in steps),
        "applied": applied,
        "operations": [
            latest_operation(OperationKind.PLAN_MASTER_DATA_PUSH, integration=integration),
            latest_operation(OperationKind.APPLY_MASTER_DATA_PUSH, integration=integration),
        ],
    }
    return render(request, "dashboard/mappings/master_data_push.html", context)


@require_POST
@role_required(ADMIN)
def push_plan(request: HttpRequest, pk: int) -> HttpResponse:
    integration = get_object_or_404(scope.integrations(request.user), pk=pk)
    start_operation(OperationKind.PLAN_MASTER_DATA_PUSH, integration=integration, user=request.user)
    return redirect("dashboard:master-data-push", pk=integration.pk)


@require_POST
@role_required(ADMIN)
def push_apply(request: HttpRequest, pk: int, push_pk: int) -> HttpResponse:
    integration = get_object_or_404(scope.integrations(request.user), pk=pk)
    push = get_object_or_404(integration.master_data_pushes, pk=push_pk)
    archive = request.POST.get("archive") == "on"
    if apply_master_data_push(push, user=request.user, archive=archive) is None:
        messages.info(request, _("This plan was already applied or replaced by a newer one."))
    return redirect("dashboard:master-data-push", pk=integration.pk)
