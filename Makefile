# The few commands people type. Everything runs inside .venv, created on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The demo installs the example plugins: in an environment of its own, so the tests (which
# write their own plugins) never meet them.
DEMO_VENV := .venv-demo
DEMO_BIN := $(DEMO_VENV)/bin
EXAMPLES := examples/acme examples/pegboard-hello examples/pegboard-greet-typer examples/pegboard-audit

.PHONY: demo test lint typecheck bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip "setuptools>=77" wheel

$(VENV)/.dev-installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

$(DEMO_BIN)/python:
	$(PYTHON) -m venv $(DEMO_VENV)
	$(DEMO_BIN)/python -m pip install --quiet --upgrade pip "setuptools>=77" wheel

$(DEMO_VENV)/.demo-installed: $(DEMO_BIN)/python pyproject.toml
	$(DEMO_BIN)/python -m pip install --quiet -e ".[typer,yaml]"
	$(DEMO_BIN)/python -m pip install --quiet --no-build-isolation $(EXAMPLES)
	touch $@

demo: $(DEMO_VENV)/.demo-installed
	PATH="$(CURDIR)/$(DEMO_BIN):$$PATH" sh examples/tour.sh

test: $(VENV)/.dev-installed
	$(BIN)/python -m pytest
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.dev-installed
	$(BIN)/mypy

bench: $(VENV)/.dev-installed
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) $(DEMO_VENV) build dist .mypy_cache .ruff_cache .pytest_cache .hypothesis .benchmarks
