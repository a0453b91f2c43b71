"""budget.bulk: COPY for new rows, one UPDATE for changed ones, with the audit trail and the
roll-ups kept as for any other write."""

from decimal import Decimal as D

import pghistory
import pytest
from django.apps import apps
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from budget import rollups
from budget.bulk import copy_rows, update_rows
from budget.models import DpaLine, Realisasi
from tests.factories import dpa_row, realisasi_row
from tests.helpers import run_command

pytestmark = pytest.mark.django_db


@pytest.fixture
def lines(files):
    rows = [dpa_row(kode_rekening=f"5.1.02.01.01.{i:04d}") for i in range(1, 6)]
    run_command("import_dpa", files.csv(rows), no_progress=True)
    return list(DpaLine.objects.order_by("pk"))


def events():
    return apps.get_model("budget", "RealisasiEvent").objects


def test_copy_rows_writes_the_rows_with_their_history_and_the_roll_ups_stay_exact(lines):
    with transaction.atomic(), pghistory.context(command="test_bulk"):
        n = copy_rows(
            Realisasi,
            ["region_id", "line_id", "triwulan", "jumlah"],  # the timestamps are filled in
            [(line.region_id, line.pk, 1, D("1000.50")) for line in lines],
        )
    assert n == len(lines)
    assert sorted(Realisasi.objects.values_list("jumlah", flat=True)) == [D("1000.50")] * 5
    assert Realisasi.objects.filter(created_at__isnull=True).count() == 0
    assert events().count() == 5
    assert {e.pgh_context.metadata["command"] for e in events().all()} == {"test_bulk"}
    assert rollups.differences() == []


def test_update_rows_changes_every_row_in_one_statement_with_history_and_roll_ups(lines):
    with transaction.atomic():
        copy_rows(
            Realisasi,
            ["region_id", "line_id", "triwulan", "jumlah"],
            [(line.region_id, line.pk, 2, D("10")) for line in lines],
        )
    before = events().count()
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        n = update_rows(
            Realisasi,
            ["line_id", "triwulan"],
            ["jumlah"],
            [(line.pk, 2, D(i)) for i, line in enumerate(lines)],
        )
    assert n == 5
    assert [q["sql"].lstrip().upper()[:6] for q in queries] == ["UPDATE"]
    assert dict(Realisasi.objects.values_list("line_id", "jumlah")) == {
        line.pk: D(i) for i, line in enumerate(lines)
    }
    assert events().count() == before + 5
    assert rollups.differences() == []


def test_a_refused_copy_writes_nothing(lines):
    with pytest.raises(Exception), transaction.atomic():  # noqa: B017, PT011 (the database's error)
        copy_rows(
            Realisasi,
            ["region_id", "line_id", "triwulan", "jumlah"],
            [
                (lines[0].region_id, lines[0].pk, 1, D("5")),
                (lines[0].region_id, lines[0].pk, 9, D("5")),
            ],
        )
    assert not Realisasi.objects.exists()


# What the database's triggers write on an import, and what the database holds before any:
# the COPY floor leaves both to the database.
TRIGGER_TABLES = {
    "budget_rollup",
    "budget_subkegiatanrollup",
    "budget_dpachangeset",
    "pghistory_context",
}
BEFORE_ANY_IMPORT = {"budget_criteriaband", "budget_targetpenyerapan"}


def _tables_with_rows() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = current_schema() AND c.relkind = 'r'"
            " AND c.relname LIKE ANY (ARRAY['budget%%', 'pghistory%%'])"
        )
        names = [r[0] for r in cursor.fetchall()]
        out = set()
        for name in names:
            cursor.execute(f'SELECT EXISTS (SELECT 1 FROM "{name}")')  # noqa: S608 (catalog names)
            if cursor.fetchone()[0]:
                out.add(name)
    return out


@pytest.mark.django_db(transaction=True)
def test_the_copy_floor_copies_every_row_an_import_stores_and_leaves_nothing_written(files):
    """The benchmark's floor: on an empty database it runs the import first, in the same
    rolled-back transaction (whose deferred checks must not stop the TRUNCATE before the
    COPY: they once did, "pending trigger events"), and copies back every table the import
    stored rows in but the triggers' own: an import that starts storing rows somewhere new
    fails here until the floor copies them too."""
    from scripts.copy_floor import STORED, copy_floor

    dpa = files.csv([dpa_row(), dpa_row(kode_rekening="5.1.02.01.01.0025")])
    real = files.csv([realisasi_row(triwulan=1, realisasi=10)])
    before = _tables_with_rows()
    assert before <= BEFORE_ANY_IMPORT
    for kind, path in (("dpa", dpa), ("realisasi", real)):
        for triggers in (True, False):
            assert copy_floor(connection, kind, path, triggers=triggers, vacuum=False) > 0
            assert _tables_with_rows() == before
        run_command(f"import_{kind}", path, no_progress=True)
        stored = _tables_with_rows() - before - TRIGGER_TABLES
        stored = {t for t in stored if not t.endswith("event")}  # the audit trail's
        assert stored == {s.table for s in STORED[kind]}, kind
        before = _tables_with_rows()
