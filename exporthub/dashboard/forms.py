from __future__ import annotations

import contextlib
import uuid

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.db import connections
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from exporthub.connectors.models import ConnectorConfig
from exporthub.core.access import ACCOUNTANT, ADMIN, VIEWER
from exporthub.core.formatting import locale_choices
from exporthub.core.http_urls import validate_http_url
from exporthub.core.money import currency_exponent
from exporthub.dashboard.mapping_labels import erp_label_for, pleo_label_for
from exporthub.pleo.models import PleoConnection
from exporthub.sync import queue_text_index
from exporthub.sync.models import Integration, Mapping

PAGE_SIZES = (25, 50, 100)
ROLE_LABELS = {VIEWER: _("Viewer"), ACCOUNTANT: _("Accountant"), ADMIN: _("Admin")}


class ExternalReferenceForm(forms.Form):
    external_id = forms.CharField(label=_("External id"), max_length=255, strip=True)
    external_url = forms.CharField(
        label=_("External URL"),
        max_length=2000,
        required=False,
        validators=[validate_http_url],
        help_text=_("A link to the entry in the ERP (http or https)."),
    )


class MarkExportedForm(ExternalReferenceForm):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Why this entry was booked by hand (kept in the activity log)."),
    )


QUEUE_SORTS = {
    "date": "entry_date",
    "-date": "-entry_date",
    "amount": "amount_minor",
    "-amount": "-amount_minor",
    "supplier": "supplier",
    "-supplier": "-supplier",
    "account": "account_code",
    "-account": "-account_code",
}


class JobDismissForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Why the hub should stop working on this job (kept in the activity log)."),
    )


class QueueFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    family = forms.CharField(label=_("Type"), required=False, max_length=40)
    amount_min = forms.DecimalField(
        label=_("Amount from"), required=False, max_digits=15, decimal_places=3
    )
    amount_max = forms.DecimalField(
        label=_("Amount to"), required=False, max_digits=15, decimal_places=3
    )
    supplier = forms.CharField(label=_("Supplier"), required=False, max_length=100)
    account = forms.CharField(label=_("Account"), required=False, max_length=64)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("", _("Any")),
            ("QUEUED", _("Queued")),
            ("EXPORTING", _("Exporting")),
            ("failed", _("Failed before")),
        ],
    )
    receipt = forms.ChoiceField(
        label=_("Receipt"),
        required=False,
        choices=[("", _("Any")), ("yes", _("Present")), ("no", _("Missing"))],
    )
    problems = forms.ChoiceField(
        label=_("Pre-flight"),
        required=False,
        choices=[
            ("", _("Any")),
            ("any", _("Has problems")),
            ("none", _("Ready")),
            ("account", _("Account mapping missing")),
            ("tax_code", _("Tax code mapping missing")),
            ("period", _("Closed period")),
            ("unbalanced", _("Unbalanced")),
        ],
    )
    sort = forms.ChoiceField(label=_("Sort"), required=False, choices=[(k, k) for k in QUEUE_SORTS])
    per_page = forms.TypedChoiceField(
        label=_("Per page"), required=False, coerce=int, choices=[(n, n) for n in PAGE_SIZES]
    )

    # The filters the queue's totals (`QueueDayTotals`) are also counted by: with only these,
    # the page counts matches from the totals instead of the mirror's rows.
    TOTALS_FILTERS = ("date_from", "date_to", "family", "status", "problems")

    def filter(self, rows, currency: str = ""):
        """Apply the valid filters to a QueuedEntry queryset (or, for the `TOTALS_FILTERS`, to
        a QueueDayTotals one: both name these columns alike).

        An invalid filter is left out, but only that one: the others still apply, and
        `filter_errors()` says what is wrong ("Export all matching" refuses while one is).
        Amount bounds are in the wallet `currency`'s major units (JPY 0 decimals, KWD 3).
        """
        self.is_valid()
        data = self.cleaned_data
        if data.get("q"):
            rows = rows.filter(_search(data["q"], rows.db))
        if data.get("date_from"):
            rows = rows.filter(entry_date__gte=data["date_from"])
        if data.get("date_to"):
            rows = rows.filter(entry_date__lte=data["date_to"])
        if data.get("family"):
            rows = rows.filter(family=data["family"])
        if data.get("amount_min") is not None:
            rows = rows.filter(amount_minor__gte=_minor(data["amount_min"], currency))
        if data.get("amount_max") is not None:
            rows = rows.filter(amount_minor__lte=_minor(data["amount_max"], currency))
        if data.get("supplier"):
            rows = rows.filter(_prefix("supplier_key", data["supplier"].lower(), rows.db))
        if data.get("account"):
            rows = rows.filter(account_code=data["account"])
        status = data.get("status")
        if status == "failed":
            rows = rows.exclude(last_failure_reason_type="")
        elif status:
            rows = rows.filter(export_status=status)
        if data.get("receipt") == "yes":
            rows = rows.filter(receipt_count__gt=0)
        elif data.get("receipt") == "no":
            rows = rows.filter(receipt_count=0)
        problems = data.get("problems")
        if problems == "any":
            rows = rows.exclude(problems="")
        elif problems == "none":
            rows = rows.filter(problems="")
        elif problems:
            rows = rows.filter(problems__contains=problems)
        return rows

    @property
    def counted_by_totals(self) -> bool:
        """Whether every filter in use is one the queue's totals are counted by."""
        self.is_valid()
        used = {name for name, value in self.cleaned_data.items() if value not in (None, "")}
        return used <= {*self.TOTALS_FILTERS, "sort", "per_page"}

    @property
    def sort_key(self) -> tuple[str, bool]:
        """The column the rows are sorted by, and whether newest/biggest first (then by id)."""
        self.is_valid()
        order = QUEUE_SORTS.get(self.cleaned_data.get("sort") or "-date", "-entry_date")
        return order.lstrip("-"), order.startswith("-")

    @property
    def ordering(self) -> list[str]:
        """The sort, then the id as tie-breaker, as `order_by` takes them."""
        field, descending = self.sort_key
        return [f"-{name}" if descending else name for name in (field, "id")]

    def order(self, rows):
        return rows.order_by(*self.ordering)

    @property
    def page_size(self) -> int:
        self.is_valid()
        return self.cleaned_data.get("per_page") or PAGE_SIZES[0]

    def filter_errors(self) -> list[str]:
        """Each invalid filter as "Label: what is wrong" (empty when all are valid)."""
        if self.is_valid():
            return []
        return [
            f"{self.fields[name].label}: {' '.join(errors)}"
            if name in self.fields
            else " ".join(errors)
            for name, errors in self.errors.items()
        ]


def entry_ids(values: list[str]) -> list[uuid.UUID] | None:
    """Accounting entry ids from a form's checkboxes; None when any is not a UUID."""
    try:
        return [uuid.UUID(value) for value in values]
    except ValueError:
        return None


def _search(text: str, database: str) -> Q:
    """Entries whose supplier, note, category or employee contains `text` (any case), or whose
    account code or entry id is `text`. One stored lowercase column (`search_text`) holds the
    four names, found through a trigram index (three letters or more): PostgreSQL's own, and on
    SQLite an FTS5 table (sync/queue_text_index.py)."""
    text = text.strip()
    found = queue_text_index.contains(text.lower(), database) | Q(account_code=text)
    with contextlib.suppress(ValueError):
        found |= Q(entry_id=uuid.UUID(text))
    return found


def _prefix(field: str, prefix: str, database: str) -> Q:
    """`field` starts with `prefix`, answered by an index: PostgreSQL's pattern-ops index takes
    the LIKE; SQLite's LIKE ignores its indexes, so there the prefix is also a range of the
    (binary-collated) column."""
    found = Q(**{f"{field}__startswith": prefix})
    if connections[database].vendor == "sqlite" and prefix:
        found &= Q(**{f"{field}__gte": prefix, f"{field}__lt": prefix + "\U0010ffff"})
    return found


class MappingForm(forms.ModelForm):
    """A mapping of one Pleo value; blank labels are filled from what the hub already knows
    (Pleo's name from the entries it sent, the ERP's from its cached records)."""

    class Meta:
        model = Mapping
        fields = ["kind", "pleo_key", "pleo_label", "erp_key", "erp_label"]
        labels = {
            "pleo_key": _("Pleo key"),
            "pleo_label": _("Pleo label"),
            "erp_key": _("ERP value"),
            "erp_label": _("ERP label"),
        }
        help_texts = {
            "pleo_label": _("Left blank: Pleo's own name for the value, where an entry named it."),
            "erp_label": _("Left blank: the ERP's name for the value, from its records."),
        }

    def __init__(self, *args, integration=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.integration = integration
        kind = self["kind"].value() or Mapping.Kind.ACCOUNT
        # Suggest the ERP's own records for the kind (a <datalist> on the page); works without JS.
        self.fields["erp_key"].widget.attrs["list"] = f"erp-{kind}"

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if self.integration is None or not kind:
            return data
        if not data.get("pleo_label"):
            data["pleo_label"] = pleo_label_for(self.integration, kind, data.get("pleo_key", ""))
        if not data.get("erp_label"):
            data["erp_label"] = erp_label_for(
                self.integration.erp_connection, kind, data.get("erp_key", "")
            )
        return data


class MappingImportForm(forms.Form):
    file = forms.FileField(
        label="CSV file", help_text="Columns: kind, pleo_key, pleo_label, erp_key, erp_label."
    )


class PleoConnectionForm(forms.ModelForm):
    api_key = forms.CharField(
        label=_("API key"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Leave empty to keep the stored key."),
    )
    oauth_client_secret = forms.CharField(
        label=_("OAuth client secret"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Leave empty to keep the stored secret."),
    )

    class Meta:
        model = PleoConnection
        fields = [
            "name",
            "company_id",
            "base_url",
            "oauth_base_url",
            "auth_method",
            "oauth_client_id",
            "oauth_scopes",
            "locale",
        ]
        labels = {
            "name": _("Name"),
            "company_id": _("Pleo company id"),
            "base_url": _("Base URL"),
            "oauth_base_url": _("OAuth base URL"),
            "auth_method": _("Authentication"),
            "oauth_client_id": _("OAuth client id"),
            "oauth_scopes": _("OAuth scopes"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The offered locales, named in the reader's language; a locale set another way (the
        # pleo_connection command takes any locale Babel knows) stays selectable.
        current = self.instance.locale
        choices = locale_choices()
        if current and current not in dict(choices):
            choices.append((current, current))
        self.fields["locale"] = forms.ChoiceField(
            label=_("Money and dates"),
            required=False,
            choices=[("", _("As the reader's language"))] + choices,
            help_text=_(
                "How this company's amounts and dates are written, e.g. Danish: 1.234,56 kr. "
                "Testing the connection picks the company's country when this is empty."
            ),
        )
        for name in ("base_url", "oauth_base_url"):
            self.fields[name].validators.append(validate_http_url)

    @property
    def moved_urls(self) -> list[str]:
        """The URLs this edit changes on a stored connection (its secrets must come again)."""
        if not self.instance.pk:
            return []
        return [name for name in ("base_url", "oauth_base_url") if name in self.changed_data]

    def clean(self):
        data = super().clean()
        method = data.get("auth_method")
        has_key = data.get("api_key") or (self.instance.pk and self.instance.api_key)
        if method == PleoConnection.AuthMethod.API_KEY and not has_key:
            self.add_error("api_key", _("An API key is needed for API key authentication."))
        if method == PleoConnection.AuthMethod.OAUTH and not data.get("oauth_client_id"):
            self.add_error("oauth_client_id", _("OAuth needs the client id of your Pleo app."))
        if self.moved_urls:
            # The stored secrets never follow a URL change: an edit could otherwise send them to
            # any host.
            again = _("The URL changed: enter this secret again.")
            if method == PleoConnection.AuthMethod.API_KEY and not data.get("api_key"):
                self.add_error("api_key", again)
            if (
                method == PleoConnection.AuthMethod.OAUTH
                and self.instance.oauth_client_secret
                and not data.get("oauth_client_secret")
            ):
                self.add_error("oauth_client_secret", again)
        return data

    def save(self, commit=True):
        connection = super().save(commit=False)
        for secret in ("api_key", "oauth_client_secret"):
            if self.cleaned_data.get(secret):
                setattr(connection, secret, self.cleaned_data[secret])
        if self.moved_urls:
            # Tokens from the old address are not sent to the new one: authorise again.
            connection.access_token = connection.refresh_token = ""
            connection.access_token_expires_at = None
        if (
            connection.auth_method == PleoConnection.AuthMethod.OAUTH
            and not connection.access_token
        ):
            connection.status = PleoConnection.Status.PENDING_AUTHORIZATION
        if commit:
            connection.save()
        return connection


class ErpConnectionForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)

    def __init__(self, *args, config: ConnectorConfig | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.config = config

    def clean_name(self):
        name = self.cleaned_data["name"]
        others = ConnectorConfig.objects.filter(name=name)
        if self.config is not None:
            others = others.exclude(pk=self.config.pk)
        if others.exists():
            raise ValidationError(_("Another ERP connection already has this name."))
        return name


class IntegrationForm(forms.ModelForm):
    class Meta:
        model = Integration
        fields = [
            "name",
            "pleo_connection",
            "erp_connection",
            "erp_company",
            "fallback_to_pleo_codes",
            "enabled",
            "poll_interval_seconds",
            "push_master_data_nightly",
        ]
        labels = {
            "name": _("Name"),
            "pleo_connection": _("Pleo connection"),
            "erp_connection": _("ERP connection"),
            "erp_company": _("ERP company"),
            "fallback_to_pleo_codes": _("Fall back to Pleo codes"),
            "enabled": _("Enabled"),
            "poll_interval_seconds": _("Poll interval (seconds)"),
            "push_master_data_nightly": _("Keep Pleo's tags and tax codes in step"),
        }


class UserAccessForm(forms.Form):
    role = forms.ChoiceField(
        label=_("Role"), required=False, choices=[("", _("No access")), *ROLE_LABELS.items()]
    )
    companies = forms.MultipleChoiceField(
        label=_("Companies"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, company_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["companies"].choices = list(company_choices)


class PasswordValidationMixin:
    """Checks the form's `password_field` with Django's AUTH_PASSWORD_VALIDATORS.

    Use it on every form that sets a password. The user the password is for (for the similarity
    check) is `self.user` when the form has one, else the ModelForm's instance as filled in.
    """

    password_field = "password"

    def _post_clean(self):
        super()._post_clean()
        password = self.cleaned_data.get(self.password_field)
        if not password:
            return
        user = getattr(self, "user", None) or getattr(self, "instance", None)
        try:
            password_validation.validate_password(password, user)
        except ValidationError as error:
            self.add_error(self.password_field, error)


class NewUserForm(PasswordValidationMixin, forms.ModelForm):
    password = forms.CharField(
        label=_("Password"),
        widget=forms.PasswordInput,
        help_text=password_validation.password_validators_help_text_html,
    )

    class Meta:
        model = get_user_model()
        fields = ["username", "email"]
        labels = {"username": _("User name"), "email": _("Email")}


class ActivityFilterForm(forms.Form):
    action = forms.CharField(label=_("Action starts with"), required=False, max_length=100)
    actor = forms.CharField(label=_("Actor"), required=False, max_length=150)
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def filter(self, rows):
        data = self.cleaned_data if self.is_valid() else {}
        if data.get("action"):
            rows = rows.filter(action__startswith=data["action"])
        if data.get("actor"):
            rows = rows.filter(actor_label__icontains=data["actor"])
        if data.get("date_from"):
            rows = rows.filter(created_at__date__gte=data["date_from"])
        if data.get("date_to"):
            rows = rows.filter(created_at__date__lte=data["date_to"])
        return rows


def _minor(amount, currency: str) -> int:
    """A typed amount as whole minor units of `currency`, rounded to the nearest unit."""
    return int(amount.scaleb(currency_exponent(currency or "EUR")).to_integral_value())


class PeriodForm(forms.Form):
    """A reconciliation's period (either end open)."""

    start = forms.DateField(label=_("From"), required=False)
    end = forms.DateField(label=_("To"), required=False)

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise forms.ValidationError(_("The period ends before it starts."))
        return data


class AcknowledgeForm(forms.Form):
    reason = forms.CharField(label=_("Why this is right"), max_length=500)
