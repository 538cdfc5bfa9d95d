from __future__ import annotations

from django import forms
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from exporthub.core.http_urls import http_url_problem
from exporthub.notifications.models import Channel, EventKind, Subscription


class SubscriptionForm(forms.ModelForm):
    events = forms.MultipleChoiceField(
        label=_("Tell about"),
        choices=EventKind.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=[kind for kind in EventKind.values if kind != EventKind.DAILY_DIGEST],
    )

    class Meta:
        model = Subscription
        fields = ["integration", "channel", "target", "events"]
        labels = {
            "integration": _("Company"),
            "channel": _("How"),
            "target": _("Email address or webhook URL"),
        }

    def __init__(self, *args, integrations=None, **kwargs):
        super().__init__(*args, **kwargs)
        if integrations is not None:
            self.fields["integration"].queryset = integrations
            only = list(integrations[:2])
            if len(only) == 1:
                self.fields["integration"].initial = only[0].pk

    def clean(self):
        data = super().clean()
        channel, target = data.get("channel"), (data.get("target") or "").strip()
        if channel and target:
            if channel == Channel.EMAIL:
                try:
                    validate_email(target)
                except forms.ValidationError:
                    self.add_error("target", _("Enter an email address."))
            elif problem := http_url_problem(target):
                self.add_error("target", problem)
        data["target"] = target
        return data
