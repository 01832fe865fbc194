# Tremplin: `make run` runs the platform, `make test` passes the tests. `make help` lists the rest.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON := 3.11
# Every run started from here is a development run: the services fall back to the public
# development secret; anywhere else a service without its secrets refuses to start.
export TREMPLIN_DEVELOPMENT := true
UV := $(PYTHON) -m uv
STACK := $(PYTHON) deploy/local/stack.py
RUN := $(UV) run --frozen --no-sync
DEMO_SEEKERS ?= 200
DEMO_OFFERS ?= 300
BENCH := $(STACK) with-infra --services -- $(UV) run --frozen --no-sync --directory bench python
# Extra arguments for a bench, e.g. `make bench-e2e BENCH_ARGS=--record` (a quiet machine only).
BENCH_ARGS ?=
PACKAGES := contracts servicekit refdata wording demo profiles offers recommender notifier gateway companies opscli trainings

.PHONY: help bootstrap run up down status clean seed lint docs format test test-unit bench-ingest \
	bench-match bench-gateway bench-e2e bench-store bench-france-day bench-companies bench-tools chaos \
	bench-trainings-import drill-restore

help: ## List the targets
	@grep -hE '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

bootstrap: ## Install what is missing: uv, the Python workspace, Kafka's jars, FerretDB, Chromium, web/node_modules, the local OpenID provider
	@$(PYTHON) -m uv --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet --disable-pip-version-check uv
	@$(UV) sync --frozen --all-packages --quiet
	@$(STACK) prepare

run: bootstrap ## Start Kafka, FerretDB and every service, seed demo data, follow the logs; Ctrl-C stops all
	@$(STACK) up
	@$(RUN) python -m demo --seekers $(DEMO_SEEKERS) --offers $(DEMO_OFFERS) || echo "run: demo data not (fully) seeded; the platform runs anyway"
	@$(STACK) run

up: bootstrap ## Start everything in the background and return once all is ready
	@$(STACK) up

down: ## Stop exactly the processes `make up` or `make run` started
	@$(STACK) down

status: ## Show what runs, where, and whether it is ready
	@$(STACK) status

clean: down ## Stop everything and wipe the local data (Kafka log, FerretDB files)
	@$(STACK) clean

seed: ## Seed the running platform with demo data (DEMO_SEEKERS, DEMO_OFFERS)
	@$(RUN) python -m demo --seekers $(DEMO_SEEKERS) --offers $(DEMO_OFFERS)

lint: ## Ruff (lint and format check) and mypy
	@$(RUN) ruff check .
	@$(RUN) ruff format --check .
	@$(RUN) mypy $(addprefix -p ,$(PACKAGES))
	@$(RUN) mypy tools

docs: ## Generate the API documents (docs/api: OpenAPI of every service, AsyncAPI of the events)
	@$(RUN) python tools/apidocs.py

format: ## Apply ruff's fixes and formatting
	@$(RUN) ruff check --fix .
	@$(RUN) ruff format .

test: bootstrap lint ## Lint, then unit, integration and end-to-end tests against the real Kafka and FerretDB
	@$(STACK) with-infra --services -- $(RUN) pytest -m "not drill"

test-unit: bootstrap ## Unit tests only (no Kafka, no FerretDB)
	@$(RUN) pytest -m "not integration and not e2e"

bench-tools: ## Install the benches' native tools when missing (Debian's wrk, as root)
	@$(PYTHON) bench/native_tools.py

bench-ingest: bootstrap bench-tools ## Profile updates and offer imports per second, end to end, against the store's ceiling
	@$(BENCH) bench_ingest.py $(BENCH_ARGS)

bench-match: bootstrap ## Matching cost per new offer at 1,000,000 seekers, against a brute-force scan
	@$(STACK) with-infra -- $(RUN) python bench/bench_match.py --seekers 1000000 --offers 2000 --bruteforce-offers 30 --profile-events 20000 $(BENCH_ARGS)

bench-gateway: bootstrap ## The gateway against a bare relay to the recommender: throughput, CPU, p99 (--record: docs)
	@$(BENCH) bench_gateway.py $(BENCH_ARGS)

bench-trainings-import: bootstrap ## 100,000 LHEO sessions imported: rate against the store's insert ceiling, peak memory
	@$(STACK) with-infra -- $(UV) run --frozen --no-sync --directory bench python bench_trainings_import.py $(BENCH_ARGS)

bench-store: bootstrap ## What the store alone can do: the ceiling under the throughput targets
	@$(STACK) with-infra -- $(RUN) python bench/bench_store.py $(BENCH_ARGS)

bench-e2e: bootstrap ## The notifier's capacity under overload (100,000 seekers), then latency at half of it
	@$(BENCH) bench_e2e.py $(BENCH_ARGS)

bench-france-day: bootstrap ## 29,000 France Travail offers imported into 100,000 seekers: time until all alerted
	@$(BENCH) bench_france_day.py $(BENCH_ARGS)

bench-companies: bootstrap ## Companies for 200 seekers of Metz through the gateway: p99 against the profile read, attention spread
	@$(BENCH) bench_companies.py $(BENCH_ARGS)

drill-restore: bootstrap ## Backup and restore drill: dump under load, wipe, restore, rewind, carry on; nothing alerted twice
	@$(STACK) with-infra --services -- $(RUN) pytest -m drill -s -p no:cacheprovider tests/e2e/test_restore_drill.py

chaos: bootstrap ## 10,000 offers through the stack under faults; nothing lost, nothing duplicated
	@$(STACK) with-infra --services -- $(RUN) python deploy/local/chaos.py --faults recommender,notifier,outbox,kafka,ferretdb,poison $(CHAOS_ARGS)
