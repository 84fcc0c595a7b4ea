# The few commands people type. Everything runs inside .venv, created on first use.
# `make test-all` also runs the suite on the other supported Pythons, each in .venv-X.Y.
PYTHON ?= python3
VENV ?= .venv
SUPPORTED := 3.11 3.12 3.13
BIN := $(VENV)/bin
# The demo installs the example plugins: in an environment of its own, so the tests (which
# write their own plugins) never meet them.
DEMO_VENV := .venv-demo
DEMO_BIN := $(DEMO_VENV)/bin
EXAMPLES := examples/acme examples/pegboard-hello examples/pegboard-greet-typer examples/pegboard-audit

.PHONY: demo test suite test-all lint typecheck bench clean

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

test: suite
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

suite: $(VENV)/.dev-installed
	$(BIN)/python -m pytest

# `test` on the default Python, then the suite on every other supported one found (on PATH
# as pythonX.Y, or through pyenv); a missing one is named and skipped.
test-all: test
	@for version in $(filter-out $(shell $(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])'),$(SUPPORTED)); do \
		python=$$(sh .ci/find-python $$version) || { echo "Python $$version: not found, skipped"; continue; }; \
		echo "=== Python $$version ($$python)"; \
		$(MAKE) --no-print-directory suite PYTHON=$$python VENV=.venv-$$version || exit 1; \
	done

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.dev-installed
	$(BIN)/mypy

bench: $(VENV)/.dev-installed
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) $(DEMO_VENV) .venv-3.* build dist .mypy_cache .ruff_cache .pytest_cache .hypothesis .benchmarks
