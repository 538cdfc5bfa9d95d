"""The local demo: a sandbox company with a pending export job, wired to Beancount or Tryton."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from exporthub.connectors.models import ConnectorConfig
from exporthub.core.formatting import locale_for_country
from exporthub.pleo.models import PleoConnection
from exporthub.sandbox import services as sandbox
from exporthub.sandbox.models import Company
from exporthub.sync.models import Integration, Mapping

DEMO_COMPANY = "Nordlys Design ApS"
TRYTON_DEMO_COMPANY = "Aurora Studio GmbH"
DEMO_USERNAME = "demo"
DEMO_ENTRIES = 120
LEDGER = "demo/nordlys.beancount"

# The sandbox's chart (exporthub/sandbox/master_data.py) as Beancount accounts with their codes.
LEDGER_ACCOUNTS = {
    "Expenses:Meals": "6000",
    "Expenses:Travel": "6010",
    "Expenses:Software": "6020",
    "Expenses:Office": "6030",
    "Expenses:Mileage": "6040",
    "Expenses:PerDiem": "6050",
    "Expenses:Marketing": "6060",
    "Expenses:Consulting": "6070",
    "Expenses:BankFees": "6080",
    "Assets:VAT:Input": "6900",
    "Assets:VAT:ReverseChargeInput": "6910",
    "Liabilities:VAT:ReverseChargeOutput": "6920",
    "Assets:Pleo:DKK": "5820",
    "Liabilities:Employees": "2820",
    "Liabilities:Suppliers": "2400",
}
# Tax codes the demo ledger declares (the sandbox's, except the foreign VAT nobody mapped).
LEDGER_TAX_CODES = {
    "I25": "Standard VAT 25% (inclusive)",
    "E25": "Standard VAT 25% (exclusive)",
    "RC25": "EU reverse charge 25%",
    "Z0": "VAT exempt",
}
# The demo's mappings follow the mapping rule (sync/mapping.py): Pleo's own codes (categories
# 6000-6080, tax codes) are used as they are; what Pleo sends that the ledger names differently is
# mapped explicitly: the wallet's contra account (Pleo sends 5820 "Pleo DKK Account" with every
# card purchase, fee, refund and chargeback) and the item types Pleo sends without a contra
# account (out-of-pocket, mileage and per diem are owed to the employee, invoices to the
# supplier). No default (`*`): a default never replaces a value Pleo sent.
MAPPINGS = [
    (Mapping.Kind.ACCOUNT, "vat:in", "6900", "Input VAT"),
    (Mapping.Kind.CONTRA_ACCOUNT, "5820", "Assets:Pleo:DKK", "Pleo DKK Account"),
    (Mapping.Kind.CONTRA_ACCOUNT, "out_of_pocket", "Liabilities:Employees", "Owed to employees"),
    (Mapping.Kind.CONTRA_ACCOUNT, "mileage", "Liabilities:Employees", "Owed to employees"),
    (Mapping.Kind.CONTRA_ACCOUNT, "per_diem", "Liabilities:Employees", "Owed to employees"),
    (Mapping.Kind.CONTRA_ACCOUNT, "invoice", "Liabilities:Suppliers", "Supplier invoices"),
]
# The second demo company, a Swedish one, files each export job as an SIE 4 import file (4I) for
# its books, on accounts of the Swedish BAS chart: the sandbox's categories, VAT accounts and
# contra accounts are all mapped explicitly (a Pleo code that is no BAS account fails, as the
# chart names the accounts the file may use). The uncoded category and the foreign VAT stay
# unmapped on purpose, to show failures.
JOURNAL_DEMO_COMPANY = "Fjällbacka Design AB"
JOURNAL_FOLDER = "demo/journal"
JOURNAL_KIND = "sie4_journal"
JOURNAL_SETTINGS = {
    "currency": "SEK",
    "sie_org_number": "556677-8899",
    "sie_series": "P",
    "sie_dimensions": "DEPT=1, PROJECT=6",  # cost centre and project, as the standard numbers them
}
JOURNAL_ACCOUNTS = {
    "1940": "Övriga bankkonton (Pleo)",
    "2440": "Leverantörsskulder",
    "2614": "Utgående moms omvänd skattskyldighet, 25 %",
    "2641": "Debiterad ingående mervärdesskatt",
    "2645": "Beräknad ingående mervärdesskatt på förvärv från utlandet",
    "2890": "Övriga kortfristiga skulder (utlägg)",
    "5420": "Programvaror",
    "5800": "Resekostnader",
    "5910": "Annonsering",
    "6071": "Representation, avdragsgill",
    "6110": "Kontorsmateriel",
    "6550": "Konsultarvoden",
    "6570": "Bankkostnader",
    "7321": "Skattefria traktamenten, Sverige",
    "7331": "Skattefria bilersättningar",
}
JOURNAL_MAPPINGS = [
    (Mapping.Kind.ACCOUNT, "6000", "6071", "Representation, avdragsgill"),
    (Mapping.Kind.ACCOUNT, "6010", "5800", "Resekostnader"),
    (Mapping.Kind.ACCOUNT, "6020", "5420", "Programvaror"),
    (Mapping.Kind.ACCOUNT, "6030", "6110", "Kontorsmateriel"),
    (Mapping.Kind.ACCOUNT, "6040", "7331", "Skattefria bilersättningar"),
    (Mapping.Kind.ACCOUNT, "6050", "7321", "Skattefria traktamenten, Sverige"),
    (Mapping.Kind.ACCOUNT, "6060", "5910", "Annonsering"),
    (Mapping.Kind.ACCOUNT, "6070", "6550", "Konsultarvoden"),
    (Mapping.Kind.ACCOUNT, "6080", "6570", "Bankkostnader"),
    (Mapping.Kind.ACCOUNT, "vat:in", "2641", "Debiterad ingående mervärdesskatt"),
    (Mapping.Kind.ACCOUNT, "6910", "2645", "Beräknad ingående moms, förvärv från utlandet"),
    (Mapping.Kind.ACCOUNT, "6920", "2614", "Utgående moms omvänd skattskyldighet, 25 %"),
    (Mapping.Kind.CONTRA_ACCOUNT, "5820", "1940", "Övriga bankkonton (Pleo)"),
    (Mapping.Kind.CONTRA_ACCOUNT, "out_of_pocket", "2890", "Övriga kortfristiga skulder"),
    (Mapping.Kind.CONTRA_ACCOUNT, "mileage", "2890", "Övriga kortfristiga skulder"),
    (Mapping.Kind.CONTRA_ACCOUNT, "per_diem", "2890", "Övriga kortfristiga skulder"),
    (Mapping.Kind.CONTRA_ACCOUNT, "invoice", "2440", "Leverantörsskulder"),
]
# The sandbox's chart onto Tryton's generic English chart (devtools/tryton/local_setup.py). The
# integration is strict (no fallback to Pleo's codes), so every category is mapped explicitly.
# The uncoded "Miscellaneous" category and the reverse-charge and exempt tax codes stay unmapped
# on purpose, to show failures; vendors are booked by the merchant's name (no default party).
TRYTON_MAPPINGS = [
    *[
        (Mapping.Kind.ACCOUNT, code, "5.1.3", "Services")
        for code in ("6000", "6010", "6020", "6030", "6040", "6050", "6060", "6070", "6080")
    ],
    (Mapping.Kind.ACCOUNT, "vat:in", "6.3.6", "Input VAT"),
    (Mapping.Kind.TAX_CODE, "I25", "VAT25", "VAT 25 %"),
    (Mapping.Kind.TAX_CODE, "E25", "VAT25", "VAT 25 %"),
    (Mapping.Kind.TAG, "DEPT:SALES", "SALES", "Sales"),
    (Mapping.Kind.TAG, "DEPT:MKT", "SALES", "Sales"),
    (Mapping.Kind.TAG, "DEPT:ENG", "OPS", "Operations"),
    (Mapping.Kind.TAG, "PROJECT:P100", "APOLLO", "Apollo"),
    (Mapping.Kind.TAG, "PROJECT:P200", "APOLLO", "Apollo"),
    (Mapping.Kind.TAG, "PROJECT:P300", "APOLLO", "Apollo"),
    (Mapping.Kind.CONTRA_ACCOUNT, "5820", "1.1.1", "Cash and Cash Equivalents (Pleo wallet)"),
    (Mapping.Kind.CONTRA_ACCOUNT, "out_of_pocket", "2.1.4", "Other Payables (employees)"),
    (Mapping.Kind.CONTRA_ACCOUNT, "mileage", "2.1.4", "Other Payables (employees)"),
    (Mapping.Kind.CONTRA_ACCOUNT, "per_diem", "2.1.4", "Other Payables (employees)"),
    (Mapping.Kind.CONTRA_ACCOUNT, "invoice", "2.1.1", "Trade Payables"),
]


@dataclass(frozen=True)
class DemoState:
    company_id: str
    ledger_path: str
    created: bool


@dataclass(frozen=True)
class JournalDemoState:
    company_id: str
    folder: str  # where the batch files go
    created: bool


@dataclass(frozen=True)
class TrytonTarget:
    """Where the demo's Tryton server listens (it moves to a new port on every start)."""

    url: str
    database: str
    company_id: int
    api_key: str


@transaction.atomic
def seed_demo(
    *,
    password: str,
    base_url: str,
    entries: int = DEMO_ENTRIES,
    tryton: TrytonTarget | None = None,
) -> DemoState:
    """Create the demo login, the sandbox company with a pending job, and the hub's wiring.

    With `tryton`, the company (in EUR, Tryton's demo currency) posts into Tryton; otherwise
    into a Beancount ledger. Idempotent: a second run keeps the data and only updates the
    login and the addresses of Pleo and Tryton.
    """
    user, _ = get_user_model().objects.get_or_create(
        username=DEMO_USERNAME, defaults={"is_staff": True, "is_superuser": True}
    )
    user.set_password(password)
    user.save(update_fields=["password"])
    ledger_path = str(settings.DATA_DIR / LEDGER)

    name = DEMO_COMPANY if tryton is None else TRYTON_DEMO_COMPANY
    company = Company.objects.filter(name=name).first()
    created = company is None
    if created:
        currency = "DKK" if tryton is None else "EUR"
        company, api_key = sandbox.create_company(name=name, currency=currency)
        sandbox.seed_company(company, entries=entries, seed=2026)
        sandbox.create_export_job(company)
        pleo = PleoConnection.objects.create(
            name=company.name,
            company_id=company.uuid,
            auth_method=PleoConnection.AuthMethod.API_KEY,
            api_key=api_key,
            locale=locale_for_country(company.country),
        )
        if tryton is None:
            _wire_beancount(pleo, ledger_path)
        else:
            _wire_tryton(pleo)
    PleoConnection.objects.filter(company_id=company.uuid).update(
        base_url=f"{base_url}/sandbox/pleo"
    )
    if tryton is not None:
        _point_at(tryton)
    return DemoState(company_id=str(company.uuid), ledger_path=ledger_path, created=created)


@transaction.atomic
def seed_journal_demo(*, base_url: str, entries: int = DEMO_ENTRIES) -> JournalDemoState:
    """A second sandbox company with a pending job, wired to a file journal (an SIE 4 file per
    export job, downloadable from the job page). Idempotent like `seed_demo`."""
    folder = settings.DATA_DIR / JOURNAL_FOLDER
    company = Company.objects.filter(name=JOURNAL_DEMO_COMPANY).first()
    created = company is None
    if created:
        company, api_key = sandbox.create_company(name=JOURNAL_DEMO_COMPANY, currency="SEK")
        company.country = "SE"
        company.registration_number = JOURNAL_SETTINGS["sie_org_number"]
        company.save(update_fields=["country", "registration_number"])
        sandbox.seed_company(company, entries=entries, seed=2027)
        sandbox.create_export_job(company)
        pleo = PleoConnection.objects.create(
            name=company.name,
            company_id=company.uuid,
            auth_method=PleoConnection.AuthMethod.API_KEY,
            api_key=api_key,
            locale=locale_for_country(company.country),
        )
        journal = ConnectorConfig.objects.create(
            name="Journal files",
            kind=JOURNAL_KIND,
            settings={
                "folder": JOURNAL_FOLDER,
                "company_name": company.name,
                "accounts": JOURNAL_ACCOUNTS,
                "tax_codes": LEDGER_TAX_CODES,
                **JOURNAL_SETTINGS,
            },
        )
        _integrate(pleo, journal, JOURNAL_MAPPINGS)
    PleoConnection.objects.filter(company_id=company.uuid).update(
        base_url=f"{base_url}/sandbox/pleo"
    )
    return JournalDemoState(company_id=str(company.uuid), folder=str(folder), created=created)


def _integrate(pleo: PleoConnection, erp: ConnectorConfig, mappings, **options) -> None:
    integration = Integration.objects.create(
        name=f"{pleo.name} → {erp.name}", pleo_connection=pleo, erp_connection=erp, **options
    )
    for kind, pleo_key, erp_key, label in mappings:
        integration.mappings.create(kind=kind, pleo_key=pleo_key, erp_key=erp_key, erp_label=label)


def _wire_beancount(pleo: PleoConnection, ledger_path: str) -> None:
    (settings.DATA_DIR / LEDGER).parent.mkdir(parents=True, exist_ok=True)
    books = ConnectorConfig.objects.create(
        name="Beancount",
        kind="beancount",
        settings={
            "ledger_path": ledger_path,
            "currency": "DKK",
            "open_accounts": LEDGER_ACCOUNTS,
            "tax_codes": LEDGER_TAX_CODES,
        },
    )
    _integrate(pleo, books, MAPPINGS)


def _wire_tryton(pleo: PleoConnection) -> None:
    tryton = ConnectorConfig.objects.create(name="Tryton", kind="tryton", settings={})
    _integrate(pleo, tryton, TRYTON_MAPPINGS, fallback_to_pleo_codes=False)


def _point_at(target: TrytonTarget) -> None:
    config = ConnectorConfig.objects.get(name="Tryton", kind="tryton")
    config.settings = {
        "url": target.url,
        "database": target.database,
        "company_id": target.company_id,
    }
    config.set_secret("api_key", target.api_key)
    config.save()
