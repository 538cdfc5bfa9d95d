"""The dashboard in Danish or English, with each company's money and dates in its own locale."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import RequestFactory
from django.urls import resolve, reverse
from django.utils import timezone, translation

from exporthub.dashboard.locale_scope import page_locale
from exporthub.sync.day_totals import recount_queue
from exporthub.sync.models import QueuedEntry

NBSP = "\N{NO-BREAK SPACE}"


@pytest.fixture(autouse=True)
def back_to_the_default_language():
    """The test client's requests switch this thread's language; later tests expect English."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


def switch_language(client, language: str, back_to: str = "/"):
    return client.post(reverse("set_language"), {"language": language, "next": back_to})


def queue_with_one_entry(integration, minor: int = 123456, currency: str = "DKK") -> str:
    integration.queued_entries.all().delete()
    QueuedEntry.objects.create(
        integration=integration, company_id=integration.pleo_connection.company_id,
        entry_id="0b7d4c1e-2f3a-4e5b-8c9d-000000000001", export_status="QUEUED",
        family="CARD_PURCHASE", performed_at=timezone.now(), amount_minor=minor,
        currency=currency, refreshed_at=timezone.now(),
    )  # fmt: skip
    recount_queue(integration)  # as the mirror does after every change
    return reverse("dashboard:queue", args=[integration.pk])


def set_locale(integration, locale: str) -> None:
    integration.pleo_connection.locale = locale
    integration.pleo_connection.save(update_fields=["locale"])


def test_switching_to_danish_shows_danish_navigation(client, accountant):
    client.force_login(accountant)
    english = client.get(reverse("dashboard:job-list")).content.decode()
    assert '<html lang="en">' in english and ">Overview</a>" in english

    response = switch_language(client, "da", reverse("dashboard:job-list"))
    assert response.status_code == 302 and response["Location"] == reverse("dashboard:job-list")

    danish = client.get(reverse("dashboard:job-list")).content.decode()
    assert '<html lang="da">' in danish
    for words in (">Overblik</a>", ">Eksportjob</a>", ">Fejl</a>", ">Aktivitet</a>", "Log ud"):
        assert words in danish
    assert ">Overview</a>" not in danish
    assert 'value="en" class="link" lang="en">English</button>' in danish  # the way back

    switch_language(client, "en")
    assert ">Overview</a>" in client.get(reverse("dashboard:job-list")).content.decode()


def test_the_language_switch_is_a_plain_form_on_every_page_even_before_sign_in(client):
    page = client.get(reverse("login")).content.decode()
    switch = re.search(r'<form method="post" action="/i18n/setlang/".*?</form>', page, re.S)
    assert switch and 'name="csrfmiddlewaretoken"' in switch.group()
    assert 'name="language" value="da"' in switch.group() and ">Dansk</button>" in switch.group()
    assert all("src=" in tag for tag in re.findall(r"<script[^>]*>", page))  # no inline script

    switch_language(client, "da", reverse("login"))
    danish = client.get(reverse("login")).content.decode()
    assert "<h1>Log ind</h1>" in danish and "Brugernavn" in danish


def test_a_danish_company_shows_its_money_the_danish_way(client, accountant, integration):
    set_locale(integration, "da_DK")
    url = queue_with_one_entry(integration)
    client.force_login(accountant)

    page = client.get(url).content.decode()

    assert f"1.234,56{NBSP}kr." in page
    assert "1,234.56" not in page


def test_a_us_company_shows_its_money_the_american_way_even_to_a_danish_reader(
    client, accountant, integration
):
    set_locale(integration, "en_US")
    url = queue_with_one_entry(integration)
    client.force_login(accountant)
    switch_language(client, "da")

    page = client.get(url).content.decode()

    assert f"DKK{NBSP}1,234.56" in page
    assert "Log ud" in page  # the words follow the reader, the numbers the company


def test_a_company_without_a_locale_follows_the_readers_language(client, accountant, integration):
    set_locale(integration, "")
    url = queue_with_one_entry(integration)
    client.force_login(accountant)

    assert f"DKK{NBSP}1,234.56" in client.get(url).content.decode()
    switch_language(client, "da")
    assert f"1.234,56{NBSP}kr." in client.get(url).content.decode()


@pytest.mark.parametrize(
    ("minor", "currency", "danish", "american"),
    [
        (1234, "JPY", f"1.234{NBSP}JP¥", "¥1,234"),
        (12345, "KWD", f"12,345{NBSP}KWD", f"KWD{NBSP}12.345"),
    ],
)
def test_amounts_keep_their_currencys_decimals_in_every_locale(
    client, accountant, integration, minor, currency, danish, american
):
    url = queue_with_one_entry(integration, minor, currency)
    client.force_login(accountant)
    set_locale(integration, "da_DK")
    assert danish in client.get(url).content.decode()
    set_locale(integration, "en_US")
    assert american in client.get(url).content.decode()


def locale_of(user, url: str) -> str | None:
    request = RequestFactory().get(url)
    request.user, request.resolver_match = user, resolve(url)
    return page_locale(request)


def test_a_page_about_one_company_uses_that_companys_locale(
    admin_user, integration, other_integration, finished_job
):
    set_locale(integration, "da_DK")
    set_locale(other_integration, "sv_SE")
    item = finished_job.items.first()
    for url in (
        reverse("dashboard:queue", args=[integration.pk]),
        reverse("dashboard:mapping-list", args=[integration.pk]),
        reverse("dashboard:job-detail", args=[finished_job.pk]),
        reverse("dashboard:item-detail", args=[item.pk]),
        reverse("dashboard:company-edit", args=[integration.pk]),
        reverse("dashboard:pleo-connection-edit", args=[integration.pleo_connection.pk]),
    ):
        assert locale_of(admin_user, url) == "da_DK", url
    assert locale_of(admin_user, reverse("dashboard:queue", args=[other_integration.pk])) == "sv_SE"


def test_a_page_over_several_companies_uses_their_common_locale_or_the_readers_language(
    admin_user, accountant, integration, other_integration
):
    set_locale(integration, "da_DK")
    set_locale(other_integration, "sv_SE")
    assert locale_of(admin_user, reverse("dashboard:job-list")) is None  # they differ
    assert locale_of(accountant, reverse("dashboard:job-list")) == "da_DK"  # sees only one
    set_locale(other_integration, "da_DK")
    assert locale_of(admin_user, reverse("home")) == "da_DK"


def test_a_page_never_reads_the_locale_of_a_company_the_user_may_not_see(
    accountant, other_integration
):
    set_locale(other_integration, "sv_SE")
    assert locale_of(accountant, reverse("dashboard:queue", args=[other_integration.pk])) is None


def test_an_admin_picks_a_companys_locale_on_its_pleo_connection_page(
    client, admin_user, integration
):
    connection = integration.pleo_connection
    url = reverse("dashboard:pleo-connection-edit", args=[connection.pk])
    client.force_login(admin_user)
    form = client.get(url).content.decode()
    assert '<option value="da_DK">Danish (Denmark)</option>' in form
    fields = {
        "name": connection.name,
        "company_id": str(connection.company_id),
        "base_url": connection.base_url,
        "auth_method": "api_key",
    }

    assert client.post(url, {**fields, "locale": "nb_NO"}).status_code == 302
    connection.refresh_from_db()
    assert connection.locale == "nb_NO"
    assert client.post(url, {**fields, "locale": "xx_NOPE"}).status_code == 422
    connection.refresh_from_db()
    assert connection.locale == "nb_NO"

    switch_language(client, "da")
    assert '<option value="da_DK">dansk (Danmark)</option>' in client.get(url).content.decode()


def test_testing_a_connection_learns_the_locale_from_the_companys_country(
    client, admin_user, integration
):
    connection = integration.pleo_connection
    assert integration.sandbox_company.country == "DK" and connection.locale == ""
    client.force_login(admin_user)

    client.post(reverse("dashboard:pleo-connection-test", args=[connection.pk]))
    connection.refresh_from_db()
    assert connection.locale == "da_DK"

    set_locale(integration, "en_GB")  # a choice someone made is never overwritten
    client.post(reverse("dashboard:pleo-connection-test", args=[connection.pk]))
    connection.refresh_from_db()
    assert connection.locale == "en_GB"


def test_dates_show_in_the_locale_with_iso_in_the_time_element(client, admin_user, integration):
    set_locale(integration, "da_DK")
    client.force_login(admin_user)
    page = client.get(reverse("dashboard:erp-connection-list")).content.decode()
    updated = integration.erp_connection.updated_at
    stamp = timezone.localtime(updated).isoformat(timespec="seconds")
    assert f'<time datetime="{stamp}" title="{stamp}">' in page
    assert f"{updated.day}. " in page and " UTC</time>" in page  # "1. dec. 2026 11.40 UTC"


def test_status_badges_speak_the_readers_language(client, accountant, finished_job):
    client.force_login(accountant)
    url = reverse("dashboard:job-detail", args=[finished_job.pk])
    assert ">completed with errors</span>" in client.get(url).content.decode()
    switch_language(client, "da")
    assert ">fuldført med fejl</span>" in client.get(url).content.decode()
