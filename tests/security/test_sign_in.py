"""Sign-in is throttled (django-axes) and every password the dashboard sets is validated."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.checks import run_checks
from django.urls import reverse

from exporthub.dashboard.forms import NewUserForm
from tests.dashboard.conftest import PASSWORD


def sign_in(client, url: str, username: str, password: str):
    return client.post(url, {"username": username, "password": password})


@pytest.mark.parametrize("url", ["/accounts/login/", "/admin/login/"])
def test_repeated_wrong_passwords_lock_the_user_name_out(client, admin_user, settings, url):
    admin_user.is_staff = True
    admin_user.save()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert sign_in(client, url, admin_user.username, "wrong-password").status_code == 200
    assert sign_in(client, url, admin_user.username, "wrong-password").status_code == 429

    locked = sign_in(client, url, admin_user.username, PASSWORD)

    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_lockout_is_per_user_name_and_address(client, admin_user, accountant, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "/accounts/login/", admin_user.username, "wrong-password")

    answer = sign_in(client, "/accounts/login/", accountant.username, PASSWORD)

    assert answer.status_code == 302
    assert client.session["_auth_user_id"] == str(accountant.pk)


def test_a_good_password_before_the_limit_signs_in(client, admin_user, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(client, "/accounts/login/", admin_user.username, "wrong-password")

    assert sign_in(client, "/accounts/login/", admin_user.username, PASSWORD).status_code == 302


@pytest.mark.parametrize("weak", ["12345678", "password123", "short1"])
def test_the_dashboard_refuses_weak_passwords_for_new_users(client, admin_user, weak):
    client.force_login(admin_user)

    answer = client.post(
        reverse("dashboard:user-list"), {"username": "newbie", "email": "", "password": weak}
    )

    assert answer.status_code == 422
    assert not get_user_model().objects.filter(username="newbie").exists()


def test_the_password_check_knows_the_user_it_is_for():
    form = NewUserForm({"username": "kirsten.holm", "email": "", "password": "kirsten.holm1"})

    assert not form.is_valid()
    assert "password" in form.errors


def test_a_strong_password_is_accepted(client, admin_user):
    client.force_login(admin_user)

    answer = client.post(
        reverse("dashboard:user-list"),
        {"username": "newbie", "email": "", "password": "correct horse battery staple"},
    )

    assert answer.status_code == 302
    assert (
        get_user_model()
        .objects.get(username="newbie")
        .check_password("correct horse battery staple")
    )


def test_axes_is_wired_as_it_asks(db):
    assert not [m for m in run_checks() if m.id.startswith("axes.")]


def test_behind_a_proxy_each_client_address_is_throttled_on_its_own(client, admin_user, settings):
    settings.TRUSTED_PROXIES = 1
    attacker = {"HTTP_X_FORWARDED_FOR": "203.0.113.9", "REMOTE_ADDR": "10.0.0.2"}
    owner = {"HTTP_X_FORWARDED_FOR": "spoofed, 198.51.100.4", "REMOTE_ADDR": "10.0.0.2"}
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            "/accounts/login/", {"username": admin_user.username, "password": "x"}, **attacker
        )

    answer = client.post(
        "/accounts/login/", {"username": admin_user.username, "password": PASSWORD}, **owner
    )

    assert answer.status_code == 302
