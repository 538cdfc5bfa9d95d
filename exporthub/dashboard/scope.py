"""What each user may see: every dashboard lookup starts from one of these querysets."""

from __future__ import annotations

from django.db.models import QuerySet

from exporthub.core.access import visible_company_ids
from exporthub.core.models import ActivityEntry
from exporthub.sync.models import ExportItem, ExportJob, Integration, QueuedEntry

MAX_ID = 2**63 - 1  # the largest primary key any supported database stores


def id_param(value: str) -> int | None:
    """A primary key from a query parameter, or None for anything else.

    Only ASCII digits count (`str.isdigit` also takes "²" and "١", which `int()` refuses or
    reads differently), and only numbers a database column can hold.
    """
    if not (value.isascii() and value.isdigit()) or len(value) > len(str(MAX_ID)):
        return None
    number = int(value)
    return number if number <= MAX_ID else None


def integrations(user) -> QuerySet[Integration]:
    found = Integration.objects.select_related("pleo_connection", "erp_connection")
    ids = visible_company_ids(user)
    return found if ids is None else found.filter(pleo_connection__company_id__in=ids)


def jobs(user) -> QuerySet[ExportJob]:
    ids = visible_company_ids(user)
    found = ExportJob.objects.select_related("integration")
    return found if ids is None else found.filter(company_id__in=ids)


def items(user) -> QuerySet[ExportItem]:
    ids = visible_company_ids(user)
    found = ExportItem.objects.select_related("job", "job__integration")
    return found if ids is None else found.filter(job__company_id__in=ids)


def queued(user) -> QuerySet[QueuedEntry]:
    ids = visible_company_ids(user)
    return (
        QueuedEntry.objects.all() if ids is None else QueuedEntry.objects.filter(company_id__in=ids)
    )


def activity(user) -> QuerySet[ActivityEntry]:
    ids = visible_company_ids(user)
    found = ActivityEntry.objects.all()
    return found if ids is None else found.filter(company_id__in=ids)
