# Two commands for a new user: `make run` and `make test`. Everything else is set up on the way.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
PORT ?= 3000
MONTH ?=

# Dagster needs an absolute DAGSTER_HOME; the project keeps its own unless one is given.
export DAGSTER_HOME ?= $(CURDIR)/.dagster
# dbt and dagster-dbt look for the `dbt` executable on PATH.
export PATH := $(BIN):$(PATH)

.PHONY: help setup run packs test ui serve stop lint lock browser postgres axe bench clean \
	template validate source

help:
	@echo "make run    set up, then run the pipeline on raw/ (MONTH=YYYY-MM for another month)"
	@echo "            (BOROUGH=Camden: another borough's pack; BOROUGH=all: then all 32 boroughs')"
	@echo "make packs  every London borough's pack from the published copy (MONTH=YYYY-MM)"
	@echo "make test   set up, then run the whole test suite"
	@echo "make ui     the Dagster UI (webserver and daemon) on http://127.0.0.1:$(PORT)"
	@echo "make serve  the webserver and daemon in the background (HOST, PORT, READ_ONLY=1;"
	@echo "            SCP_DAGSTER_PG_URL, SCP_PUBLISH_PG_URL: docs/deployment.md); make stop"
	@echo "make bench  time the refresh's stages, and make run against a UI-launched run"
	@echo "            (SCALE=london-10y or national-10y: a ten-year ward history at London or"
	@echo "            England and Wales scale against DuckDB and pandas; warehouse/bench/<scale>.json)"
	@echo "make lint   ruff, sqlfluff on every .sql file, mypy on orchestration/ (as pre-commit)"
	@echo "make template PROVIDER=marac QUARTER=2022-23-Q4   a blank partner return"
	@echo "make validate FILE=path.xlsx   check a partner return, naming every cell to correct"
	@echo "            (any other source's file too: in its landing folder, or SOURCE=key)"
	@echo "make source KEY=toy_counts GRAIN=month FOLDER=toy/counts \\"
	@echo "            COLUMNS=month:date,borough_name:area,calls:count   a new source's files"
	@echo "make lock   re-resolve requirements.lock from pyproject.toml"
	@echo "make clean  remove generated state (warehouse/, .dagster/, dbt target/)"

$(VENV)/.installed: requirements.lock pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python 3.11 is required (python3.11 or python3 on PATH)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $@

# The dbt manifest that dagster-dbt reads at import time; cheap, so always refreshed. The
# partner returns' seeds (not kept in git) are written from their measure catalogue first.
dbt_project/target/manifest.json: $(VENV)/.installed FORCE
	@$(BIN)/python -m orchestration.sources.partner_returns.seeds
	@cd dbt_project && $(BIN)/dbt parse --quiet --profiles-dir . --project-dir .

$(DAGSTER_HOME)/dagster.yaml: $(VENV)/.installed
	@$(BIN)/python -m orchestration.cli init-home

setup: $(VENV)/.installed dbt_project/target/manifest.json $(DAGSTER_HOME)/dagster.yaml

run: setup
	$(BIN)/python -m orchestration.cli run $(if $(MONTH),--month $(MONTH)) $(if $(AS_OF),--as-of $(AS_OF)) $(if $(BOROUGH),--borough "$(BOROUGH)")

# Every London borough's pack from the published copy (after `make run`), one run each.
packs: setup
	$(BIN)/python -m orchestration.cli packs $(if $(MONTH),--month $(MONTH))

template: $(VENV)/.installed
	@$(BIN)/python -m orchestration.cli template --provider "$(PROVIDER)" --quarter "$(QUARTER)" $(if $(OUT),--out "$(OUT)")

validate: $(VENV)/.installed
	@$(BIN)/python -m orchestration.cli validate "$(FILE)" $(if $(SOURCE),--source "$(SOURCE)")

# A new source's starting files (docs/adding_a_source.md), then the project parsed and the new
# unit's assets recorded in the definitions snapshot, for review.
source: $(VENV)/.installed
	@$(BIN)/python -m orchestration.cli source --key "$(KEY)" --grain "$(GRAIN)" \
		--folder "$(FOLDER)" --columns "$(COLUMNS)" $(if $(TITLE),--title "$(TITLE)")
	@$(MAKE) --no-print-directory dbt_project/target/manifest.json
	@$(BIN)/python -m tests.test_definitions --update "$(KEY)"

browser:
	@bash scripts/install_chromium.sh

# PostgreSQL for the deployment tests (Debian's package; the tests start their own server).
postgres:
	@bash scripts/install_postgres.sh

# axe-core, pinned in tests/browser/package-lock.json, for the pack's accessibility test; `npm ci`
# runs again only when the lock file changes. Node comes from Debian's packages if it is missing.
AXE := tests/browser/node_modules/axe-core/axe.min.js
axe: $(AXE)
$(AXE): tests/browser/package.json tests/browser/package-lock.json
	@command -v npm >/dev/null || { sudo=$$([ "$$(id -u)" -eq 0 ] || echo sudo); \
		$$sudo apt-get update -qq && $$sudo apt-get install -y -qq nodejs npm >/dev/null; }
	cd tests/browser && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# Both cores: the session's refresh and the tests that read it on one worker, each other scenario
# with its own fixtures on whichever is free (xdist_group marks, tests/conftest.py).
test: setup browser postgres axe
	$(BIN)/python -m pytest -n 2 --dist loadgroup

ui: setup
	$(BIN)/dagster dev -h 127.0.0.1 -p $(PORT) -w workspace.yaml

# Served: the webserver and the daemon as background processes (orchestration/serve.py), logs
# and pid files in warehouse/logs/; `make stop` ends them and whatever they started.
serve: setup
	@$(BIN)/python -m orchestration.serve start --host "$(or $(HOST),127.0.0.1)" --port $(PORT) \
		$(if $(filter-out 0,$(READ_ONLY)),--read-only)

stop:
	@$(BIN)/python -m orchestration.serve stop

bench: setup
	$(BIN)/python scripts/$(if $(SCALE),bench_scale.py --scale $(SCALE),benchmark.py) \
		$(if $(REPEAT),--repeat $(REPEAT))

lint: $(VENV)/.installed
	$(BIN)/ruff check orchestration tests scripts
	$(BIN)/ruff format --check orchestration tests scripts
	# Every .sql file: dbt's, the gate's suites and the tests' (Jinja), and the SQL the
	# Python code runs, whose placeholders orchestration/.sqlfluff names; one process a core,
	# and a file sqlfluff passed unchanged under the same rules is not linted again.
	$(BIN)/python scripts/lint_sql.py
	$(BIN)/mypy

lock: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 --no-header \
	  --annotation-style line -o requirements.lock

clean:
	rm -rf warehouse .dagster dbt_project/target dbt_project/logs

FORCE:
