"""An import killed outright (SIGKILL: no handler, no rollback of its own) while it is writing
leaves the database as it was, and the same import run again completes.

The import is all-or-nothing because it writes in one transaction: PostgreSQL aborts the
transaction of a client that vanishes. The test makes sure the kill lands inside the write
phase, not while the file is being read or validated: it waits until the import's own database
session holds the write lock (RowExclusiveLock) on the DPA lines *and* on their history table.
The second lock is taken by the statement-level history trigger at the end of an INSERT into
the lines, so by then at least one batch of lines and its audit events has been written inside
the open transaction. That session is found by the application name the child process gives
libpq (PGAPPNAME).
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from tests.scratch_db import (
    MANAGE,
    PROJECT_DIR,
    ScratchDatabases,
    child_env,
    connect,
    fingerprint,
    load_script,
    manage,
    scalar,
    scratch_databases,
)

pytestmark = pytest.mark.slow

BENCHMARK = PROJECT_DIR / "scripts" / "benchmark.py"
LINES_PER_OPD = 1500
SMALL_OPDS = 2
BIG_OPDS = 24  # ~36,000 lines: the write phase lasts seconds, polled every few milliseconds
WRITE_PHASE_TIMEOUT = 600  # reading and validating a big file on a busy machine
GONE_TIMEOUT = 120


@pytest.fixture
def databases() -> Iterator[ScratchDatabases]:
    yield from scratch_databases()


def province(opds: int, folder: Path):
    """Synthetic region files (scripts/benchmark.py's generator). The same seed and OPD size
    draw the same first OPDs, so the big file holds every line of the small one, unchanged."""
    bench = load_script(BENCHMARK)
    drawn, rng = bench.generate_province(opds, LINES_PER_OPD, 15, 2025)
    folder.mkdir()
    bench.write_files(drawn, rng, folder, with_xlsx=False)
    return drawn


def write_locks(database: str, application_name: str) -> tuple[int | None, set[str]]:
    """The backend of the import's session, and the tables it holds write locks on."""
    with connect(database) as conn:
        rows = conn.execute(
            "SELECT a.pid, l.relation::regclass::text FROM pg_stat_activity a "
            "LEFT JOIN pg_locks l ON l.pid = a.pid AND l.locktype = 'relation' "
            "AND l.mode = 'RowExclusiveLock' AND l.granted "
            "WHERE a.application_name = %s AND a.datname = current_database()",
            [application_name],
        ).fetchall()
    pids = {pid for pid, _table in rows}
    assert len(pids) <= 1, f"one session expected, found {pids}"
    return (next(iter(pids)) if pids else None), {table for _pid, table in rows if table}


def backend_alive(database: str, pid: int) -> bool:
    return bool(scalar(database, "SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid]))


def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.005)  # a poll interval, not a synchronisation: the condition decides


def dpa_totals(database: str) -> tuple[int, Decimal, int]:
    with connect(database) as conn:
        row = conn.execute(
            "SELECT (SELECT count(*) FROM budget_dpaline), "
            "(SELECT coalesce(sum(pagu), 0) FROM budget_dpaline), "
            "(SELECT count(*) FROM budget_dpalineevent)"
        ).fetchone()
    assert row is not None
    return int(row[0]), row[1], int(row[2])


def test_import_dpa_killed_while_writing_changes_nothing_and_a_rerun_completes(databases, tmp_path):
    database = databases.create("kill")
    manage(database, "migrate", "--no-input")
    small = province(SMALL_OPDS, tmp_path / "small")
    big = province(BIG_OPDS, tmp_path / "big")
    # What is there before: a region with its first OPDs' DPA and TW I realisasi.
    manage(database, "import_dpa", str(tmp_path / "small" / "dpa.csv"), "--no-progress")
    manage(
        database, "import_realisasi", str(tmp_path / "small" / "realisasi_tw1.csv"), "--no-progress"
    )
    before = fingerprint(database, sequences=False)
    lines_before, pagu_before, events_before = dpa_totals(database)
    assert lines_before == len(small.lines)
    assert before["budget_realisasi"][0] > 0

    application_name = f"serapan-kill-{uuid.uuid4().hex[:8]}"
    out, err = tmp_path / "import.out", tmp_path / "import.err"
    with out.open("w") as stdout, err.open("w") as stderr:
        child = subprocess.Popen(
            [sys.executable, str(MANAGE), "import_dpa", str(tmp_path / "big" / "dpa.csv")],
            cwd=PROJECT_DIR,
            env=child_env(database, PGAPPNAME=application_name),
            stdout=stdout,
            stderr=stderr,
        )
    try:
        seen: dict[str, object] = {}

        def writing() -> bool:
            if child.poll() is not None:
                pytest.fail(
                    f"the import ended (exit {child.returncode}) before its write phase was "
                    f"seen:\n{err.read_text()[-2000:]}"
                )
            pid, locked = write_locks(database, application_name)
            seen.update(pid=pid, locked=locked)
            return {"budget_dpaline", "budget_dpalineevent"} <= locked

        wait_for(writing, WRITE_PHASE_TIMEOUT, "the import to write DPA lines")
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(timeout=60) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()

    backend = seen["pid"]
    assert isinstance(backend, int)
    # PostgreSQL ends the session (and rolls its transaction back) once it notices the client
    # is gone; until then the transaction could still be open.
    wait_for(lambda: not backend_alive(database, backend), GONE_TIMEOUT, "the session to end")
    assert fingerprint(database, sequences=False) == before

    rerun = manage(database, "import_dpa", str(tmp_path / "big" / "dpa.csv"), "--no-progress")
    assert rerun.returncode == 0
    lines, pagu, events = dpa_totals(database)
    assert lines == len(big.lines)
    assert pagu == sum(Decimal(line.pagu) for line in big.lines) / 100
    assert pagu > pagu_before
    # One history event per line created by the completed run, none left by the killed one.
    assert events == events_before + len(big.lines) - len(small.lines)
    after = fingerprint(database, sequences=False)
    assert after["budget_realisasi"] == before["budget_realisasi"]
    # Run once more: everything is already there.
    manage(database, "import_dpa", str(tmp_path / "big" / "dpa.csv"), "--no-progress")
    assert dpa_totals(database) == (lines, pagu, events)
