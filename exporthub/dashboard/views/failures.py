from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from exporthub.core.access import ACCOUNTANT, VIEWER, has_role, role_required
from exporthub.dashboard import scope
from exporthub.dashboard.failures import failure_groups, retry_group
from exporthub.dashboard.views.common import page_of, render_page
from exporthub.pleo.errors import PleoError

GROUPS_PER_PAGE = 25


@role_required(VIEWER)
def failure_list(request: HttpRequest) -> HttpResponse:
    groups = failure_groups(scope.items(request.user))
    page = page_of(request, groups, GROUPS_PER_PAGE)
    # Only the page's examples, without their payloads (the page shows the reason, not the entry).
    examples = (
        scope.items(request.user)
        .select_related(None)
        .only("id", "accounting_entry_id", "failure_reason")
        .in_bulk([g.example_id for g in page])
    )
    context = {
        "page": page,
        "groups": [(group, examples.get(group.example_id)) for group in page],
        "can_retry": has_role(request.user, ACCOUNTANT),
        "total": sum(group.count for group in groups),
    }
    return render_page(request, "dashboard/failures/failure_list.html", context, "failure-groups")


@require_POST
@role_required(ACCOUNTANT)
def failure_retry(request: HttpRequest) -> HttpResponse:
    items = scope.items(request.user)
    key = request.POST.get("group", "")
    group = next((g for g in failure_groups(items) if g.key == key), None)
    if group is None:
        raise Http404("No such failure group (it may have been retried already).")
    try:
        job = retry_group(items, group, user=request.user)
    except (ValueError, PleoError) as error:
        messages.error(request, f"The group was not retried: {error}")
        return redirect("dashboard:failure-list")
    messages.success(
        request,
        f"{group.count} entries went into a new export job ({job.status.replace('_', ' ')}).",
    )
    return redirect("dashboard:job-detail", pk=job.pk)
