from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse

from exporthub.core.access import role_of
from exporthub.dashboard import scope
from exporthub.dashboard.stats import company_stats
from exporthub.dashboard.views.common import render_page


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    companies = company_stats(scope.integrations(request.user), scope.items(request.user))
    context = {"companies": companies, "role": role_of(request.user)}
    return render_page(request, "dashboard/overview/overview.html", context, "overview-body")
