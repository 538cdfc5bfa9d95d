from __future__ import annotations

import csv

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse

from exporthub.core.access import ACCOUNTANT, ADMIN, has_role, role_required
from exporthub.core.csv_cells import neutralise_row
from exporthub.dashboard import scope
from exporthub.dashboard.activity_text import describe
from exporthub.dashboard.forms import ActivityFilterForm
from exporthub.dashboard.redaction import redacted_value
from exporthub.dashboard.views.common import page_of, query_without_page, render_page

COLUMNS = [
    "created_at",
    "actor",
    "action",
    "company_id",
    "object_type",
    "object_id",
    "before",
    "after",
    "data",
]


@role_required(ACCOUNTANT)
def activity_list(request: HttpRequest) -> HttpResponse:
    form = ActivityFilterForm(request.GET)
    rows = (
        form.filter(scope.activity(request.user))
        .select_related("actor")
        .order_by("-created_at", "-id")
    )
    entries = page_of(request, rows, 50)
    admin = has_role(request.user, ADMIN)
    context = {
        "form": form,
        "entries": entries,
        "rows": [(entry, describe(entry, admin_links=admin)) for entry in entries],
        "query": query_without_page(request),
    }
    return render_page(request, "dashboard/activity/activity_list.html", context, "activity-table")


class _Echo:
    def write(self, value: str) -> str:
        return value


@role_required(ACCOUNTANT)
def activity_export(request: HttpRequest) -> StreamingHttpResponse:
    form = ActivityFilterForm(request.GET)
    rows = form.filter(scope.activity(request.user)).order_by("created_at", "id")
    writer = csv.writer(_Echo())

    def lines():
        yield writer.writerow(COLUMNS)
        for entry in rows.iterator(chunk_size=2000):
            yield writer.writerow(
                neutralise_row(
                    [
                        entry.created_at.isoformat(),
                        entry.actor_label,
                        entry.action,
                        entry.company_id or "",
                        entry.object_type,
                        entry.object_id,
                        redacted_value(entry.before),
                        redacted_value(entry.after),
                        redacted_value(entry.data),
                    ]
                )
            )

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="activity.csv"'
    return response
