"""The local demo: a sandbox company with a pending export job, wired to a Beancount ledger."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from exporthub.connectors.models import ConnectorConfig
from exporthub.pleo.models import PleoConnection
from exporthub.sandbox import services as sandbox
from exporthub.sandbox.models import Company
from exporthub.sync.models import Integration, Mapping

DEMO_COMPANY = "Nordlys Design ApS"
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
MAPPINGS = [
    (Mapping.Kind.ACCOUNT, "vat:in", "6900", "Input VAT"),
    (Mapping.Kind.CONTRA_ACCOUNT, "invoice", "2400", "Supplier invoices"),
    (Mapping.Kind.CONTRA_ACCOUNT, "*", "2820", "Owed to employees"),
]


@dataclass(frozen=True)
class DemoState:
    company_id: str
    ledger_path: str
    created: bool


@transaction.atomic
def seed_demo(*, password: str, base_url: str, entries: int = DEMO_ENTRIES) -> DemoState:
    """Create the demo login, the sandbox company with a pending job, and the hub's wiring.

    Idempotent: a second run keeps the data and only updates the login and the Pleo URL.
    """
    user, _ = get_user_model().objects.get_or_create(
        username=DEMO_USERNAME, defaults={"is_staff": True, "is_superuser": True}
    )
    user.set_password(password)
    user.save(update_fields=["password"])
    ledger_path = str(settings.DATA_DIR / LEDGER)

    company = Company.objects.filter(name=DEMO_COMPANY).first()
    created = company is None
    if created:
        company, api_key = sandbox.create_company(name=DEMO_COMPANY, currency="DKK")
        sandbox.seed_company(company, entries=entries, seed=2026)
        sandbox.create_export_job(company)
        _wire_hub(company, api_key, ledger_path)
    PleoConnection.objects.filter(company_id=company.uuid).update(
        base_url=f"{base_url}/sandbox/pleo"
    )
    return DemoState(company_id=str(company.uuid), ledger_path=ledger_path, created=created)


def _wire_hub(company: Company, api_key: str, ledger_path: str) -> None:
    (settings.DATA_DIR / LEDGER).parent.mkdir(parents=True, exist_ok=True)
    pleo = PleoConnection.objects.create(
        name=company.name,
        company_id=company.uuid,
        auth_method=PleoConnection.AuthMethod.API_KEY,
        api_key=api_key,
    )
    books = ConnectorConfig.objects.create(
        name="Nordlys books (Beancount)",
        kind="beancount",
        settings={"ledger_path": ledger_path, "currency": "DKK", "open_accounts": LEDGER_ACCOUNTS},
    )
    integration = Integration.objects.create(
        name=f"{company.name} → Beancount", pleo_connection=pleo, erp_connection=books
    )
    for kind, pleo_key, erp_key, label in MAPPINGS:
        integration.mappings.create(kind=kind, pleo_key=pleo_key, erp_key=erp_key, erp_label=label)
