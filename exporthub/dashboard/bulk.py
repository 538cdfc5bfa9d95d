"""Correcting several items at once: one row per item, one shared reason, one correction job.

An exported item in the selection gets its reference corrected (rows left unchanged are
skipped); a failed item whose row carries an external id is marked as exported manually.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django import forms
from django.core.validators import URLValidator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from exporthub.dashboard.corrections import (
    CorrectionRefused,
    Outcome,
    correct,
    send_corrections,
)
from exporthub.sync.models import ExportItem, ItemStatus

MAX_ITEMS = 200
MARKABLE = (ItemStatus.FAILED, ItemStatus.ABANDONED)


@dataclass(frozen=True)
class Change:
    item: ExportItem
    kind: str  # "reference" or "manual"
    external_id: str
    external_url: str


@dataclass
class BulkResult:
    outcomes: list[tuple[ExportItem, Outcome]] = field(default_factory=list)
    refused: list[tuple[ExportItem, str]] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)


class BulkCorrectionForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy(
            "Why these entries were booked by hand or their references changed (kept in the "
            "activity log). Required to mark entries as exported manually."
        ),
    )

    def __init__(self, items: list[ExportItem], *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = items
        for item in items:
            self.fields[f"external_id_{item.pk}"] = forms.CharField(
                label=_("External id"),
                max_length=255,
                required=False,
                initial=item.external_id,
            )
            self.fields[f"external_url_{item.pk}"] = forms.CharField(
                label=_("External URL"),
                max_length=2000,
                required=False,
                initial=item.external_url,
                validators=[URLValidator(schemes=["http", "https"])],
            )

    def rows(self):
        """(item, external id field, external URL field) per selected item, for the template."""
        return [
            (item, self[f"external_id_{item.pk}"], self[f"external_url_{item.pk}"])
            for item in self.items
        ]

    def clean(self):
        cleaned = super().clean()
        changes = []
        for item in self.items:
            external_id = (cleaned.get(f"external_id_{item.pk}") or "").strip()
            external_url = cleaned.get(f"external_url_{item.pk}") or ""
            if not external_id:
                continue
            if item.status == ItemStatus.SUCCESSFUL:
                if (external_id, external_url) != (item.external_id, item.external_url):
                    changes.append(Change(item, "reference", external_id, external_url))
            elif item.status in MARKABLE:
                changes.append(Change(item, "manual", external_id, external_url))
        if any(change.kind == "manual" for change in changes) and not cleaned.get("reason"):
            self.add_error("reason", _("Give a reason for marking entries as exported manually."))
        if not changes and not self.errors:
            raise forms.ValidationError(
                _("Nothing to change: enter a new reference, or an id for a failed entry.")
            )
        cleaned["changes"] = changes
        return cleaned


def apply_changes(changes: list[Change], *, reason: str, user) -> BulkResult:
    """Apply every change; items of finished jobs go to Pleo in one correction job per company."""
    result = BulkResult()
    integrations = {}
    for change in changes:
        try:
            outcome = correct(
                change.item,
                kind=change.kind,
                external_id=change.external_id,
                external_url=change.external_url,
                reason=reason,
                user=user,
                send=False,
            )
        except CorrectionRefused as refused:
            result.refused.append((change.item, str(refused)))
            continue
        result.outcomes.append((change.item, outcome))
        if outcome.correction is not None:
            integrations[change.item.job.integration_id] = change.item.job.integration
    for sent in send_corrections(integrations.values(), user=user):
        if sent.waiting_reason:
            result.waiting.append(sent.waiting_reason)
    return result
