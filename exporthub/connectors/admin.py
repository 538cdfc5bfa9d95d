from __future__ import annotations

from django.contrib import admin

from exporthub.connectors.models import ConnectorConfig, FiledBatch


@admin.register(ConnectorConfig)
class ConnectorConfigAdmin(admin.ModelAdmin):
    """Secrets are an EncryptedTextField (not editable), so the admin never renders them."""

    list_display = ["name", "kind", "updated_at"]
    list_filter = ["kind"]
    search_fields = ["name"]
    fields = ["name", "kind", "settings", "secret_status"]
    readonly_fields = ["secret_status"]

    @admin.display(description="Secrets")
    def secret_status(self, obj: ConnectorConfig) -> str:
        if obj.pk is None:
            return "—"
        names = obj.secrets_set()
        return ", ".join(f"{name}: ••• set" for name in names) or "none set"


@admin.register(FiledBatch)
class FiledBatchAdmin(admin.ModelAdmin):
    """The register of issued batch files: read only (it is the truth the files come from)."""

    list_display = ["file_name", "config", "key", "entry_count", "created_at", "closed_at"]
    list_filter = ["config", "format"]
    search_fields = ["name", "key"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
