"""Connection settings: http(s) URLs only, secrets again when an endpoint moves, ledgers inside
the data folder, unique names, and a "Test connection" that answers within a short bound."""

from __future__ import annotations

import io
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from exporthub.connectors.models import ConnectorConfig
from exporthub.dashboard import connections
from exporthub.pleo.models import PleoConnection
from exporthub.sync.models import ExportItem
from tests.dashboard.conftest import export, postable_entry_ids


def erp_command(*args):
    call_command("erp_connection", *args, stdout=io.StringIO())


@pytest.fixture
def tryton(db):
    config = ConnectorConfig(
        name="Tryton",
        kind="tryton",
        settings={
            "url": "https://erp.example.test",
            "database": "books",
            "company_id": 1,
            "journal": "EXP",
        },
    )
    config.set_secret("api_key", "the-stored-key")
    config.save()
    return config


@pytest.mark.parametrize(
    "setting",
    [
        "web_url=javascript:alert(document.cookie)//",
        "web_url=data:text/html,<script>alert(1)</script>",
        "url=file:///etc/passwd",
        "url=ftp://erp.example.test",
    ],
)
def test_the_command_refuses_urls_that_are_not_http(tryton, monkeypatch, setting):
    monkeypatch.setenv("NEW_KEY", "the-new-key")

    with pytest.raises(CommandError, match="http|valid URL"):
        erp_command("Tryton", "--set", setting, "--secret-env", "api_key=NEW_KEY")

    tryton.refresh_from_db()
    assert tryton.settings["url"] == "https://erp.example.test"
    assert "web_url" not in tryton.settings


def test_moving_an_erp_connection_needs_its_secret_again(tryton, monkeypatch):
    with pytest.raises(CommandError, match="enter this secret again"):
        erp_command("Tryton", "--set", "url=https://attacker.example.test")
    tryton.refresh_from_db()
    assert tryton.settings["url"] == "https://erp.example.test"

    monkeypatch.setenv("NEW_KEY", "the-new-key")
    erp_command(
        "Tryton", "--set", "url=https://erp2.example.test", "--secret-env", "api_key=NEW_KEY"
    )
    tryton.refresh_from_db()
    assert tryton.settings["url"] == "https://erp2.example.test"
    assert tryton.secret("api_key") == "the-new-key"


def test_other_settings_change_without_the_secret(tryton):
    erp_command("Tryton", "--set", "web_url=https://sao.example.test")

    tryton.refresh_from_db()
    assert tryton.settings["web_url"] == "https://sao.example.test"
    assert tryton.secret("api_key") == "the-stored-key"


def test_the_dashboard_asks_for_the_secret_when_the_erp_url_changes(client, admin_user, tryton):
    client.force_login(admin_user)
    url = reverse("dashboard:erp-connection-edit", args=[tryton.pk])
    form = {
        "name": "Tryton",
        "settings-url": "https://attacker.example.test",
        "settings-database": "books",
        "settings-company_id": "1",
        "settings-journal": "EXP",
    }

    refused = client.post(url, form)
    accepted = client.post(url, {**form, "settings-api_key": "the-new-key"})

    assert refused.status_code == 422
    assert "enter this secret again" in refused.content.decode()
    assert accepted.status_code == 302
    tryton.refresh_from_db()
    assert tryton.settings["url"] == "https://attacker.example.test"
    assert tryton.secret("api_key") == "the-new-key"


@pytest.mark.parametrize(
    "path", ["/etc/exporthub.beancount", "../outside.beancount", "books/../../x.beancount"]
)
def test_a_ledger_outside_the_data_folder_is_refused(db, path):
    with pytest.raises(CommandError, match="inside the data folder"):
        erp_command(
            "Books", "--kind", "beancount", "--set", f"ledger_path={path}", "--set", "currency=DKK"
        )
    assert not ConnectorConfig.objects.exists()


def test_a_ledger_inside_the_data_folder_is_accepted(db, settings):
    erp_command("Books", "--kind", "beancount", "--set", "ledger_path=books/main.beancount",
                "--set", "currency=DKK")  # fmt: skip
    ledger = f"ledger_path={settings.DATA_DIR}/b2.beancount"
    erp_command("Books2", "--kind", "beancount", "--set", ledger, "--set", "currency=DKK")
    assert ConnectorConfig.objects.count() == 2


def test_a_duplicate_erp_connection_name_is_a_form_error(client, admin_user, integration):
    client.force_login(admin_user)

    answer = client.post(
        reverse("dashboard:erp-connection-create") + "?kind=beancount",
        {
            "name": integration.erp_connection.name,
            "settings-ledger_path": "other.beancount",
            "settings-currency": "DKK",
        },
    )

    assert answer.status_code == 422
    assert "already has this name" in answer.content.decode()
    assert ConnectorConfig.objects.count() == 1


def pleo_form(connection, **changes) -> dict:
    values = {
        "name": connection.name,
        "company_id": str(connection.company_id),
        "base_url": connection.base_url,
        "oauth_base_url": "",
        "auth_method": connection.auth_method,
        "oauth_client_id": "",
        "oauth_scopes": "",
    }
    values.update(changes)
    return values


def test_moving_a_pleo_connection_needs_its_api_key_again(client, admin_user, integration):
    connection = integration.pleo_connection
    stored = connection.api_key
    client.force_login(admin_user)
    url = reverse("dashboard:pleo-connection-edit", args=[connection.pk])

    refused = client.post(url, pleo_form(connection, base_url="https://attacker.example.test"))
    not_http = client.post(
        url, pleo_form(connection, base_url="javascript:alert(1)", api_key="new-key")
    )

    assert refused.status_code == 422
    assert "enter this secret again" in refused.content.decode()
    assert not_http.status_code == 422
    connection.refresh_from_db()
    assert connection.base_url != "https://attacker.example.test"
    assert connection.api_key == stored


def test_moving_an_oauth_connection_drops_its_tokens(client, admin_user, integration):
    connection = integration.pleo_connection
    PleoConnection.objects.filter(pk=connection.pk).update(
        auth_method="oauth", oauth_client_id="hub", access_token="at", refresh_token="rt"
    )
    connection.refresh_from_db()
    connection.oauth_client_secret = "client-secret"
    connection.save()
    client.force_login(admin_user)

    answer = client.post(
        reverse("dashboard:pleo-connection-edit", args=[connection.pk]),
        pleo_form(
            connection,
            oauth_client_id="hub",
            oauth_base_url="https://auth.example.test",
            oauth_client_secret="client-secret",
        ),
    )

    assert answer.status_code == 302
    connection.refresh_from_db()
    assert connection.oauth_base_url == "https://auth.example.test"
    assert connection.access_token == "" and connection.refresh_token == ""
    assert connection.status == PleoConnection.Status.PENDING_AUTHORIZATION


def test_the_pleo_command_needs_the_key_again_for_a_new_base_url(integration, monkeypatch):
    connection = integration.pleo_connection
    company = str(connection.company_id)

    with pytest.raises(CommandError, match="give the key again"):
        call_command(
            "pleo_connection", connection.name, "--company-id", company,
            "--base-url", "https://attacker.example.test",
        )  # fmt: skip
    with pytest.raises(CommandError, match="http"):
        call_command(
            "pleo_connection", connection.name, "--company-id", company,
            "--base-url", "file:///etc/passwd",
        )  # fmt: skip

    connection.refresh_from_db()
    assert connection.base_url != "https://attacker.example.test"


class _Html(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802  (the name http.server calls)
        body = b"<html><body>Welcome to nginx!</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_PUT = do_GET

    def log_message(self, *args):
        pass


@pytest.fixture
def html_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Html)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def silent_server():
    """Accepts connections and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    listener.close()


def test_a_server_that_is_not_tryton_gives_a_clear_error_not_a_500(
    client, admin_user, tryton, html_server
):
    ConnectorConfig.objects.filter(pk=tryton.pk).update(
        settings={**tryton.settings, "url": html_server}
    )
    client.force_login(admin_user)

    answer = client.post(reverse("dashboard:erp-connection-test", args=[tryton.pk]), follow=True)

    assert answer.status_code == 200
    assert "did not answer like Tryton&#x27;s REST API" in answer.content.decode()


def test_test_connection_answers_within_its_bound(
    client, admin_user, tryton, silent_server, monkeypatch
):
    monkeypatch.setattr(connections, "CONNECTION_TEST_SECONDS", 1)
    ConnectorConfig.objects.filter(pk=tryton.pk).update(
        settings={**tryton.settings, "url": silent_server, "timeout": 600}
    )
    client.force_login(admin_user)

    started = time.monotonic()
    answer = client.post(reverse("dashboard:erp-connection-test", args=[tryton.pk]), follow=True)

    assert "did not answer in time" in answer.content.decode()
    assert time.monotonic() - started < 60  # the configured 600 s would have hung the page


def test_a_connector_url_that_is_not_http_is_never_stored_as_a_link(integration, company):
    config = integration.erp_connection
    ConnectorConfig.objects.filter(pk=config.pk).update(
        settings={**config.settings, "fava_url": "javascript:alert(1)//"}
    )

    job = export(integration, postable_entry_ids(company, 1))

    item = ExportItem.objects.get(job=job)
    assert item.status == "successful"
    assert item.external_url == ""


def test_a_stored_link_that_is_not_http_is_shown_as_text(client, viewer, finished_job):
    item = finished_job.items.filter(status="successful").first()
    ExportItem.objects.filter(pk=item.pk).update(external_url="javascript:alert(1)")
    client.force_login(viewer)

    page = client.get(reverse("dashboard:item-detail", args=[item.pk])).content.decode()

    assert 'href="javascript:' not in page
