"""Users page: an admin creates a user, gives a role and companies; the user sees only those."""

from __future__ import annotations

from django.urls import reverse

from exporthub.core.models import ActivityEntry
from tests.dashboard.conftest import PASSWORD


def signs_in(username: str, password: str) -> bool:
    """Whether the sign-in page takes these credentials (through django-axes, as a browser)."""
    from django.test import Client

    answer = Client().post(reverse("login"), {"username": username, "password": password})
    return answer.status_code == 302


def test_it_creates_a_user_and_assigns_a_role_and_companies(
    client, admin_user, integration, other_integration, django_user_model
):
    client.force_login(admin_user)
    response = client.post(
        reverse("dashboard:user-list"),
        {"username": "victor", "email": "victor@example.com", "password": PASSWORD},
    )
    victor = django_user_model.objects.get(username="victor")
    assert response["Location"] == reverse("dashboard:user-edit", args=[victor.pk])
    edit = client.get(response["Location"]).content.decode()
    assert integration.name in edit and other_integration.name in edit  # the choices

    company = str(integration.pleo_connection.company_id)
    response = client.post(
        reverse("dashboard:user-edit", args=[victor.pk]), {"role": "viewer", "companies": [company]}
    )
    assert response["Location"] == reverse("dashboard:user-list")
    listing = client.get(reverse("dashboard:user-list")).content.decode()
    row = listing.split(">victor</a>")[1].split("</tr>")[0]
    assert "viewer" in row and integration.name in row and other_integration.name not in row
    change = ActivityEntry.objects.get(action="dashboard.user.access_changed")
    assert change.after == {"role": "viewer", "companies": [company]}

    client.force_login(django_user_model.objects.get(pk=victor.pk))
    home = client.get(reverse("home")).content.decode()
    assert integration.name in home and other_integration.name not in home
    assert client.get(reverse("dashboard:queue", args=[integration.pk])).status_code == 200
    assert client.get(reverse("dashboard:queue", args=[other_integration.pk])).status_code == 404
    assert client.get(reverse("dashboard:user-list")).status_code == 403


def test_it_takes_access_away(client, admin_user, viewer, integration):
    client.force_login(admin_user)
    client.post(reverse("dashboard:user-edit", args=[viewer.pk]), {"role": "", "companies": []})
    client.force_login(viewer)
    assert client.get(reverse("dashboard:queue", args=[integration.pk])).status_code == 403
    assert "No access yet" in client.get(reverse("home")).content.decode()


def test_it_refuses_an_unknown_role_or_company(client, admin_user, viewer):
    client.force_login(admin_user)
    response = client.post(
        reverse("dashboard:user-edit", args=[viewer.pk]),
        {"role": "owner", "companies": ["00000000-0000-0000-0000-000000000001"]},
    )
    assert response.status_code == 422
    errors = response.context["form"].errors
    assert set(errors) == {"role", "companies"}


def test_an_admin_deactivates_a_user_who_then_cannot_sign_in_and_reactivates_them(
    client, admin_user, viewer, django_user_model
):
    from django.test import Client

    theirs = Client()
    theirs.force_login(viewer)
    client.force_login(admin_user)
    response = client.post(reverse("dashboard:user-set-active", args=[viewer.pk]), {"active": "0"})
    assert response["Location"] == reverse("dashboard:user-edit", args=[viewer.pk])
    assert django_user_model.objects.get(pk=viewer.pk).is_active is False
    assert theirs.get(reverse("dashboard:job-list"))["Location"].startswith(reverse("login"))
    assert not signs_in("vera", PASSWORD)
    entry = ActivityEntry.objects.get(action="dashboard.user.deactivated")
    assert (entry.actor, entry.object_id, entry.after["is_active"]) == (
        admin_user,
        str(viewer.pk),
        False,
    )
    assert "deactivated" in client.get(reverse("dashboard:user-list")).content.decode()

    client.post(reverse("dashboard:user-set-active", args=[viewer.pk]), {"active": "1"})
    assert django_user_model.objects.get(pk=viewer.pk).is_active is True
    assert signs_in("vera", PASSWORD)
    assert ActivityEntry.objects.filter(action="dashboard.user.reactivated").count() == 1


def test_an_admin_cannot_deactivate_themselves(client, admin_user, django_user_model):
    client.force_login(admin_user)
    response = client.post(
        reverse("dashboard:user-set-active", args=[admin_user.pk]), {"active": "0"}, follow=True
    )
    assert "You cannot deactivate your own account." in response.content.decode()
    assert django_user_model.objects.get(pk=admin_user.pk).is_active is True
    assert not ActivityEntry.objects.filter(action="dashboard.user.deactivated").exists()


def test_an_admin_sets_a_new_password_that_the_validators_accept(client, admin_user, viewer):
    client.force_login(admin_user)
    url = reverse("dashboard:user-password", args=[viewer.pk])
    assert client.get(url).status_code == 200
    weak = client.post(url, {"new_password1": "12345678", "new_password2": "12345678"})
    assert weak.status_code == 422
    page = weak.content.decode()
    assert "This password is too common." in page
    assert "This password is entirely numeric." in page
    assert signs_in("vera", PASSWORD)  # unchanged

    strong = "quiet-harbour-lantern-71"
    response = client.post(url, {"new_password1": strong, "new_password2": strong})
    assert response["Location"] == reverse("dashboard:user-edit", args=[viewer.pk])
    assert signs_in("vera", strong)
    assert not signs_in("vera", PASSWORD)
    entry = ActivityEntry.objects.get(action="dashboard.user.password_reset")
    assert entry.after == {"username": "vera"}
    assert strong not in str(entry.after) + str(entry.data)
