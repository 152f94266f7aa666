# bedrock-reconciler: `make demo` and `make test` are the whole Quick start.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help venv install lint test demo bench docs clean

help: ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "make: $(PYTHON) not found; run 'make PYTHON=python3 ...'" >&2; exit 2; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $(STAMP)

venv: $(BIN)/python ## create .venv

install: $(STAMP) ## install the package and dev tools into .venv

lint: $(STAMP) ## ruff, ruff format, mypy, import contracts, generated docs
	$(BIN)/ruff check reconciler tests $(wildcard bench)
	$(BIN)/ruff format --check reconciler tests $(wildcard bench)
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/cog --check docs/*.md

test: lint ## create .venv, install, lint, run the full test suite
	$(BIN)/python -m pytest -q

demo: $(STAMP) ## run the whole pipeline on a generated month into demo.duckdb
	$(BIN)/reconciler --db demo.duckdb demo

bench: $(STAMP) ## large benchmarks (outside `make test`); writes docs/performance.md
	$(BIN)/python -m pytest -q -m benchmark bench

docs: $(STAMP) ## regenerate docs/ from --help and SQL headers
	$(BIN)/cog -r docs/*.md

clean: ## remove the venv and caches
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache demo.duckdb demo.duckdb.lock demo.duckdb.work demo.duckdb.work.json demo-out
