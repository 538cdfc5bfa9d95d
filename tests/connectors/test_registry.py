"""Connectors are found by entry point; a missing or broken one is left out, never a crash."""

from __future__ import annotations

import logging
from importlib.metadata import EntryPoint, entry_points

import pytest

from exporthub.connectors import registry
from exporthub.connectors.base import Connector
from exporthub.connectors.beancount.connector import BeancountConnector
from exporthub.connectors.errors import ConfigError
from exporthub.connectors.models import ConnectorConfig
from exporthub.connectors.tryton.connector import TrytonConnector


@pytest.fixture
def declared(monkeypatch):
    """Declare extra entry points next to the installed ones (the caches are reset around)."""
    extra: list[EntryPoint] = []

    def fake_entry_points(*, group):
        return [*entry_points(group=group), *extra]

    monkeypatch.setattr(registry, "entry_points", fake_entry_points)
    registry.registered.cache_clear()
    registry._load.cache_clear()

    def declare(name: str, value: str) -> None:
        extra.append(EntryPoint(name, value, registry.GROUP))
        registry.registered.cache_clear()
        registry._load.cache_clear()

    yield declare
    registry.registered.cache_clear()
    registry._load.cache_clear()


def test_the_built_in_connectors_are_declared_by_entry_point():
    declared = {ep.name: ep.value for ep in entry_points(group="exporthub.connectors")}

    assert declared["beancount"] == "exporthub.connectors.beancount.connector:BeancountConnector"
    assert declared["tryton"] == "exporthub.connectors.tryton.connector:TrytonConnector"
    assert registry.get_connector_class("beancount") is BeancountConnector
    assert registry.get_connector_class("tryton") is TrytonConnector


def test_every_choice_is_a_connector_of_its_kind():
    choices = registry.connector_choices()

    assert {"beancount", "tryton"} <= {kind for kind, _label in choices}
    for kind, label in choices:
        connector = registry.get_connector_class(kind)
        assert issubclass(connector, Connector)
        assert (connector.kind, connector.label) == (kind, label)


def test_a_connector_whose_optional_dependency_is_missing_is_not_offered(declared, caplog):
    declared("ledgerly", "ledgerly_not_installed.connector:LedgerlyConnector")

    with caplog.at_level(logging.INFO, logger=registry.__name__):
        kinds = [kind for kind, _label in registry.connector_choices()]

    assert "ledgerly" not in kinds
    assert {"beancount", "tryton"} <= set(kinds)
    assert "ledgerly_not_installed is not installed" in caplog.text
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("exporthub.connectors.base:NoSuchClass", "cannot be loaded"),
        ("exporthub.connectors.base:ExternalRef", "not a subclass"),
        ("exporthub.connectors.tryton.connector:TrytonConnector", "kind = 'tryton'"),
    ],
)
def test_a_broken_entry_point_is_logged_and_left_out(declared, caplog, value, problem):
    declared("broken", value)

    with caplog.at_level(logging.INFO, logger=registry.__name__):
        kinds = [kind for kind, _label in registry.connector_choices()]
        registry.connector_choices()  # asked again: logged once

    assert "broken" not in kinds
    assert {"beancount", "tryton"} <= set(kinds)
    errors = [record for record in caplog.records if record.levelno == logging.ERROR]
    assert len(errors) == 1
    assert "'broken'" in errors[0].getMessage()
    assert problem in errors[0].getMessage() or problem in caplog.text
    with pytest.raises(registry.ConnectorUnavailableError):
        registry.get_connector_class("broken")
    assert registry.find_connector_class("broken") is None


def test_a_connection_to_a_connector_that_is_gone_fails_as_configuration(declared):
    declared("broken", "exporthub.connectors.base:NoSuchClass")
    gone = ConnectorConfig(name="Old ERP", kind="uninstalled", settings={})
    broken = ConnectorConfig(name="Broken ERP", kind="broken", settings={})

    with pytest.raises(ConfigError, match="No installed package provides"):
        registry.build_connector(gone)
    with pytest.raises(ConfigError, match="cannot be loaded"):
        registry.build_connector(broken)
    broken.set_secret("api_key", "kept")
    assert broken.secrets_set() == ["api_key"]  # still listed, the class being unknown


def test_a_kind_declared_twice_keeps_the_first_and_says_so(declared, caplog):
    declared("tryton", "exporthub.connectors.beancount.connector:BeancountConnector")

    with caplog.at_level(logging.ERROR, logger=registry.__name__):
        connector = registry.get_connector_class("tryton")

    assert connector is TrytonConnector
    assert "Two packages declare the connector kind 'tryton'" in caplog.text
