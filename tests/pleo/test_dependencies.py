from __future__ import annotations

import ast
import sys
from pathlib import Path

import exporthub.pleo

ALLOWED_THIRD_PARTY = {"django", "httpx"}
ALLOWED_EXPORTHUB = ("exporthub.core", "exporthub.pleo")


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _allowed(name: str) -> bool:
    if name.startswith("exporthub"):
        return name.startswith(ALLOWED_EXPORTHUB)
    top = name.split(".")[0]
    return top in ALLOWED_THIRD_PARTY or top in sys.stdlib_module_names or top == "__future__"


def test_it_imports_only_django_httpx_and_core():
    package = Path(exporthub.pleo.__file__).parent
    offending = {
        f"{path.relative_to(package)}: {name}"
        for path in package.rglob("*.py")
        for name in _imports(path)
        if not _allowed(name)
    }

    assert offending == set()
    assert _allowed("exporthub.core.money") and not _allowed("exporthub.sandbox.services")
