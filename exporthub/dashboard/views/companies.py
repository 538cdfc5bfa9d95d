from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from exporthub.core.access import ADMIN, role_required
from exporthub.dashboard.connections import save_company
from exporthub.dashboard.forms import IntegrationForm
from exporthub.sync.models import Integration


@role_required(ADMIN)
def company_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    integration = get_object_or_404(Integration, pk=pk) if pk else None
    form = IntegrationForm(request.POST or None, instance=integration)
    if request.method == "POST" and form.is_valid():
        saved = save_company(form, user=request.user)
        messages.success(request, _("Company “%(name)s” saved.") % {"name": saved.name})
        return redirect("home")
    context = {"form": form, "integration": integration}
    return render(
        request, "dashboard/settings/company_form.html", context, status=422 if form.errors else 200
    )
