"""A job's progress as three parts in proportion: exported, failed, and what remains."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Segment:
    key: str  # "exported", "failed" or "remaining" (a CSS class)
    count: int
    start: float  # percent of the bar where the segment starts
    width: float  # percent of the bar it covers

    @property
    def end(self) -> float:
        return self.start + self.width


@dataclass(frozen=True)
class Progress:
    exported: int
    failed: int  # failed, and abandoned by Pleo
    remaining: int

    @property
    def total(self) -> int:
        return self.exported + self.failed + self.remaining

    @property
    def done(self) -> int:
        return self.exported + self.failed

    @property
    def segments(self) -> list[Segment]:
        """The three parts, each as wide as its share (all 0 when the job has no entries)."""
        found, start = [], 0.0
        for key, count in (
            ("exported", self.exported),
            ("failed", self.failed),
            ("remaining", self.remaining),
        ):
            width = round(100 * count / self.total, 2) if self.total else 0.0
            found.append(Segment(key, count, round(start, 2), width))
            start += width
        return found

    @property
    def summary(self) -> str:
        """The bar in words, for screen readers and as its visible caption."""
        return _(
            "%(exported)d exported, %(failed)d failed, %(remaining)d remaining of %(total)d"
        ) % {
            "exported": self.exported,
            "failed": self.failed,
            "remaining": self.remaining,
            "total": self.total,
        }


def progress_of(job) -> Progress:
    """From the job's stored counts; before its items are read, all of Pleo's count remains."""
    failed = job.items_failed + job.items_abandoned
    counted = job.items_successful + failed + job.items_pending
    remaining = max(job.number_of_items, counted) - job.items_successful - failed
    return Progress(job.items_successful, failed, max(remaining, 0))
