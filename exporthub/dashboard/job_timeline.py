"""A job's timeline in plain language, built from the activity log's data (never its dicts).

Each activity row becomes one sentence ("Exported 40 entries, 2 failed", "Pleo job created by
Jane for 42 entries", "Started by the hub"). Processes are named by role, never by worker id.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from exporthub.core.models import ActivityEntry

PROCESS_ACTORS = ("engine", "system", "hub")


@dataclass(frozen=True)
class TimelineLine:
    at: datetime
    text: str
    tone: str = ""  # "ok", "bad" or "" (a badge class)


def timeline(entries: Iterable[ActivityEntry]) -> list[TimelineLine]:
    return [line_for(entry) for entry in entries]


def line_for(entry: ActivityEntry) -> TimelineLine:
    describe = SENTENCES.get(entry.action)
    if describe is None and entry.action.endswith(".refused"):
        text = _("Pleo refused a change by %(who)s: %(error)s") % {
            "who": actor_name(entry),
            "error": str((entry.data or {}).get("error") or ""),
        }
        return TimelineLine(entry.created_at, text, "bad")
    if describe is None:
        return TimelineLine(entry.created_at, _fallback(entry))
    text, tone = describe(entry, entry.data or {})
    return TimelineLine(entry.created_at, text, tone)


def actor_name(entry: ActivityEntry) -> str:
    """Who acted, as a person reads it: a user's name, "the hub" or "Pleo"."""
    if entry.actor_id is not None or _is_person(entry.actor_label):
        user = entry.actor
        if user is not None:
            return user.get_full_name() or user.get_username()
        return entry.actor_label
    if entry.actor_label.lower() == "pleo":
        return _("Pleo")
    return _("the hub")


def _is_person(label: str) -> bool:
    lowered = label.lower()
    return (
        bool(label)
        and lowered not in (*PROCESS_ACTORS, "pleo")
        and not lowered.startswith("worker")
    )


def _status(value) -> str:
    return str(value or "").replace("_", " ")


def _count(data: dict, key: str) -> int:
    try:
        return int(data.get(key) or 0)
    except (TypeError, ValueError):
        return 0


def _after_status(entry: ActivityEntry) -> str:
    after = entry.after if isinstance(entry.after, dict) else {}
    return str(after.get("status") or "")


def _detected(entry, data):
    items = entry.after.get("items") if isinstance(entry.after, dict) else None
    if items:
        text = ngettext(
            "The hub found the job in Pleo, with %(n)d entry",
            "The hub found the job in Pleo, with %(n)d entries",
            int(items),
        ) % {"n": int(items)}
    else:
        text = _("The hub found the job in Pleo")
    return text, ""


def _requested(entry, data):
    n = _count(data, "entries")
    return ngettext(
        "Pleo job created by %(who)s for %(n)d entry",
        "Pleo job created by %(who)s for %(n)d entries",
        n,
    ) % {"who": actor_name(entry), "n": n}, ""


def _started(entry, data):
    if actor_name(entry) == _("the hub"):
        return _("Started by the hub"), ""
    return _("Started by %(who)s") % {"who": actor_name(entry)}, ""


def _finished(entry, data):
    exported, failed = _count(data, "successful"), _count(data, "failed")
    text = ngettext("Exported %(n)d entry", "Exported %(n)d entries", exported) % {"n": exported}
    if failed:
        text += ", " + ngettext("%(n)d failed", "%(n)d failed", failed) % {"n": failed}
    return text, "bad" if failed else "ok"


def _failed(entry, data):
    reason = str(data.get("reason") or "")
    kind = _status(data.get("reason_type"))
    text = _("The job failed: %(reason)s") % {"reason": reason or kind or _("no reason given")}
    return text + " " + _("Nothing was posted."), "bad"


def _status_changed(entry, data):
    return _("Pleo marked the job %(status)s") % {"status": _status(_after_status(entry))}, ""


def _closed_by_pleo(entry, data):
    return _("Pleo closed the job (%(status)s) before the hub had finished") % {
        "status": _status(data.get("status"))
    }, "bad"


def _interrupted(entry, data):
    return _("Pleo did not answer; the hub carries on with the job at its next turn"), ""


def _skipped(entry, data):
    return _("Not processed here: another company's connection started it"), ""


def _reexport(entry, data):
    n = _count(data, "entries")
    return ngettext(
        "%(who)s exported %(n)d failed entry again, in a new job",
        "%(who)s exported %(n)d failed entries again, in a new job",
        n,
    ) % {"who": actor_name(entry), "n": n}, ""


def _retried(entry, data):
    n = _count(data, "entries")
    return ngettext(
        "%(who)s retried %(n)d failed entry in this job",
        "%(who)s retried %(n)d failed entries in this job",
        n,
    ) % {"who": actor_name(entry), "n": n}, ""


def _report_rejected(entry, data):
    return _("Pleo refused the result of one entry: %(message)s") % {
        "message": str(data.get("message") or _status(data.get("error_type")))
    }, "bad"


def _reference_corrected(entry, data):
    after = entry.after if isinstance(entry.after, dict) else {}
    return _("%(who)s corrected an external reference to %(reference)s") % {
        "who": actor_name(entry),
        "reference": after.get("external_id") or "—",
    }, ""


def _marked_exported(entry, data):
    return _("%(who)s marked an entry exported by hand: %(reason)s") % {
        "who": actor_name(entry),
        "reason": str(data.get("reason") or ""),
    }, ""


def _retry_scheduled(entry, data):
    n = _count(data, "waiting")
    return ngettext(
        "The ERP was busy: %(n)d entry waits for the next attempt",
        "The ERP was busy: %(n)d entries wait for the next attempt",
        n,
    ) % {"n": n}, ""


def _dismissed(entry, data):
    return _("%(who)s dismissed the job: %(reason)s") % {
        "who": actor_name(entry),
        "reason": str(data.get("reason") or ""),
    }, "bad"


def _claim_taken_over(entry, data):
    return _("The hub took the job over from a worker that had stopped"), ""


def _correction_job_requested(entry, data):
    n = _count(data, "corrections")
    return ngettext(
        "%(who)s sent %(n)d correction to Pleo in this correction job",
        "%(who)s sent %(n)d corrections to Pleo in this correction job",
        n,
    ) % {"who": actor_name(entry), "n": n}, ""


def _fallback(entry: ActivityEntry) -> str:
    """An action without its own sentence: its last word, by whom (never its data)."""
    words = entry.action.rsplit(".", 1)[-1].replace("_", " ")
    return _("%(what)s (by %(who)s)") % {"what": words.capitalize(), "who": actor_name(entry)}


SENTENCES: dict[str, Callable[[ActivityEntry, dict], tuple[str, str]]] = {
    "sync.job.detected": _detected,
    "sync.job.requested": _requested,
    "sync.job.started": _started,
    "sync.job.finished": _finished,
    "sync.job.failed": _failed,
    "sync.job.status_changed": _status_changed,
    "sync.job.closed_by_pleo": _closed_by_pleo,
    "sync.job.interrupted": _interrupted,
    "sync.job.skipped": _skipped,
    "sync.job.reexport": _reexport,
    "dashboard.failures.retried": _retried,
    "sync.item.report_rejected": _report_rejected,
    "dashboard.item.reference_corrected": _reference_corrected,
    "dashboard.item.marked_exported": _marked_exported,
    "sync.job.retry_scheduled": _retry_scheduled,
    "sync.job.dismissed": _dismissed,
    "sync.job.claim_taken_over": _claim_taken_over,
    "sync.correction_job.requested": _correction_job_requested,
}
