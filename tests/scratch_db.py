"""Databases of a test's own, on the server the suite runs on, for what has to commit and be
seen from other processes (a backup, a restore, an import that is killed).

The suite's own test database is left alone: these databases are created empty, filled by the
project's commands run in child processes (as an operator runs them), read through a plain
psycopg connection, and dropped when the test ends.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

PROJECT_DIR = Path(__file__).resolve().parent.parent
MANAGE = PROJECT_DIR / "manage.py"
BACKUP_SCRIPT = PROJECT_DIR / "scripts" / "backup.py"
# A child process on a busy two-core machine: generous, it only bounds a hang.
CHILD_TIMEOUT = 600


@functools.cache
def load_script(path: Path) -> ModuleType:
    """A script of scripts/ as a module (scripts/ is no package)."""
    name = f"serapan_script_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None  # a .py file that exists
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


def url_of(database: str) -> str:
    """DATABASE_URL with another database name: same server, user and options (a unix
    socket folder for the embedded server, a host and port for the machine's)."""
    url = os.environ["DATABASE_URL"]
    return urlunsplit(urlsplit(url)._replace(path="/" + database))


def connect(database: str) -> psycopg.Connection[Any]:
    backup = load_script(BACKUP_SCRIPT)
    return backup.Target.from_url(url_of(database)).connect()


@dataclass
class ScratchDatabases:
    prefix: str = field(default_factory=lambda: f"serapan_scratch_{uuid.uuid4().hex[:8]}")
    created: list[str] = field(default_factory=list)

    def create(self, label: str) -> str:
        name = f"{self.prefix}_{label}"
        with connect("postgres") as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        self.created.append(name)
        return name

    def drop_all(self) -> None:
        with connect("postgres") as conn:
            for name in reversed(self.created):
                conn.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )
        self.created.clear()


def scratch_databases() -> Iterator[ScratchDatabases]:
    """For a fixture: yields the factory, drops every database it made afterwards."""
    databases = ScratchDatabases()
    try:
        yield databases
    finally:
        databases.drop_all()


def child_env(database: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PGDATABASE", "TEST_DATABASE_NAME")}
    env["DATABASE_URL"] = url_of(database)
    env.setdefault("DEBUG", "1")
    env.update(extra)
    return env


def manage(database: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """`python manage.py ARGS` on `database`, in a child process."""
    result = subprocess.run(
        [sys.executable, str(MANAGE), *args],
        cwd=PROJECT_DIR,
        env=child_env(database),
        capture_output=True,
        text=True,
        timeout=CHILD_TIMEOUT,
        check=False,
    )
    if check:
        assert result.returncode == 0, f"manage.py {' '.join(args)}: {result.stderr[-3000:]}"
    return result


def backup_script(database: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(BACKUP_SCRIPT), *args],
        cwd=PROJECT_DIR,
        env=child_env(database, **env),
        capture_output=True,
        text=True,
        timeout=CHILD_TIMEOUT,
        check=False,
    )


def tables(conn: psycopg.Connection[Any]) -> list[str]:
    rows = conn.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
    ).fetchall()
    return [r[0] for r in rows]


def fingerprint(database: str, *, sequences: bool = True) -> dict[str, tuple[int, str | None]]:
    """Every table of the database as its row count and an md5 of all its rows (as text,
    sorted), and every sequence's position: equal fingerprints, equal contents. (Sequences are
    not transactional: a rolled-back insert still moves them on.)"""
    out: dict[str, tuple[int, str | None]] = {}
    with connect(database) as conn:
        for table in tables(conn):
            query = sql.SQL(
                "SELECT count(*), md5(string_agg(t::text, E'\\n' ORDER BY t::text)) FROM {} t"
            ).format(sql.Identifier(table))
            row = conn.execute(query).fetchone()
            assert row is not None
            out[table] = (int(row[0]), row[1])
        if not sequences:
            return out
        for name, last in conn.execute(
            "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'"
        ).fetchall():
            out[f"sequence {name}"] = (int(last or 0), None)
    return out


def scalar(database: str, query: str, params: list[Any] | None = None) -> Any:
    with connect(database) as conn:
        row = conn.execute(query, params).fetchone()
    assert row is not None
    return row[0]
