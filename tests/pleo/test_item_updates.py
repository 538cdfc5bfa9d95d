from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from exporthub.pleo.enums import ItemFailureReasonType, ItemStatus, ItemUpdateErrorType
from exporthub.pleo.errors import ExportJobItemsUpdateLimit, ExportJobStatusUnprocessable
from exporthub.pleo.schemas import ItemUpdate
from exporthub.sandbox import services


def _started_job(pleo, company, entries: int) -> str:
    services.seed_company(company, entries=entries)
    job_id = str(services.create_export_job(company).uuid)
    pleo.start_job(job_id)
    return job_id


def test_it_sends_250_updates_in_chunks_of_100_and_keeps_per_item_errors(pleo, acme, wire):
    job_id = _started_job(pleo, acme.company, entries=249)
    entry_ids = [item.accounting_entry_id for item in pleo.list_job_items(job_id)]
    unknown = str(uuid.uuid4())
    updates = [ItemUpdate.successful(e, external_id=f"JE-{n}") for n, e in enumerate(entry_ids)]
    updates.insert(130, ItemUpdate.successful(unknown, external_id="JE-ghost"))
    wire.requests.clear()

    result = pleo.update_job_items(job_id, updates)

    puts = [r for r in wire.requests if r[0] == "PUT"]
    assert len(puts) == 3  # 100 + 100 + 50
    assert len(result.items) == 249
    assert result.ok is False
    assert [(e.accounting_entry_id, e.type) for e in result.errors] == [
        (unknown, ItemUpdateErrorType.ACCOUNTING_ENTRY_DOES_NOT_EXIST)
    ]
    assert result.errors[0].message
    statuses = {item.status for item in pleo.list_job_items(job_id)}
    assert statuses == {ItemStatus.SUCCESSFUL}


def test_it_writes_back_success_and_failure_details(pleo, acme):
    job_id = _started_job(pleo, acme.company, entries=2)
    ok_id, bad_id = (item.accounting_entry_id for item in pleo.list_job_items(job_id))
    exported_at = datetime(2026, 5, 4, 9, 12, 44, tzinfo=UTC)

    result = pleo.update_job_items(
        job_id,
        [
            ItemUpdate.successful(
                ok_id,
                external_id="JE-2026-00417",
                external_url="https://erp.example.test/journal/JE-2026-00417",
                exported_at=exported_at,
            ),
            ItemUpdate.failed(
                bad_id,
                reason_type=ItemFailureReasonType.ACCOUNT_UNKNOWN,
                reason="GL account 6840 does not exist in the ERP.",
            ),
        ],
    )

    assert result.ok
    items = {item.accounting_entry_id: item for item in pleo.list_job_items(job_id)}
    assert items[ok_id].status is ItemStatus.SUCCESSFUL
    assert items[ok_id].external_id == "JE-2026-00417"
    assert items[ok_id].external_url == "https://erp.example.test/journal/JE-2026-00417"
    assert items[ok_id].exported_at == exported_at
    assert items[bad_id].status is ItemStatus.FAILED
    assert items[bad_id].failure_reason_type is ItemFailureReasonType.ACCOUNT_UNKNOWN
    assert items[bad_id].failure_reason == "GL account 6840 does not exist in the ERP."


def test_it_refuses_chunks_larger_than_pleo_accepts(pleo):
    with pytest.raises(ValueError, match="chunk_size"):
        pleo.update_job_items(str(uuid.uuid4()), [], chunk_size=101)


def test_it_classifies_pleos_answer_to_more_than_100_items(pleo, acme):
    job_id = _started_job(pleo, acme.company, entries=101)
    body = [
        ItemUpdate.successful(item.accounting_entry_id, external_id="x").to_json()
        for item in pleo.list_job_items(job_id)
    ]

    with pytest.raises(ExportJobItemsUpdateLimit) as caught:
        pleo.request("PUT", f"/v3/export-jobs/{job_id}/items", json=body)

    assert caught.value.status == 413
    assert caught.value.message == "Number of items to update is more than 100."


def test_it_raises_job_unprocessable_for_updates_to_a_finished_job(pleo, acme):
    job_id = _started_job(pleo, acme.company, entries=1)
    (entry_id,) = (item.accounting_entry_id for item in pleo.list_job_items(job_id))
    pleo.complete_job(job_id)

    with pytest.raises(ExportJobStatusUnprocessable) as caught:
        pleo.update_job_items(job_id, [ItemUpdate.successful(entry_id, external_id="late")])

    assert caught.value.status == 422
    assert caught.value.type == "EXPORT_JOB_STATUS_UNPROCESSABLE"
