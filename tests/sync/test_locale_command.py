"""An operator sets how a company's money and dates are written from the command line."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from exporthub.pleo.models import PleoConnection

COMPANY = "0b7d4c1e-2f3a-4e5b-8c9d-1a2b3c4d5e6f"


def call(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=out)
    return out.getvalue()


def test_it_sets_a_connections_locale(db, monkeypatch):
    monkeypatch.setenv("PLEO_KEY_FOR_TESTS", "a-key")
    call("pleo_connection", "Nordlys", "--company-id", COMPANY, "--api-key-env",
         "PLEO_KEY_FOR_TESTS", "--locale", "da_DK")  # fmt: skip
    assert PleoConnection.objects.get(name="Nordlys").locale == "da_DK"

    call("pleo_connection", "Nordlys", "--company-id", COMPANY)  # no --locale: kept
    assert PleoConnection.objects.get(name="Nordlys").locale == "da_DK"


def test_it_refuses_a_locale_babel_does_not_know(db, monkeypatch):
    monkeypatch.setenv("PLEO_KEY_FOR_TESTS", "a-key")
    with pytest.raises(CommandError, match="xx_NOPE is not a locale"):
        call("pleo_connection", "Nordlys", "--company-id", COMPANY, "--api-key-env",
             "PLEO_KEY_FOR_TESTS", "--locale", "xx_NOPE")  # fmt: skip
    assert not PleoConnection.objects.exists()
