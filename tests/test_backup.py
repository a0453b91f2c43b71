"""`make backup` / `make restore` (scripts/backup.py): a backup of the demo region restored into
an empty database holds every figure and the whole audit trail; a restore never lands on a
database that holds data unless told to, and then keeps a copy of what was there.

Everything runs as an operator runs it: the commands and the script in child processes, on
databases of the test's own (tests/scratch_db.py), compared through plain connections.
"""

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.scratch_db import (
    BACKUP_SCRIPT,
    ScratchDatabases,
    backup_script,
    connect,
    fingerprint,
    load_script,
    manage,
    scalar,
    scratch_databases,
)

# The audit trail: django-pghistory's event tables and the context of each change.
AUDIT_TABLES = (
    "budget_dpalineevent",
    "budget_realisasievent",
    "budget_quarterreportevent",
    "pghistory_context",
)
LEVELS = [
    ("pemda", None),
    ("opd", None),
    ("program", None),
    ("kegiatan", None),
    ("sub_kegiatan", None),
    ("akun", 2),
    ("akun", 6),
    ("sumber_dana", None),
]
PERIODS = [(2025, 4), (2026, 3)]

# One child process per database: every level of `absorption_report --format json`.
REPORTS = f"""
import io, json
from django.core.management import call_command
out = {{}}
for tahun, triwulan in {PERIODS!r}:
    for level, depth in {LEVELS!r}:
        buf = io.StringIO()
        options = {{"depth": depth}} if depth else {{}}
        call_command("absorption_report", tahun=tahun, triwulan=triwulan, level=level,
                     format="json", stdout=buf, **options)
        out[f"{{tahun}} TW {{triwulan}} {{level}} {{depth}}"] = json.loads(buf.getvalue())
print(json.dumps(out))
"""


def reports(database: str) -> dict:
    return json.loads(manage(database, "shell", "-v", "0", "-c", REPORTS).stdout)


@pytest.fixture
def databases() -> Iterator[ScratchDatabases]:
    yield from scratch_databases()


@pytest.fixture(scope="module")
def module_databases() -> Iterator[ScratchDatabases]:
    yield from scratch_databases()


@pytest.fixture(scope="module")
def demo(module_databases) -> str:
    """A database of its own with the demo region, as `make run` leaves it. Shared by the
    module: no test changes it (a test that changes data works on a restored copy)."""
    name = module_databases.create("demo")
    manage(name, "migrate", "--no-input")
    manage(name, "seed_demo")
    return name


@pytest.fixture(scope="module")
def dump(demo, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("backup") / "serapan.dump"
    result = backup_script(demo, "backup", "--file", str(path))
    assert result.returncode == 0, result.stderr
    return path


def restored_copy(databases: ScratchDatabases, dump: Path, label: str) -> str:
    name = databases.create(label)
    result = backup_script(name, "restore", "--file", str(dump))
    assert result.returncode == 0, result.stderr
    return name


@pytest.mark.slow
def test_a_backup_restored_into_an_empty_database_has_every_figure_and_the_audit_trail(
    demo, dump, databases
):
    restored = restored_copy(databases, dump, "restored")

    before, after = fingerprint(demo), fingerprint(restored)
    assert after == before
    for table in AUDIT_TABLES:
        assert before[table][0] > 0, f"the demo has no {table} rows to compare"
    assert before["budget_dpaline"][0] > 2000
    # The figures as the application computes them, at every level, from both databases.
    expected = reports(demo)
    assert all(r["rows"] for r in expected.values())
    assert reports(restored) == expected
    # The restored database is the same schema, migrations included: nothing to apply.
    assert manage(restored, "migrate", "--check").returncode == 0


@pytest.mark.slow
def test_the_restored_database_keeps_recording_history_and_numbering_rows(demo, dump, databases):
    """The triggers and sequences came along: a change after the restore is audited and its
    event takes the next number."""
    restored = restored_copy(databases, dump, "restored")
    events = scalar(restored, "SELECT max(pgh_id) FROM budget_dpalineevent")
    with connect(restored) as conn:
        # A pergeseran within the line's cash plan: TW IV and the pagu move together.
        conn.execute(
            "UPDATE budget_dpaline SET pagu = pagu + 1, kas_tw4 = kas_tw4 + 1 "
            "WHERE id = (SELECT min(id) FROM budget_dpaline)"
        )
    assert scalar(restored, "SELECT max(pgh_id) FROM budget_dpalineevent") == events + 1


@pytest.mark.slow
def test_it_refuses_to_restore_over_a_database_that_holds_data(demo, dump):
    before = fingerprint(demo)
    result = backup_script(demo, "restore", "--file", str(dump))
    assert result.returncode == 1
    assert "not empty" in result.stderr
    assert fingerprint(demo) == before


@pytest.mark.slow
def test_a_forced_restore_replaces_the_data_and_keeps_a_copy_of_it_first(
    demo, dump, databases, tmp_path
):
    original = fingerprint(demo)
    target = restored_copy(databases, dump, "target")
    with connect(target) as conn:
        conn.execute("UPDATE budget_realisasi SET jumlah = jumlah + 1")
        conn.execute("DELETE FROM budget_quarterreport WHERE status = 'draft'")
    changed = fingerprint(target)
    assert changed != original
    safety_dir = tmp_path / "safety"

    result = backup_script(
        target, "restore", "--force", "--file", str(dump), SERAPAN_BACKUP_DIR=str(safety_dir)
    )
    assert result.returncode == 0, result.stderr
    assert fingerprint(target) == original
    # What was replaced can be had back from the safety backup.
    (safety,) = safety_dir.glob("pre-restore-*.dump")
    assert fingerprint(restored_copy(databases, safety, "safety")) == changed


@pytest.mark.slow
def test_a_damaged_backup_is_refused_and_changes_nothing(dump, databases, tmp_path):
    damaged = tmp_path / "damaged.dump"
    damaged.write_bytes(dump.read_bytes()[: dump.stat().st_size // 2])
    target = databases.create("target")
    result = backup_script(target, "restore", "--file", str(damaged))
    assert result.returncode == 1
    assert fingerprint(target) == {}


@pytest.mark.slow
def test_a_failed_backup_leaves_no_file(databases, tmp_path):
    path = tmp_path / "never.dump"
    result = backup_script("serapan_scratch_no_such_database", "backup", "--file", str(path))
    assert result.returncode != 0
    assert list(tmp_path.iterdir()) == []


# --- the script's choices, without a database ------------------------------------------------


@pytest.fixture
def backup_module():
    return load_script(BACKUP_SCRIPT)


@pytest.mark.parametrize(
    ("server", "found", "chosen"),
    [
        (15, {15: "/usr/lib/postgresql/15/bin", 16: "/pgserver/16", 18: "/pgserver/18"}, 15),
        (18, {15: "/usr/lib/postgresql/15/bin", 16: "/pgserver/16", 18: "/pgserver/18"}, 18),
        (14, {15: "/usr/lib/postgresql/15/bin", 18: "/pgserver/18"}, 15),
    ],
)
def test_it_uses_the_tools_of_the_servers_version_else_the_closest_newer(
    backup_module, monkeypatch, server, found, chosen
):
    tools = {major: Path(folder) for major, folder in found.items()}
    monkeypatch.setattr(backup_module, "available_tools", lambda: tools)
    assert backup_module.find_tools(server, prefer=server) == tools[chosen]


def test_it_refuses_tools_older_than_the_server(backup_module, monkeypatch):
    monkeypatch.setattr(backup_module, "available_tools", lambda: {15: Path("/usr/bin")})
    with pytest.raises(backup_module.BackupError, match="PostgreSQL 18 or newer"):
        backup_module.find_tools(18, prefer=18)


def test_the_password_is_never_on_the_command_line(backup_module):
    target = backup_module.Target.from_url("postgres://serapan:s3cret@db.internal:5433/serapan")
    assert "s3cret" not in target.conninfo()
    assert "host=db.internal" in target.conninfo()
    assert target.env()["PGPASSWORD"] == "s3cret"


def test_the_embedded_servers_url_reaches_libpq_as_a_socket_folder(backup_module):
    target = backup_module.Target.from_url(
        "postgres://postgres@/serapan?host=/run/serapan/pg%20data"
    )
    assert target.params == {
        "dbname": "serapan",
        "user": "postgres",
        "host": "/run/serapan/pg data",
    }
