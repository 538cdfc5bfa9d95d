"""A connector from another package (the example in tests/connector_example, found by its entry
point) is set up through the dashboard like a built-in one: its form, its secret, its settings
policy, its connection test and its master data all come from its class."""

from __future__ import annotations

from django.db import connection
from django.urls import reverse
from exporthub_example_connector.books import create_books

from exporthub.connectors.master_data import refresh_master_data
from exporthub.connectors.models import ConnectorConfig
from exporthub.connectors.registry import build_connector
from exporthub.dashboard.connections import erp_choices
from exporthub.sync.models import Mapping

CREATE = reverse("dashboard:erp-connection-create") + "?kind=example_books"


def books(path) -> None:
    create_books(
        path,
        company="Example Books ApS",
        access_key="the-access-key",
        accounts=[("6000", "Meals"), ("2900", "Pleo")],
        taxes=[("S25", "Standard 25 %", "0.25")],
        dimensions=[("DEPT", "SALES", "Sales")],
        parties=[("SUP-1", "Known Supplier")],
    )


def test_it_is_offered_among_the_connectors(client, admin_user):
    client.force_login(admin_user)

    page = client.get(reverse("dashboard:erp-connection-list")).content.decode()

    assert "Example books (SQLite)" in page
    assert "kind=example_books" in page


def test_it_is_set_up_tested_and_read_through_the_dashboard(client, admin_user, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    books(tmp_path / "books.sqlite")
    client.force_login(admin_user)

    form = client.get(CREATE).content.decode()
    response = client.post(
        CREATE,
        {
            "name": "Books",
            "settings-books_path": "books.sqlite",
            "settings-access_key": "the-access-key",
        },
    )

    assert 'name="settings-books_path"' in form and 'name="settings-access_key"' in form
    config = ConnectorConfig.objects.get(name="Books")
    assert response.status_code == 302
    assert config.kind == "example_books"
    assert config.settings == {"books_path": "books.sqlite"}  # the secret is not a setting
    assert config.secret("access_key") == "the-access-key"
    with connection.cursor() as cursor:
        cursor.execute("SELECT secrets FROM connectors_connectorconfig WHERE id = %s", [config.pk])
        assert "the-access-key" not in cursor.fetchone()[0]  # stored encrypted
    tested = client.post(reverse("dashboard:erp-connection-test", args=[config.pk]), follow=True)
    assert "The ERP answered and accepted the credentials." in tested.content.decode()

    with build_connector(config) as connector:
        refresh_master_data(config, connector)

    choices = erp_choices(config)
    assert choices[Mapping.Kind.ACCOUNT] == [("2900", "2900 Pleo"), ("6000", "6000 Meals")]
    assert choices[Mapping.Kind.TAX_CODE] == [("S25", "S25 Standard 25 %")]
    assert choices[Mapping.Kind.TAG] == [("DEPT:SALES", "DEPT:SALES Sales")]
    assert choices[Mapping.Kind.VENDOR] == [("SUP-1", "SUP-1 Known Supplier")]


def test_its_settings_follow_the_policy_its_class_declares(client, admin_user, settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"
    settings.DATA_DIR.mkdir()
    client.force_login(admin_user)

    response = client.post(
        CREATE,
        {
            "name": "Books",
            "settings-books_path": str(tmp_path / "elsewhere.sqlite"),
            "settings-access_key": "the-access-key",
        },
    )

    assert response.status_code == 422
    assert "The file must be inside the data folder" in response.content.decode()
    assert not ConnectorConfig.objects.exists()


def test_a_wrong_access_key_fails_the_connection_test_clearly(
    client, admin_user, settings, tmp_path
):
    settings.DATA_DIR = tmp_path
    books(tmp_path / "books.sqlite")
    config = ConnectorConfig(
        name="Books", kind="example_books", settings={"books_path": "books.sqlite"}
    )
    config.set_secret("access_key", "not-the-key")
    config.save()
    client.force_login(admin_user)

    tested = client.post(reverse("dashboard:erp-connection-test", args=[config.pk]), follow=True)

    assert "The books file does not accept this access key." in tested.content.decode()
