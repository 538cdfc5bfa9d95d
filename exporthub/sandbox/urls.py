from __future__ import annotations

from django.urls import path

from exporthub.sandbox.views import export_jobs, files, home, master_data, oauth, reads

app_name = "sandbox"
pleo = "pleo/"
urlpatterns = [
    path("", home.home, name="home"),
    path("companies/<uuid:company_id>/export/", home.export, name="export"),
    # Pleo's Export API v3
    path(f"{pleo}v3/export-jobs", export_jobs.export_jobs, name="export-jobs"),
    path(f"{pleo}v3/export-jobs/<str:job_id>", export_jobs.export_job, name="export-job"),
    path(
        f"{pleo}v3/export-jobs/<str:job_id>/items",
        export_jobs.export_job_items,
        name="export-job-items",
    ),
    path(f"{pleo}v3/export-job-events", export_jobs.export_job_events, name="export-job-events"),
    path(f"{pleo}v3/export-items", export_jobs.export_items, name="export-items"),
    # Neighbouring read APIs
    path(f"{pleo}v0/tax-codes:search", reads.tax_codes_search, name="tax-codes-search"),
    # Tags and tax codes, read and written (an integration pushes the ERP's master data)
    path(f"{pleo}v0/tax-codes", master_data.tax_codes, name="tax-codes"),
    path(f"{pleo}v0/tax-codes/<str:tax_code_id>", master_data.tax_code, name="tax-code"),
    path(f"{pleo}v0/tag-groups", master_data.tag_groups, name="tag-groups"),
    path(f"{pleo}v0/tag-groups/<str:group_id>", master_data.tag_group, name="tag-group"),
    path(f"{pleo}v0/tag-groups/<str:group_id>/tags", master_data.group_tags, name="tags"),
    path(f"{pleo}v0/tags/<str:tag_id>", master_data.tag, name="tag"),
    path(f"{pleo}v1/chart-of-accounts:search", reads.accounts_search, name="accounts-search"),
    path(f"{pleo}v1/vendors:search", reads.vendors_search, name="vendors-search"),
    path(f"{pleo}v1/companies", reads.companies, name="companies"),
    path(f"{pleo}v1/companies/<str:company_id>", reads.company, name="company"),
    path(
        f"{pleo}v1/accounting-entries:search",
        reads.entries_search,
        name="accounting-entries-search",
    ),
    path(f"{pleo}v1/accounting-entries/<str:entry_id>", reads.entry, name="accounting-entry"),
    # Receipt files and OAuth
    path(f"{pleo}files/<str:token>", files.receipt_file, name="receipt-file"),
    path(f"{pleo}oauth/authorize", oauth.authorize, name="oauth-authorize"),
    path(f"{pleo}oauth/token", oauth.token, name="oauth-token"),
]
