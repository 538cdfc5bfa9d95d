"""The activity log (who did what, when), filtered as on the activity page."""

from __future__ import annotations

from ninja import Query, Router, Schema

from exporthub.api.auth import role
from exporthub.api.pagination import DEFAULT_LIMIT, page_schema, paginate
from exporthub.api.problems import invalid
from exporthub.api.schemas import ActivityOut
from exporthub.core.access import ACCOUNTANT
from exporthub.dashboard import scope
from exporthub.dashboard.activity_text import sentence
from exporthub.dashboard.forms import ActivityFilterForm
from exporthub.dashboard.redaction import redacted_value

router = Router(tags=["activity"])


class ActivityFilters(Schema):
    action: str | None = None
    actor: str | None = None
    date_from: str | None = None
    date_to: str | None = None


def _row(entry) -> dict:
    return {
        "id": entry.pk,
        "created_at": entry.created_at,
        "actor": entry.actor_label,
        "action": entry.action,
        "text": sentence(entry),
        "company_id": entry.company_id,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "before": redacted_value(entry.before),
        "after": redacted_value(entry.after),
        "data": redacted_value(entry.data),
    }


@router.get("/activity", response=page_schema(ActivityOut, "ActivityList"), auth=role(ACCOUNTANT))
def list_activity(
    request, filters: Query[ActivityFilters], cursor: str | None = None, limit: int = DEFAULT_LIMIT
):
    """Newest first; `action` is a prefix, `actor` a part of the name, dates are inclusive."""
    form = ActivityFilterForm({k: v for k, v in filters.dict().items() if v is not None})
    if not form.is_valid():
        raise invalid(form, "Fix the filter.")
    rows = form.filter(scope.activity(request.auth)).select_related("actor")
    return paginate(rows, ["-created_at", "-id"], cursor=cursor, limit=limit, serialize=_row)
