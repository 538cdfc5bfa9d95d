"""The apps' dependency direction (style.md §2.4), checked on the source itself."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "exporthub"

# app -> the other exporthub apps it may import
ALLOWED = {
    "core": set(),
    "pleo": {"core"},
    "sandbox": {"core"},
    "connectors": {"core"},
    "sync": {"core", "pleo", "connectors"},
    "dashboard": {"core", "pleo", "connectors", "sync"},
    "demo": {"core", "pleo", "connectors", "sync", "sandbox"},
    "ops": {"core", "pleo", "connectors", "sync", "notifications"},
    "notifications": {"core", "pleo", "connectors", "sync", "dashboard"},
    # The REST API sits beside the dashboard (and notifications' pages) and reuses their services
    # and forms (not their views).
    "api": {"core", "pleo", "connectors", "sync", "dashboard", "notifications"},
}
# The Pleo client is the one HTTP seam to Pleo: Django, httpx and the standard library only.
PLEO_THIRD_PARTY = {"django", "httpx"}


def imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def modules_of(app: str):
    for path in (PACKAGE / app).rglob("*.py"):
        yield path, imports(path)


@pytest.mark.parametrize("app", sorted(ALLOWED))
def test_each_app_imports_only_the_apps_below_it(app):
    offending = {
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path, names in modules_of(app)
        for name in names
        if name.startswith("exporthub.")
        and name.split(".")[1] not in ALLOWED[app] | {app}
        and name.split(".")[1] not in {"settings", "urls"}
    }
    assert offending == set()


def test_every_app_is_in_the_table():
    apps = {path.name for path in PACKAGE.iterdir() if (path / "apps.py").exists()}
    assert apps == set(ALLOWED)


def test_the_installed_package_imports_nothing_from_the_development_tools():
    offending = {
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path in PACKAGE.rglob("*.py")
        for name in imports(path)
        if name.split(".")[0] in {"devtools", "tests", "bench"}
    }
    assert offending == set()


def test_the_packaged_code_is_exporthub_alone():
    """devtools/, tests/ and bench/ stay out of the wheel (pyproject's package list)."""
    import tomllib

    pyproject = tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text())
    assert pyproject["tool"]["setuptools"]["packages"]["find"]["include"] == ["exporthub*"]


def test_the_pleo_client_needs_nothing_but_django_and_httpx():
    offending = {
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path, names in modules_of("pleo")
        for name in names
        if not name.startswith("exporthub.")
        and (top := name.split(".")[0]) not in PLEO_THIRD_PARTY
        and top not in sys.stdlib_module_names
        and top != "__future__"
    }
    assert offending == set()


def test_the_api_reuses_the_dashboards_services_never_its_views():
    offending = {
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path, names in modules_of("api")
        for name in names
        if name.startswith("exporthub.dashboard.views")
    }
    assert offending == set()
