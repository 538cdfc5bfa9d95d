"""The bulk corrections page: several items' references, or manual marks, at once."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from exporthub.core.access import ACCOUNTANT, role_required
from exporthub.dashboard import scope
from exporthub.dashboard.bulk import MAX_ITEMS, BulkCorrectionForm, apply_changes
from exporthub.dashboard.views.common import render_page
from exporthub.sync.correction_models import Correction

TEMPLATE = "dashboard/items/bulk.html"


def _selected(request: HttpRequest) -> list:
    raw = request.POST.getlist("item") if request.method == "POST" else request.GET.getlist("item")
    pks = [pk for value in raw if (pk := scope.id_param(value)) is not None][:MAX_ITEMS]
    items = list(
        scope.items(request.user)
        .filter(pk__in=pks)
        .select_related("job__integration")
        .order_by("entry_date", "id")
    )
    if not items:
        raise Http404(_("None of the selected items can be found."))
    return items


def _attach_latest_corrections(items) -> None:
    """Give each item its latest correction (`latest_correction`), in one query."""
    latest = {}
    for correction in Correction.objects.filter(item__in=items).order_by("id"):
        latest[correction.item_id] = correction
    for item in items:
        item.latest_correction = latest.get(item.pk)


@role_required(ACCOUNTANT)
def items_bulk(request: HttpRequest) -> HttpResponse:
    items = _selected(request)
    if request.method == "POST":
        form = BulkCorrectionForm(items, request.POST)
        if form.is_valid():
            result = apply_changes(
                form.cleaned_data["changes"], reason=form.cleaned_data["reason"], user=request.user
            )
            done = len(result.outcomes)
            messages.success(
                request,
                ngettext(
                    "%(count)d correction taken: see each row's state.",
                    "%(count)d corrections taken: see each row's state.",
                    done,
                )
                % {"count": done},
            )
            for item, reason in result.refused:
                messages.error(
                    request,
                    _("%(supplier)s %(date)s: %(reason)s")
                    % {"supplier": item.supplier or item.accounting_entry_id,
                       "date": item.entry_date or "", "reason": reason},
                )  # fmt: skip
            for reason in result.waiting:
                messages.warning(request, reason)
            query = urlencode([("item", item.pk) for item in items])
            return redirect(f"{reverse('dashboard:items-bulk')}?{query}")
        status = 422
    else:
        form, status = BulkCorrectionForm(items), 200
    _attach_latest_corrections(items)
    context = {"form": form, "items": items}
    return render_page(request, TEMPLATE, context, status=status)
