from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Concat, Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Integration(models.Model):
    """One Pleo company wired to one ERP connection: the unit the engine processes."""

    name = models.CharField(max_length=200)
    pleo_connection = models.OneToOneField(
        "pleo.PleoConnection", on_delete=models.PROTECT, related_name="integration"
    )
    erp_connection = models.ForeignKey(
        "connectors.ConnectorConfig", on_delete=models.PROTECT, related_name="integrations"
    )
    erp_company = models.CharField(
        max_length=200,
        blank=True,
        help_text=_("The ERP company this Pleo company must post into; checked before every job."),
    )
    fallback_to_pleo_codes = models.BooleanField(
        default=True,
        help_text=_(
            "When no mapping matches, use Pleo's own code (account number, tax code, tag code, "
            "vendor code) as the ERP's; the ERP's master data then decides whether it exists."
        ),
    )
    enabled = models.BooleanField(default=True)
    push_master_data_nightly = models.BooleanField(
        default=False,
        help_text=_(
            "Every night, push the ERP's new and changed dimensions and tax codes into Pleo as "
            "tags and tax codes (nothing is archived without an admin's go-ahead)."
        ),
    )
    poll_interval_seconds = models.PositiveIntegerField(default=60)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_poll_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class JobStatus(models.TextChoices):
    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    COMPLETED_WITH_ERRORS = "completed_with_errors"
    FAILED = "failed"


FINISHED_JOB_STATUSES = (JobStatus.COMPLETED, JobStatus.COMPLETED_WITH_ERRORS, JobStatus.FAILED)


class ExportJobQuerySet(models.QuerySet):
    def unfinished(self):
        """Jobs the hub still works on: pending or in progress, and not dismissed."""
        return self.filter(
            status__in=[JobStatus.PENDING, JobStatus.IN_PROGRESS], dismissed_at__isnull=True
        )


class ExportJob(models.Model):
    """Our mirror of a Pleo export job, plus who is processing it."""

    integration = models.ForeignKey(Integration, on_delete=models.PROTECT, related_name="jobs")
    pleo_id = models.UUIDField()
    company_id = models.UUIDField()
    status = models.CharField(max_length=40, default=JobStatus.PENDING)
    is_interactive = models.BooleanField(default=True)
    vendor_based_bookkeeping = models.BooleanField(default=False)
    number_of_items = models.PositiveIntegerField(default=0)
    created_by = models.UUIDField(null=True, blank=True)
    pleo_created_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    last_updated_at = models.DateTimeField(null=True, blank=True)
    expired_at = models.DateTimeField(null=True, blank=True)
    failure_reason = models.TextField(blank=True)
    failure_reason_type = models.CharField(max_length=80, blank=True)
    started_by_hub = models.BooleanField(
        default=False,
        help_text="We sent `started`; on a restart we resume without sending it again.",
    )
    final_event_sent_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=200, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # How many export items at the head of Pleo's listing are all done (none pending): a run
    # resumed after its time slice lists from there instead of reading those pages again.
    resume_offset = models.PositiveIntegerField(default=0)
    items_pending = models.PositiveIntegerField(default=0)
    items_successful = models.PositiveIntegerField(default=0)
    items_failed = models.PositiveIntegerField(default=0)
    items_abandoned = models.PositiveIntegerField(default=0)
    amount_successful_minor = models.BigIntegerField(
        default=0, help_text="Sum of the exported items' totals (minor units), kept by recount()."
    )
    first_seen_at = models.DateTimeField(auto_now_add=True)
    dismissed_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="An operator told the hub to stop working on this job (see sync.dismissal).",
    )
    dismissed_by = models.CharField(max_length=200, blank=True)
    dismissed_reason = models.TextField(blank=True)

    objects = ExportJobQuerySet.as_manager()

    class Meta:
        ordering = ["-pleo_created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["integration", "pleo_id"], name="unique_job_per_integration"
            )
        ]
        indexes = [models.Index(fields=["integration", "status", "pleo_created_at"])]

    def __str__(self) -> str:
        return f"Export job {self.pleo_id} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED_JOB_STATUSES

    def recount(self) -> None:
        """Refresh the item counts and the per-day totals from the items themselves."""
        rows = self.items.values_list("status").annotate(
            n=models.Count("id"), minor=models.Sum("amount_minor")
        )
        counts = {status: n for status, n, _minor in rows}
        sums = {status: minor or 0 for status, _n, minor in rows}
        self.items_pending = counts.get("pending", 0) + counts.get("in_progress", 0)
        self.items_successful = counts.get("successful", 0)
        self.items_failed = counts.get("failed", 0)
        self.items_abandoned = counts.get("abandoned", 0)
        self.amount_successful_minor = sums.get("successful", 0)
        self.save(
            update_fields=[
                "items_pending",
                "items_successful",
                "items_failed",
                "items_abandoned",
                "amount_successful_minor",
            ]
        )
        recount_days(self)


class PayloadEncoder(DjangoJSONEncoder):
    """Keeps Pleo's numbers numbers: the client decodes JSON numbers as Decimal."""

    def default(self, o):
        if isinstance(o, Decimal):
            return int(o) if o == o.to_integral_value() else float(o)
        return super().default(o)


class ItemStatus(models.TextChoices):
    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    SUCCESSFUL = "successful"
    FAILED = "failed"
    ABANDONED = "abandoned"


class FailureMode(models.TextChoices):
    """How an item failed, which decides whether a retry can help (after pretix's sync queue)."""

    CONFIG = "config", _("Configuration (fix a mapping or connection, then retry)")
    PERMANENT = "permanent", _("Rejected (the entry itself must change)")
    EXCEEDED = "exceeded", _("Retries exhausted")
    INTERNAL = "internal", _("Unexpected error")
    TIMEOUT = "timeout", _("Timed out")


class ExportItemQuerySet(models.QuerySet):
    def unreported(self):
        """Items with a final result that Pleo has not been told yet."""
        return self.filter(
            status__in=[ItemStatus.SUCCESSFUL, ItemStatus.FAILED], reported_at__isnull=True
        )


class ExportItem(models.Model):
    """One accounting entry of an export job: what Pleo sent, what we posted, and the outcome."""

    # No index of its own: the unique (job, accounting_entry_id) index starts with job_id, and a
    # second one misleads SQLite into scanning a whole job for lookups by entry id.
    job = models.ForeignKey(
        ExportJob, on_delete=models.CASCADE, related_name="items", db_index=False
    )
    accounting_entry_id = models.UUIDField()
    status = models.CharField(max_length=20, choices=ItemStatus.choices, default=ItemStatus.PENDING)
    payload = models.JSONField(
        null=True, blank=True, encoder=PayloadEncoder, help_text="The export item as Pleo sent it."
    )
    posting = models.JSONField(null=True, blank=True, help_text="The entry as sent to the ERP.")
    # The entry as an accountant names it (see sync/item_summary.py); empty until Pleo sent it.
    entry_date = models.DateField(null=True, blank=True)
    amount_minor = models.BigIntegerField(
        null=True, blank=True, help_text="Total in the wallet currency, minor units."
    )
    currency = models.CharField(max_length=3, blank=True)
    supplier = models.CharField(max_length=255, blank=True)
    category_code = models.CharField(max_length=64, blank=True)
    category_name = models.CharField(max_length=255, blank=True)
    employee = models.CharField(max_length=255, blank=True)
    # The contra account and vendor Pleo named, so a new mapping's label is found by an index.
    contra_account_code = models.CharField(max_length=64, blank=True)
    contra_account_name = models.CharField(max_length=255, blank=True)
    vendor_code = models.CharField(max_length=64, blank=True)
    vendor_name = models.CharField(max_length=255, blank=True)
    superseded = models.BooleanField(
        default=False,
        help_text="A newer export (not a correction) of the same entry exists, so this item is "
        "no longer an open failure. Kept by sync.supersede; never cleared.",
    )
    external_id = models.CharField(max_length=255, blank=True)
    external_url = models.URLField(max_length=2000, blank=True)
    exported_at = models.DateTimeField(null=True, blank=True)
    failure_reason = models.TextField(blank=True)
    failure_reason_type = models.CharField(max_length=80, blank=True)
    failure_mode = models.CharField(max_length=20, choices=FailureMode.choices, blank=True)
    # The first problem as data, for grouping failures and linking to their fix (no code reads
    # `failure_reason`, which is for people); `failure_problems` holds every problem.
    failure_mapping_kind = models.CharField(max_length=20, blank=True)
    failure_pleo_key = models.CharField(max_length=255, blank=True)
    failure_pleo_label = models.CharField(max_length=255, blank=True)
    failure_erp_key = models.CharField(max_length=255, blank=True)
    failure_problems = models.JSONField(default=list, blank=True)
    error_detail = models.TextField(blank=True, help_text="The full error, for operators.")
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    reported_at = models.DateTimeField(
        null=True, blank=True, help_text="When Pleo accepted this item's current status."
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = ExportItemQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["job", "accounting_entry_id"], name="unique_item_per_job"
            )
        ]
        indexes = [
            models.Index(fields=["job", "status"]),
            models.Index(fields=["accounting_entry_id"]),
            models.Index(
                fields=["job", "id"],
                name="item_unreported",
                condition=Q(status__in=["successful", "failed"], reported_at__isnull=True),
            ),
            # The open failures, grouped by cause from the index alone (dashboard/failures.py).
            models.Index(
                fields=[
                    "job",
                    "failure_reason_type",
                    "failure_mapping_kind",
                    "failure_pleo_key",
                    "failure_erp_key",
                    "failure_pleo_label",
                    "id",
                ],  # fmt: skip
                name="item_open_failures",
                condition=Q(status="failed", superseded=False),
            ),
            models.Index(
                fields=["contra_account_code", "id"],
                name="item_contra_account",
                condition=~Q(contra_account_code=""),
            ),
            models.Index(
                fields=["vendor_code", "id"], name="item_vendor", condition=~Q(vendor_code="")
            ),
            # The other names a new mapping's label is looked up by (dashboard/mapping_labels.py).
            models.Index(
                fields=["category_code", "id"], name="item_category", condition=~Q(category_name="")
            ),
            models.Index(
                fields=["failure_mapping_kind", "failure_pleo_key", "id"],
                name="item_failure_label",
                condition=~Q(failure_pleo_label=""),
            ),
        ]

    def __str__(self) -> str:
        return f"Item {self.accounting_entry_id} ({self.status})"

    def save(self, *args, **kwargs):
        adding = self._state.adding
        super().save(*args, **kwargs)
        if adding:  # a newer item of its entry: older ones stop being open failures
            from exporthub.sync.supersede import supersede_older

            supersede_older(self.job.integration_id, [self.accounting_entry_id])

    def is_due(self, now=None) -> bool:
        now = now or timezone.now()
        return self.next_attempt_at is None or self.next_attempt_at <= now


class Mapping(models.Model):
    """How one Pleo value (account, tax code, tag, contra account, vendor) lands in the ERP."""

    class Kind(models.TextChoices):
        ACCOUNT = "account", _("Account")
        TAX_CODE = "tax_code", _("Tax code")
        TAG = "tag", _("Tag / dimension")
        CONTRA_ACCOUNT = "contra_account", _("Contra account")
        VENDOR = "vendor", _("Vendor / supplier")

    DEFAULT_KEY = "*"

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="mappings")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    pleo_key = models.CharField(
        max_length=255,
        help_text="Pleo account code, tax code, GROUP:TAG, currency, or vendor code; * = default.",
    )
    pleo_label = models.CharField(max_length=255, blank=True)
    erp_key = models.CharField(max_length=255)
    erp_label = models.CharField(max_length=255, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "pleo_key"]
        constraints = [
            models.UniqueConstraint(
                fields=["integration", "kind", "pleo_key"], name="unique_mapping_per_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.pleo_key} → {self.erp_key}"

    @property
    def is_default(self) -> bool:
        return self.pleo_key == self.DEFAULT_KEY


class QueuedEntry(models.Model):
    """One entry of Pleo's export queue, mirrored so the dashboard can filter and sort it fast.

    Pleo stays the authority: `queue_mirror.refresh_export_queue` rewrites these rows from Pleo.
    """

    integration = models.ForeignKey(
        Integration, on_delete=models.CASCADE, related_name="queued_entries"
    )
    company_id = models.UUIDField()
    entry_id = models.UUIDField()
    export_status = models.CharField(max_length=20)
    family = models.CharField(max_length=40)
    sub_family = models.CharField(max_length=40, blank=True)
    review_status = models.CharField(max_length=40, blank=True)
    performed_at = models.DateTimeField()
    bookkeeping_date = models.DateTimeField(null=True, blank=True)
    entry_date = models.DateField(
        null=True,
        blank=True,
        help_text="The date the posting will carry: the bookkeeping date as Pleo sends it.",
    )
    amount_minor = models.BigIntegerField(help_text="Total in the wallet currency, minor units.")
    currency = models.CharField(max_length=3)
    account_id = models.CharField(max_length=64, blank=True)
    account_code = models.CharField(max_length=64, blank=True)
    tax_code_id = models.CharField(max_length=64, blank=True)
    tax_code = models.CharField(max_length=64, blank=True)
    category_name = models.CharField(
        max_length=255, blank=True, help_text="The name of the entry's account in Pleo."
    )
    supplier = models.CharField(max_length=255, blank=True)
    employee = models.CharField(max_length=255, blank=True, help_text="Who spent, by name.")
    note = models.CharField(max_length=500, blank=True)
    receipt_count = models.PositiveIntegerField(default=0)
    problems = models.CharField(
        max_length=100,
        blank=True,
        help_text="Pre-flight problems, space separated: account tax_code period unbalanced.",
    )
    last_failure_reason_type = models.CharField(max_length=80, blank=True)
    refreshed_at = models.DateTimeField()
    # Kept by the database from the columns above, for index-backed searches (dashboard/forms.py).
    supplier_key = models.GeneratedField(
        expression=Lower("supplier"),
        output_field=models.CharField(max_length=255),
        db_persist=True,
    )
    search_text = models.GeneratedField(
        expression=Lower(
            Concat(
                "supplier",
                Value("\n"),
                "note",
                Value("\n"),
                "category_name",
                Value("\n"),
                "employee",
            )
        ),  # fmt: skip
        output_field=models.TextField(),
        db_persist=True,
    )

    class Meta:
        ordering = ["-performed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["integration", "entry_id"], name="unique_queued_entry_per_integration"
            )
        ]
        indexes = [
            models.Index(fields=["integration", "performed_at", "id"]),
            models.Index(fields=["integration", "entry_date", "id"]),
            models.Index(fields=["integration", "amount_minor", "id"]),
            models.Index(fields=["integration", "family", "performed_at"]),
            models.Index(fields=["integration", "export_status", "performed_at"]),
            models.Index(fields=["integration", "account_code", "id"]),
            models.Index(fields=["integration", "supplier", "id"]),
            # Supplier prefixes (LIKE 'abc%' on PostgreSQL whatever the collation; a range on
            # SQLite): see dashboard/forms.py.
            models.Index(
                fields=["integration", "supplier_key", "id"],
                name="queued_supplier_key",
                opclasses=["int8_ops", "varchar_pattern_ops", "int8_ops"],
            ),
            models.Index(fields=["integration", "problems"]),
            models.Index(fields=["company_id"]),
            # Totals by failure, status and currency, read from the index alone.
            models.Index(
                fields=[
                    "integration",
                    "last_failure_reason_type",
                    "export_status",
                    "currency",
                    "amount_minor",
                ],  # fmt: skip
                name="queued_totals",
            ),
            # What `day_totals.recount_queue` groups by, read from the index alone.
            models.Index(
                fields=[
                    "integration",
                    "entry_date",
                    "family",
                    "export_status",
                    "currency",
                    "last_failure_reason_type",
                    "problems",
                    "amount_minor",
                ],
                name="queued_overview",
            ),
        ]

    def __str__(self) -> str:
        return f"Queued entry {self.entry_id}"

    @property
    def problem_list(self) -> list[str]:
        return self.problems.split()


class WebhookDelivery(models.Model):
    """A `webhook-id` already accepted, so a replayed or retried delivery is dropped.

    Kept for `sync.detection.DELIVERY_MEMORY`: longer than a signature stays valid, so a replay
    of an id that was forgotten is refused by its stale timestamp instead.
    """

    message_id = models.CharField(max_length=255, unique=True)
    received_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return self.message_id


class OperationKind(models.TextChoices):
    REFRESH_QUEUE = "refresh_queue", _("Refresh the export queue from Pleo")
    RECHECK_PREFLIGHT = "recheck_preflight", _("Re-check the export queue")
    REFRESH_ERP_RECORDS = "refresh_erp_records", _("Refresh the ERP's records")
    PLAN_MASTER_DATA_PUSH = "plan_master_data_push", _("Compare the ERP's records with Pleo")
    APPLY_MASTER_DATA_PUSH = "apply_master_data_push", _("Push the ERP's records into Pleo")
    RUN_NOW = "run_now", _("Check Pleo for export jobs")


class OperationState(models.TextChoices):
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


class BackgroundOperation(models.Model):
    """One piece of slow work a user started from a page and a worker does (see operations.py).

    The page shows its progress line until it is done; nothing slow runs inside the request.
    """

    kind = models.CharField(max_length=40, choices=OperationKind.choices)
    integration = models.ForeignKey(
        Integration, null=True, blank=True, on_delete=models.CASCADE, related_name="operations"
    )
    erp_connection = models.ForeignKey(
        "connectors.ConnectorConfig",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="operations",
    )
    state = models.CharField(
        max_length=10, choices=OperationState.choices, default=OperationState.QUEUED
    )
    progress = models.PositiveIntegerField(default=0, help_text="Entries or rows done so far.")
    result = models.PositiveIntegerField(null=True, blank=True, help_text="The final count.")
    error = models.TextField(blank=True, help_text="Why it failed, in the user's words.")
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["kind", "integration", "created_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.state})"

    @property
    def is_finished(self) -> bool:
        return self.state in (OperationState.DONE, OperationState.FAILED)


from exporthub.sync.correction_models import Correction  # noqa: E402, F401  (registers the model)
from exporthub.sync.day_totals import (  # noqa: E402, F401  (registers the models)
    JobDayTotals,
    QueueDayTotals,
    recount_days,
)
from exporthub.sync.push_models import MasterDataPush  # noqa: E402, F401  (registers the model)
from exporthub.sync.reconciliation_models import (  # noqa: E402, F401  (registers the models)
    Discrepancy,
    ReconciliationRun,
)
