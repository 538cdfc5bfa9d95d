"""Activity log rows in plain language: one sentence per row, and a link to what it concerns.

`describe(entry)` is the one place that turns an `ActivityEntry` into words; the activity page
and the job page's timeline both use it. Sentences are built from the row's fields and data
(never from a message text), and an action nobody wrote a sentence for still reads as words.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext_lazy

from exporthub.core.models import ActivityEntry
from exporthub.sync.models import Mapping

# What the row's object is, and the page that shows it (url name, label). Mappings and the
# ERP's records live on the company's mapping page: their rows carry `integration` in data.
_OBJECT_PAGES = {
    "sync.exportjob": ("dashboard:job-detail", gettext_lazy("job %(id)s")),
    "sync.exportitem": ("dashboard:item-detail", gettext_lazy("item %(id)s")),
    "sync.integration": ("dashboard:company-edit", gettext_lazy("company settings")),
    "connectors.connectorconfig": ("dashboard:erp-connection-edit", gettext_lazy("ERP connection")),
    "pleo.pleoconnection": ("dashboard:pleo-connection-edit", gettext_lazy("Pleo connection")),
    "auth.user": ("dashboard:user-edit", gettext_lazy("user")),
}
# Pages only admins may open: no link to them for others.
_ADMIN_PAGES = {
    "dashboard:company-edit",
    "dashboard:erp-connection-edit",
    "dashboard:pleo-connection-edit",
    "dashboard:user-edit",
    "dashboard:mapping-list",
}
_STATUS = {
    "pending": gettext_lazy("pending"),
    "in_progress": gettext_lazy("in progress"),
    "completed": gettext_lazy("completed"),
    "completed_with_errors": gettext_lazy("completed with errors"),
    "failed": gettext_lazy("failed"),
    "successful": gettext_lazy("exported"),
    "abandoned": gettext_lazy("abandoned"),
}


@dataclass(frozen=True)
class ActivityText:
    """A sentence about one activity row, and the page of the object it concerns (if any)."""

    text: str
    url: str = ""
    link_label: str = ""


def describe(entry: ActivityEntry, *, admin_links: bool = True) -> ActivityText:
    """The row as a sentence, linking the job, item, mapping page or connection it concerns;
    pass `admin_links=False` for a reader who may not open admin pages."""
    action = entry.action
    refused = action.endswith(".refused")
    base = action.removesuffix(".refused")
    build = _SENTENCES.get(base)
    text = build(_Facts(entry)) if build else _generic(entry)
    if refused:
        error = _Facts(entry).get("error")
        text = _("Refused: %(sentence)s") % {"sentence": text.rstrip(".")}
        if error:
            text = f"{text} ({error})"
    url, label = _link(entry)
    if url and not admin_links and _link_name(entry) in _ADMIN_PAGES:
        url, label = "", ""
    return ActivityText(text=text, url=url, link_label=label)


class _Facts:
    """The row's values by name: data first, then `after`, then `before`; empty when absent."""

    def __init__(self, entry: ActivityEntry):
        self.entry = entry
        self.data = entry.data if isinstance(entry.data, dict) else {}
        self.after = entry.after if isinstance(entry.after, dict) else {}
        self.before = entry.before if isinstance(entry.before, dict) else {}

    def get(self, name: str, default="") -> str:
        for source in (self.data, self.after, self.before):
            value = source.get(name)
            if value not in (None, ""):
                return str(value)
        return default

    def status(self, source: dict) -> str:
        value = str(source.get("status") or "")
        return str(_STATUS.get(value, value.replace("_", " ")))


def _kind(value: str) -> str:
    try:
        return str(Mapping.Kind(value).label).lower()
    except ValueError:
        return value.replace("_", " ")


def _count(message, value: str) -> str:
    """A sentence about a number of things: `message` is an ngettext_lazy(.., .., "n"), which
    picks the singular or plural form for the language from the number."""
    return message % {"n": int(value) if str(value).isdigit() else 0}


def _job_detected(f: _Facts) -> str:
    found = ngettext_lazy(
        "Found the export job in Pleo, with %(n)s entry",
        "Found the export job in Pleo, with %(n)s entries",
        "n",
    )
    return f"{_count(found, f.get('items', ''))} ({f.status(f.after)})."


def _job_status_changed(f: _Facts) -> str:
    text = _("Pleo moved the job from %(before)s to %(after)s.") % {
        "before": f.status(f.before),
        "after": f.status(f.after),
    }
    reason = f.data.get("failure_reason_type")
    if reason:
        text = f"{text[:-1]} ({str(reason).replace('_', ' ')})."
    return text


def _job_finished(f: _Facts) -> str:
    return _("Finished the job: %(status)s.") % {"status": f.status(f.after)}


def _job_failed(f: _Facts) -> str:
    return _("The job failed: %(reason)s") % {
        "reason": f.get("reason") or f.get("reason_type").replace("_", " ")
    }


def _mapping_saved(f: _Facts) -> str:
    text = _("Mapped %(kind)s %(pleo_key)s to %(erp_key)s.") % {
        "kind": _kind(f.get("kind")),
        "pleo_key": f.get("pleo_key"),
        "erp_key": f.get("erp_key"),
    }
    old = str(f.before.get("erp_key") or "")
    if old and old != f.after.get("erp_key"):
        text = f"{text[:-1]} " + _("(was %(old)s).") % {"old": old}
    return text


def _mapping_deleted(f: _Facts) -> str:
    return _("Deleted the mapping of %(kind)s %(pleo_key)s (was %(erp_key)s).") % {
        "kind": _kind(str(f.before.get("kind") or "")),
        "pleo_key": f.before.get("pleo_key", ""),
        "erp_key": f.before.get("erp_key", ""),
    }


def _access_changed(f: _Facts) -> str:
    role = f.after.get("role") or _("no role")
    companies = f.after.get("companies") or []
    return _("Changed access: role %(role)s, %(n)s companies.") % {
        "role": role,
        "n": len(companies),
    }


def _reference_corrected(f: _Facts) -> str:
    return _("Corrected the entry's ERP reference from %(before)s to %(after)s.") % {
        "before": f.before.get("external_id") or _("none"),
        "after": f.after.get("external_id") or _("none"),
    }


def _marked_exported(f: _Facts) -> str:
    text = _("Marked the entry as exported by hand, as %(reference)s.") % {
        "reference": f.after.get("external_id") or _("no reference")
    }
    reason = f.data.get("reason")
    return f"{text[:-1]}: {reason}" if reason else text


_SENTENCES: dict[str, Callable[[_Facts], str]] = {
    "sync.job.detected": _job_detected,
    "sync.job.requested": lambda f: _count(
        ngettext_lazy(
            "Asked Pleo to export %(n)s entry.", "Asked Pleo to export %(n)s entries.", "n"
        ),
        f.get("entries"),
    ),
    "sync.job.status_changed": _job_status_changed,
    "sync.job.started": lambda f: _("Started exporting the job."),
    "sync.job.finished": _job_finished,
    "sync.job.failed": _job_failed,
    "sync.job.closed_by_pleo": lambda f: (
        _("Pleo closed the job (%(status)s).") % {"status": f.status(f.data)}
    ),
    "sync.job.interrupted": lambda f: _("Work on the job paused: Pleo did not answer."),
    "sync.job.skipped": lambda f: _("Skipped the job: %(reason)s.") % {"reason": f.get("reason")},
    "sync.job.reexport": lambda f: _count(
        ngettext_lazy(
            "Exported %(n)s failed entry of the job again.",
            "Exported %(n)s failed entries of the job again.",
            "n",
        ),
        f.get("entries"),
    ),
    "sync.item.report_rejected": lambda f: (
        _("Pleo did not accept the result of entry %(entry)s: %(message)s")
        % {"entry": f.get("entry"), "message": f.get("message") or f.get("error_type")}
    ),
    "sync.run_now": lambda f: _count(
        ngettext_lazy(
            "Checked Pleo for export jobs now: %(n)s job waiting.",
            "Checked Pleo for export jobs now: %(n)s jobs waiting.",
            "n",
        ),
        f.get("waiting", "0"),
    ),
    "dashboard.failures.retried": lambda f: _count(
        ngettext_lazy("Retried %(n)s failed entry.", "Retried %(n)s failed entries.", "n"),
        f.get("entries"),
    ),
    "dashboard.item.reference_corrected": _reference_corrected,
    "dashboard.item.marked_exported": _marked_exported,
    "dashboard.mapping.saved": _mapping_saved,
    "dashboard.mapping.deleted": _mapping_deleted,
    "dashboard.mapping.imported": lambda f: _count(
        ngettext_lazy(
            "Imported %(n)s mapping from a CSV file.",
            "Imported %(n)s mappings from a CSV file.",
            "n",
        ),
        f.get("rows"),
    ),
    "dashboard.erp.tested": lambda f: _("Tested the ERP connection: it answered."),
    "dashboard.erp.test_failed": lambda f: (
        _("Tested the ERP connection: %(message)s") % {"message": f.get("message")}
    ),
    "dashboard.erp.records_refreshed": lambda f: _("Read the ERP's accounts, taxes and parties."),
    "dashboard.erp.records_failed": lambda f: (
        _("Could not read the ERP's records: %(message)s") % {"message": f.get("message")}
    ),
    "dashboard.erp.saved": lambda f: (
        _("Saved the ERP connection %(name)s.") % {"name": f.get("name")}
    ),
    "dashboard.pleo.saved": lambda f: (
        _("Saved the Pleo connection %(name)s.") % {"name": f.get("name")}
    ),
    "dashboard.pleo.tested": lambda f: (
        _("Tested the Pleo connection: %(message)s") % {"message": f.get("message")}
    ),
    "dashboard.pleo.test_failed": lambda f: (
        _("Tested the Pleo connection: %(message)s") % {"message": f.get("message")}
    ),
    "dashboard.pleo.authorized": lambda f: _("Connected the company to Pleo (authorised)."),
    "dashboard.company.saved": lambda f: (
        _("Saved the settings of %(name)s.") % {"name": f.get("name")}
    ),
    "dashboard.user.created": lambda f: (
        _("Created the user %(username)s.") % {"username": f.get("username")}
    ),
    "dashboard.user.access_changed": _access_changed,
    "dashboard.user.deactivated": lambda f: (
        _("Deactivated the user %(username)s.") % {"username": f.get("username")}
    ),
    "dashboard.user.reactivated": lambda f: (
        _("Reactivated the user %(username)s.") % {"username": f.get("username")}
    ),
    "dashboard.user.password_reset": lambda f: (
        _("Set a new password for %(username)s.") % {"username": f.get("username")}
    ),
    "erp.connection.created": lambda f: (
        _("Created the ERP connection %(name)s.") % {"name": f.get("name")}
    ),
    "erp.connection.updated": lambda f: (
        _("Changed the ERP connection %(name)s.") % {"name": f.get("name")}
    ),
    "pleo.connection.created": lambda f: (
        _("Created the Pleo connection %(name)s.") % {"name": f.get("name")}
    ),
    "pleo.connection.updated": lambda f: (
        _("Changed the Pleo connection %(name)s.") % {"name": f.get("name")}
    ),
    "sync.integration.created": lambda f: (
        _("Wired the company %(name)s to its ERP.") % {"name": f.get("name")}
    ),
    "sync.integration.updated": lambda f: (
        _("Changed the company %(name)s.") % {"name": f.get("name")}
    ),
}


def _generic(entry: ActivityEntry) -> str:
    """An action without its own sentence: its name in words, then its plain values."""
    words = entry.action.replace(".", " ").replace("_", " ").strip()
    text = words[:1].upper() + words[1:]
    facts = [
        f"{key.replace('_', ' ')} {value}"
        for key, value in (entry.data or {}).items()
        if isinstance(value, str | int | float) and not isinstance(value, bool)
    ]
    return f"{text}: {', '.join(facts)}." if facts else f"{text}."


def _link_name(entry: ActivityEntry) -> str:
    if entry.object_type == "sync.mapping" or entry.action.startswith("dashboard.mapping."):
        return "dashboard:mapping-list"
    return _OBJECT_PAGES.get(entry.object_type, ("", ""))[0]


def _link(entry: ActivityEntry) -> tuple[str, str]:
    data = entry.data if isinstance(entry.data, dict) else {}
    if _link_name(entry) == "dashboard:mapping-list":
        integration = data.get("integration") or (
            entry.object_id if entry.object_type == "sync.integration" else ""
        )
        if not integration:
            return "", ""
        return _reverse("dashboard:mapping-list", integration), _("mappings")
    if entry.object_type not in _OBJECT_PAGES or not entry.object_id:
        return "", ""
    name, label = _OBJECT_PAGES[entry.object_type]
    url = _reverse(name, entry.object_id)
    return (url, str(label) % {"id": entry.object_id}) if url else ("", "")


def _reverse(name: str, pk) -> str:
    try:
        return reverse(name, args=[int(pk)])
    except (NoReverseMatch, TypeError, ValueError):
        return ""
