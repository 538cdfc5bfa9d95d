"""With the sandbox off (production), neither the sandbox nor the demo is installed: no tables,
no URLs, no commands."""

from __future__ import annotations

import json
import os
import subprocess

from cryptography.fernet import Fernet

from tests.processes import PYTHON, ROOT

INSPECT = """
import json, django
django.setup()
from django.apps import apps
from django.core.management import call_command, get_commands
from django.db import connection
from django.urls import Resolver404, resolve
call_command("migrate", verbosity=0)
try:
    resolve("/sandbox/")
    sandbox_url = True
except Resolver404:
    sandbox_url = False
print(json.dumps({
    "apps": sorted(config.label for config in apps.get_app_configs()),
    "tables": connection.introspection.table_names(),
    "sandbox_url": sandbox_url,
    "commands": sorted(get_commands()),
}))
"""


def inspect(tmp_path, sandbox: str) -> dict:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL", "EXPORTHUB_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="exporthub.settings",
        PYTHONPATH=str(ROOT),
        SECRET_KEY="production-like",
        EXPORTHUB_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        EXPORTHUB_DATA_DIR=str(tmp_path),
        EXPORTHUB_SANDBOX_ENABLED=sandbox,
    )
    run = subprocess.run([PYTHON, "-c", INSPECT], cwd=ROOT, env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout.strip().splitlines()[-1])


def test_production_has_no_sandbox_or_demo_apps_tables_urls_or_commands(tmp_path):
    production = inspect(tmp_path, "False")

    assert {"sandbox", "demo"}.isdisjoint(production["apps"])
    assert {"core", "pleo", "connectors", "sync", "dashboard", "ops"} <= set(production["apps"])
    assert [table for table in production["tables"] if table.startswith("sandbox_")] == []
    assert "sync_exportjob" in production["tables"]
    assert production["sandbox_url"] is False
    assert {"rundemo", "sandbox_seed"}.isdisjoint(production["commands"])


def test_turning_the_sandbox_on_installs_it(tmp_path):
    with_sandbox = inspect(tmp_path, "True")

    assert {"sandbox", "demo"} <= set(with_sandbox["apps"])
    assert any(table.startswith("sandbox_") for table in with_sandbox["tables"])
    assert with_sandbox["sandbox_url"] is True
    assert "rundemo" in with_sandbox["commands"]
