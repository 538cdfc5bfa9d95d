"""`manage.py rotate_secrets` and the start-up check of the encryption keys."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.core.management.base import CommandError

from exporthub.connectors.models import ConnectorConfig
from exporthub.ops.checks import encryption_keys
from exporthub.pleo.models import PleoConnection


@pytest.fixture
def stored(db, settings):
    old = Fernet.generate_key().decode()
    settings.ENCRYPTION_KEYS = [old]
    pleo = PleoConnection.objects.create(
        name="Nordlys", api_key="pleo-key", oauth_client_secret="client-secret"
    )
    erp = ConnectorConfig.objects.create(name="Books", kind="beancount", settings={})
    erp.set_secret("api_key", "erp-key")
    erp.save()
    return old, pleo, erp


def test_after_rotation_the_old_key_can_be_dropped(stored, settings, capsys):
    old, pleo, erp = stored
    new = Fernet.generate_key().decode()
    settings.ENCRYPTION_KEYS = [new, old]
    updated_at = PleoConnection.objects.get(pk=pleo.pk).updated_at

    call_command("rotate_secrets")

    settings.ENCRYPTION_KEYS = [new]
    again = PleoConnection.objects.get(pk=pleo.pk)
    assert (again.api_key, again.oauth_client_secret) == ("pleo-key", "client-secret")
    assert ConnectorConfig.objects.get(pk=erp.pk).secret("api_key") == "erp-key"
    assert again.updated_at == updated_at
    assert "Every secret now opens with the first key alone." in capsys.readouterr().out


def test_without_the_old_key_it_refuses_and_leaves_the_secret_as_stored(stored, settings):
    old, pleo, _ = stored
    new = Fernet.generate_key().decode()
    settings.ENCRYPTION_KEYS = [new]

    with pytest.raises(CommandError, match="cannot be decrypted"):
        call_command("rotate_secrets")

    settings.ENCRYPTION_KEYS = [new, old]
    assert PleoConnection.objects.get(pk=pleo.pk).api_key == "pleo-key"


def test_a_malformed_key_is_a_start_up_error_with_a_hint(settings):
    settings.ENCRYPTION_KEYS = [Fernet.generate_key().decode(), "not-a-key"]

    errors = encryption_keys(None)

    assert [error.id for error in errors] == ["exporthub.E001"]
    assert "Key 2 of EXPORTHUB_ENCRYPTION_KEYS is not a Fernet key" in errors[0].msg
    assert "Fernet.generate_key()" in errors[0].hint


def test_good_keys_pass_the_check(settings):
    settings.ENCRYPTION_KEYS = [Fernet.generate_key().decode(), Fernet.generate_key().decode()]

    assert encryption_keys(None) == []


def test_the_check_stops_bin_serve_before_anything_starts(tmp_path):
    import os
    import subprocess

    from tests.processes import PYTHON, ROOT

    env = {**os.environ, "PYTHON": PYTHON, "PYTHONPATH": str(ROOT),
           "DJANGO_SETTINGS_MODULE": "exporthub.settings", "SECRET_KEY": "x",
           "EXPORTHUB_ENCRYPTION_KEYS": "not-a-key", "EXPORTHUB_DATA_DIR": str(tmp_path),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}  # fmt: skip
    env.pop("REDIS_URL", None)

    run = subprocess.run(
        [str(ROOT / "bin" / "serve"), "migrate"], env=env, capture_output=True, text=True
    )

    assert run.returncode != 0
    assert "exporthub.E001" in run.stderr
    assert "not a Fernet key" in run.stderr
    assert not (tmp_path / "db.sqlite3").exists() or "Applying" not in run.stdout
