"""HTTPS, HSTS, secure cookies, the proxy header and a Content-Security-Policy, from env."""

from __future__ import annotations

import os
import runpy
import subprocess
import sys
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.urls import reverse

from exporthub.pleo.models import PleoConnection
from tests.processes import ROOT

PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "exporthub.settings",
    "SECRET_KEY": "k3y-" + "".join(chr(33 + (i * 7) % 90) for i in range(60)),
    "EXPORTHUB_ENCRYPTION_KEYS": "VGVzdHNPbmx5S2V5Rm9yRXhwb3J0aHViMDAwMDAwMDA=",
    "EXPORTHUB_PLEO_WEBHOOK_SECRET": "whsec_dGhpcyBpcyBhIHdlYmhvb2sgc2VjcmV0IGtleQ==",
    "ALLOWED_HOSTS": "exporthub.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://exporthub.example.com",
    "EXPORTHUB_PROXY_SSL_HEADER": "X-Forwarded-Proto",
    "DEBUG": "False",
    "EXPORTHUB_SANDBOX_ENABLED": "False",
}


def production_env(tmp_path, **changes: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("EXPORTHUB_", "DJANGO_")) and key not in ("DEBUG", "SECRET_KEY")
    }
    env.update(PRODUCTION)
    env.update(
        EXPORTHUB_DATA_DIR=str(tmp_path / "data"),
        DATABASE_URL=f"sqlite:///{tmp_path / 'data' / 'hub.sqlite3'}",
        PYTHONPATH=str(ROOT),
    )
    env.update(changes)
    return env


def settings_under(monkeypatch, tmp_path, **changes: str) -> dict:
    """The settings module's values as a process with this environment would see them."""
    for key in list(os.environ):
        if key.startswith("EXPORTHUB_") or key in ("DEBUG", "SECRET_KEY"):
            monkeypatch.delenv(key)
    for key, value in production_env(tmp_path, **changes).items():
        monkeypatch.setenv(key, value)
    return runpy.run_path(str(ROOT / "exporthub" / "settings.py"))


def test_check_deploy_is_clean_in_a_production_like_environment(tmp_path):
    done = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


def test_production_defaults_are_secure(monkeypatch, tmp_path):
    values = settings_under(monkeypatch, tmp_path)

    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["SECURE_HSTS_SECONDS"] >= 31536000
    assert values["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")
    assert values["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]["script-src"] == ["'self'"]


def test_the_local_demo_is_relaxed_and_every_knob_comes_from_env(monkeypatch, tmp_path):
    demo = settings_under(monkeypatch, tmp_path, EXPORTHUB_SANDBOX_ENABLED="True")
    assert demo["SECURE_SSL_REDIRECT"] is False
    assert demo["SESSION_COOKIE_SECURE"] is False
    assert demo["SECURE_HSTS_SECONDS"] == 0

    tuned = settings_under(
        monkeypatch, tmp_path, EXPORTHUB_HSTS_SECONDS="600", EXPORTHUB_SSL_REDIRECT="False"
    )
    assert tuned["SECURE_HSTS_SECONDS"] == 600
    assert tuned["SECURE_SSL_REDIRECT"] is False
    assert tuned["SESSION_COOKIE_SECURE"] is True


def test_pages_carry_a_content_security_policy_without_inline_scripts(client, admin_user):
    client.force_login(admin_user)

    page = client.get(reverse("dashboard:job-list"))

    policy = page["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in policy


@pytest.fixture
def oauth_connection(db, sandbox_base_url):
    from exporthub.sandbox import services as sandbox

    company, _ = sandbox.create_company(name="Havblik ApS", currency="DKK")
    app, secret = sandbox.create_oauth_client(
        company, redirect_uri="https://exporthub.example.com/settings/pleo/callback/"
    )
    return PleoConnection.objects.create(
        name="Havblik",
        company_id=company.uuid,
        base_url=sandbox_base_url,
        auth_method=PleoConnection.AuthMethod.OAUTH,
        oauth_client_id=app.client_id,
        oauth_client_secret=secret,
    )


def test_the_oauth_redirect_uri_is_https_behind_a_tls_proxy(
    client, admin_user, oauth_connection, settings, monkeypatch, tmp_path
):
    proxy_header = settings_under(monkeypatch, tmp_path)["SECURE_PROXY_SSL_HEADER"]
    settings.SECURE_PROXY_SSL_HEADER = proxy_header
    settings.ALLOWED_HOSTS = ["exporthub.example.com"]
    client.force_login(admin_user)

    answer = client.post(
        reverse("dashboard:pleo-connection-authorize", args=[oauth_connection.pk]),
        headers={"host": "exporthub.example.com", "x-forwarded-proto": "https"},
    )

    query = dict(parse_qsl(urlsplit(answer["Location"]).query))
    assert query["redirect_uri"] == "https://exporthub.example.com/settings/pleo/callback/"


@pytest.mark.parametrize("secret", ["whsec_", "whsec_AAAA", "whsec_not base64!"])
def test_a_webhook_secret_that_decodes_to_nothing_is_refused_at_start_up(tmp_path, secret):
    done = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=production_env(tmp_path, EXPORTHUB_PLEO_WEBHOOK_SECRET=secret),
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode != 0
    assert "exporthub.E001" in done.stderr
    assert "EXPORTHUB_PLEO_WEBHOOK_SECRET" in done.stderr
