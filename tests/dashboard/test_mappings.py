"""Mappings page: refreshing the ERP's records, flags, and the CSV export → import round trip."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from exporthub.core.models import ActivityEntry
from exporthub.sync.models import Mapping


def mappings_of(integration) -> set[tuple[str, str, str, str]]:
    return set(integration.mappings.values_list("kind", "pleo_key", "erp_key", "erp_label"))


def upload(client, integration, text: str | bytes):
    body = text.encode() if isinstance(text, str) else text
    return client.post(
        reverse("dashboard:mapping-import", args=[integration.pk]),
        {"file": SimpleUploadedFile("mappings.csv", body, content_type="text/csv")},
        follow=True,
    )


def test_it_caches_the_erps_records(
    client, admin_user, integration, django_capture_on_commit_callbacks
):
    client.force_login(admin_user)
    url = reverse("dashboard:mapping-refresh-records", args=[integration.pk])
    with django_capture_on_commit_callbacks(execute=True):  # the task runs (sync in tests)
        response = client.post(url, follow=True)
    page = client.get(response.redirect_chain[-1][0]).content.decode()
    assert "The ERP's records are up to date, done at" in page
    records = integration.erp_connection.master_data
    assert records.filter(kind="account").count() == 15
    assert records.get(kind="account", code="6900").name == "Assets:VAT:Input"
    assert '<option value="6900">6900 Assets:VAT:Input</option>' in page  # suggested values
    assert ActivityEntry.objects.filter(action="dashboard.erp.records_refreshed").exists()


def test_it_flags_a_mapping_to_a_record_the_erp_does_not_have(
    client, admin_user, integration, django_capture_on_commit_callbacks
):
    broken = integration.mappings.create(kind=Mapping.Kind.ACCOUNT, pleo_key="6999", erp_key="9999")
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("dashboard:mapping-refresh-records", args=[integration.pk]))
    page = client.get(reverse("dashboard:mapping-list", args=[integration.pk])).content.decode()
    row = page.split(f'id="mapping-{broken.pk}"')[1].split("</tr>")[0]
    assert "badge-bad" in row and "The ERP has no account &#x27;9999&#x27;." in row
    assert page.count("badge-bad") == 1  # the other mappings point at records the ERP has


def test_it_says_when_the_erps_records_cannot_be_read(
    client, admin_user, integration, django_capture_on_commit_callbacks
):
    config = integration.erp_connection
    config.settings = {**config.settings, "ledger_path": "/nowhere/at/all/main.beancount"}
    config.save()
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("dashboard:mapping-refresh-records", args=[integration.pk]))
    page = client.get(reverse("dashboard:mapping-list", args=[integration.pk])).content.decode()
    assert "could not be read at" in page
    assert "The ledger folder /nowhere/at/all does not exist." in page
    assert not config.master_data.exists()


def test_it_imports_what_it_exported(client, admin_user, integration):
    integration.mappings.create(
        kind=Mapping.Kind.TAG, pleo_key="DEPT:Sales", erp_key="S1", erp_label="Sales, Nordic"
    )
    before = mappings_of(integration)
    client.force_login(admin_user)
    response = client.get(reverse("dashboard:mapping-export", args=[integration.pk]))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    exported = response.content.decode()
    assert exported.splitlines()[0] == "kind,pleo_key,pleo_label,erp_key,erp_label"
    assert '"Sales, Nordic"' in exported
    integration.mappings.all().delete()

    response = upload(client, integration, exported)
    assert f"Imported {len(before)} mappings." in response.content.decode()
    assert mappings_of(integration) == before
    assert ActivityEntry.objects.get(action="dashboard.mapping.imported").data == {"rows": 4}


def test_it_updates_existing_mappings_on_import(client, admin_user, integration):
    client.force_login(admin_user)
    upload(client, integration, "kind,pleo_key,erp_key\naccount,vat:in,6910\n")
    assert integration.mappings.get(kind="account", pleo_key="vat:in").erp_key == "6910"
    assert integration.mappings.count() == 3


def test_it_saves_nothing_from_a_bad_csv_and_names_the_lines(client, admin_user, integration):
    before = mappings_of(integration)
    client.force_login(admin_user)
    text = (
        "kind,pleo_key,pleo_label,erp_key,erp_label\n"
        "account,6000,Meals,6000,\n"  # fine, but must not be saved either
        "acount,6010,,6010,\n"
        "tax_code,,,I25,\n"
    )
    page = upload(client, integration, text).content.decode()
    assert "Nothing was imported:" in page
    assert "Line 3: kind &#x27;acount&#x27; is not one of" in page
    assert "Line 4: pleo_key and erp_key are both required." in page
    assert mappings_of(integration) == before


def test_it_refuses_a_file_without_the_needed_columns(client, admin_user, integration):
    client.force_login(admin_user)
    page = upload(client, integration, "kind,pleo\naccount,6000\n").content.decode()
    assert "The header lacks the column(s): pleo_key, erp_key." in page


def test_it_refuses_a_file_that_is_not_utf8(client, admin_user, integration):
    client.force_login(admin_user)
    page = upload(
        client, integration, "kind,pleo_key,erp_key\naccount,k\xf8b,1\n".encode("latin-1")
    )
    assert "The file is not UTF-8 text." in page.content.decode()
    assert integration.mappings.count() == 3
