"""The local demo: a sandbox company with queued entries and a pending export job, and a login."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from exporthub.sandbox import services as sandbox
from exporthub.sandbox.models import Company

DEMO_COMPANY = "Nordlys Design ApS"
DEMO_USERNAME = "demo"
DEMO_ENTRIES = 120


@dataclass(frozen=True)
class DemoState:
    company_id: str
    api_key: str | None  # only known when the company was created just now
    created: bool


@transaction.atomic
def seed_demo(*, password: str, entries: int = DEMO_ENTRIES) -> DemoState:
    """Create the demo login and the sandbox company with a pending export job; idempotent."""
    user, _ = get_user_model().objects.get_or_create(
        username=DEMO_USERNAME, defaults={"is_staff": True, "is_superuser": True}
    )
    user.set_password(password)
    user.save(update_fields=["password"])

    existing = Company.objects.filter(name=DEMO_COMPANY).first()
    if existing is not None:
        return DemoState(company_id=str(existing.id), api_key=None, created=False)
    company, api_key = sandbox.create_company(name=DEMO_COMPANY, currency="DKK")
    sandbox.seed_company(company, entries=entries, seed=2026)
    sandbox.create_export_job(company)
    return DemoState(company_id=str(company.id), api_key=api_key, created=True)
