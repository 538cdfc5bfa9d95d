"""Users page: an admin creates a user, gives a role and companies; the user sees only those."""

from __future__ import annotations

from django.urls import reverse

from exporthub.core.models import ActivityEntry
from tests.dashboard.conftest import PASSWORD


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
