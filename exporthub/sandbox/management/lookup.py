"""Shared argument handling for the sandbox's management commands."""

from __future__ import annotations

import uuid

from django.core.management.base import CommandError

from exporthub.sandbox.models import Company


def company_by_id(value: str) -> Company:
    try:
        company_id = uuid.UUID(value)
    except ValueError:
        raise CommandError(f"{value!r} is not a company id (a UUID).") from None
    company = Company.objects.filter(uuid=company_id).first()
    if company is None:
        raise CommandError(f"No sandbox company has the id {company_id}.")
    return company
