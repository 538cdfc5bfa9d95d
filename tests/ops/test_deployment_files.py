"""The image and compose file run the tested entrypoint, and ship no development tools.

No image can be built here; test_serve.py runs bin/serve itself. These tests keep the
Dockerfile and compose.yaml pointing at exactly that entrypoint and its three roles.
"""

from __future__ import annotations

import os
import subprocess

import yaml

from tests.processes import ROOT


def test_the_image_runs_bin_serve_as_a_non_root_user_with_pinned_installs():
    dockerfile = (ROOT / "Dockerfile").read_text()

    assert dockerfile.startswith("#") and "FROM python:3.11-slim" in dockerfile
    assert 'ENTRYPOINT ["bin/serve"]' in dockerfile
    assert "USER exporthub" in dockerfile
    assert "-c requirements.lock" in dockerfile
    assert "collectstatic" in dockerfile


def test_the_image_leaves_out_development_tools_and_local_data():
    ignored = (ROOT / ".dockerignore").read_text().split()

    assert {"devtools", "tests", "bench", "var", ".venv", ".env", ".git"} <= set(ignored)


def test_compose_runs_migrate_once_before_web_and_worker():
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]

    assert {name: services[name]["command"] for name in ("migrate", "web", "worker")} == {
        "migrate": ["migrate"],
        "web": ["web"],
        "worker": ["worker"],
    }
    for name in ("web", "worker"):
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }
        assert services[name]["env_file"] == ".env"
        assert "data:/data" in services[name]["volumes"]
        assert "healthcheck" in services[name]
    assert {"db", "redis"} <= set(services)


def test_bin_serve_refuses_an_unknown_role():
    run = subprocess.run(
        [str(ROOT / "bin" / "serve"), "webserver"],
        capture_output=True, text=True, env={**os.environ},
    )  # fmt: skip

    assert run.returncode == 2
    assert "usage: bin/serve web|worker|migrate" in run.stderr
