from __future__ import annotations

import pytest
from django.test import Client

from exporthub.sandbox.models import ExportJob


@pytest.fixture
def client(client, django_user_model):
    """The sandbox's page is for a signed-in person (anyone with an account)."""
    client.force_login(django_user_model.objects.create_user("someone", password="x" * 20))
    return client


def test_it_lists_companies_and_jobs(client, job):
    page = client.get("/sandbox/")
    assert page.status_code == 200
    assert b"Acme ApS" in page.content
    assert str(job.uuid).encode() in page.content


def test_it_exports_queued_entries_as_the_user(client, seeded):
    answer = client.post(f"/sandbox/companies/{seeded.uuid}/export/", follow=True)
    job = ExportJob.objects.get()
    assert job.status == "pending"
    assert job.number_of_items == 30
    assert f"Created export job {job.uuid}".encode() in answer.content


def test_it_shows_the_api_error_when_export_is_refused(client, job):
    answer = client.post(f"/sandbox/companies/{job.company.uuid}/export/", follow=True)
    assert b"EXPORT_ALREADY_IN_PROGRESS" in answer.content
    assert ExportJob.objects.count() == 1


def test_it_is_hidden_when_the_sandbox_is_off(client, db, settings):
    settings.SANDBOX_ENABLED = False
    assert client.get("/sandbox/").status_code == 404


def test_it_asks_anonymous_visitors_to_sign_in(db, settings):
    anonymous = Client()
    answer = anonymous.get("/sandbox/")
    assert answer.status_code == 302
    assert answer["Location"].startswith("/accounts/login/")
