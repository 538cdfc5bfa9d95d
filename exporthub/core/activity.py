"""Writing to the activity log."""

from __future__ import annotations

from typing import Any

from django.db import models

from exporthub.core.models import ActivityEntry


def log_activity(
    action: str,
    *,
    actor=None,
    actor_label: str = "",
    company_id=None,
    obj: models.Model | None = None,
    before: Any = None,
    after: Any = None,
    **data: Any,
) -> ActivityEntry:
    """Append one entry; `actor` is a user, or None with `actor_label` naming the process."""
    label = actor_label or (actor.get_username() if actor is not None else "system")
    return ActivityEntry.objects.create(
        action=action,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=label,
        company_id=company_id,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        before=before,
        after=after,
        data=data,
    )
