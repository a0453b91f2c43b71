"""DPA versions: the murni DPA, each DPPA and pergeseran kept with its number and date; the DPA
in force on any day recalled; the deviation of each quarter against the plan it began under."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection

from budget.importing import ImportRefused, read_table
from budget.importing.dpa import import_dpa
from budget.importing.realisasi import import_realisasi
from budget.kinerja import kinerja
from budget.models import (
    Account,
    DpaLine,
    DpaLineVersion,
    DpaVersion,
    DpaVersionRollup,
    Realisasi,
    Region,
    Rollup,
)
from budget.roles import SYSTEM
from budget.versions import (
    VersionInfo,
    changed_lines,
    in_force_on,
    kelas_sql,
    lines_in_force,
    quarter_start,
    tahap_for,
    versions_of,
)
from budget.workflow import FieldRefused, dpa_line_save
from tests.factories import BELANJA, dpa_row, realisasi_row
from tests.helpers import refusal, run_command

pytestmark = pytest.mark.django_db
D = Decimal
OTHER = "5.1.02.01.01.0025"
MODAL = "5.2.02.01.01.0001"


def murni_rows(**overrides):
    """Two belanja lines of 400.000 (100.000 a quarter) and a capital line of 800.000."""
    return [
        dpa_row(tahun=2025, **overrides),
        dpa_row(tahun=2025, kode_rekening=OTHER, uraian="Belanja Alat Tulis Kantor"),
        dpa_row(
            tahun=2025,
            kode_rekening=MODAL,
            uraian="Belanja Modal Peralatan",
            pagu=800000,
            kas_tw1=200000,
            kas_tw2=200000,
            kas_tw3=200000,
            kas_tw4=200000,
        ),
    ]


def dppa_rows():
    """The DPPA: the first line cut in TW III-IV, the second removed, the capital line up,
    and a new line."""
    return [
        dpa_row(tahun=2025, pagu=300000, kas_tw3=50000, kas_tw4=50000),
        dpa_row(
            tahun=2025,
            kode_rekening=OTHER,
            uraian="Belanja Alat Tulis Kantor",
            pagu=0,
            kas_tw1=0,
            kas_tw2=0,
            kas_tw3=0,
            kas_tw4=0,
        ),
        dpa_row(
            tahun=2025,
            kode_rekening=MODAL,
            uraian="Belanja Modal Peralatan",
            pagu=1000000,
            kas_tw1=200000,
            kas_tw2=200000,
            kas_tw3=200000,
            kas_tw4=400000,
        ),
        dpa_row(
            tahun=2025,
            kode_rekening="5.1.02.01.01.0026",
            uraian="Belanja Bahan Cetak",
            pagu=120000,
            kas_tw1=0,
            kas_tw2=0,
            kas_tw3=60000,
            kas_tw4=60000,
        ),
    ]


MURNI = VersionInfo(jenis="murni", nomor="DPA/2025/001", tanggal=date(2025, 1, 1))
DPPA = VersionInfo(jenis="perubahan", nomor="DPPA/2025/014", tanggal=date(2025, 9, 29))


def load(files, rows, versi=None, **options):
    return import_dpa(table=read_table(files.csv(rows)), versi=versi, **options)


def murni_then_dppa(files):
    load(files, murni_rows(), MURNI)
    load(files, dppa_rows(), DPPA)


def pagu_on(day: date) -> dict[str, Decimal]:
    region = Region.objects.get()
    rows = lines_in_force(region=region, tahun=2025, day=day).select_related("line__account")
    return {row.line.account.kode: row.pagu for row in rows}


# --- the class of a change, at its edges ------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "after", "kelas"),
    [
        (None, D("100.00"), "baru"),
        (None, D("0.00"), "baru"),
        (D("100.00"), D("100.00"), "tetap"),
        (D("0.00"), D("0.00"), "tetap"),
        (D("100.00"), D("100.01"), "tambah"),
        (D("0.00"), D("0.01"), "tambah"),
        (D("100.00"), D("99.99"), "rasionalisasi"),
        (D("0.01"), D("0.00"), "dihapus"),
        (D("100.00"), D("0.00"), "dihapus"),
    ],
)
@pytest.mark.django_db
def test_a_change_is_classed_by_the_pagu_before_and_after(before, after, kelas):
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {kelas_sql('%(before)s::numeric', '%(after)s::numeric')}",  # noqa: S608
            {"before": before, "after": after},
        )
        assert cursor.fetchone() == (kelas,)


def test_a_version_kind_decides_the_murni_pagu_rule_and_contradictions_are_refused():
    assert tahap_for(versi="murni", tahap=None) == "murni"
    assert tahap_for(versi="perubahan", tahap="perubahan") == "perubahan"
    assert tahap_for(versi="pergeseran", tahap=None) == "perubahan"
    assert tahap_for(versi=None, tahap=None) is None
    with pytest.raises(ValueError, match="contradicts"):
        tahap_for(versi="perubahan", tahap="murni")


# --- recording ---------------------------------------------------------------------------------


def test_each_line_of_a_dppa_is_kept_with_its_class_and_the_pagu_before(files):
    murni_then_dppa(files)
    dppa = DpaVersion.objects.get(jenis="perubahan")
    assert (dppa.nomor, dppa.tanggal) == ("DPPA/2025/014", date(2025, 9, 29))
    got = {
        r.line.account.kode: (r.kelas, r.pagu_sebelum, r.pagu)
        for r in DpaLineVersion.objects.filter(version=dppa).select_related("line__account")
    }
    assert got == {
        BELANJA: ("rasionalisasi", D("400000.00"), D("300000.00")),
        OTHER: ("dihapus", D("400000.00"), D("0.00")),
        MODAL: ("tambah", D("800000.00"), D("1000000.00")),
        "5.1.02.01.01.0026": ("baru", None, D("120000.00")),
    }
    murni = DpaVersion.objects.get(jenis="murni")
    assert set(DpaLineVersion.objects.filter(version=murni).values_list("kelas", flat=True)) == {
        "baru"
    }


def test_a_dppa_import_keeps_the_murni_version_and_every_realisasi(files):
    load(files, murni_rows(), MURNI)
    import_realisasi(
        table=read_table(
            files.csv(
                [
                    realisasi_row(tahun=2025, triwulan=1, realisasi=90000),
                    realisasi_row(tahun=2025, triwulan=2, realisasi=95000),
                    realisasi_row(tahun=2025, triwulan=2, kode_rekening=MODAL, realisasi=150000),
                ]
            )
        )
    )
    before = sorted(Realisasi.objects.values_list("line_id", "triwulan", "jumlah"))
    murni_snapshots = sorted(
        DpaLineVersion.objects.values_list("line_id", "pagu", "kas_tw1", "kas_tw4", "kelas")
    )
    load(files, dppa_rows(), DPPA)
    assert sorted(Realisasi.objects.values_list("line_id", "triwulan", "jumlah")) == before
    murni = DpaVersion.objects.get(jenis="murni")
    assert (
        sorted(
            DpaLineVersion.objects.filter(version=murni).values_list(
                "line_id", "pagu", "kas_tw1", "kas_tw4", "kelas"
            )
        )
        == murni_snapshots
    )
    assert DpaVersion.objects.count() == 2
    line = DpaLine.objects.get(account__kode=BELANJA)
    assert (line.pagu, line.pagu_murni) == (D("300000.00"), D("400000.00"))


def test_the_same_file_twice_records_no_second_version(files):
    load(files, murni_rows(), MURNI)
    result = load(files, murni_rows(), MURNI)
    assert result.versions == []
    assert DpaVersion.objects.count() == 1


def test_a_dry_run_names_the_version_and_records_none(files):
    load(files, murni_rows(), MURNI)
    result = load(files, dppa_rows(), DPPA, dry_run=True)
    assert result.versions == [
        "DPPA (perubahan) 2025 berlaku mulai 29-09-2025, nomor DPPA/2025/014"
    ]
    assert DpaVersion.objects.count() == 1


def test_a_version_dated_before_the_latest_is_refused_and_nothing_is_written(files):
    murni_then_dppa(files)
    lines = sorted(DpaLine.objects.values_list("pk", "pagu"))
    with pytest.raises(ImportRefused) as refused:
        load(
            files,
            murni_rows(pagu=500000, kas_tw4=200000),
            VersionInfo(jenis="pergeseran", tanggal=date(2025, 6, 1)),
        )
    (error,) = refused.value.errors
    assert error.column == "tanggal"
    assert "01-06-2025" in error.message
    assert "29-09-2025" in error.message
    assert sorted(DpaLine.objects.values_list("pk", "pagu")) == lines
    assert DpaVersion.objects.count() == 2


def test_a_dpa_murni_after_a_dppa_is_refused(files):
    murni_then_dppa(files)
    with pytest.raises(ImportRefused) as refused:
        load(files, murni_rows(pagu=500000, kas_tw4=200000), VersionInfo(jenis="murni"))
    assert any("tidak dapat menyusulnya" in e.message for e in refused.value.errors)


def test_an_import_without_a_kind_is_murni_first_then_pergeseran(files):
    load(files, murni_rows())
    load(files, murni_rows(pagu=500000, kas_tw4=200000))
    kinds = list(DpaVersion.objects.order_by("id").values_list("jenis", "tanggal"))
    assert kinds[0] == ("murni", date(2025, 1, 1))
    assert kinds[1][0] == "pergeseran"


def test_the_sums_a_version_leaves_in_force_are_those_of_its_lines(files):
    murni_then_dppa(files)
    latest = DpaVersion.objects.order_by("-tanggal").first()
    got = {
        (r.opd_id, r.akun3): (r.pagu, r.kas_tw3, r.kas_tw4)
        for r in DpaVersionRollup.objects.filter(version=latest)
    }
    want: dict = {}
    for r in Rollup.objects.filter(tahun=2025):
        pagu, k3, k4 = want.get((r.opd_id, r.akun3), (D(0), D(0), D(0)))
        want[(r.opd_id, r.akun3)] = (pagu + r.pagu, k3 + r.kas_tw3, k4 + r.kas_tw4)
    assert got == want
    murni = DpaVersion.objects.get(jenis="murni")
    assert sum(r.pagu for r in DpaVersionRollup.objects.filter(version=murni)) == D("1600000.00")


# --- recall --------------------------------------------------------------------------------------


def test_the_pagu_in_force_is_recalled_by_date(files):
    murni_then_dppa(files)
    assert pagu_on(date(2024, 12, 31)) == {}
    murni = {BELANJA: D("400000.00"), OTHER: D("400000.00"), MODAL: D("800000.00")}
    assert pagu_on(date(2025, 1, 1)) == murni
    assert pagu_on(date(2025, 9, 28)) == murni
    assert pagu_on(date(2025, 9, 29)) == {
        BELANJA: D("300000.00"),
        OTHER: D("0.00"),
        MODAL: D("1000000.00"),
        "5.1.02.01.01.0026": D("120000.00"),
    }
    region = Region.objects.get()
    july = in_force_on(region=region, tahun=2025, day=date(2025, 7, 1))
    october = in_force_on(region=region, tahun=2025, day=date(2025, 10, 1))
    assert (july and july.jenis, october and october.jenis) == ("murni", "perubahan")
    assert in_force_on(region=region, tahun=2025, day=date(2024, 12, 1)) is None


def test_a_line_a_later_version_leaves_out_keeps_its_earlier_snapshot(files):
    murni_then_dppa(files)
    pergeseran = VersionInfo(jenis="pergeseran", nomor="PG/2025/3", tanggal=date(2025, 11, 3))
    load(files, [dpa_row(tahun=2025, pagu=300000, kas_tw3=25000, kas_tw4=75000)], pergeseran)
    rows = {
        r.line.account.kode: (r.version.jenis, r.kas_tw3)
        for r in lines_in_force(
            region=Region.objects.get(), tahun=2025, day=date(2025, 12, 31)
        ).select_related("line__account", "version")
    }
    assert rows[BELANJA] == ("pergeseran", D("25000.00"))
    assert rows[MODAL] == ("perubahan", D("200000.00"))


def test_recall_by_date_is_one_query(files, django_assert_num_queries):
    murni_then_dppa(files)
    region = Region.objects.get()
    with django_assert_num_queries(1):
        assert len(list(lines_in_force(region=region, tahun=2025, day=date(2025, 10, 1)))) == 4


def test_the_versions_list_and_the_changed_lines_read_for_an_opd(files):
    murni_then_dppa(files)
    region = Region.objects.get()
    line = DpaLine.objects.get(account__kode=BELANJA)
    listed = versions_of(region=region, tahun=2025, opd=line.opd)
    assert [(v.jenis, vars(v)["pagu_belanja"], vars(v)["n_berubah"]) for v in listed] == [
        ("murni", D("1600000.00"), 3),
        ("perubahan", D("1420000.00"), 4),
    ]
    changed = changed_lines(region=region, tahun=2025, opd=line.opd)
    assert sorted(r.kelas for r in changed) == ["baru", "dihapus", "rasionalisasi", "tambah"]
    only = changed_lines(region=region, tahun=2025, opd=line.opd, kelas="dihapus")
    assert [r.line.account.kode for r in only] == [OTHER]


# --- deviation against the plan in force when the quarter began ------------------------------


def test_quarters_begin_on_their_first_day():
    assert [quarter_start(2025, q) for q in (1, 2, 3, 4)] == [
        date(2025, 1, 1),
        date(2025, 4, 1),
        date(2025, 7, 1),
        date(2025, 10, 1),
    ]


def _spend_as_the_murni_planned(files):
    """The first line spends 100.000 in TW I-II and 50.000 in TW III-IV; the capital line
    spends each quarter what both DPAs plan for it (200.000, and the DPPA's 400.000 in TW IV);
    the removed line spends nothing, so that the DPPA may remove it."""
    rows = []
    for q in (1, 2, 3, 4):
        rows.append(realisasi_row(tahun=2025, triwulan=q, realisasi=100000 if q < 3 else 50000))
        modal = 400000 if q == 4 else 200000
        rows.append(realisasi_row(tahun=2025, triwulan=q, kode_rekening=MODAL, realisasi=modal))
    import_realisasi(table=read_table(files.csv(rows)))


@pytest.mark.parametrize(
    ("dated", "tw3_plan", "tw3_deviasi"),
    [
        # Dated 1 July: TW III and IV began under the DPPA (50.000 + the new line's 60.000).
        (date(2025, 7, 1), D("110000.00"), D(60000) * 100 / D(110000)),
        # Dated 29 September: TW III began under the murni (two lines of 100.000).
        (date(2025, 9, 29), D("200000.00"), D(75)),
    ],
)
def test_the_deviation_of_a_quarter_reads_the_plan_in_force_on_its_first_day(
    files, dated, tw3_plan, tw3_deviasi
):
    load(files, murni_rows(), MURNI)
    load(files, dppa_rows(), VersionInfo(jenis="perubahan", tanggal=dated))
    _spend_as_the_murni_planned(files)
    row = kinerja(region=Region.objects.get(), tahun=2025, triwulan=4).rows[0]
    barang = row.jenis["barang_jasa"]
    assert barang.kas == (D("200000.00"), D("200000.00"), tw3_plan, D("110000.00"))
    tw3 = next(
        d for d in row.quarter_details() if d.jenis_belanja == "barang_jasa" and d.triwulan == 3
    )
    assert tw3.deviasi.quantize(D("0.0001")) == tw3_deviasi.quantize(D("0.0001"))
    # The capital line spent its plan in every quarter, each read from the DPA of its start.
    assert all(d.deviasi == 0 for d in row.quarter_details() if d.jenis_belanja == "modal")


def test_a_year_without_versions_reads_the_plan_in_force_now(files):
    murni_then_dppa(files)
    DpaVersionRollup.objects.all().delete()
    DpaLineVersion.objects.all().delete()
    DpaVersion.objects.all().delete()
    row = kinerja(region=Region.objects.get(), tahun=2025, triwulan=4).rows[0]
    assert row.jenis["barang_jasa"].kas == (
        D("100000.00"),
        D("100000.00"),
        D("110000.00"),
        D("110000.00"),
    )


def test_a_group_new_in_a_later_dppa_had_no_plan_when_the_year_began(files):
    load(files, [dpa_row(tahun=2025)], MURNI)
    load(
        files,
        [dpa_row(tahun=2025), *dppa_rows()[2:3]],
        VersionInfo(jenis="perubahan", tanggal=date(2025, 9, 29)),
    )
    modal = kinerja(region=Region.objects.get(), tahun=2025, triwulan=4).rows[0].jenis["modal"]
    assert modal.kas == (D("0.00"), D("0.00"), D("0.00"), D("400000.00"))


# --- the command and the backfill -------------------------------------------------------------


def test_the_command_records_the_kind_number_date_and_file(files):
    path = files.csv(murni_rows(), name="dpa-2025.csv")
    run_command("import_dpa", path, versi="murni", nomor="DPA/2025/001", no_progress=True)
    dppa = files.csv(dppa_rows(), name="dppa-2025.csv")
    out = run_command(
        "import_dpa", dppa, "--versi", "perubahan", "--tanggal", "29-09-2025", no_progress=True
    )
    assert "Versi DPA dicatat: DPPA (perubahan) 2025 berlaku mulai 29-09-2025" in out
    assert list(DpaVersion.objects.values_list("jenis", "nomor", "tanggal", "berkas")) == [
        ("murni", "DPA/2025/001", date(2025, 1, 1), "dpa-2025.csv"),
        ("perubahan", "", date(2025, 9, 29), "dppa-2025.csv"),
    ]
    assert DpaLine.objects.get(account__kode="5.1.02.01.01.0026").pagu_murni == D("0.00")


def test_the_command_refuses_a_bad_date_and_a_contradiction(files):
    path = files.csv(murni_rows())
    error, _stderr = refusal("import_dpa", path, tanggal="31-02-2025", no_progress=True)
    assert "not a date" in str(error)
    error, _stderr = refusal("import_dpa", path, versi="perubahan", tahap="murni", no_progress=True)
    assert "contradicts" in str(error)
    assert not DpaVersion.objects.exists()


def test_the_backfill_makes_one_version_of_the_data_there(files):
    """Migration 0013's statement on lines without versions (as before it ran)."""
    from importlib import import_module

    migration = import_module("budget.migrations.0013_dpa_versions")
    load(files, murni_rows(), MURNI)
    load(files, dppa_rows(), DPPA)
    load(files, [dpa_row(tahun=2026)], VersionInfo(jenis="murni"))
    DpaVersionRollup.objects.all().delete()
    DpaLineVersion.objects.all().delete()
    DpaVersion.objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute(migration.BACKFILL)
    assert sorted(DpaVersion.objects.values_list("tahun", "jenis", "tanggal")) == [
        (2025, "perubahan", date(2025, 1, 1)),
        (2026, "murni", date(2026, 1, 1)),
    ]
    classes = dict(
        DpaLineVersion.objects.filter(version__tahun=2025).values_list(
            "line__account__kode", "kelas"
        )
    )
    assert classes == {
        BELANJA: "rasionalisasi",
        OTHER: "dihapus",
        MODAL: "tambah",
        "5.1.02.01.01.0026": "baru",
    }
    assert DpaVersionRollup.objects.filter(version__tahun=2025).count() == 2


# --- a hand correction (the admin) in the DPA in force ---------------------------------------


def _version_sums_are_the_lines(version: DpaVersion) -> None:
    got = {
        (r.opd_id, r.akun3): (r.pagu, r.kas_tw1, r.kas_tw2, r.kas_tw3, r.kas_tw4)
        for r in DpaVersionRollup.objects.filter(version=version)
    }
    want: dict = {}
    for r in Rollup.objects.filter(tahun=version.tahun):
        old = want.get((r.opd_id, r.akun3), (D(0),) * 5)
        new = (r.pagu, r.kas_tw1, r.kas_tw2, r.kas_tw3, r.kas_tw4)
        want[(r.opd_id, r.akun3)] = tuple(a + b for a, b in zip(old, new, strict=True))
    assert got == want


def _snapshot(version: DpaVersion, account: str) -> DpaLineVersion:
    return DpaLineVersion.objects.get(version=version, line__account__kode=account)


def test_a_hand_correction_is_carried_into_the_version_in_force_only(files):
    murni_then_dppa(files)
    murni, dppa = DpaVersion.objects.order_by("tanggal")
    line = DpaLine.objects.get(account__kode=BELANJA)  # 300.000 in the DPPA, 400.000 before
    line.pagu, line.kas_tw3, line.kas_tw4 = D("250000.00"), D("0.00"), D("50000.00")
    dpa_line_save(actor=SYSTEM, line=line)
    row = _snapshot(dppa, BELANJA)
    assert (row.pagu, row.kas_tw3, row.kas_tw4) == (D("250000.00"), D("0.00"), D("50000.00"))
    assert (row.pagu_sebelum, row.kelas) == (D("400000.00"), "rasionalisasi")
    assert _snapshot(murni, BELANJA).pagu == D("400000.00")  # as imported
    _version_sums_are_the_lines(dppa)
    assert sum(r.pagu for r in DpaVersionRollup.objects.filter(version=murni)) == D("1600000.00")
    line.pagu, line.kas_tw4 = D("400000.00"), D("200000.00")  # back to what it was: tetap
    dpa_line_save(actor=SYSTEM, line=line)
    assert _snapshot(dppa, BELANJA).kelas == "tetap"
    _version_sums_are_the_lines(dppa)


def test_a_line_added_by_hand_joins_the_version_in_force_as_new(files):
    murni_then_dppa(files)
    dppa = DpaVersion.objects.order_by("tanggal").reverse()[0]
    model = DpaLine.objects.get(account__kode=BELANJA)
    account = Account.objects.create(
        kode="5.1.02.01.01.0099",
        uraian="Belanja Lain",
        level=6,
        jenis="belanja",
        region=model.region,
    )
    line = DpaLine(
        tahun=2025,
        opd=model.opd,
        sub_kegiatan=model.sub_kegiatan,
        account=account,
        pagu=D("1000.00"),
        kas_tw1=D("0"),
        kas_tw2=D("0"),
        kas_tw3=D("0"),
        kas_tw4=D("1000.00"),
    )
    dpa_line_save(actor=SYSTEM, line=line)
    row = _snapshot(dppa, "5.1.02.01.01.0099")
    assert (row.pagu, row.pagu_sebelum, row.kelas) == (D("1000.00"), None, "baru")
    _version_sums_are_the_lines(dppa)


def test_the_year_of_a_line_in_a_version_cannot_be_changed_by_hand(files):
    murni_then_dppa(files)
    line = DpaLine.objects.get(account__kode=BELANJA)
    line.tahun = 2026
    with pytest.raises(FieldRefused) as refused:
        dpa_line_save(actor=SYSTEM, line=line)
    assert refused.value.field == "tahun"
    assert DpaLine.objects.get(pk=line.pk).tahun == 2025


def test_a_hand_correction_in_a_year_without_versions_records_none(files):
    load(files, murni_rows())
    DpaLineVersion.objects.all().delete()  # a year imported before versions were kept
    DpaVersion.objects.all().delete()
    line = DpaLine.objects.get(account__kode=BELANJA)
    line.pagu, line.kas_tw4 = D("300000.00"), D("0.00")
    dpa_line_save(actor=SYSTEM, line=line)
    assert not DpaLineVersion.objects.exists()


def test_the_admin_form_names_the_year_when_it_refuses_to_move_a_line(files):
    from django.forms.models import model_to_dict

    from budget.admin import DpaLineForm

    murni_then_dppa(files)
    line = DpaLine.objects.get(account__kode=BELANJA)
    form = DpaLineForm(data=model_to_dict(line) | {"tahun": 2026}, instance=line)
    form.actor = SYSTEM
    assert not form.is_valid()
    assert "DPA" in form.errors["tahun"][0]
    assert "pagu" not in form.errors
