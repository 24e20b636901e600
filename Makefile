# media_pipeline — fresh-machine entry points. `make demo` and `make test` install what is missing first.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export MEDIA_PIPELINE_DATA_DIR ?= $(CURDIR)/var
export DAGSTER_HOME ?= $(CURDIR)/var/dagster_home
PYTEST_ARGS ?=
CONSOLE_VENDOR := media_pipeline/console/static/vendor

.PHONY: demo test test-fast dev api up bench lint system-deps system-deps-pg install console-deps dagster-home clean

demo: system-deps install dagster-home ## Produce a real video on the embedded default; prints its path last
	$(BIN)/media-pipeline db-upgrade
	$(BIN)/media-pipeline demo

test: system-deps-pg install console-deps ## Lint, import contracts, mypy, ESLint (console), then the whole test suite (SQLite and a throwaway PostgreSQL)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy
	npx --no-install eslint media_pipeline/console/static
	$(BIN)/pytest $(PYTEST_ARGS)

test-fast: install console-deps ## The suite without the slow end-to-end tests
	$(BIN)/pytest -m "not slow" $(PYTEST_ARGS)

dev: system-deps install dagster-home ## Dagster UI + daemon on http://127.0.0.1:3000
	$(BIN)/media-pipeline db-upgrade
	$(BIN)/dagster dev -w workspace.yaml -h 127.0.0.1 -p 3000

api: system-deps install console-deps ## HTTP API on http://127.0.0.1:8000 (OpenAPI docs at /docs)
	$(BIN)/media-pipeline db-upgrade
	$(BIN)/media-pipeline api

up: system-deps install console-deps dagster-home ## Everything: API + console on :8000, Dagster UI on :3000; Ctrl-C stops all
	$(BIN)/media-pipeline db-upgrade
	$(BIN)/media-pipeline up --dagster-port 3000

bench: system-deps-pg install ## Benchmarks (see bench/README.md)
	$(BIN)/pip install -q -e ".[bench]"
	$(BIN)/python -m bench.run_all

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

system-deps:
	./scripts/install-system-deps.sh

system-deps-pg:
	./scripts/install-system-deps.sh --postgres

install: $(BIN)/.installed

$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[test]"
	touch $@

console-deps: $(CONSOLE_VENDOR)/.installed ## npm packages of the console (package-lock.json), vendored under static/

$(CONSOLE_VENDOR)/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	mkdir -p $(CONSOLE_VENDOR)
	cp node_modules/hls.js/dist/hls.mjs $(CONSOLE_VENDOR)/hls.mjs
	cp node_modules/hls.js/LICENSE $(CONSOLE_VENDOR)/hls.LICENSE
	cp node_modules/uplot/dist/uPlot.esm.js $(CONSOLE_VENDOR)/uPlot.esm.js
	cp node_modules/uplot/dist/uPlot.min.css $(CONSOLE_VENDOR)/uPlot.min.css
	cp node_modules/uplot/LICENSE $(CONSOLE_VENDOR)/uPlot.LICENSE
	touch $@

dagster-home:
	mkdir -p "$(DAGSTER_HOME)"
	cp dagster.yaml "$(DAGSTER_HOME)/dagster.yaml"
	if [ -n "$${DAGSTER_PG_URL:-}" ]; then \
	  printf 'storage:\n  postgres:\n    postgres_url:\n      env: DAGSTER_PG_URL\n' >> "$(DAGSTER_HOME)/dagster.yaml"; fi

clean:
	rm -rf var .pytest_cache node_modules $(CONSOLE_VENDOR)
