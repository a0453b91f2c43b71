"""Imports at province scale (issue 10): the file's rows are read once and folded as they come
(no frame, no dict per row kept), parsed through memoised readers, held compactly (amounts in
whole sen, a realisasi file's figures in arrays), and written by COPY, one INSERT or one UPDATE
per table, through the one workflow write path.

The structure is asserted, not timings: that the readers stream, what is kept per row, how
many statements a write sends."""

import gc
import tracemalloc
import weakref
from array import array
from collections.abc import Iterator
from decimal import Decimal

import pghistory
import pytest
from django.apps import apps
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from budget import rollups
from budget.bulk import copy_lines, copy_text, insert_rows, update_rows
from budget.importing import columns as cols
from budget.importing import realisasi as realisasi_import
from budget.importing.dpa import PlannedLine, import_dpa, read_plan
from budget.importing.errors import ImportRefused
from budget.importing.reading import Table
from budget.importing.realisasi import import_realisasi
from budget.models import DpaLine, Opd, QuarterReport, Realisasi
from budget.money import NumberText, cents_of, from_cents, money_text
from budget.roles import SYSTEM
from budget.workflow import (
    CREATED,
    UNCHANGED,
    UPDATED,
    Figure,
    Writes,
    realisasi_ledger,
    realisasi_write,
)
from tests.factories import (
    DPA_COLUMNS,
    KEGIATAN,
    OPD,
    PROGRAM,
    REALISASI_COLUMNS,
    dpa_row,
    realisasi_row,
)
from tests.helpers import places, run_command

D = Decimal


class Cells(dict):
    """A row's cells that can be watched (weakref): whether anything keeps it."""


class Watched:
    """A table's rows, each handed out once per pass and watched: how many passes were made,
    whether `len()` was asked before a pass, and which rows are still alive afterwards."""

    def __init__(self, rows: list[dict[str, str]]):
        self.rows = rows
        self.passes = 0
        self.alive: list[weakref.ref] = []

    def __iter__(self) -> Iterator[tuple[int, dict[str, str]]]:
        self.passes += 1
        for n, row in enumerate(self.rows, start=2):
            cells = Cells(row)
            self.alive.append(weakref.ref(cells))
            yield n, cells

    def __len__(self) -> int:
        raise AssertionError("the importer counts the rows as it reads them")

    def kept(self) -> int:
        gc.collect()
        return sum(ref() is not None for ref in self.alive)


def dpa_rows(n: int) -> list[dict[str, str]]:
    """n belanja lines, one row each, under 100 sub kegiatan."""
    return [
        dpa_row(
            kode_sub_kegiatan=f"{KEGIATAN}.{i % 100 + 1:04d}",
            nama_sub_kegiatan=f"Sub {i % 100 + 1}",
            kode_rekening=f"5.1.02.01.{i // 10000 + 1:02d}.{i % 10000 + 1:04d}",
            uraian=f"Belanja {i}",
            pagu="400000",
        )
        for i in range(n)
    ]


# --- reading -------------------------------------------------------------------------------------


def test_the_dpa_reader_reads_the_rows_once_and_keeps_none_of_them():
    rows = Watched(dpa_rows(300))
    plan = read_plan(Table(columns=DPA_COLUMNS, rows=rows), "triwulan")  # type: ignore[arg-type]
    assert rows.passes == 1
    assert rows.kept() == 0
    assert plan.rows_read == 300
    assert len(plan.lines) == 300
    line = next(iter(plan.lines.values()))
    # Amounts in whole sen (exact ints), the fields in the order of plan.fields.
    assert plan.fields == ("pagu", "kas_tw1", "kas_tw2", "kas_tw3", "kas_tw4")
    assert line.values == [40000000, 10000000, 10000000, 10000000, 10000000]
    assert line.pagu == D("400000.00")


def test_what_the_dpa_reader_keeps_per_line_is_its_key_and_amounts_in_sen():
    # A line: its slots, its key (codes shared with the other lines), five amounts as ints and
    # its row, some 500 bytes. As parsed rows, dicts of Decimals and planned lines, it was
    # 2 400; the masters the lines name (here 100 sub kegiatan) add little.
    table = Table(columns=DPA_COLUMNS, rows=list(enumerate(dpa_rows(5000), start=2)))
    read_plan(table, "triwulan")  # warm: the readers' own set-up
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        plan = read_plan(table, "triwulan")
        kept = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert len(plan.lines) == 5000
    assert kept / len(plan.lines) < 800, f"{kept / len(plan.lines):.0f} bytes a line"


def test_a_planned_line_holds_slots_not_a_dict_per_line():
    assert not hasattr(PlannedLine((2024, OPD, None, "4.1"), "pendapatan", [1], 2), "__dict__")


def test_the_realisasi_reader_keeps_the_figures_in_arrays_not_a_row_each(db):
    rows = Watched(
        [
            realisasi_row(triwulan=str(q), kode_rekening=f"5.1.02.01.01.{i:04d}", realisasi="1.5")
            for i in range(1, 101)
            for q in (1, 2, 3, 4)
        ]
    )
    table = Table(columns=REALISASI_COLUMNS, rows=rows)  # type: ignore[arg-type]
    figures = realisasi_import._parse(table, False, None, None, None)
    assert rows.passes == 1
    assert rows.kept() == 0
    assert len(figures) == figures.rows_read == 400
    assert len(figures.keys) == 100  # each line named once, for its four quarters
    for column in (figures.line, figures.row, figures.writes.cents.items):
        assert isinstance(column, array)
    assert isinstance(figures.triwulan, bytearray)
    assert set(figures.writes.cents.items) == {150}
    assert figures.by_quarter == {(2024, q): 100 * 150 for q in (1, 2, 3, 4)}


def test_what_the_realisasi_reader_keeps_per_row_is_a_few_dozen_bytes(db):
    # 20 000 rows on 5 000 lines: the arrays hold 25 bytes a row, the lines' keys some 40 a
    # row more. A row as an object of its own (with its Decimal) would cost ten times that.
    rows = [
        {
            "tahun": "2024",
            "triwulan": str(q),
            "kode_opd": OPD,
            "kode_sub_kegiatan": f"{KEGIATAN}.{i % 1000 + 1:04d}",
            "kode_rekening": f"5.1.02.01.{i // 1000 + 1:02d}.{i % 1000 + 1:04d}",
            "realisasi": f"{i * 1000 + q}",
        }
        for i in range(5000)
        for q in (1, 2, 3, 4)
    ]
    table = Table(columns=REALISASI_COLUMNS, rows=[(n, r) for n, r in enumerate(rows, 2)])
    realisasi_import._parse(table, False, None, None, None)  # warm: the readers' own set-up
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        figures = realisasi_import._parse(table, False, None, None, None)
        kept = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert len(figures) == 20000
    assert kept / len(figures) < 120, f"{kept / len(figures):.0f} bytes a row"


def test_a_duplicate_line_and_quarter_names_the_first_row_however_far_back(db):
    rows = [realisasi_row(kode_rekening=f"5.1.02.01.01.{i:04d}") for i in range(1, 51)]
    rows += [realisasi_row(kode_rekening="5.1.02.01.01.0007"), rows[2]]
    table = Table(columns=REALISASI_COLUMNS, rows=list(enumerate(rows, start=2)))
    with pytest.raises(ImportRefused) as refused:
        realisasi_import._parse(table, False, None, None, None)
    first, second = refused.value.errors
    assert (first.row, first.column, second.row, second.column) == (
        52,
        "kode_rekening",
        53,
        "kode_rekening",
    )
    assert [c for c in first.message if c.isdigit()] == ["8"]
    assert [c for c in second.message if c.isdigit()] == ["4"]


# --- memoised readers ----------------------------------------------------------------------------


def _counting(kind: cols.Kind) -> tuple[cols.Column, list[str]]:
    calls: list[str] = []

    def parse(column, raw, row, errors, parent):
        calls.append(raw)
        return kind.parse(column, raw, row, errors, parent)

    counted = cols.Kind(kind.name, parse, kind.summed)
    return cols.Column("kode_opd", counted, Opd, "kode"), calls


def test_a_reader_parses_each_distinct_text_once_and_a_refused_one_on_every_row():
    column, calls = _counting(cols.OPD_CODE)
    read = cols.cell_reader(column)
    errors: list = []
    assert [read(OPD, row, errors, None) for row in range(2, 102)] == [OPD] * 100
    assert calls == [OPD]
    assert [read("1.02", row, errors, None) for row in (2, 3)] == [None, None]
    assert calls == [OPD, "1.02", "1.02"]
    assert [e.row for e in errors] == [2, 3]  # each row its own error


def test_a_reader_remembers_text_cells_only_not_spreadsheet_numbers():
    column, calls = _counting(cols.TEXT)
    read = cols.cell_reader(column)
    number = NumberText(5)
    assert read(number, 2, [], None) == read(number, 3, [], None) == "5"
    assert read("5", 4, [], None) == read("5", 5, [], None) == "5"
    assert calls == [number, number, "5"]


def test_a_reader_of_a_code_within_another_remembers_it_with_its_parent():
    kegiatan = next(c for c in cols.DPA if c.name == "kode_kegiatan")
    read = cols.cell_reader(kegiatan)
    errors: list = []
    assert read(KEGIATAN, 2, errors, PROGRAM) == KEGIATAN
    assert read(KEGIATAN, 3, errors, "1.02.02") is None  # not this program's kegiatan
    assert read(KEGIATAN, 4, errors, PROGRAM) == KEGIATAN
    assert [e.row for e in errors] == [3]


@pytest.mark.parametrize(
    ("raw", "cents"),
    [("400000", 40000000), ("400000.5", 40000050), ("0.05", 5), ("Rp 1.234,50", 123450)],
)
def test_amounts_are_read_as_whole_sen_exactly(raw, cents):
    pagu = next(c for c in cols.DPA if c.name == "pagu")
    assert cols.cell_reader(pagu, cents=True)(raw, 2, [], None) == cents
    assert from_cents(cents) == cols.cell_reader(pagu)(raw, 2, [], None)


def test_sen_and_back():
    for amount in ("0.00", "0.05", "1.50", "400000.00", "999999999999999999.99"):
        assert from_cents(cents_of(D(amount))) == D(amount)
        assert str(from_cents(cents_of(D(amount)))) == amount
        assert money_text(cents_of(D(amount))) == amount
    assert money_text(-150) == "-1.50"


def test_an_amount_of_more_than_two_places_is_never_cut_to_sen():
    assert cents_of(D("1.500")) == 150  # trailing zeros are the same amount
    with pytest.raises(ValueError, match="more than two decimal places"):
        cents_of(D("1.234"))


# --- the DPA import ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_code_named_as_before_does_not_hide_a_new_name_of_its_parent(files):
    # A sub kegiatan seen before, under its own name: its program's name is checked all the same.
    rows = [
        dpa_row(),
        dpa_row(kode_rekening="5.1.02.01.01.0002", nama_program="Another name"),
        dpa_row(kode_rekening="5.1.02.01.01.0003", nama_kegiatan="Another name"),
    ]
    with pytest.raises(ImportRefused) as refused:
        import_dpa(table=Table(columns=DPA_COLUMNS, rows=list(enumerate(rows, start=2))))
    assert places(refused.value.errors) == {(3, "nama_program"), (4, "nama_kegiatan")}


@pytest.mark.django_db
def test_the_first_import_into_a_new_region_reads_nothing_back_and_writes_each_table_once():
    table = Table(columns=DPA_COLUMNS, rows=list(enumerate(dpa_rows(50), start=2)))
    with CaptureQueriesContext(connection) as queries:
        import_dpa(table=table)
    statements = [q["sql"] for q in queries]
    assert not [s for s in statements if "budget_dpaline" in s and "SELECT" in s[:80]]
    for table_name in ("opd", "program", "kegiatan", "subkegiatan", "account"):
        inserts = [s for s in statements if s.startswith(f'INSERT INTO "budget_{table_name}"')]
        assert len(inserts) == 1, table_name
    assert len([s for s in statements if s.startswith('COPY "budget_dpaline"')]) == 1
    assert DpaLine.objects.count() == 50
    assert rollups.differences() == []


@pytest.mark.django_db
def test_a_dpa_imported_again_is_compared_line_by_line_as_stored(files):
    rows = dpa_rows(30)
    run_command("import_dpa", files.csv(rows), no_progress=True)
    rows[3] = rows[3] | {"pagu": "400000.50", "kas_tw4": "100000.50"}
    result = import_dpa(table=Table(columns=DPA_COLUMNS, rows=list(enumerate(rows, start=2))))
    assert (result.lines.created, result.lines.updated, result.lines.unchanged) == (0, 1, 29)
    [change] = result.changes
    assert (change["pagu_lama"], change["pagu_baru"]) == (D("400000.00"), D("400000.50"))
    assert change["kas"] == [(4, D("100000.00"), D("100000.50"))]
    assert DpaLine.objects.get(account__kode=rows[3]["kode_rekening"]).pagu == D("400000.50")


# --- the realisasi import and the write path -----------------------------------------------------


@pytest.fixture
def lines(files) -> list[DpaLine]:
    run_command("import_dpa", files.csv(dpa_rows(20)), no_progress=True)
    return list(DpaLine.objects.order_by("pk"))


@pytest.mark.django_db
def test_a_realisasi_file_is_written_by_one_copy_and_its_reports_by_one_insert(files, lines):
    rows = [
        realisasi_row(
            triwulan=str(q),
            kode_sub_kegiatan=line.sub_kegiatan.kode,
            kode_rekening=line.account.kode,
            realisasi="1000",
        )
        for line in lines
        for q in (1, 2)
    ]
    table = Table(columns=REALISASI_COLUMNS, rows=list(enumerate(rows, start=2)))
    with CaptureQueriesContext(connection) as queries:
        result = import_realisasi(table=table)
    statements = [q["sql"] for q in queries]
    assert len([s for s in statements if s.startswith('COPY "budget_realisasi"')]) == 1
    assert len([s for s in statements if s.startswith('INSERT INTO "budget_quarterreport"')]) == 1
    assert (result.counts.created, result.total) == (40, D("40000.00"))
    assert dict(QuarterReport.objects.values_list("triwulan", "version")) == {1: 1, 2: 1}
    assert rollups.differences() == []


def test_writes_hold_amounts_in_an_array_until_one_does_not_fit():
    writes = Writes.of([Figure(1, 1, D("5.50")), Figure(2, 2, D("0"))])
    assert isinstance(writes.cents.items, array)
    writes.add(3, 3, 10**20)  # above 64 bits: the amounts go to a list
    writes.add(4, 4, None)  # a blank box
    assert isinstance(writes.cents.items, list)
    assert list(writes) == [
        Figure(1, 1, D("5.50")),
        Figure(2, 2, D("0.00")),
        Figure(3, 3, D("1000000000000000000.00")),
        Figure(4, 4, None),
    ]
    assert writes[-1] == Figure(4, 4, None)


@pytest.mark.django_db(transaction=True)
def test_what_a_write_did_is_held_by_column_and_read_back_as_written(lines):
    first, second, third = lines[:3]
    with transaction.atomic():
        ledger = realisasi_ledger(opds=Opd.objects.all(), years=[2024])
        realisasi_write(
            actor=SYSTEM,
            ledger=ledger,
            figures=[Figure(first.pk, 1, D("10")), Figure(second.pk, 1, D("20"))],
        )
    with transaction.atomic():
        ledger = realisasi_ledger(opds=Opd.objects.all(), years=[2024])
        stored = dict(ledger.stored)
        result = realisasi_write(
            actor=SYSTEM,
            ledger=ledger,
            figures=[
                Figure(first.pk, 1, D("10")),
                Figure(second.pk, 1, D("25")),
                Figure(third.pk, 1, D("30")),
            ],
        )
    written = result.written
    assert [written.number(s) for s in (CREATED, UPDATED, UNCHANGED)] == [1, 1, 1]
    assert [(w.line.pk, w.before, w.after) for w in written] == [
        (first.pk, D("10.00"), D("10.00")),
        (second.pk, D("20.00"), D("25.00")),
        (third.pk, None, D("30.00")),
    ]
    assert [(w.unchanged, w.updated, w.created) for w in written] == [
        (True, False, False),
        (False, True, False),
        (False, False, True),
    ]
    assert ledger.stored == stored  # the ledger stays as read
    assert Realisasi.objects.get(line=second).jumlah == D("25.00")


# --- budget.bulk ---------------------------------------------------------------------------------


def events():
    return apps.get_model("budget", "RealisasiEvent").objects


@pytest.mark.django_db
def test_copy_lines_writes_the_callers_text_with_history_and_the_roll_ups_exact(lines):
    with transaction.atomic(), pghistory.context(command="test_compact"):
        n = copy_lines(
            Realisasi,
            ["region_id", "line_id", "triwulan", "jumlah"],  # the timestamps are filled in
            (f"{line.region_id}\t{line.pk}\t2\t{money_text(1050)}" for line in lines),
        )
    assert n == len(lines)
    assert set(Realisasi.objects.values_list("jumlah", flat=True)) == {D("10.50")}
    assert Realisasi.objects.filter(created_at__isnull=True).count() == 0
    assert events().count() == len(lines)
    assert {e.pgh_context.metadata["command"] for e in events().all()} == {"test_compact"}
    assert rollups.differences() == []


def test_copy_text_escapes_what_copy_reads_specially():
    assert copy_text(None) == "\\N"
    assert copy_text("a\tb\nc\\d") == "a\\tb\\nc\\\\d"
    assert copy_text(D("1.50")) == "1.50"


@pytest.mark.django_db
def test_insert_rows_writes_in_one_statement_and_returns_the_new_keys(lines):
    opd = lines[0].opd
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        keys = insert_rows(
            QuarterReport,
            ["region_id", "opd_id", "tahun", "triwulan", "version"],
            [(opd.region_id, opd.pk, 2024, q, 1) for q in (1, 2, 3)],
            constants={"kendala": ["pengadaan"], "kendala_catatan": "lambat"},
            returning=("triwulan", "id"),
        )
    assert len(queries) == 1
    reports = {r.triwulan: r for r in QuarterReport.objects.all()}
    assert dict(keys) == {q: r.pk for q, r in reports.items()}
    report = reports[1]
    assert (report.status, report.kendala, report.kendala_catatan) == (
        QuarterReport.Status.DRAFT,
        ["pengadaan"],
        "lambat",
    )
    assert report.created_at is not None
    assert report.updated_at is not None
    with transaction.atomic():
        n = update_rows(
            QuarterReport,
            ["id"],
            ["version"],
            [(r.pk, 5) for r in reports.values()],
            constants={"kendala": []},
        )
    assert n == 3
    assert list(QuarterReport.objects.values_list("version", "kendala")) == [(5, [])] * 3


@pytest.mark.django_db
def test_insert_rows_refuses_an_array_that_varies_by_row(lines):
    opd = lines[0].opd
    with transaction.atomic(), pytest.raises(ValueError, match="constants"):
        insert_rows(
            QuarterReport,
            ["region_id", "opd_id", "tahun", "triwulan", "kendala"],
            [(opd.region_id, opd.pk, 2024, 1, ["pengadaan"])],
        )
