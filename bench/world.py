"""Seeding a sandbox company and wiring it to an ERP through an integration, for one scenario.

Every seeded entry is made postable: the seed leaves a category, a tax code and a vendor without
a code on purpose, and the bench maps those by their Pleo id; the seed's uncategorised lines (the
"I don't know" category, about 2 %) get a category. So a job of N entries is N postings unless a
scenario asks for failures (failures, if any, are still counted and reported).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from exporthub.connectors.models import ConnectorConfig
from exporthub.demo import services as demo
from exporthub.pleo.models import PleoConnection
from exporthub.sandbox import services as sandbox
from exporthub.sandbox.models import Account, AccountingEntry, ReceiptFile, TaxCode, Vendor
from exporthub.sync.models import Integration, Mapping

Kind = Mapping.Kind

# The seeded chart as Beancount accounts, and the mappings it needs: the demo's.
LEDGER_ACCOUNTS = demo.LEDGER_ACCOUNTS
BEANCOUNT_MAPPINGS = [(kind, pleo_key, erp_key) for kind, pleo_key, erp_key, _ in demo.MAPPINGS]
BEANCOUNT_UNMAPPED = {Kind.ACCOUNT: "6030", Kind.TAX_CODE: "I25", Kind.VENDOR: "V9999"}

# The same chart onto Tryton's generic English chart (devtools/tryton/local_setup.py),
# which has one tax (VAT25) and the analytic roots DEPT (SALES, OPS) and PROJECT (APOLLO).
TRYTON_MAPPINGS = [
    (Kind.ACCOUNT, "6000", "5.1.3"),
    (Kind.ACCOUNT, "6010", "5.1.3"),
    (Kind.ACCOUNT, "6020", "5.1.3"),
    (Kind.ACCOUNT, "6030", "5.1.1"),
    (Kind.ACCOUNT, "6040", "5.2.2"),
    (Kind.ACCOUNT, "6050", "5.2.2"),
    (Kind.ACCOUNT, "6060", "5.2.2"),
    (Kind.ACCOUNT, "6070", "5.1.3"),
    (Kind.ACCOUNT, "6080", "6.1.2"),
    (Kind.ACCOUNT, "vat:in", "6.3.6"),
    (Kind.ACCOUNT, "6910", "6.3.6"),
    (Kind.ACCOUNT, "6920", "6.3.4"),
    *((Kind.TAX_CODE, code, "VAT25") for code in ("I25", "E25", "RC25", "Z0")),
    (Kind.TAG, "DEPT:MKT", "OPS"),
    (Kind.TAG, "DEPT:ENG", "OPS"),
    *((Kind.TAG, f"PROJECT:{code}", "APOLLO") for code in ("P100", "P200", "P300")),
    (Kind.CONTRA_ACCOUNT, "5820", "1.1.1"),  # the Pleo wallet: cash, no party
    (Kind.CONTRA_ACCOUNT, "invoice", "2.1.1"),  # trade payables: the supplier as party
    (Kind.CONTRA_ACCOUNT, "*", "2.1.4"),  # other payables (employees' outlays)
]
# File journals: the demo's Swedish BAS chart (the seed's uncoded category goes to office costs).
JOURNAL_MAPPINGS = [
    (kind, pleo_key, erp_key) for kind, pleo_key, erp_key, _ in demo.JOURNAL_MAPPINGS
]
JOURNAL_UNMAPPED = {Kind.ACCOUNT: "6110", Kind.TAX_CODE: "I25", Kind.VENDOR: "V9999"}
JOURNAL_KINDS = {"csv": "csv_journal", "xlsx": "xlsx_journal", "sie4": "sie4_journal"}
TRYTON_UNMAPPED = {Kind.ACCOUNT: "6.1.2", Kind.TAX_CODE: "VAT25", Kind.VENDOR: "SUP-1"}


@dataclass
class Seeded:
    company: object
    api_key: str
    job_uuid: str
    items: int
    receipts: int
    seed_seconds: float = 0.0


def seed(name: str, *, items: int, currency: str, seed: int = 7, latency_ms: int = 0) -> Seeded:
    """A company with `items` queued, postable entries and one pending export job over all of
    them; `latency_ms` delays every answer of the company's API (the sandbox's latency fault)."""
    company, api_key = sandbox.create_company(name=name, currency=currency)
    sandbox.seed_company(company, entries=items, seed=seed)
    categorise(company)
    if latency_ms:
        sandbox.set_faults(company, latency_ms=latency_ms)
    job = sandbox.create_export_job(company)
    receipts = ReceiptFile.objects.filter(entry__company=company).count()
    return Seeded(company, api_key, str(job.uuid), job.number_of_items, receipts)


def categorise(company) -> int:
    """Give the lines the seed left without a category one (Pleo would not export them else
    either: an accountant fixes the category first); returns how many entries changed."""
    account = Account.objects.filter(company=company, code__isnull=False).order_by("code").first()
    chosen = {
        "id": str(account.uuid),
        "name": account.name,
        "code": account.code,
        "identifier": account.external_id,
    }
    changed = []
    for entry in AccountingEntry.objects.filter(company=company).only("id", "lines", "account"):
        lines = entry.lines
        if all(line.get("account") for line in lines):
            continue
        for line in lines:
            line["account"] = line.get("account") or chosen
        entry.lines = lines
        if entry.account_id is None:
            entry.account = account
        changed.append(entry)
    AccountingEntry.objects.bulk_update(changed, ["lines", "account"], batch_size=500)
    return len(changed)


def _unmapped_keys(company) -> dict[str, list[str]]:
    """Pleo ids of the master data the seed leaves without a code."""
    return {
        Kind.ACCOUNT: [
            str(uuid)
            for uuid in Account.objects.filter(company=company, code__isnull=True).values_list(
                "uuid", flat=True
            )
        ],
        Kind.TAX_CODE: [
            str(uuid)
            for uuid in TaxCode.objects.filter(company=company, code__isnull=True).values_list(
                "uuid", flat=True
            )
        ],
        Kind.VENDOR: [
            str(uuid)
            for uuid in Vendor.objects.filter(company=company, code__isnull=True).values_list(
                "uuid", flat=True
            )
        ],
    }


def integrate(
    seeded: Seeded, *, sandbox_url: str, erp: ConnectorConfig, mappings, unmapped
) -> Integration:
    pleo = PleoConnection.objects.create(
        name=seeded.company.name,
        company_id=seeded.company.uuid,
        base_url=f"{sandbox_url}/sandbox/pleo",
        auth_method=PleoConnection.AuthMethod.API_KEY,
        api_key=seeded.api_key,
    )
    integration = Integration.objects.create(
        name=f"{seeded.company.name} → {erp.name}", pleo_connection=pleo, erp_connection=erp
    )
    rows = [Mapping(integration=integration, kind=k, pleo_key=p, erp_key=e) for k, p, e in mappings]
    for kind, keys in _unmapped_keys(seeded.company).items():
        rows += [
            Mapping(integration=integration, kind=kind, pleo_key=key, erp_key=unmapped[kind])
            for key in keys
        ]
    Mapping.objects.bulk_create(rows)
    return integration


def beancount_erp(name: str, currency: str) -> tuple[ConnectorConfig, Path]:
    ledger = Path(settings.DATA_DIR) / "books" / f"{name}.beancount"
    ledger.parent.mkdir(parents=True, exist_ok=True)
    config = ConnectorConfig.objects.create(
        name=f"Beancount {name}",
        kind="beancount",
        settings={
            "ledger_path": str(ledger),
            "currency": currency,
            "open_accounts": LEDGER_ACCOUNTS,
        },
    )
    return config, ledger


def tryton_erp(name: str, *, url: str, database: str, company_id: int, api_key: str):
    config = ConnectorConfig(
        name=f"Tryton {name}",
        kind="tryton",
        settings={"url": url, "database": database, "company_id": company_id},
    )
    config.set_secret("api_key", api_key)
    config.save()
    return config


def journal_erp(name: str, format_key: str, currency: str) -> tuple[ConnectorConfig, Path]:
    """A file journal writing into `<data dir>/journals/<name>` (SIE in the books' currency)."""
    folder = Path(settings.DATA_DIR) / "journals" / name
    config = ConnectorConfig.objects.create(
        name=f"Journal {name}",
        kind=JOURNAL_KINDS[format_key],
        settings={
            "folder": str(folder),
            "accounts": demo.JOURNAL_ACCOUNTS,
            **demo.JOURNAL_SETTINGS,
            "currency": currency,
        },
    )
    return config, folder
