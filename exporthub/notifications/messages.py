"""What a notification says: what happened, how many entries, and the link to the fix."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from exporthub.notifications.models import EventKind, Notification


@dataclass(frozen=True)
class Message:
    subject: str
    text: str
    link: str


def message_for(notification: Notification) -> Message:
    """The notification in the company's language (its Pleo connection's locale)."""
    integration = notification.integration
    locale = integration.pleo_connection.locale or settings.LANGUAGE_CODE
    with translation.override(locale.split("_")[0]):
        subject, text = _words(notification)
        link = f"{settings.PUBLIC_URL}{notification.path}"
        fix = _("Fix it here: %(link)s") % {"link": link}
        return Message(
            subject=f"[exporthub] {integration.name}: {subject}", text=f"{text}\n\n{fix}", link=link
        )


def _words(n: Notification) -> tuple[str, str]:
    data, count = n.data, n.count
    if n.kind == EventKind.JOB_FAILED:
        return _("an export job failed"), ngettext(
            "Export job %(job)s failed (%(reason)s); its %(count)d entry was not exported.",
            "Export job %(job)s failed (%(reason)s); its %(count)d entries were not exported.",
            count,
        ) % {"job": data.get("job", ""), "reason": data.get("reason_type", ""), "count": count}
    if n.kind == EventKind.JOB_COMPLETED_WITH_ERRORS:
        return _("entries failed to export"), ngettext(
            "Export job %(job)s ended with errors: %(count)d entry failed.",
            "Export job %(job)s ended with errors: %(count)d entries failed.",
            count,
        ) % {"job": data.get("job", ""), "count": count}
    if n.kind == EventKind.JOB_STUCK:
        return _("an export job is stuck"), ngettext(
            "Export job %(job)s has not moved for %(minutes)d minutes; %(count)d entry waits.",
            "Export job %(job)s has not moved for %(minutes)d minutes; %(count)d entries wait.",
            count,
        ) % {"job": data.get("job", ""), "minutes": data.get("quiet_minutes", 0), "count": count}
    if n.kind == EventKind.MAPPING_DRIFT:
        return _("a mapped ERP record is gone"), ngettext(
            "The ERP archived or removed what these mappings point to: %(mappings)s. "
            "%(count)d waiting entry would fail on them.",
            "The ERP archived or removed what these mappings point to: %(mappings)s. "
            "%(count)d waiting entries would fail on them.",
            count,
        ) % {"mappings": "; ".join(data.get("mappings", [])), "count": count}
    if n.kind == EventKind.CREDENTIALS_REFUSED:
        if data.get("system") == "pleo":
            return _("Pleo refused the credentials"), ngettext(
                "Pleo no longer accepts this company's credentials: authorise the connection "
                "again. %(count)d entry waits to be exported.",
                "Pleo no longer accepts this company's credentials: authorise the connection "
                "again. %(count)d entries wait to be exported.",
                count,
            ) % {"count": count}
        return _("the ERP refused the credentials"), ngettext(
            "The ERP refused the hub's credentials, so export job %(job)s failed with its "
            "%(count)d entry. Update the ERP connection, then export again.",
            "The ERP refused the hub's credentials, so export job %(job)s failed with its "
            "%(count)d entries. Update the ERP connection, then export again.",
            count,
        ) % {"job": data.get("job", ""), "count": count}
    return _("daily digest"), _(
        "Queued in Pleo: %(queued)d. Failed and not yet fixed: %(failed)d. "
        "Waiting in unfinished jobs: %(waiting)d entries in %(jobs)d jobs."
    ) % {
        "queued": data.get("queued", 0),
        "failed": data.get("failed", 0),
        "waiting": data.get("waiting_items", 0),
        "jobs": data.get("waiting_jobs", 0),
    }
