"""The summary columns of an export item, read from a payload the sandbox serves as Pleo does."""

from __future__ import annotations

from exporthub.sync.item_summary import SUMMARY_FIELDS, summary_of
from exporthub.sync.wiring import open_pleo
from tests.sync.helpers import postable_entry_ids


def test_it_fills_every_column_from_a_sandbox_export_item(integration, company):
    entries = {str(e.uuid): e for e in company.entries.all()}
    wanted = postable_entry_ids(company, 3)
    with open_pleo(integration) as pleo:
        job = pleo.create_job(wanted)
        items = list(pleo.list_export_items(str(job.id)))

    assert {item.accounting_entry_id for item in items} == set(wanted)
    for item in items:
        entry = entries[item.accounting_entry_id]
        summary = summary_of(item)
        assert set(summary) == set(SUMMARY_FIELDS)
        assert summary["entry_date"] == entry.bookkeeping_date.date()
        assert summary["amount_minor"] == entry.wallet_amount
        assert summary["currency"] == entry.wallet_currency == "DKK"
        assert summary["supplier"] == (entry.supplier or {}).get("name", "")
        assert summary["employee"] == (entry.employee or {}).get("name", "")
        first_account = next(line["account"] for line in entry.lines if line.get("account"))
        assert summary["category_code"] == first_account["code"]
        assert summary["category_name"] == first_account["name"]
    assert any(summary_of(item)["supplier"] for item in items)
    assert any(summary_of(item)["employee"] for item in items)
