"""Activity log rows in plain language: the one place that turns an `ActivityEntry` into words.

`sentence(entry)` gives one sentence per row, naming who acted by role ("the hub", "Pleo", a
user's name; never a worker id). `describe(entry)` adds a link to what the row concerns, for the
activity log page; the job page's timeline (`job_timeline.py`) adds a tone and the time. Sentences
are built from the row's fields and data (never from a message text, never showing a dict), and
an action nobody wrote a sentence for still reads as words.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from django.urls import NoReverseMatch, reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, ngettext_lazy

from exporthub.core.models import ActivityEntry
from exporthub.sync.models import Mapping

# Actor labels of the hub's own processes (workers are "worker <host:pid>"), and of an operator
# running a management command.
PROCESS_ACTORS = ("engine", "system", "hub")
COMMAND_LINE = "manage.py"
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
    """A sentence about one activity row, who acted, and the page of the object it concerns."""

    text: str
    url: str = ""
    link_label: str = ""
    actor: str = ""


def describe(entry: ActivityEntry, *, admin_links: bool = True) -> ActivityText:
    """The row as a sentence, linking the job, item, mapping page or connection it concerns;
    pass `admin_links=False` for a reader who may not open admin pages."""
    url, label = _link(entry)
    if url and not admin_links and _link_name(entry) in _ADMIN_PAGES:
        url, label = "", ""
    return ActivityText(text=sentence(entry), url=url, link_label=label, actor=actor_name(entry))


def sentence(entry: ActivityEntry) -> str:
    """The row as one sentence that names who acted by role ("the hub", "Pleo", a user's name)."""
    base = entry.action.removesuffix(".refused")
    facts = _Facts(entry)
    build = _SENTENCES.get(base)
    text = build(facts) if build else _generic(entry, facts)
    if not (_by_person(entry) and text.startswith(facts.who)):
        text = capfirst(text)  # "The hub …", but a user's name as it is written
    if base != entry.action:
        text = _("Refused by Pleo: %(sentence)s") % {"sentence": text.rstrip(".")}
        error = facts.get("error")
        if error:
            text = f"{text} ({error})"
    return text


def actor_name(entry: ActivityEntry) -> str:
    """Who acted, as a person reads it: a user's name, "the hub" or "Pleo" (never a worker id)."""
    if _by_person(entry):
        user = entry.actor
        if user is not None:
            return user.get_full_name() or user.get_username()
        return entry.actor_label
    if entry.actor_label.lower() == "pleo":
        return _("Pleo")
    if entry.actor_label == COMMAND_LINE:
        return _("an operator at the command line")
    return _("the hub")


def _by_person(entry: ActivityEntry) -> bool:
    return entry.actor_id is not None or _is_person(entry.actor_label)


def _is_person(label: str) -> bool:
    lowered = label.lower()
    return (
        bool(label)
        and lowered not in (*PROCESS_ACTORS, "pleo", COMMAND_LINE)
        and not lowered.startswith("worker")
    )


class _Facts:
    """The row's values by name: data first, then `after`, then `before`; empty when absent."""

    def __init__(self, entry: ActivityEntry):
        self.entry = entry
        self.data = entry.data if isinstance(entry.data, dict) else {}
        self.after = entry.after if isinstance(entry.after, dict) else {}
        self.before = entry.before if isinstance(entry.before, dict) else {}

    @cached_property
    def who(self) -> str:
        return actor_name(self.entry)

    def get(self, name: str, default="") -> str:
        for source in (self.data, self.after, self.before):
            value = source.get(name)
            if value not in (None, ""):
                return str(value)
        return default

    def number(self, name: str) -> int:
        value = self.get(name, "0")
        return int(value) if value.isdigit() else 0

    def status(self, source: dict) -> str:
        value = str(source.get("status") or "")
        return str(_STATUS.get(value, value.replace("_", " ")))


def _kind(value: str) -> str:
    try:
        return str(Mapping.Kind(value).label).lower()
    except ValueError:
        return value.replace("_", " ")


def _words(value: str) -> str:
    return str(value or "").replace("_", " ")


def _job_detected(f: _Facts) -> str:
    values = {"who": f.who, "n": f.number("items"), "status": f.status(f.after)}
    if "items" not in f.after and "items" not in f.data:
        return _("%(who)s found the job in Pleo (%(status)s).") % values
    return (
        ngettext(
            "%(who)s found the job in Pleo, with %(n)s entry (%(status)s).",
            "%(who)s found the job in Pleo, with %(n)s entries (%(status)s).",
            values["n"],
        )
        % values
    )


def _job_status_changed(f: _Facts) -> str:
    if f.before.get("status"):
        text = _("Pleo moved the job from %(before)s to %(after)s.") % {
            "before": f.status(f.before),
            "after": f.status(f.after),
        }
    else:
        text = _("Pleo marked the job %(status)s.") % {"status": f.status(f.after)}
    reason = f.data.get("failure_reason_type")
    if reason:
        text = f"{text[:-1]} ({_words(reason)})."
    return text


def _job_finished(f: _Facts) -> str:
    """What the job ended with: its counts when the engine logged them, else its status."""
    if "successful" in f.data:
        exported, failed = f.number("successful"), f.number("failed")
        outcome = ngettext("exported %(n)s entry", "exported %(n)s entries", exported) % {
            "n": exported
        }
        if failed:
            outcome += ", " + ngettext("%(n)s failed", "%(n)s failed", failed) % {"n": failed}
    else:
        outcome = f.status(f.after)
    if not outcome:
        return _("%(who)s finished the job.") % {"who": f.who}
    return _("%(who)s finished the job: %(outcome)s.") % {"who": f.who, "outcome": outcome}


def _job_failed(f: _Facts) -> str:
    reason = f.get("reason") or _words(f.get("reason_type")) or _("no reason given")
    return _("The job failed: %(reason)s Nothing was posted.") % {
        "reason": reason if reason.endswith(".") else f"{reason}."
    }


def _mapping_saved(f: _Facts) -> str:
    text = _("%(who)s mapped %(kind)s %(pleo_key)s to %(erp_key)s.") % {
        "who": f.who,
        "kind": _kind(f.get("kind")),
        "pleo_key": f.get("pleo_key"),
        "erp_key": f.get("erp_key"),
    }
    old = str(f.before.get("erp_key") or "")
    if old and old != f.after.get("erp_key"):
        text = f"{text[:-1]} " + _("(was %(old)s).") % {"old": old}
    return text


def _mapping_deleted(f: _Facts) -> str:
    return _("%(who)s deleted the mapping of %(kind)s %(pleo_key)s (was %(erp_key)s).") % {
        "who": f.who,
        "kind": _kind(str(f.before.get("kind") or "")),
        "pleo_key": f.before.get("pleo_key", ""),
        "erp_key": f.before.get("erp_key", ""),
    }


def _access_changed(f: _Facts) -> str:
    companies = len(f.after.get("companies") or [])
    return ngettext(
        "%(who)s changed access: role %(role)s, %(n)s company.",
        "%(who)s changed access: role %(role)s, %(n)s companies.",
        companies,
    ) % {"who": f.who, "role": f.after.get("role") or _("no role"), "n": companies}


def _reference(value) -> str:
    return str(value or "") or _("none")


def _reference_corrected(f: _Facts) -> str:
    return _("%(who)s corrected the entry's ERP reference from %(before)s to %(after)s.") % {
        "who": f.who,
        "before": _reference(f.before.get("external_id")),
        "after": _reference(f.after.get("external_id")),
    }


def _marked_exported(f: _Facts) -> str:
    text = _("%(who)s marked the entry as exported by hand, as %(reference)s.") % {
        "who": f.who,
        "reference": f.after.get("external_id") or _("no reference"),
    }
    reason = f.data.get("reason")
    return f"{text[:-1]}: {reason}" if reason else text


def _correction(f: _Facts) -> str:
    """What a correction asks for, from its kind and before/after references."""
    if f.data.get("kind") == "manual":
        return _("marking the entry exported by hand, as %(reference)s") % {
            "reference": _reference(f.after.get("external_id"))
        }
    return _("the ERP reference from %(before)s to %(after)s") % {
        "before": _reference(f.before.get("external_id")),
        "after": _reference(f.after.get("external_id")),
    }


def _count(message, f: _Facts, name: str) -> str:
    """A sentence about a number of things: `message` is an ngettext_lazy(.., .., "n"), which
    picks the singular or plural form for the language from the number."""
    return message % {"who": f.who, "n": f.number(name)}


_SENTENCES: dict[str, Callable[[_Facts], str]] = {
    "sync.job.detected": _job_detected,
    "sync.job.requested": lambda f: _count(
        ngettext_lazy(
            "%(who)s asked Pleo to export %(n)s entry.",
            "%(who)s asked Pleo to export %(n)s entries.",
            "n",
        ),
        f,
        "entries",
    ),
    "sync.job.status_changed": _job_status_changed,
    "sync.job.started": lambda f: _("%(who)s started exporting the job.") % {"who": f.who},
    "sync.job.finished": _job_finished,
    "sync.job.failed": _job_failed,
    "sync.job.closed_by_pleo": lambda f: (
        _("Pleo closed the job (%(status)s) before the hub had finished.")
        % {"status": f.status(f.data)}
    ),
    "sync.job.interrupted": lambda f: _(
        "Pleo did not answer; the hub carries on with the job at its next turn."
    ),
    "sync.job.skipped": lambda f: (
        _("The hub skipped the job: %(reason)s.") % {"reason": f.get("reason")}
    ),
    "sync.job.reexport": lambda f: _count(
        ngettext_lazy(
            "%(who)s exported %(n)s failed entry again, in a new job.",
            "%(who)s exported %(n)s failed entries again, in a new job.",
            "n",
        ),
        f,
        "entries",
    ),
    "sync.job.retry_scheduled": lambda f: _count(
        ngettext_lazy(
            "The ERP was busy: %(n)s entry waits for the next attempt.",
            "The ERP was busy: %(n)s entries wait for the next attempt.",
            "n",
        ),
        f,
        "waiting",
    ),
    "sync.job.dismissed": lambda f: (
        _("%(who)s dismissed the job: %(reason)s") % {"who": f.who, "reason": f.get("reason")}
    ),
    "sync.job.claim_taken_over": lambda f: _(
        "The hub took the job over from a worker that had stopped."
    ),
    "sync.item.report_rejected": lambda f: (
        _("Pleo refused the result of entry %(entry)s: %(message)s")
        % {"entry": f.get("entry"), "message": f.get("message") or _words(f.get("error_type"))}
    ),
    "sync.run_now": lambda f: _count(
        ngettext_lazy(
            "%(who)s checked Pleo for export jobs now: %(n)s job waiting.",
            "%(who)s checked Pleo for export jobs now: %(n)s jobs waiting.",
            "n",
        ),
        f,
        "waiting",
    ),
    "sync.correction.requested": lambda f: (
        _("%(who)s asked for a correction: %(change)s.") % {"who": f.who, "change": _correction(f)}
    ),
    "sync.correction.replaced": lambda f: (
        _("%(who)s changed a waiting correction: %(change)s.")
        % {"who": f.who, "change": _correction(f)}
    ),
    "sync.correction.sent": lambda f: (
        _("%(who)s sent the entry's correction to Pleo in a correction job.") % {"who": f.who}
    ),
    "sync.correction.confirmed": lambda f: (
        _("Pleo confirmed the correction: %(change)s.") % {"change": _correction(f)}
    ),
    "sync.correction.failed": lambda f: (
        _("The correction did not reach Pleo: %(error)s") % {"error": f.get("error")}
    ),
    "sync.correction_job.requested": lambda f: _count(
        ngettext_lazy(
            "%(who)s sent %(n)s correction to Pleo in this correction job.",
            "%(who)s sent %(n)s corrections to Pleo in this correction job.",
            "n",
        ),
        f,
        "corrections",
    ),
    "dashboard.failures.retried": lambda f: _count(
        ngettext_lazy(
            "%(who)s retried %(n)s failed entry.",
            "%(who)s retried %(n)s failed entries.",
            "n",
        ),
        f,
        "entries",
    ),
    "dashboard.item.reference_corrected": _reference_corrected,
    "dashboard.item.marked_exported": _marked_exported,
    "dashboard.mapping.saved": _mapping_saved,
    "dashboard.mapping.deleted": _mapping_deleted,
    "dashboard.mapping.imported": lambda f: _count(
        ngettext_lazy(
            "%(who)s imported %(n)s mapping from a CSV file.",
            "%(who)s imported %(n)s mappings from a CSV file.",
            "n",
        ),
        f,
        "rows",
    ),
    "dashboard.erp.tested": lambda f: (
        _("%(who)s tested the ERP connection: it answered.") % {"who": f.who}
    ),
    "dashboard.erp.test_failed": lambda f: (
        _("%(who)s tested the ERP connection: %(message)s")
        % {"who": f.who, "message": f.get("message")}
    ),
    "dashboard.erp.records_refreshed": lambda f: (
        _("%(who)s read the ERP's accounts, taxes and parties.") % {"who": f.who}
    ),
    "dashboard.erp.records_failed": lambda f: (
        _("Could not read the ERP's records: %(message)s") % {"message": f.get("message")}
    ),
    "dashboard.erp.saved": lambda f: _named(_("%(who)s saved the ERP connection %(name)s."), f),
    "dashboard.pleo.saved": lambda f: _named(_("%(who)s saved the Pleo connection %(name)s."), f),
    "dashboard.pleo.tested": lambda f: (
        _("%(who)s tested the Pleo connection: %(message)s")
        % {"who": f.who, "message": f.get("message")}
    ),
    "dashboard.pleo.test_failed": lambda f: (
        _("%(who)s tested the Pleo connection: %(message)s")
        % {"who": f.who, "message": f.get("message")}
    ),
    "dashboard.pleo.authorized": lambda f: (
        _("%(who)s connected the company to Pleo (authorised).") % {"who": f.who}
    ),
    "dashboard.company.saved": lambda f: _named(_("%(who)s saved the settings of %(name)s."), f),
    "dashboard.user.created": lambda f: _user(_("%(who)s created the user %(username)s."), f),
    "dashboard.user.access_changed": _access_changed,
    "dashboard.user.deactivated": lambda f: _user(
        _("%(who)s deactivated the user %(username)s."), f
    ),
    "dashboard.user.reactivated": lambda f: _user(
        _("%(who)s reactivated the user %(username)s."), f
    ),
    "dashboard.user.password_reset": lambda f: _user(
        _("%(who)s set a new password for %(username)s."), f
    ),
    "erp.connection.created": lambda f: _named(
        _("%(who)s created the ERP connection %(name)s."), f
    ),
    "erp.connection.updated": lambda f: _named(
        _("%(who)s changed the ERP connection %(name)s."), f
    ),
    "pleo.connection.created": lambda f: _named(
        _("%(who)s created the Pleo connection %(name)s."), f
    ),
    "pleo.connection.updated": lambda f: _named(
        _("%(who)s changed the Pleo connection %(name)s."), f
    ),
    "sync.integration.created": lambda f: _named(
        _("%(who)s wired the company %(name)s to its ERP."), f
    ),
    "sync.integration.updated": lambda f: _named(_("%(who)s changed the company %(name)s."), f),
}


def _named(message: str, f: _Facts) -> str:
    return message % {"who": f.who, "name": f.get("name")}


def _user(message: str, f: _Facts) -> str:
    return message % {"who": f.who, "username": f.get("username")}


def _generic(entry: ActivityEntry, f: _Facts) -> str:
    """An action without its own sentence: its name in words, by whom, then its plain values
    (never a dict or list)."""
    text = _("%(what)s (by %(who)s)") % {
        "what": capfirst(_words(entry.action.replace(".", " ")).strip()),
        "who": f.who,
    }
    facts = [
        f"{_words(key)} {value}"
        for key, value in f.data.items()
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
