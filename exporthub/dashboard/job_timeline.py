"""A job's (or an item's) timeline: each activity row's sentence, its time and a tone.

The words come from `activity_text.sentence`, the one place that writes them; this module only
adds what the job page shows besides: when it happened, and whether it went well or badly.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from exporthub.core.models import ActivityEntry
from exporthub.dashboard.activity_text import sentence

# Actions that always mean something went wrong for the job.
BAD_ACTIONS = frozenset(
    {
        "sync.job.failed",
        "sync.job.closed_by_pleo",
        "sync.job.dismissed",
        "sync.item.report_rejected",
        "sync.correction.failed",
    }
)


@dataclass(frozen=True)
class TimelineLine:
    at: datetime
    text: str
    tone: str = ""  # "ok", "bad" or "" (a badge class)


def timeline(entries: Iterable[ActivityEntry]) -> list[TimelineLine]:
    return [line_for(entry) for entry in entries]


def line_for(entry: ActivityEntry) -> TimelineLine:
    return TimelineLine(entry.created_at, sentence(entry), tone(entry))


def tone(entry: ActivityEntry) -> str:
    """ "bad" for a refusal, a failure or a job that ended with failed entries; "ok" for a job
    that finished clean; "" otherwise."""
    if entry.action.endswith(".refused") or entry.action in BAD_ACTIONS:
        return "bad"
    if entry.action == "sync.job.finished":
        data = entry.data if isinstance(entry.data, dict) else {}
        return "bad" if data.get("failed") else "ok"
    return ""
