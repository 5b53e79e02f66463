# The two commands that matter: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
export PATH := $(abspath $(BIN)):$(PATH)
export DAGSTER_HOME ?= $(abspath .dagster_home)

.PHONY: run test dev fetch install install-test parse demo-data browser clean

run: install ## Build the warehouse and the site from RAW_DIR (default data/raw); an unchanged rerun stops at once
	@mkdir -p $(DAGSTER_HOME) && cp dagster_instance.yaml $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/python -m dagster_project.run --parse

# Three workers on 2 cores: a third fills the gaps while the others wait on files and subprocesses
# (8 min 35 s against 9 min 34 s with two: benchmarks/README.md).
TEST_WORKERS ?= 3
test: install-test parse browser ## Install test dependencies and run the test suite (TEST_WORKERS processes side by side)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder

dev: install parse ## Open the Dagster UI (`dg dev`; DEV_ARGS="--port 3100" to choose a port); SIGTERM or Ctrl-C stops it
	$(BIN)/python -m dagster_project.dev $(DEV_ARGS)

# uv (from PyPI, pinned) installs the same pinned packages as pip in a quarter of the time
# (a fresh machine: 12 s against 48 s for the test dependencies). Packages are compiled to
# bytecode as they are installed: where PYTHONDONTWRITEBYTECODE is set (as on the project's
# machines) every process would otherwise compile dbt, pandas, scipy... from source again at
# each import (a demo dbt build: 15.0 -> 11.5 CPU-s). An older .venv: `uv pip install
# --reinstall --compile-bytecode`, or `python -m compileall -q .venv/lib`.
UV := $(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(BIN)/uv: | $(BIN)/python
	$(BIN)/python -m pip install --quiet uv==0.13.9

$(VENV)/.installed: pyproject.toml | $(BIN)/uv
	$(UV) -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(UV) -e ".[test]"
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

parse: ## dagster-dbt needs a parsed manifest (same profile and vars as the pipeline: partial parsing)
	@mkdir -p $(DAGSTER_HOME) && cp dagster_instance.yaml $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/python -m dagster_project.defs.transform.invocation parse

browser: ## Debian's Chromium for the accessibility tests (browsers cannot be downloaded here)
	@command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }

fetch: install ## Download the registry's published files into RAW_DIR (needs network; FETCH_MIRROR for a mirror)
	$(BIN)/python -m dagster_project.fetch

demo-data: install ## Regenerate the demonstration data in data/raw (COUNCILS=3 OUT=dir: several councils per file)
	$(BIN)/python -m dagster_project.demo_data --councils $(or $(COUNCILS),1) $(if $(OUT),--out $(OUT))

clean:
	rm -rf dbt/target dbt/logs site/build site/build.* data/warehouse.duckdb* .dagster_home
