"""scripts/with_db.py: the embedded PostgreSQL that `make run` / `make test` use when
DATABASE_URL is not set, as on a bare machine."""

import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import environ
import psutil
import pytest

PROJECT_DIR = Path(__file__).resolve().parent.parent
WITH_DB = PROJECT_DIR / "scripts" / "with_db.py"
LIBPQ_VARIABLES = {"PGHOST", "PGHOSTADDR", "PGPORT", "PGUSER", "PGPASSWORD", "PGDATABASE"}


def _load_with_db():
    spec = importlib.util.spec_from_file_location("with_db", WITH_DB)
    assert spec is not None  # a .py file that exists
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _bare_env(data_dir: Path) -> dict[str, str]:
    """The environment of a machine where nobody configured a database."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "TEST_DATABASE_NAME", *LIBPQ_VARIABLES}
    }
    env["SERAPAN_DATA_DIR"] = str(data_dir)
    return env


def _with_db(*cmd: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(WITH_DB), *cmd],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _postgres_processes(pgdata: Path) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["cmdline", "status"]):
        if proc.info["status"] == psutil.STATUS_ZOMBIE:
            continue  # already exited, waiting for init to reap it
        if str(pgdata) in " ".join(proc.info["cmdline"] or []):
            found.append(proc)
    return found


@pytest.fixture
def data_dir():
    # Not tmp_path: when run as root the server runs as the `pgserver` user, which needs to
    # traverse every parent folder; /tmp already allows that, pytest's private tmp does not.
    path = Path(tempfile.mkdtemp(prefix="serapan-embedded-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_database_url_is_read_as_a_unix_socket_by_django_environ(tmp_path):
    socket_dir = tmp_path / "Some Dir" / "pg"  # a space, which the URL must quote
    url = _load_with_db().database_url(socket_dir, "serapan")
    config = environ.Env.db_url_config(url)
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert config["NAME"] == "serapan"
    assert config["USER"] == "postgres"
    assert config["OPTIONS"]["host"] == str(socket_dir)


def test_a_set_database_url_is_used_as_is(data_dir):
    env = _bare_env(data_dir)
    env["DATABASE_URL"] = "postgres://someone@db.example:5433/elsewhere"
    result = _with_db(
        sys.executable,
        "-c",
        "import os, sys; print(os.environ['DATABASE_URL']); sys.exit(4)",
        env=env,
    )
    assert result.returncode == 4, result.stderr
    assert result.stdout.strip() == "postgres://someone@db.example:5433/elsewhere"
    assert not (data_dir / "pg").exists()  # no embedded server was started


@pytest.mark.slow
def test_embedded_postgres_serves_django_and_stops(data_dir):
    env = _bare_env(data_dir)
    pgdata = data_dir.resolve() / "pg"
    started = time.monotonic()

    migrate = _with_db(sys.executable, "manage.py", "migrate", "--noinput", "-v", "0", env=env)
    assert migrate.returncode == 0, migrate.stdout + migrate.stderr
    assert (pgdata / "PG_VERSION").exists()
    assert not _postgres_processes(pgdata)

    # A second run finds the data of the first: the server restarts on the same folder.
    script = (
        "from django.db import connection\n"
        "from django.db.migrations.recorder import MigrationRecorder\n"
        "print('applied', MigrationRecorder.Migration.objects.count())\n"
        "print('database', connection.settings_dict['NAME'])\n"
        "print('socket', connection.get_connection_params()['host'])\n"
    )
    shell = _with_db(sys.executable, "manage.py", "shell", "-c", script, env=env)
    assert shell.returncode == 0, shell.stdout + shell.stderr
    lines = dict(line.split(" ", 1) for line in shell.stdout.splitlines() if " " in line)
    assert int(lines["applied"]) > 0
    assert lines["database"] == "serapan"
    assert Path(lines["socket"]).is_dir()

    # The command's exit status is passed on.
    failing = _with_db(sys.executable, "-c", "import sys; sys.exit(3)", env=env)
    assert failing.returncode == 3, failing.stderr

    deadline = time.monotonic() + 5
    while _postgres_processes(pgdata) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _postgres_processes(pgdata), "a PostgreSQL process outlived with_db.py"
    assert not (pgdata / "postmaster.pid").exists()
    assert time.monotonic() - started < 60
