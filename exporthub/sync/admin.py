from __future__ import annotations

from django.contrib import admin

from exporthub.sync.models import ExportItem, ExportJob, Integration, Mapping


class MappingInline(admin.TabularInline):
    model = Mapping
    extra = 0


@admin.register(Integration)
class IntegrationAdmin(admin.ModelAdmin):
    list_display = ["name", "pleo_connection", "erp_connection", "enabled", "last_polled_at"]
    inlines = [MappingInline]


@admin.register(ExportJob)
class ExportJobAdmin(admin.ModelAdmin):
    list_display = [
        "pleo_id",
        "integration",
        "status",
        "items_successful",
        "items_failed",
        "pleo_created_at",
    ]
    list_filter = ["status", "integration"]
    search_fields = ["pleo_id"]
    readonly_fields = [field.name for field in ExportJob._meta.fields]


@admin.register(ExportItem)
class ExportItemAdmin(admin.ModelAdmin):
    list_display = ["accounting_entry_id", "job", "status", "external_id", "failure_reason_type"]
    list_filter = ["status", "failure_reason_type"]
    search_fields = ["accounting_entry_id", "external_id"]
    list_select_related = ["job"]
    raw_id_fields = ["job"]
    readonly_fields = [field.name for field in ExportItem._meta.fields]
