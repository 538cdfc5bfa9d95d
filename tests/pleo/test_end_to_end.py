from __future__ import annotations

import httpx
import pytest

from exporthub.pleo.auth import ApiKeyAuth
from exporthub.pleo.client import PleoClient
from exporthub.pleo.enums import ItemFailureReasonType, ItemStatus, JobStatus
from exporthub.pleo.schemas import ItemUpdate
from exporthub.sandbox import services
from tests.contract import ContractCheckingTransport

pytestmark = pytest.mark.slow


def test_it_exports_a_whole_job_over_a_real_socket(transactional_db, live_server, contract):
    company, api_key = services.create_company(name="Acme ApS", currency="EUR")
    services.seed_company(company, entries=130, seed=11)
    services.set_faults(company, fail_next=1, fail_status=503, retry_after=0)
    seen = len(contract.violations)
    transport = ContractCheckingTransport(httpx.HTTPTransport(), contract)

    with PleoClient(
        base_url=f"{live_server.url}/sandbox/pleo",
        auth=ApiKeyAuth(api_key),
        transport=transport,
        company_id=str(company.uuid),
        page_size=50,
    ) as pleo:
        job = pleo.create_job([entry.id for entry in pleo.list_export_queue()])
        (pending,) = pleo.list_jobs(statuses=[JobStatus.PENDING])
        pleo.start_job(pending.id)
        items = list(pleo.list_export_items(pending.id))
        updates = [
            ItemUpdate.successful(item.accounting_entry_id, external_id=f"JE-{n}")
            if n % 10
            else ItemUpdate.failed(
                item.accounting_entry_id,
                reason_type=ItemFailureReasonType.VALIDATION_FAILURE,
                reason="Amount is zero",
            )
            for n, item in enumerate(items)
        ]
        result = pleo.update_job_items(pending.id, updates)
        pleo.complete_job(pending.id, with_errors=True)
        done = pleo.get_job(pending.id)
        statuses = [item.status for item in pleo.list_job_items(pending.id)]

    assert job.id == pending.id
    assert job.number_of_items == len(items) == 130
    assert result.ok and len(result.items) == 130
    assert done.status is JobStatus.COMPLETED_WITH_ERRORS
    assert statuses.count(ItemStatus.FAILED) == 13
    assert statuses.count(ItemStatus.SUCCESSFUL) == 117
    assert contract.violations[seen:] == []
