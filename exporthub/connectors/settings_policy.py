"""Rules every stored connector configuration follows, whoever stores it (dashboard, command).

* Endpoint and link settings are absolute http(s) URLs (`core.http_urls`): no `javascript:`
  link reaches a page, no secret goes to a `file:` or other scheme.
* Changing an endpoint needs every stored secret entered again: otherwise whoever may edit the
  settings could point the stored API key at a host of their choosing.
* Files the connector writes (a Beancount ledger) stay inside the data folder, so an admin
  cannot make the hub write into any file its user can reach.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from django.conf import settings as django_settings
from django.utils.translation import gettext as _

from exporthub.connectors.registry import get_connector_class
from exporthub.core.http_urls import http_url_problem


def settings_problems(
    kind: str,
    *,
    before: Mapping,
    after: Mapping,
    secrets_entered: Iterable[str] = (),
    secrets_stored: Iterable[str] = (),
) -> dict[str, str]:
    """What is wrong with changing a `kind` connector's settings from `before` to `after`.

    Returns {setting or secret name: message}; empty when the change may be stored.
    `before` is empty for a new connection.
    """
    connector = get_connector_class(kind)
    problems: dict[str, str] = {}
    for name in (*connector.endpoint_settings, *connector.link_settings):
        value = after.get(name)
        if value:
            problem = http_url_problem(str(value))
            if problem:
                problems[name] = problem
    for name in connector.data_path_settings:
        value = after.get(name)
        if value and value != before.get(name) and not inside_data_dir(str(value)):
            problems[name] = _("The file must be inside the data folder (%(folder)s).") % {
                "folder": django_settings.DATA_DIR
            }
    moved = [
        name
        for name in connector.endpoint_settings
        if before and after.get(name) != before.get(name)
    ]
    missing = set(secrets_stored) - set(secrets_entered)
    if moved and missing:
        for secret in sorted(missing):
            problems[secret] = _(
                "The %(setting)s changed: enter this secret again, so a stored secret is never "
                "sent to a new address."
            ) % {"setting": ", ".join(moved)}
    return problems


def inside_data_dir(raw_path: str) -> bool:
    """True when `raw_path` (relative paths count from the data folder) resolves inside it."""
    root = Path(django_settings.DATA_DIR).resolve()
    path = Path(raw_path)
    resolved = (path if path.is_absolute() else root / path).resolve()
    return resolved != root and resolved.is_relative_to(root)
