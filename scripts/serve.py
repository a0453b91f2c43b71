#!/usr/bin/env python3
"""The production server: `make serve [ADDR=host:port]` runs this through scripts/with_db.py.

    python scripts/serve.py [HOST:PORT]

1. DEBUG=0, whatever the environment says: this is the production configuration.
2. SECRET_KEY: from the environment (SECRET_KEY, or SECRET_KEY_FILE naming a file that holds
   it). When neither is set, a key is generated once into .data/secret_key (mode 600) and
   used from then on: sessions survive a restart, and a one-machine install needs no step.
   Keep that file private, out of backups that leave the machine, and the same for every
   process of one installation.
3. `manage.py migrate --noinput`, with DEMO=1 `manage.py seed_demo --if-empty` (the demo
   region and its users on an empty database), and `manage.py collectstatic --noinput`
   (hashed, gzip and brotli static files into STATIC_ROOT for WhiteNoise).
4. gunicorn with gunicorn.conf.py (workers: WEB_CONCURRENCY, default 2 x cores + 1, at most 8)
   on HOST:PORT (default 127.0.0.1:8000), and the background-task worker beside it (see
   WORKER_COMMAND below); both are stopped when either ends or on SIGINT/SIGTERM.

ALLOWED_HOSTS and the HTTPS settings come from the environment (see README, "Production").
For plain HTTP on loopback: SECURE_SSL_REDIRECT=0.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
MANAGE = [PYTHON, str(PROJECT_DIR / "manage.py")]

# The background-task worker started beside gunicorn (SERVE_WORKER=0 leaves it out, e.g. when
# systemd runs it as its own unit): django-tasks-db's db_worker, which on SIGTERM finishes the
# task in hand before it leaves.
WORKER_COMMAND: list[str] | None = [*MANAGE, "db_worker", "--no-reload", "--no-startup-delay"]


def log(message: str) -> None:
    print(f"serve: {message}", file=sys.stderr, flush=True)


def secret_key_env(environ: dict[str, str], data_dir: Path) -> dict[str, str]:
    """The environment with a secret key: the operator's, else the one kept in data_dir."""
    if environ.get("SECRET_KEY", "").strip() or environ.get("SECRET_KEY_FILE", "").strip():
        return environ
    path = data_dir / "secret_key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        # Created with mode 600 from the start: never readable by others, not even briefly.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(secrets.token_urlsafe(50) + "\n")
        log(
            f"SECRET_KEY not set: generated one in {path} (mode 600); set SECRET_KEY or "
            "SECRET_KEY_FILE to use your own"
        )
    else:
        log(f"SECRET_KEY not set: using the key in {path}")
    return {**environ, "SECRET_KEY_FILE": str(path)}


def prepare(env: dict[str, str]) -> None:
    steps = [["migrate", "--noinput"]]
    if env.get("DEMO", "").strip().lower() in {"1", "true", "yes", "on"}:
        # A first look at production settings: the demo region and its users, on an empty
        # database only (never over a pemda's data).
        steps.append(["seed_demo", "--if-empty"])
    steps.append(["collectstatic", "--noinput", "--verbosity", "0"])
    for args in steps:
        log("manage.py " + " ".join(args))
        subprocess.run([*MANAGE, *args], env=env, check=True, cwd=PROJECT_DIR)


def supervise(commands: list[list[str]], env: dict[str, str]) -> int:
    """Start every command; when one ends (or we are asked to stop) stop the others.
    Returns the exit status of the first to end."""
    children = [subprocess.Popen(cmd, env=env, cwd=PROJECT_DIR) for cmd in commands]
    stopping: list[int] = []

    def stop(signum: int, _frame: object) -> None:
        stopping.append(signum)

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, stop)
    status = 0
    try:
        while not stopping:
            ended = [c for c in children if c.poll() is not None]
            if ended:
                status = ended[0].returncode
                log(f"{commands[children.index(ended[0])][0]} ended with status {status}")
                break
            time.sleep(0.5)
    finally:
        for child in children:
            if child.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    child.terminate()  # gunicorn: graceful stop (SIGTERM)
        deadline = time.monotonic() + 40
        for child in children:
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
    if stopping:
        return 0
    return status if status >= 0 else 128 - status


def main(argv: list[str]) -> int:
    addr = argv[0] if argv else "127.0.0.1:8000"
    env = dict(os.environ)
    if env.get("DEBUG", "").strip().lower() in {"1", "true", "yes", "on"}:
        log("DEBUG is on in the environment; make serve runs with DEBUG=0 (use make run)")
    env["DEBUG"] = "0"
    data_dir = Path(env.get("SERAPAN_DATA_DIR") or PROJECT_DIR / ".data")
    env = secret_key_env(env, data_dir)
    try:
        prepare(env)
    except subprocess.CalledProcessError as exc:
        log(f"{' '.join(exc.cmd[1:])} failed (status {exc.returncode}); not serving")
        return exc.returncode or 1
    commands = [[PYTHON, "-m", "gunicorn", "-c", str(PROJECT_DIR / "gunicorn.conf.py")]]
    env["GUNICORN_BIND"] = addr
    if WORKER_COMMAND and env.get("SERVE_WORKER", "1").strip() != "0":
        commands.append(WORKER_COMMAND)
    log(f"gunicorn on http://{addr}/ (DEBUG=0)")
    return supervise(commands, env)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
