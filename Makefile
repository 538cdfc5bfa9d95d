# exporthub: `make run` starts the demo, `make test` runs lint and the whole suite twice.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The second test pass runs on the PostgreSQL and Redis servers of this machine.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/exporthub
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15

.PHONY: run test lint test-sqlite test-postgres services bench clean chromium lock

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# `make run EXPORTHUB_DEMO_ERP=tryton` posts the demo into a local Tryton server instead.
RUN_STAMP := $(VENV)/.installed-run$(if $(filter tryton,$(EXPORTHUB_DEMO_ERP)),-tryton,)

# Every install is pinned by requirements.lock (a constraints file), so it is reproducible.
PIP_INSTALL := $(BIN)/pip install --quiet -c requirements.lock

# The demo posts into a Beancount ledger: the `beancount` extra.
$(VENV)/.installed-run: pyproject.toml requirements.lock | $(BIN)/python
	$(PIP_INSTALL) -e '.[beancount]'
	touch $@

$(VENV)/.installed-run-tryton: pyproject.toml requirements.lock | $(BIN)/python
	$(PIP_INSTALL) -e '.[beancount,tryton]'
	touch $@ $(VENV)/.installed-run

# The development install also brings the example third-party connector (its own package, found
# by its entry point like any connector; the conformance kit and the dashboard tests use it).
EXAMPLE_CONNECTOR := tests/connector_example
$(VENV)/.installed-dev: pyproject.toml requirements.lock $(EXAMPLE_CONNECTOR)/pyproject.toml | $(BIN)/python
	$(PIP_INSTALL) -e '.[dev]' -e $(EXAMPLE_CONNECTOR)
	touch $@ $(VENV)/.installed-run $(VENV)/.installed-run-tryton

var/local.env: | $(BIN)/python $(RUN_STAMP)
	$(BIN)/python bin/write-local-env var/local.env

# The Tryton demo starts a local trytond through the development tools (devtools/, not installed).
run: $(RUN_STAMP) var/local.env
	set -a && . ./var/local.env && set +a && \
	  $(if $(filter tryton,$(EXPORTHUB_DEMO_ERP)),EXPORTHUB_DEMO_TRYTON_SERVER=devtools.tryton.localserver.start_lasting_server) \
	  $(BIN)/python manage.py rundemo

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# --- Dashboard browser tests: Playwright drives Debian's Chromium (its own download cannot work here).
chromium:
	@test -x /usr/bin/chromium || (apt-get update -qq && apt-get install -y -qq chromium)
# --- end dashboard browser tests

test-sqlite: $(VENV)/.installed-dev chromium
	@echo "== test pass 1: SQLite + django-q2 ORM broker"
	env -u DATABASE_URL -u REDIS_URL $(BIN)/pytest

test-postgres: $(VENV)/.installed-dev services chromium
	@echo "== test pass 2: PostgreSQL + Redis"
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(BIN)/pytest

services:
	bin/ensure-services

test: lint test-sqlite test-postgres

# The quick set (a few minutes): Pleo latency hidden or not, and Tryton. See bench/cli.py.
bench: $(VENV)/.installed-dev
	$(BIN)/python -m bench quick

# Rewrite requirements.lock from a fresh development environment (after changing pyproject.toml).
lock:
	rm -rf .venv-lock && $(PYTHON) -m venv .venv-lock
	.venv-lock/bin/pip install --quiet --upgrade pip
	.venv-lock/bin/pip install --quiet -e '.[dev]'
	{ sed -n '1,3p' requirements.lock; .venv-lock/bin/pip freeze --exclude-editable; } > requirements.lock.new
	mv requirements.lock.new requirements.lock && rm -rf .venv-lock

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
