from __future__ import annotations

from django.contrib import admin

from exporthub.connectors.models import ConnectorConfig


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
