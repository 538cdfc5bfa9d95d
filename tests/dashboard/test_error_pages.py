"""A styled 404 and 500 page with the navigation, and a favicon on every page."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import path, reverse

from exporthub.urls import urlpatterns as site


def broken_view(request):
    raise RuntimeError("a bug in a view")


urlpatterns = [*site, path("broken/", broken_view)]


def test_a_missing_page_says_so_with_the_navigation(client, accountant):
    client.force_login(accountant)
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "<h1>Page not found</h1>" in page
    assert f'<a href="{reverse("dashboard:job-list")}">Jobs</a>' in page
    assert f'<a href="{reverse("home")}">Overview</a>' in page
    assert 'rel="icon" href="/static/favicon.svg"' in page


def test_an_object_of_another_company_gets_the_same_page(client, accountant):
    client.force_login(accountant)
    page = client.get(reverse("dashboard:job-detail", args=[999999])).content.decode()
    assert "<h1>Page not found</h1>" in page


@pytest.mark.urls("tests.dashboard.test_error_pages")
def test_a_server_error_renders_the_styled_page_without_a_request_context(settings, db):
    settings.DEBUG = False
    response = Client(raise_request_exception=False).get("/broken/")
    assert response.status_code == 500
    page = response.content.decode()
    assert "<h1>Something went wrong</h1>" in page
    assert f'<a href="{reverse("dashboard:failure-list")}">Failures</a>' in page
    assert "a bug in a view" not in page


def test_every_page_links_the_favicon_which_is_served(client, accountant):
    client.force_login(accountant)
    page = client.get(reverse("home")).content.decode()
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page
    icon = client.get("/static/favicon.svg")
    assert icon.status_code == 200
    assert b"<svg" in b"".join(icon.streaming_content)
