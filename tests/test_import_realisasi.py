"""Realisasi import: matched to DPA lines, belanja kept within its pagu, all or nothing."""

from decimal import Decimal
from pathlib import Path

import pytest

from budget.importing import read_table
from budget.importing.realisasi import RealisasiResult, import_realisasi
from budget.models import DpaLine, Opd, QuarterReport, Realisasi, Region
from budget.workflow import Conflict
from tests.factories import (
    PEMBIAYAAN,
    PENDAPATAN,
    REALISASI_COLUMNS,
    RegionFactory,
    dpa_row,
    financing_row,
    realisasi_row,
    revenue_row,
)
from tests.helpers import places, places_in, realisasi_refused, refusal, run_command

pytestmark = pytest.mark.django_db

D = Decimal
SECOND = "5.1.02.01.01.0002"


@pytest.fixture
def dpa(files):
    """Two belanja lines of 400.000, a revenue and a financing line, in one region."""
    rows = [dpa_row(), dpa_row(kode_rekening=SECOND), revenue_row(), financing_row()]
    run_command("import_dpa", files.csv(rows), no_progress=True)


def import_file(path, **options) -> str:
    return run_command("import_realisasi", path, no_progress=True, **options)


def stored() -> dict[tuple[str, int], Decimal]:
    return {
        (r.line.account.kode, r.triwulan): r.jumlah
        for r in Realisasi.objects.select_related("line__account")
    }


def snapshot() -> list[tuple]:
    return sorted(Realisasi.objects.values_list("line_id", "triwulan", "jumlah", "updated_at"))


def revenue(**overrides):
    return realisasi_row(kode_sub_kegiatan="", kode_rekening=PENDAPATAN, **overrides)


# --- a good file ------------------------------------------------------------------------------


def test_it_stores_the_amount_realised_within_each_quarter(files, dpa):
    rows = [
        realisasi_row(triwulan="1", realisasi="50000"),
        realisasi_row(triwulan="2", realisasi="Rp 75.000,50"),
        realisasi_row(triwulan="IV", kode_rekening=SECOND, realisasi="400000"),
        revenue(triwulan="3", realisasi="1000"),
        realisasi_row(kode_sub_kegiatan="", kode_rekening=PEMBIAYAAN, realisasi="0"),
    ]
    import_file(files.csv(rows))
    assert stored() == {
        ("5.1.02.01.01.0001", 1): D("50000.00"),
        ("5.1.02.01.01.0001", 2): D("75000.50"),
        (SECOND, 4): D("400000.00"),
        (PENDAPATAN, 3): D("1000.00"),
        (PEMBIAYAAN, 1): D("0.00"),
    }
    assert {r.region for r in Realisasi.objects.all()} == {Region.objects.get()}


def test_importing_the_same_file_twice_changes_nothing(files, dpa):
    path = files.csv([realisasi_row(triwulan=q, realisasi="10000") for q in (1, 2, 3)])
    import_file(path)
    before = snapshot()

    result = import_realisasi(table=read_table(path))

    assert (result.counts.created, result.counts.updated, result.counts.unchanged) == (0, 0, 3)
    assert snapshot() == before


def test_a_corrected_amount_replaces_the_quarter_it_names(files, dpa):
    import_file(files.csv([realisasi_row(triwulan=1, realisasi="10000")]))
    result = import_realisasi(
        table=read_table(files.csv([realisasi_row(triwulan=1, realisasi="12500")]))
    )
    assert (result.counts.created, result.counts.updated) == (0, 1)
    [change] = result.changes
    assert (change["row"], change["lama"], change["baru"]) == (2, D("10000.00"), D("12500.00"))
    assert (change["triwulan"], change["akun"]) == (1, "5.1.02.01.01.0001")
    assert stored() == {("5.1.02.01.01.0001", 1): D("12500.00")}


def test_quarters_not_in_the_file_are_left_as_they_are(files, dpa):
    import_file(files.csv([realisasi_row(triwulan=1, realisasi="10000")]))
    import_file(files.csv([realisasi_row(triwulan=2, realisasi="20000")]))
    assert stored() == {
        ("5.1.02.01.01.0001", 1): D("10000.00"),
        ("5.1.02.01.01.0001", 2): D("20000.00"),
    }


def test_belanja_may_reach_exactly_its_pagu(files, dpa):
    rows = [realisasi_row(triwulan=q, realisasi="100000") for q in (1, 2, 3, 4)]
    import_file(files.csv(rows))
    assert sum(stored().values()) == D("400000.00")


def test_revenue_may_exceed_its_target(files, dpa):
    import_file(
        files.csv(
            [revenue(triwulan=1, realisasi="300000"), revenue(triwulan=2, realisasi="900000")]
        )
    )
    assert sum(stored().values()) == D("1200000.00")


def test_it_reads_an_xlsx_file_and_a_semicolon_csv_alike(files, dpa):
    row = realisasi_row(realisasi="12345.50")
    import_file(
        files.xlsx([{**row, "tahun": 2024, "triwulan": 1, "realisasi": 12345.5}], REALISASI_COLUMNS)
    )
    result = import_realisasi(table=read_table(files.csv([row], sep=";")))
    assert result.counts.unchanged == 1
    assert stored() == {("5.1.02.01.01.0001", 1): D("12345.50")}


# --- refusals ---------------------------------------------------------------------------------

BAD_ROWS = [
    pytest.param({"tahun": "20x4"}, "tahun", id="year not a number"),
    pytest.param({"triwulan": "5"}, "triwulan", id="quarter 5"),
    pytest.param({"triwulan": "0"}, "triwulan", id="quarter 0"),
    pytest.param({"triwulan": "V"}, "triwulan", id="quarter V"),
    pytest.param({"triwulan": ""}, "triwulan", id="quarter empty"),
    pytest.param({"kode_opd": "1.02"}, "kode_opd", id="opd code malformed"),
    pytest.param(
        {"kode_sub_kegiatan": "1.02.01.2.01"}, "kode_sub_kegiatan", id="sub kegiatan malformed"
    ),
    pytest.param({"kode_rekening": "5.1.02.1"}, "kode_rekening", id="account malformed"),
    pytest.param({"realisasi": "=1+1"}, "realisasi", id="amount is a formula"),
    pytest.param({"realisasi": "-1"}, "realisasi", id="negative amount"),
    pytest.param({"realisasi": "1,234,567"}, "realisasi", id="ambiguous amount"),
    pytest.param({"realisasi": ""}, "realisasi", id="amount empty"),
    pytest.param({"tahun": "2023"}, "kode_rekening", id="no DPA line that year"),
    pytest.param(
        {"kode_opd": "1.02.0.00.0.00.02.0000"}, "kode_rekening", id="no DPA line for that OPD"
    ),
    pytest.param(
        {"kode_sub_kegiatan": "1.02.01.2.01.0009"},
        "kode_rekening",
        id="no DPA line for that sub kegiatan",
    ),
    pytest.param(
        {"kode_rekening": "5.1.02.01.01.0099"}, "kode_rekening", id="no DPA line for that account"
    ),
    pytest.param({"kode_sub_kegiatan": ""}, "kode_rekening", id="belanja without sub kegiatan"),
]


@pytest.mark.parametrize(("overrides", "column"), BAD_ROWS)
def test_it_refuses_a_bad_row_and_names_its_row_and_column(files, dpa, overrides, column):
    rows = [
        realisasi_row(),
        realisasi_row(kode_rekening=SECOND),
        realisasi_row(**{"triwulan": 2, **overrides}),
    ]
    errors = realisasi_refused(files.csv(rows))
    assert places(errors) == {(4, column)}
    assert not Realisasi.objects.exists()


@pytest.mark.parametrize(("overrides", "column"), BAD_ROWS[::4])
def test_the_command_exits_non_zero_and_prints_the_row_and_column(files, dpa, overrides, column):
    error, stderr = refusal(
        "import_realisasi",
        files.csv([realisasi_row(**{"triwulan": 2, **overrides})]),
        no_progress=True,
    )
    assert error.returncode == 1
    assert places_in(stderr, REALISASI_COLUMNS) == {(2, column)}
    assert not Realisasi.objects.exists()


def test_the_refusal_for_a_missing_line_names_the_codes_looked_for(files, dpa):
    [error] = realisasi_refused(files.csv([realisasi_row(kode_rekening="5.1.02.01.01.0099")]))
    assert "5.1.02.01.01.0099" in error.message
    assert "1.02.01.2.01.0001" in error.message
    assert "2024" in error.message


def test_belanja_above_its_pagu_within_one_file_is_refused_on_each_row_of_the_line(files, dpa):
    rows = [
        realisasi_row(triwulan=1, realisasi="300000"),
        realisasi_row(triwulan=2, realisasi="100000.01"),
    ]
    errors = realisasi_refused(files.csv(rows))
    assert places(errors) == {(2, "realisasi"), (3, "realisasi")}
    assert "Rp 400.000,01" in errors[0].message
    assert "Rp 400.000" in errors[0].message


def test_belanja_pushed_above_its_pagu_by_a_later_quarter_is_refused(files, dpa):
    import_file(files.csv([realisasi_row(triwulan=1, realisasi="300000")]))
    before = snapshot()

    errors = realisasi_refused(files.csv([realisasi_row(triwulan=2, realisasi="150000")]))

    assert places(errors) == {(2, "realisasi")}
    assert "Rp 450.000" in errors[0].message
    assert snapshot() == before


def test_correcting_a_stored_quarter_counts_the_new_amount_not_both(files, dpa):
    import_file(files.csv([realisasi_row(triwulan=1, realisasi="300000")]))
    import_file(
        files.csv(
            [
                realisasi_row(triwulan=1, realisasi="250000"),
                realisasi_row(triwulan=2, realisasi="150000"),
            ]
        )
    )
    assert sum(stored().values()) == D("400000.00")


def test_it_refuses_the_same_line_and_quarter_twice_in_one_file(files, dpa):
    rows = [
        realisasi_row(realisasi="1000"),
        realisasi_row(kode_rekening=SECOND),
        realisasi_row(realisasi="2000"),
    ]
    errors = realisasi_refused(files.csv(rows))
    assert places(errors) == {(4, "kode_rekening")}
    assert "2" in errors[0].message  # the row it repeats


def test_the_same_line_in_two_quarters_is_not_a_duplicate(files, dpa):
    import_file(files.csv([realisasi_row(triwulan=1), realisasi_row(triwulan="II")]))
    assert len(stored()) == 2


def test_it_reports_every_bad_row(files, dpa):
    rows = [
        realisasi_row(triwulan="5"),
        realisasi_row(kode_rekening=SECOND, realisasi="x"),
        realisasi_row(kode_rekening="5.1.02.01.01.0099"),
        realisasi_row(triwulan=3),
    ]
    errors = realisasi_refused(files.csv(rows))
    # Rows are matched to the DPA only when every row reads well.
    assert places(errors) == {(2, "triwulan"), (3, "realisasi")}


def test_one_bad_row_among_good_ones_writes_nothing(files, dpa):
    import_file(files.csv([realisasi_row(triwulan=1, realisasi="1000")]))
    before = snapshot()
    rows = [
        realisasi_row(triwulan=1, realisasi="2000"),
        revenue(triwulan=1),
        realisasi_row(kode_rekening=SECOND, realisasi="500000"),
    ]
    error, stderr = refusal("import_realisasi", files.csv(rows), no_progress=True)
    assert error.returncode == 1
    assert places_in(stderr, REALISASI_COLUMNS) == {(4, "realisasi")}
    assert snapshot() == before


def test_realisasi_cannot_be_imported_before_any_dpa(files, db):
    error, _stderr = refusal("import_realisasi", files.csv([realisasi_row()]), no_progress=True)
    assert error.returncode == 1
    assert not Region.objects.exists()


def test_with_several_regions_the_import_must_name_one(files, dpa):
    RegionFactory.create(kode="99.99")
    path = files.csv([realisasi_row()])
    refusal("import_realisasi", path, no_progress=True)
    assert not Realisasi.objects.exists()
    imported = DpaLine.objects.first()
    assert imported is not None
    import_file(path, region=imported.region.kode)
    assert Realisasi.objects.count() == 1


def test_a_region_without_the_dpa_lines_refuses_the_file(files, dpa):
    RegionFactory.create(kode="99.99")
    errors = realisasi_refused(files.csv([realisasi_row()]), region_kode="99.99")
    assert places(errors) == {(2, "kode_rekening")}


def test_an_upload_restricted_to_one_opd_and_quarter_refuses_other_rows(files, dpa):
    rows = [
        realisasi_row(),
        realisasi_row(triwulan=2, kode_rekening=SECOND),
        realisasi_row(tahun=2025, kode_rekening=SECOND),
    ]
    errors = realisasi_refused(
        files.csv(rows), only_opd="1.02.0.00.0.00.02.0000", only_tahun=2024, only_triwulan=1
    )
    assert places(errors) == {
        (2, "kode_opd"),
        (3, "kode_opd"),
        (3, "triwulan"),
        (4, "kode_opd"),
        (4, "tahun"),
    }


def test_an_upload_opened_before_its_quarter_was_saved_again_is_a_conflict(files, dpa):
    # The entry page's upload names the report version it was opened at; the importer checks
    # it under the same lock as the page's own save.
    opd = Opd.objects.get().kode

    def upload(path: Path, version: int) -> RealisasiResult:
        return import_realisasi(
            table=read_table(path), version=version, only_opd=opd, only_tahun=2024, only_triwulan=1
        )

    upload(files.csv([realisasi_row(realisasi="10000")]), version=0)
    report = QuarterReport.objects.get()
    assert (report.version, report.status) == (1, QuarterReport.Status.DRAFT)
    before = snapshot()

    again = files.csv([realisasi_row(realisasi="20000")])
    with pytest.raises(Conflict):
        upload(again, version=0)

    assert snapshot() == before
    result = upload(again, version=1)
    assert result.counts.updated == 1
    assert QuarterReport.objects.get().version == 2


def test_a_version_names_one_quarter(files, dpa):
    with pytest.raises(ValueError, match="a version belongs to one quarter"):
        import_realisasi(table=read_table(files.csv([realisasi_row()])), version=0)


# --- dry run ----------------------------------------------------------------------------------


def test_a_dry_run_reports_and_writes_nothing(files, dpa):
    import_file(files.csv([realisasi_row(triwulan=1, realisasi="1000")]))
    before = snapshot()
    rows = [realisasi_row(triwulan=1, realisasi="2000"), realisasi_row(triwulan=2)]
    result = import_realisasi(table=read_table(files.csv(rows)), dry_run=True)
    assert (result.counts.created, result.counts.updated) == (1, 1)
    assert snapshot() == before
    import_file(files.csv(rows), dry_run=True)
    assert snapshot() == before
