# The two commands of the README: `make demo` and `make test`.
# Each creates its own virtual environment and installs xtbatch into it first (Python >= 3.11):
# the demo only what it runs (.venv-demo, extra "demo"), the tests their toolchain too (.venv).
VENV ?= .venv
BIN := $(VENV)/bin
DEMO_VENV ?= .venv-demo
DEMO_BIN := $(DEMO_VENV)/bin

$(BIN)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[demo,test]'
	touch $@

# A plain (not editable) install: setuptools warns about every editable one. Reinstalled
# when a source file changes.
DEMO_SOURCES := pyproject.toml $(shell find xtbatch bridge tasks beat -name '*.py' -o -name '*.sql')
$(DEMO_BIN)/.installed: $(DEMO_SOURCES)
	python3 -m venv $(DEMO_VENV)
	$(DEMO_BIN)/pip install --quiet --upgrade pip
	$(DEMO_BIN)/pip install --quiet '.[demo]'
	touch $@

.PHONY: install install-demo demo test lint compose-images compose-test
install: $(BIN)/.installed
install-demo: $(DEMO_BIN)/.installed

demo: $(DEMO_BIN)/.installed
	$(DEMO_BIN)/xtbatch demo

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# The whole suite on Redis, then the acceptance tests again with RabbitMQ as the broker
# (skipped with a reason where no RabbitMQ answers; CI has one).
test: lint
	$(BIN)/pytest
	$(BIN)/python -m tests.rabbitmq_pass

# compose.yaml end to end in podman, with stand-ins for its stock images (docs/operations.md,
# "podman"). As root, with podman, runc and debootstrap; .ci/run installs them. make test runs
# it too, skipping with the reason where podman cannot run.
CONTAINERS_CONF := $(CURDIR)/docker/test/containers.conf

compose-images:
	CONTAINERS_CONF=$(CONTAINERS_CONF) bash docker/test/build-images.sh

compose-test: $(BIN)/.installed
	CONTAINERS_CONF=$(CONTAINERS_CONF) XTBATCH_TEST_COMPOSE=required $(BIN)/pytest tests/compose
