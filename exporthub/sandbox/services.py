"""The sandbox's public Python API: what tests, the demo and management commands call."""

from __future__ import annotations

import secrets
import uuid
from datetime import date

from django.db import transaction

from exporthub.sandbox import faults, jobs, oauth
from exporthub.sandbox.auth import hash_secret
from exporthub.sandbox.errors import SandboxError
from exporthub.sandbox.generator import generate_entries
from exporthub.sandbox.master_data import ensure_master_data
from exporthub.sandbox.models import ApiKey, Company, ExportJob, OAuthClient, TokenRefresh

__all__ = [
    "SandboxError",
    "clear_faults",
    "create_api_key",
    "create_company",
    "create_export_job",
    "create_oauth_client",
    "expire_idle_jobs",
    "seed_company",
    "set_faults",
    "token_refresh_count",
]


def create_company(
    *, name: str, currency: str = "DKK", organization_id=None
) -> tuple[Company, str]:
    """Create a company and one API key; returns the company and the key's only plaintext copy."""
    with transaction.atomic():
        company = Company.objects.create(
            name=name,
            currency=currency.upper(),
            organization_id=organization_id,
            registration_number=f"DK{secrets.randbelow(10**8):08d}",
        )
        return company, create_api_key(company)


def create_api_key(company: Company) -> str:
    """Issue a new API key for the company; only its SHA-256 is stored, so show it once."""
    key = f"plp_{secrets.token_urlsafe(30)}"
    ApiKey.objects.create(company=company, key_hash=hash_secret(key), prefix=key[:10])
    return key


def seed_company(
    company: Company, *, entries: int, seed: int = 0, today: date | None = None
) -> int:
    """Create master data (accounts, contra account, tax codes, tags, vendors) if missing and
    `entries` queued accounting entries, deterministically from `seed` and `today` (the local
    date by default; entries are dated on the days before it); returns the count."""
    if entries < 0:
        raise ValueError("entries must not be negative.")
    with transaction.atomic():
        master = ensure_master_data(company)
        return generate_entries(company, master, count=entries, seed=seed, today=today)


def create_export_job(
    company: Company,
    *,
    entry_ids: list | None = None,
    is_interactive: bool = True,
    vendor_based_bookkeeping: bool = False,
) -> ExportJob:
    """The user's "Export" click: a pending job over the given (default: all) queued entries.
    Raises a SandboxError subclass (its `.type` is Pleo's error type) on 409/400 conditions."""
    ids = None if entry_ids is None else [uuid.UUID(str(entry_id)) for entry_id in entry_ids]
    return jobs.create_job(
        company,
        entry_ids=ids,
        is_interactive=is_interactive,
        vendor_based_bookkeeping=vendor_based_bookkeeping,
    )


def set_faults(
    company: Company,
    *,
    rate_limit_per_second: int | None = None,
    error_rate: float = 0.0,
    latency_ms: int = 0,
    malformed_rate: float = 0.0,
    fail_next: int = 0,
    fail_status: int = 429,
    retry_after: int = 1,
) -> None:
    """Make the company's API misbehave; replaces any earlier fault settings."""
    faults.set_faults(
        company,
        rate_limit_per_second=rate_limit_per_second,
        error_rate=error_rate,
        latency_ms=latency_ms,
        malformed_rate=malformed_rate,
        fail_next=fail_next,
        fail_status=fail_status,
        retry_after=retry_after,
    )


def clear_faults(company: Company) -> None:
    """Switch every fault off for the company."""
    faults.clear_faults(company)


def expire_idle_jobs(*, now=None) -> int:
    """Fail every job idle longer than SANDBOX_JOB_EXPIRY_SECONDS (`job_expired`, items
    abandoned, entries back in the queue); returns how many jobs expired."""
    return jobs.expire_idle_jobs(now=now)


def create_oauth_client(company: Company, *, redirect_uri: str) -> tuple[OAuthClient, str]:
    """Register an OAuth client for the company; returns it and its plaintext secret."""
    return oauth.create_client(company, redirect_uri=redirect_uri)


def token_refresh_count(client: OAuthClient) -> int:
    """How many successful refresh-token grants the client has made."""
    return TokenRefresh.objects.filter(client=client).count()
