from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from exporthub.core.access import ACCOUNTANT, VIEWER, has_role, role_required
from exporthub.dashboard import scope
from exporthub.dashboard.failures import failure_groups, find_group, group_items, retry_group
from exporthub.dashboard.keyset import keyset_page
from exporthub.dashboard.views.common import page_of, render_page
from exporthub.pleo.errors import PleoError

GROUPS_PER_PAGE = 25
ITEMS_PER_PAGE = 50
# What the group page shows of an item: the entry as an accountant names it (no payloads).
ITEM_COLUMNS = (
    "id",
    "accounting_entry_id",
    "job_id",
    "entry_date",
    "amount_minor",
    "currency",
    "supplier",
    "category_code",
    "category_name",
    "employee",
    "failure_reason",
)


@role_required(VIEWER)
def failure_list(request: HttpRequest) -> HttpResponse:
    groups = failure_groups(scope.items(request.user))
    page = page_of(request, groups, GROUPS_PER_PAGE)
    # Only the page's examples, without their payloads (the page shows the reason, not the entry).
    examples = (
        scope.items(request.user)
        .select_related(None)
        .only("id", "failure_reason")
        .in_bulk([g.example_id for g in page])
    )
    context = {
        "page": page,
        "groups": [(group, examples.get(group.example_id)) for group in page],
        "can_act": has_role(request.user, ACCOUNTANT),
        "total": sum(group.count for group in groups),
    }
    return render_page(request, "dashboard/failures/failure_list.html", context, "failure-groups")


@role_required(VIEWER)
def failure_group(request: HttpRequest, pk: int) -> HttpResponse:
    """One cause's page: its items, named as an accountant knows them, and the fix."""
    items = scope.items(request.user)
    group = find_group(items, pk, request.GET)
    if group is None:
        raise Http404(_("No such failure group (it may have been fixed and retried already)."))
    rows = group_items(items, group).select_related(None).only(*ITEM_COLUMNS)
    # A big cause holds tens of thousands of items: pages by keyset, never a growing OFFSET.
    page = keyset_page(
        rows,
        "id",
        False,
        ITEMS_PER_PAGE,
        after=request.GET.get("after", ""),
        before=request.GET.get("before", ""),
    )
    example = rows.filter(pk=group.example_id).first() if group.example_id else None
    context = {
        "group": group,
        "page": page,
        "reason": example.failure_reason if example else "",
        "group_query": urlencode(group.key),
        "can_act": has_role(request.user, ACCOUNTANT),
    }
    return render_page(request, "dashboard/failures/failure_group.html", context, "group-items")


@require_POST
@role_required(ACCOUNTANT)
def failure_retry(request: HttpRequest) -> HttpResponse:
    items = scope.items(request.user)
    try:
        integration_pk = int(request.POST.get("integration", ""))
    except ValueError:
        raise Http404(_("No such failure group.")) from None
    group = find_group(items, integration_pk, request.POST)
    if group is None:
        raise Http404(_("No such failure group (it may have been retried already)."))
    try:
        job = retry_group(items, group, user=request.user)
    except (ValueError, PleoError) as error:
        messages.error(request, _("The group was not retried: %(error)s") % {"error": error})
        return redirect("dashboard:failure-list")
    messages.success(
        request,
        _("%(count)s entries went into a new export job (%(status)s).")
        % {"count": group.count, "status": job.status.replace("_", " ")},
    )
    return redirect("dashboard:job-detail", pk=job.pk)
