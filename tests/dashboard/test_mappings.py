"""Mappings page: refreshing the ERP's records, flags, and the CSV export → import round trip."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from exporthub.core.models import ActivityEntry
from exporthub.sync.models import BackgroundOperation, Mapping, OperationKind
from tests.sync.conftest import MAPPINGS


def mappings_of(integration) -> set[tuple[str, str, str, str]]:
    return set(integration.mappings.values_list("kind", "pleo_key", "erp_key", "erp_label"))


def upload(client, integration, text: str | bytes):
    body = text.encode() if isinstance(text, str) else text
    return client.post(
        reverse("dashboard:mapping-import", args=[integration.pk]),
        {"file": SimpleUploadedFile("mappings.csv", body, content_type="text/csv")},
        follow=True,
    )


def read_records(client, integration, django_capture_on_commit_callbacks, **fix):
    """Ask for the ERP's records as the button does; the worker's task runs when the request's
    transaction commits (django-q2 runs tasks in-process in the tests)."""
    url = reverse("dashboard:mapping-refresh-records", args=[integration.pk])
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(url, fix)


def test_it_reads_the_erps_records_in_a_task_and_suggests_them(
    client, admin_user, integration, django_capture_on_commit_callbacks
):
    client.force_login(admin_user)
    response = read_records(client, integration, django_capture_on_commit_callbacks)
    assert response["Location"] == reverse("dashboard:mapping-list", args=[integration.pk])
    records = integration.erp_connection.master_data
    assert records.filter(kind="account").count() == 15
    assert records.get(kind="account", code="6900").name == "Assets:VAT:Input"
    page = client.get(response["Location"]).content.decode()
    assert '<option value="6900">6900 Assets:VAT:Input</option>' in page  # suggested values
    assert "hx-trigger" not in page.split('id="erp-suggestions"')[1].split(">")[0]  # no poll
    refreshed = ActivityEntry.objects.get(action="dashboard.erp.records_refreshed")
    assert refreshed.actor == admin_user


def test_it_flags_a_mapping_to_a_record_the_erp_does_not_have(
    client, admin_user, integration, django_capture_on_commit_callbacks
):
    broken = integration.mappings.create(kind=Mapping.Kind.ACCOUNT, pleo_key="6999", erp_key="9999")
    client.force_login(admin_user)
    read_records(client, integration, django_capture_on_commit_callbacks)
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
    read_records(client, integration, django_capture_on_commit_callbacks)
    page = client.get(reverse("dashboard:mapping-list", args=[integration.pk])).content.decode()
    assert "could not be read: The ledger folder /nowhere/at/all does not exist." in page
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
    assert ActivityEntry.objects.get(action="dashboard.mapping.imported").data == {
        "rows": len(before)
    }


def test_it_updates_existing_mappings_on_import(client, admin_user, integration):
    client.force_login(admin_user)
    upload(client, integration, "kind,pleo_key,erp_key\naccount,vat:in,6910\n")
    assert integration.mappings.get(kind="account", pleo_key="vat:in").erp_key == "6910"
    assert integration.mappings.count() == len(MAPPINGS)


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
    assert integration.mappings.count() == len(MAPPINGS)


def test_adding_the_missing_mappings_clears_failed_before_from_the_queue(
    client, admin_user, integration, finished_job, django_capture_on_commit_callbacks
):
    failed = finished_job.items.filter(status="failed").first()
    row = integration.queued_entries.get(entry_id=failed.accounting_entry_id)
    assert row.last_failure_reason_type == "account_unknown"  # "failed before: account unknown"
    missing = sorted({(p["mapping_kind"], p["pleo_key"]) for p in failed.failure_problems})
    erp_keys = {"account": "6030", "tax_code": "I25"}
    client.force_login(admin_user)

    for number, (kind, pleo_key) in enumerate(missing, start=1):
        with django_capture_on_commit_callbacks(execute=True):  # the task runs (sync in tests)
            client.post(
                reverse("dashboard:mapping-list", args=[integration.pk]),
                {"kind": kind, "pleo_key": pleo_key, "erp_key": erp_keys[kind]},
            )
        row.refresh_from_db()
        still_failed = number < len(missing)
        assert bool(row.last_failure_reason_type) == still_failed, (kind, pleo_key)

    assert row.last_failure_reason_type == ""
    assert "account" not in row.problem_list


def test_a_mapping_change_recomputes_the_badges_in_a_task_not_in_the_request(
    client, admin_user, integration, finished_job, django_capture_on_commit_callbacks
):
    failed = finished_job.items.filter(status="failed").first()
    row = integration.queued_entries.get(entry_id=failed.accounting_entry_id)
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(
            reverse("dashboard:mapping-list", args=[integration.pk]),
            {"kind": failed.failure_mapping_kind, "pleo_key": failed.failure_pleo_key,
             "erp_key": "6030"},
        )  # fmt: skip
    row.refresh_from_db()
    assert row.last_failure_reason_type == "account_unknown"  # the request did not recompute
    recheck = BackgroundOperation.objects.get(kind=OperationKind.RECHECK_PREFLIGHT)
    assert recheck.state == "queued"  # a worker runs it once the mapping is committed
    assert callbacks  # the tasks are enqueued on commit, not run in the request


def test_queued_entries_using_it_counts_every_mapping_kind(integration, finished_job):
    from exporthub.dashboard.mapping_usage import mapping_usage

    queued = integration.queued_entries.all()
    assert queued.filter(tax_code="I25").exists()
    back_in_queue = [
        item.payload
        for item in finished_job.items.filter(status="failed")
        if queued.filter(entry_id=item.accounting_entry_id).exists()
    ]
    tagged = next(
        p for p in back_in_queue if any(line["tags"] for line in p["accountingEntryLines"])
    )
    tag = next(t for line in tagged["accountingEntryLines"] for t in line["tags"])
    tag_key = f"{tag['groupCode']}:{tag['code']}"
    made = {
        "account": integration.mappings.create(kind="account", pleo_key="6000", erp_key="6000"),
        "tax": integration.mappings.create(kind="tax_code", pleo_key="I25", erp_key="I25"),
        "tag": integration.mappings.create(kind="tag", pleo_key=tag_key, erp_key="X"),
        "vendor": integration.mappings.create(kind="vendor", pleo_key="*", erp_key="SUP-1"),
        "contra": integration.mappings.get(kind="contra_account", pleo_key="5820"),
    }

    usage = mapping_usage(integration)

    assert usage[made["account"].pk] == queued.filter(account_code="6000").count() > 0
    assert usage[made["tax"].pk] == queued.filter(tax_code="I25").count() > 0
    assert usage[made["tag"].pk] == sum(
        any(f"{t['groupCode']}:{t['code']}" == tag_key for line in p["accountingEntryLines"]
            for t in line["tags"])
        for p in back_in_queue
    ) > 0  # fmt: skip
    assert usage[made["vendor"].pk] == sum(p.get("vendor") is None for p in back_in_queue) > 0
    assert (
        usage[made["contra"].pk]
        == sum((p.get("contraAccount") or {}).get("code") == "5820" for p in back_in_queue)
        > 0
    )


def suggestions_of(page: str) -> str:
    return page.split('id="erp-suggestions"')[1].split("</div>")[0]


def test_the_page_asks_a_worker_for_missing_records_and_polls_until_they_are_there(
    client, admin_user, integration, django_capture_on_commit_callbacks
):
    client.force_login(admin_user)
    url = reverse("dashboard:mapping-list", args=[integration.pk])
    with django_capture_on_commit_callbacks() as enqueued:
        page = client.get(url).content.decode()
    # The request itself never reads the ERP: it asks a worker, and says so.
    assert not integration.erp_connection.master_data.exists()
    assert len(enqueued) == 1
    assert ActivityEntry.objects.filter(action="dashboard.erp.records_requested").count() == 1
    waiting = suggestions_of(page)
    assert 'hx-trigger="every 2s"' in page.split('id="erp-suggestions"')[1].split(">")[0]
    assert "Reading the ERP's accounts" in waiting
    # A second visit while the worker reads asks nothing more.
    with django_capture_on_commit_callbacks() as again:
        client.get(url)
    assert again == []

    enqueued[0]()  # the worker runs the task
    poll = client.get(url, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="erp-suggestions")
    fragment = poll.content.decode()
    assert fragment.strip().startswith('<div id="erp-suggestions">')  # no more polling
    assert "<html" not in fragment
    assert '<option value="6900">6900 Assets:VAT:Input</option>' in fragment


def test_a_fix_link_keeps_its_kind_and_pleo_key_through_a_refresh(
    client, admin_user, integration, django_capture_on_commit_callbacks
):
    client.force_login(admin_user)
    url = reverse("dashboard:mapping-list", args=[integration.pk])
    fix = {"kind": "tax_code", "pleo_key": "R10", "pleo_label": "Reduced 10 %"}
    page = client.get(url, fix).content.decode()
    assert '<input type="hidden" name="pleo_key" value="R10">' in page  # in the refresh form
    response = read_records(client, integration, django_capture_on_commit_callbacks, **fix)
    assert response["Location"] == (
        f"{url}?kind=tax_code&pleo_key=R10&pleo_label=Reduced+10+%25#mapping-form"
    )
    form = client.get(response["Location"]).context["form"]
    assert (form["kind"].value(), form["pleo_key"].value(), form["pleo_label"].value()) == (
        "tax_code",
        "R10",
        "Reduced 10 %",
    )


def test_a_fix_link_keeps_its_kind_and_pleo_key_through_a_validation_error(
    client, admin_user, integration
):
    client.force_login(admin_user)
    url = reverse("dashboard:mapping-list", args=[integration.pk])
    response = client.post(url, {"kind": "tax_code", "pleo_key": "R10", "erp_key": ""})
    assert response.status_code == 422
    form = response.context["form"]
    assert (form["kind"].value(), form["pleo_key"].value()) == ("tax_code", "R10")
    page = response.content.decode()
    assert '<input type="hidden" name="kind" value="tax_code">' in page
    assert '<input type="hidden" name="pleo_key" value="R10">' in page
    assert not integration.mappings.filter(pleo_key="R10").exists()


def test_blank_labels_are_filled_from_pleos_entries_and_the_erps_records(
    client, admin_user, integration, finished_job
):
    from exporthub.connectors.models import MasterDataRecord
    from exporthub.sync.models import ExportItem

    item = ExportItem.objects.filter(job=finished_job).exclude(category_code="").first()
    MasterDataRecord.objects.create(
        config=integration.erp_connection,
        kind="account",
        code="7777",
        name="Expenses:Misc",
        fetched_at=item.updated_at,
    )
    client.force_login(admin_user)
    client.post(
        reverse("dashboard:mapping-list", args=[integration.pk]),
        {"kind": "account", "pleo_key": item.category_code, "erp_key": "7777"},
    )
    mapping = integration.mappings.get(kind="account", pleo_key=item.category_code)
    assert (mapping.pleo_label, mapping.erp_label) == (item.category_name, "Expenses:Misc")
    assert item.category_name


def test_labels_typed_in_are_kept(client, admin_user, integration):
    client.force_login(admin_user)
    client.post(
        reverse("dashboard:mapping-list", args=[integration.pk]),
        {
            "kind": "vendor",
            "pleo_key": "V-1",
            "pleo_label": "Mine",
            "erp_key": "P1",
            "erp_label": "Also mine",
        },  # fmt: skip
    )
    mapping = integration.mappings.get(kind="vendor", pleo_key="V-1")
    assert (mapping.pleo_label, mapping.erp_label) == ("Mine", "Also mine")


def test_delete_asks_for_confirmation_on_a_page_of_its_own(client, admin_user, integration):
    mapping = integration.mappings.create(kind="tax_code", pleo_key="R10", erp_key="VAT10")
    client.force_login(admin_user)
    listing = client.get(reverse("dashboard:mapping-list", args=[integration.pk])).content.decode()
    url = reverse("dashboard:mapping-delete", args=[integration.pk, mapping.pk])
    assert f'<a class="danger" href="{url}">Delete</a>' in listing  # a link, not a POST
    confirm = client.get(url).content.decode()
    assert "Delete this mapping?" in confirm and "VAT10" in confirm
    assert integration.mappings.filter(pk=mapping.pk).exists()

    response = client.post(url)
    assert response["Location"] == reverse("dashboard:mapping-list", args=[integration.pk])
    assert not integration.mappings.filter(pk=mapping.pk).exists()
    deleted = ActivityEntry.objects.get(action="dashboard.mapping.deleted")
    assert deleted.before == {"kind": "tax_code", "pleo_key": "R10", "erp_key": "VAT10"}
    assert deleted.data["integration"] == integration.pk


def test_contra_account_and_vendor_labels_come_from_the_items_stored_names(integration):
    """Read from the columns the engine stores with each item (indexed), not from payloads."""
    import uuid

    from django.utils import timezone

    from exporthub.dashboard.mapping_labels import pleo_label_for
    from exporthub.sync.models import ExportItem, ExportJob

    job = ExportJob.objects.create(
        integration=integration, pleo_id=uuid.uuid4(), company_id=uuid.uuid4(),
        status="completed", pleo_created_at=timezone.now(),
    )  # fmt: skip
    for name in ("Old name", "Pleo DKK Account"):  # the newest entry's name wins
        ExportItem.objects.create(
            job=job, accounting_entry_id=uuid.uuid4(), status="successful", payload=None,
            contra_account_code="5821", contra_account_name=name,
            vendor_code="V-9", vendor_name=f"{name} vendor",
        )  # fmt: skip

    assert pleo_label_for(integration, "contra_account", "5821") == "Pleo DKK Account"
    assert pleo_label_for(integration, "vendor", "V-9") == "Pleo DKK Account vendor"
    assert pleo_label_for(integration, "vendor", "V-404") == ""
    assert pleo_label_for(integration, "vendor", "*") == ""
