"""Which connectors exist: the entry points of the group `exporthub.connectors` (kind → class).

Every connector, the built-in ones too, is declared by the package that brings it, in its
pyproject.toml; the entry point's name is the connector's `kind` (what `ConnectorConfig.kind`
stores), its value the class:

    [project.entry-points."exporthub.connectors"]
    beancount = "exporthub.connectors.beancount.connector:BeancountConnector"

This module is the one place that reads them. A connector whose optional dependency is not
installed (Beancount without the `beancount` extra) is left out of the choices quietly; one that
cannot be loaded for another reason (a broken third-party package, a class that is no
`Connector`, a kind that does not match) is logged once as an error and left out too, so a bad
package never takes the site down. `ConnectorConfig.kind` takes its choices from here at run
time, so no migration is needed.
"""

from __future__ import annotations

import logging
from functools import cache
from importlib.metadata import EntryPoint, entry_points
from typing import TYPE_CHECKING

from exporthub.connectors.errors import ConfigError

if TYPE_CHECKING:
    from exporthub.connectors.base import Connector
    from exporthub.connectors.models import ConnectorConfig

GROUP = "exporthub.connectors"
log = logging.getLogger(__name__)


class ConnectorUnavailableError(LookupError):
    """A registered connector that cannot be used here (missing dependency or broken package)."""


@cache
def registered() -> dict[str, EntryPoint]:
    """Every declared connector kind and its entry point, whether it loads or not."""
    found: dict[str, EntryPoint] = {}
    for entry_point in entry_points(group=GROUP):
        known = found.get(entry_point.name)
        if known is not None and known.value != entry_point.value:
            log.error(
                "Two packages declare the connector kind %r (%s and %s); the first is used.",
                entry_point.name,
                known.value,
                entry_point.value,
            )
            continue
        found.setdefault(entry_point.name, entry_point)
    return found


@cache
def _load(kind: str) -> type[Connector] | ConnectorUnavailableError:
    """The class behind `kind`, or why it cannot be used (logged once, here)."""
    from exporthub.connectors.base import Connector

    entry_point = registered()[kind]
    source = f"{entry_point.value} ({_distribution(entry_point)})"
    try:
        loaded = entry_point.load()
    except ModuleNotFoundError as error:
        log.info("Connector %r is not available: %s is not installed.", kind, error.name)
        return _unavailable(
            f"Connector {kind!r} needs {error.name}, which is not installed.", error
        )
    except Exception as error:
        log.exception("Connector %r from %s cannot be loaded.", kind, source)
        return _unavailable(f"Connector {kind!r} from {source} cannot be loaded: {error}", error)
    problem = ""
    if not (isinstance(loaded, type) and issubclass(loaded, Connector)):
        problem = "it is not a subclass of exporthub.connectors.base.Connector"
    elif getattr(loaded, "kind", None) != kind:
        problem = f"its class says kind = {getattr(loaded, 'kind', None)!r}"
    elif not getattr(loaded, "label", ""):
        problem = "its class has no label"
    if problem:
        log.error("Connector %r from %s is left out: %s.", kind, source, problem)
        return ConnectorUnavailableError(f"Connector {kind!r} from {source}: {problem}.")
    return loaded


def _unavailable(message: str, cause: Exception) -> ConnectorUnavailableError:
    error = ConnectorUnavailableError(message)
    error.__cause__ = cause
    return error


def _distribution(entry_point: EntryPoint) -> str:
    dist = entry_point.dist
    return f"{dist.name} {dist.version}" if dist is not None else "unknown package"


def get_connector_class(kind: str) -> type[Connector]:
    """The connector class for `kind`.

    KeyError for a kind nobody declared; `ConnectorUnavailableError` for one that cannot be
    loaded here.
    """
    loaded = _load(kind)
    if isinstance(loaded, ConnectorUnavailableError):
        raise ConnectorUnavailableError(str(loaded)) from loaded.__cause__
    return loaded


def find_connector_class(kind: str) -> type[Connector] | None:
    """The connector class for `kind`, or None when it is not installed or cannot be loaded."""
    loaded = _load(kind) if kind in registered() else None
    return None if isinstance(loaded, ConnectorUnavailableError) else loaded


def available_connectors() -> dict[str, type[Connector]]:
    """kind → class of every connector that loads here, by kind."""
    available = {}
    for kind in sorted(registered()):
        loaded = _load(kind)
        if not isinstance(loaded, ConnectorUnavailableError):
            available[kind] = loaded
    return available


def connector_choices() -> list[tuple[str, str]]:
    """(kind, label) pairs for `ConnectorConfig.kind`: the connectors that load here."""
    return [(kind, connector.label) for kind, connector in available_connectors().items()]


def build_connector(config: ConnectorConfig) -> Connector:
    """A ready connector for a stored configuration.

    A connector that is not installed (or not loadable) here is a `ConfigError`, so a job or a
    connection test fails with that message instead of crashing.
    """
    try:
        connector_class = get_connector_class(config.kind)
    except KeyError:
        raise ConfigError(f"No installed package provides the connector {config.kind!r}.") from None
    except ConnectorUnavailableError as error:
        raise ConfigError(str(error)) from error
    return connector_class(config)
