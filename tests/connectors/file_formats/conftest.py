from __future__ import annotations

import datetime as dt

from exporthub.connectors.file_journal.formats import BatchHeader

SETTINGS = {
    "currency": "EUR",
    "sie_org_number": "556677-8899",
    "sie_series": "P",
    "sie_text_length": 50,
    "sie_dimensions": "DEPT=1, PROJ=6",
    "datev_consultant": 1234567,
    "datev_client": 10001,
    "datev_fiscal_year_start": 1,
    "datev_account_length": 4,
    "datev_vat": "bu_key",
    "datev_kost1": "DEPT",
    "datev_kost2": "PROJ",
}


def header(entries, **settings) -> BatchHeader:
    values = {**SETTINGS, **settings}
    return BatchHeader(
        name="B-0001",
        number=1,
        created_at=dt.datetime(2026, 5, 1, 12, 3, 4, tzinfo=dt.UTC),
        company_name="Acme",
        date_from=min(entry.date for entry in entries),
        date_to=max(entry.date for entry in entries),
        currency=values["currency"] or entries[0].currency,
        settings=values,
    )
