"""Absorption roll-ups at every level and quarter, and the absorption_report command.

The region below is small enough to add up by hand:

    OPD A  sub 1.02.01.2.01.0001  5.1.02.01.01.0001  pagu 1.000.000  kas 100/200/300/400k
                                                         realisasi TW1 50k, TW2 250k, TW4 600k
                                  5.2.02.05.01.0001  pagu 2.000.000  kas 0/0/1.000k/1.000k
                                                         realisasi TW3 1.500k
           sub 1.02.02.2.01.0001  5.1.02.01.01.0001  pagu 0 (program 1.02.02 has no budget)
           revenue                4.1.01.01.01.0001  target 500.000  kas 125k each quarter
                                                         realisasi TW1 200k, TW2 400k
    OPD B  sub 1.02.01.2.01.0002  5.1.02.01.01.0002  pagu 400.000  kas 100k each quarter
                                                         realisasi TW2 100k
           financing              6.1.01.01.01.0001  pagu 3.000.000  kas 3.000k/0/0/0
                                                         realisasi TW1 3.000k
                                  6.2.02.01.01.0001  pagu 1.000.000  kas 0/0/0/1.000k

plus a 2023 line and a second region, which must never show up.
"""

import csv
import io
from decimal import Decimal, localcontext

import pytest
from django.core.management.base import CommandError

from budget.criteria import DEFAULT_BANDS, EFEKTIVITAS, EFISIENSI, categorize
from budget.measures import round2
from budget.models import DpaLine, Opd, Realisasi, Region
from budget.selectors import (
    Period,
    SelectorError,
    absorption,
    absorption_queryset,
    absorption_rows,
    category_filter,
    opd_ranking,
    periods_available,
    quarterly_series,
)
from tests.factories import (
    AccountFactory,
    CriteriaBandFactory,
    DpaLineFactory,
    KegiatanFactory,
    OpdFactory,
    ProgramFactory,
    RealisasiFactory,
    RegionFactory,
    SubKegiatanFactory,
)
from tests.helpers import report, run_command

pytestmark = pytest.mark.django_db

D = Decimal
K = D(1000)
OPD_A = "1.02.0.00.0.00.01.0000"
OPD_B = "1.02.0.00.0.00.02.0000"


def make_line(region, opd, account, pagu, kas, sub=None, realisasi=(), tahun=2024):
    line = DpaLineFactory(
        region=region,
        tahun=tahun,
        opd=opd,
        account=account,
        sub_kegiatan=sub,
        pagu=pagu,
        kas_tw1=kas[0],
        kas_tw2=kas[1],
        kas_tw3=kas[2],
        kas_tw4=kas[3],
    )
    for triwulan, jumlah in realisasi:
        RealisasiFactory(line=line, triwulan=triwulan, jumlah=jumlah)
    return line


@pytest.fixture
def region():
    region = RegionFactory(kode="33.99", nama="Kabupaten Contoh")
    opd_a = OpdFactory(region=region, kode=OPD_A, nama="Dinas Kesehatan")
    opd_b = OpdFactory(region=region, kode=OPD_B, nama="Dinas Pendidikan")
    p1 = ProgramFactory(region=region, kode="1.02.01", nama="Program Penunjang")
    p2 = ProgramFactory(region=region, kode="1.02.02", nama="Program Tanpa Anggaran")
    k1 = KegiatanFactory(region=region, program=p1, kode="1.02.01.2.01", nama="Kegiatan Satu")
    k2 = KegiatanFactory(region=region, program=p2, kode="1.02.02.2.01", nama="Kegiatan Dua")
    s1 = SubKegiatanFactory(region=region, kegiatan=k1, kode="1.02.01.2.01.0001", nama="Sub Satu")
    s2 = SubKegiatanFactory(region=region, kegiatan=k2, kode="1.02.02.2.01.0001", nama="Sub Dua")
    s3 = SubKegiatanFactory(region=region, kegiatan=k1, kode="1.02.01.2.01.0002", nama="Sub Tiga")

    def account(kode, uraian):
        return AccountFactory(region=region, kode=kode, uraian=uraian)

    barang = account("5.1.02.01.01.0001", "Belanja Alat Tulis Kantor")
    barang2 = account("5.1.02.01.01.0002", "Belanja Bahan Cetak")
    modal = account("5.2.02.05.01.0001", "Belanja Modal Komputer")
    pajak = account("4.1.01.01.01.0001", "Pajak Hotel")
    silpa = account("6.1.01.01.01.0001", "SiLPA")
    modal_daerah = account("6.2.02.01.01.0001", "Penyertaan Modal")

    make_line(region, opd_a, barang, 1000 * K, [100 * K, 200 * K, 300 * K, 400 * K], s1,
              [(1, 50 * K), (2, 250 * K), (4, 600 * K)])  # fmt: skip
    make_line(region, opd_a, modal, 2000 * K, [0, 0, 1000 * K, 1000 * K], s1, [(3, 1500 * K)])
    make_line(region, opd_a, barang, D(0), [0, 0, 0, 0], s2)
    make_line(region, opd_a, pajak, 500 * K, [125 * K] * 4, None, [(1, 200 * K), (2, 400 * K)])
    make_line(region, opd_b, barang2, 400 * K, [100 * K] * 4, s3, [(2, 100 * K)])
    make_line(region, opd_b, silpa, 3000 * K, [3000 * K, 0, 0, 0], None, [(1, 3000 * K)])
    make_line(region, opd_b, modal_daerah, 1000 * K, [0, 0, 0, 1000 * K])
    # Another year and another region: never part of the 2024 figures of this region.
    make_line(region, opd_a, barang, 9000 * K, [9000 * K, 0, 0, 0], s1, [(1, 9000 * K)], 2023)
    DpaLineFactory(tahun=2024, pagu=D("7777777"), region=RegionFactory(kode="99.99"))
    return region


def exact(numerator, denominator) -> Decimal:
    """numerator ÷ denominator × 100 to the 50 digits the selector promises."""
    with localcontext() as ctx:
        ctx.prec = 50
        return D(numerator) * 100 / D(denominator)


def rows_by(rows, *fields):
    return {tuple(getattr(r, f) for f in fields): r for r in rows}


# --- levels -----------------------------------------------------------------------------------


def test_the_pemda_level_gives_one_row_per_jenis_never_adding_them_together(region):
    rows = absorption(region=region, tahun=2024, level="pemda")
    assert [(r.kode, r.jenis) for r in rows] == [
        ("33.99", "pendapatan"),
        ("33.99", "belanja"),
        ("33.99", "pembiayaan"),
    ]
    pendapatan, belanja, pembiayaan = rows
    assert (belanja.pagu, belanja.realisasi_kumulatif) == (D("3400000.00"), D("2500000.00"))
    assert (pendapatan.pagu, pendapatan.realisasi_kumulatif) == (500 * K, 600 * K)
    assert (pembiayaan.pagu, pembiayaan.realisasi_kumulatif) == (4000 * K, 3000 * K)
    assert belanja.nama == "Kabupaten Contoh"
    assert belanja.line_count == 4


def test_a_ratio_is_exact_and_rounded_only_for_display(region):
    belanja = rows_by(absorption(region=region, tahun=2024, level="pemda"), "jenis")[("belanja",)]
    assert belanja.serapan == exact(2500000, 3400000)
    assert belanja.serapan_persen == D("73.53")
    assert belanja.kategori_serapan == "Kurang Efektif"
    assert belanja.kategori_efisiensi == "Efisien"


def test_the_opd_level_gives_each_opd_per_jenis(region):
    rows = absorption(region=region, tahun=2024, level="opd")
    assert [(r.kode, r.jenis) for r in rows] == [
        (OPD_A, "pendapatan"),
        (OPD_A, "belanja"),
        (OPD_B, "belanja"),
        (OPD_B, "pembiayaan"),
    ]
    by = rows_by(rows, "kode", "jenis")
    a = by[(OPD_A, "belanja")]
    assert (a.nama, a.pagu, a.realisasi_kumulatif, a.sisa) == (
        "Dinas Kesehatan",
        3000 * K,
        2400 * K,
        600 * K,
    )
    assert a.serapan_persen == D("80.00")
    assert a.kategori_serapan == "Cukup Efektif"
    assert a.kategori_efisiensi == "Cukup Efisien"
    b = by[(OPD_B, "belanja")]
    assert (b.pagu, b.realisasi_kumulatif, b.serapan_persen) == (400 * K, 100 * K, D("25.00"))


def test_the_program_level_holds_only_belanja_and_a_program_without_budget_has_no_ratio(region):
    rows = absorption(region=region, tahun=2024, level="program")
    assert [(r.kode, r.jenis) for r in rows] == [("1.02.01", "belanja"), ("1.02.02", "belanja")]
    p1, p2 = rows
    assert (p1.nama, p1.pagu, p1.realisasi_kumulatif) == ("Program Penunjang", 3400 * K, 2500 * K)
    assert p2.pagu == D("0.00")
    assert p2.serapan is None
    assert p2.capaian_kas is None
    assert p2.kategori_serapan is None
    assert p2.kategori_capaian is None
    assert p2.kategori_efisiensi is None
    assert p2.rank_serapan is None


def test_the_kegiatan_level_adds_up_the_sub_kegiatan_of_every_opd(region):
    rows = absorption(region=region, tahun=2024, level="kegiatan")
    assert [(r.kode, r.pagu, r.realisasi_kumulatif) for r in rows] == [
        ("1.02.01.2.01", 3400 * K, 2500 * K),
        ("1.02.02.2.01", D(0), D(0)),
    ]
    assert rows[0].nama == "Kegiatan Satu"


def test_the_sub_kegiatan_level(region):
    rows = absorption(region=region, tahun=2024, level="sub_kegiatan")
    assert [(r.kode, r.nama, r.pagu, r.realisasi_kumulatif, r.serapan_persen) for r in rows] == [
        ("1.02.01.2.01.0001", "Sub Satu", 3000 * K, 2400 * K, D("80.00")),
        ("1.02.01.2.01.0002", "Sub Tiga", 400 * K, 100 * K, D("25.00")),
        ("1.02.02.2.01.0001", "Sub Dua", D(0), D(0), None),
    ]


# depth -> (kode, jenis, pagu, realisasi kumulatif, nama or None when not checked)
AKUN: dict[int, list[tuple[str, str, str, str, str | None]]] = {
    1: [
        ("4", "pendapatan", "500000.00", "600000.00", "Pendapatan Daerah"),
        ("5", "belanja", "3400000.00", "2500000.00", "Belanja Daerah"),
        ("6", "pembiayaan", "4000000.00", "3000000.00", "Pembiayaan Daerah"),
    ],
    2: [
        ("4.1", "pendapatan", "500000.00", "600000.00", "Pendapatan Asli Daerah (PAD)"),
        ("5.1", "belanja", "1400000.00", "1000000.00", "Belanja Operasi"),
        ("5.2", "belanja", "2000000.00", "1500000.00", "Belanja Modal"),
        ("6.1", "pembiayaan", "3000000.00", "3000000.00", "Penerimaan Pembiayaan"),
        ("6.2", "pembiayaan", "1000000.00", "0.00", "Pengeluaran Pembiayaan"),
    ],
    3: [
        ("4.1.01", "pendapatan", "500000.00", "600000.00", "Pajak Daerah"),
        ("5.1.02", "belanja", "1400000.00", "1000000.00", "Belanja Barang dan Jasa"),
        ("5.2.02", "belanja", "2000000.00", "1500000.00", "Belanja Modal Peralatan dan Mesin"),
        ("6.1.01", "pembiayaan", "3000000.00", "3000000.00", None),
        ("6.2.02", "pembiayaan", "1000000.00", "0.00", "Penyertaan Modal Daerah"),
    ],
    4: [
        ("4.1.01.01", "pendapatan", "500000.00", "600000.00", ""),
        ("5.1.02.01", "belanja", "1400000.00", "1000000.00", ""),
        ("5.2.02.05", "belanja", "2000000.00", "1500000.00", ""),
        ("6.1.01.01", "pembiayaan", "3000000.00", "3000000.00", ""),
        ("6.2.02.01", "pembiayaan", "1000000.00", "0.00", ""),
    ],
    5: [
        ("4.1.01.01.01", "pendapatan", "500000.00", "600000.00", ""),
        ("5.1.02.01.01", "belanja", "1400000.00", "1000000.00", ""),
        ("5.2.02.05.01", "belanja", "2000000.00", "1500000.00", ""),
        ("6.1.01.01.01", "pembiayaan", "3000000.00", "3000000.00", ""),
        ("6.2.02.01.01", "pembiayaan", "1000000.00", "0.00", ""),
    ],
    6: [
        ("4.1.01.01.01.0001", "pendapatan", "500000.00", "600000.00", "Pajak Hotel"),
        ("5.1.02.01.01.0001", "belanja", "1000000.00", "900000.00", "Belanja Alat Tulis Kantor"),
        ("5.1.02.01.01.0002", "belanja", "400000.00", "100000.00", "Belanja Bahan Cetak"),
        ("5.2.02.05.01.0001", "belanja", "2000000.00", "1500000.00", "Belanja Modal Komputer"),
        ("6.1.01.01.01.0001", "pembiayaan", "3000000.00", "3000000.00", "SiLPA"),
        ("6.2.02.01.01.0001", "pembiayaan", "1000000.00", "0.00", "Penyertaan Modal"),
    ],
}


@pytest.mark.parametrize("depth", sorted(AKUN))
def test_the_account_level_groups_by_the_first_n_code_segments(region, depth):
    rows = absorption(region=region, tahun=2024, level="akun", depth=depth)
    assert [(r.kode, r.jenis, str(r.pagu), str(r.realisasi_kumulatif)) for r in rows] == [
        row[:4] for row in AKUN[depth]
    ]
    for row, (_kode, _jenis, _pagu, _real, nama) in zip(rows, AKUN[depth], strict=True):
        if nama is not None:
            assert row.nama == nama


def test_the_account_level_without_a_depth_groups_by_the_full_code(region):
    rows = absorption(region=region, tahun=2024, level="akun")
    assert [r.kode for r in rows] == [row[0] for row in AKUN[6]]


# --- quarters ---------------------------------------------------------------------------------

# (triwulan, kas kumulatif, realisasi kumulatif, kas within, realisasi within) of all belanja
BELANJA_BY_QUARTER = [
    (1, 200 * K, 50 * K, 200 * K, 50 * K),
    (2, 500 * K, 400 * K, 300 * K, 350 * K),
    (3, 1900 * K, 1900 * K, 1400 * K, 1500 * K),
    (4, 3400 * K, 2500 * K, 1500 * K, 600 * K),
]


@pytest.mark.parametrize(("triwulan", "kas", "real", "kas_tw", "real_tw"), BELANJA_BY_QUARTER)
def test_kas_and_realisasi_are_cumulative_through_the_quarter(
    region, triwulan, kas, real, kas_tw, real_tw
):
    rows = absorption(region=region, tahun=2024, triwulan=triwulan, level="pemda")
    belanja = rows_by(rows, "jenis")[("belanja",)]
    assert belanja.kas_kumulatif == kas
    assert belanja.realisasi_kumulatif == real
    assert belanja.kas_triwulan == kas_tw
    assert belanja.realisasi_triwulan == real_tw
    assert belanja.pagu == 3400 * K  # the pagu does not depend on the quarter
    assert belanja.serapan == exact(real, 3400 * K)
    assert belanja.capaian_kas == exact(real, kas)
    assert belanja.selisih_kas == real - kas


@pytest.mark.parametrize(
    ("triwulan", "capaian", "kategori"),
    [
        (1, D("25.00"), "Tidak Efektif"),
        (2, D("80.00"), "Cukup Efektif"),
        (3, D("100.00"), "Efektif"),
        (4, D("73.53"), "Kurang Efektif"),
    ],
)
def test_capaian_compares_realisasi_with_the_cash_plan_not_the_pagu(
    region, triwulan, capaian, kategori
):
    rows = absorption(region=region, tahun=2024, triwulan=triwulan, level="pemda")
    belanja = rows_by(rows, "jenis")[("belanja",)]
    assert belanja.capaian_kas_persen == capaian
    assert belanja.kategori_capaian == kategori


def test_revenue_above_target_is_very_effective_and_has_no_efficiency_category(region):
    rows = absorption(region=region, tahun=2024, triwulan=2, level="pemda")
    pendapatan = rows_by(rows, "jenis")[("pendapatan",)]
    assert pendapatan.serapan_persen == D("120.00")
    assert pendapatan.kategori_serapan == "Sangat Efektif"
    assert pendapatan.capaian_kas_persen == D("240.00")
    assert pendapatan.kategori_efisiensi is None
    assert pendapatan.sisa == D("-100000.00")


def test_financing_has_no_efficiency_category(region):
    rows = absorption(region=region, tahun=2024, triwulan=1, level="pemda")
    pembiayaan = rows_by(rows, "jenis")[("pembiayaan",)]
    assert pembiayaan.capaian_kas_persen == D("100.00")
    assert pembiayaan.kategori_capaian == "Efektif"
    assert pembiayaan.kategori_efisiensi is None


def test_a_zero_cash_plan_leaves_capaian_undefined_but_not_serapan(region):
    rows = absorption(region=region, tahun=2024, triwulan=1, level="akun", depth=6)
    modal = rows_by(rows, "kode")[("5.2.02.05.01.0001",)]
    assert modal.kas_kumulatif == D("0.00")
    assert modal.capaian_kas is None
    assert modal.kategori_capaian is None
    assert modal.serapan == D(0)
    assert modal.kategori_serapan == "Tidak Efektif"
    assert modal.kategori_efisiensi == "Sangat Efisien"


def test_an_earlier_year_is_counted_apart(region):
    [belanja] = absorption(region=region, tahun=2023, level="pemda")
    assert (belanja.pagu, belanja.realisasi_kumulatif) == (9000 * K, 9000 * K)


def test_a_year_without_lines_gives_no_rows(region):
    assert absorption(region=region, tahun=2030, level="opd") == []


# --- filters and errors -----------------------------------------------------------------------


@pytest.mark.parametrize("level", ["pemda", "opd", "program", "kegiatan", "sub_kegiatan", "akun"])
def test_the_opd_filter_keeps_only_that_opds_lines(region, level):
    rows = absorption(region=region, tahun=2024, level=level, opd=OPD_B)
    assert sum(r.pagu for r in rows if r.jenis == "belanja") == 400 * K
    assert {r.jenis for r in rows} <= {"belanja", "pembiayaan"}
    by_object = absorption(region=region, tahun=2024, level=level, opd=Opd.objects.get(kode=OPD_B))
    assert by_object == rows


def test_the_jenis_and_account_prefix_filters(region):
    [row] = absorption(region=region, tahun=2024, level="pemda", jenis="pembiayaan")
    assert row.pagu == 4000 * K
    rows = absorption(region=region, tahun=2024, level="akun", depth=6, account_prefix="5.1.")
    assert [r.kode for r in rows] == ["5.1.02.01.01.0001", "5.1.02.01.01.0002"]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"level": "bidang"},
        {"triwulan": 5},
        {"triwulan": 0},
        {"triwulan": "x"},
        {"level": "opd", "depth": 2},
        {"level": "akun", "depth": 7},
        {"level": "akun", "depth": 0},
    ],
)
def test_it_refuses_a_meaningless_request(region, kwargs):
    with pytest.raises(SelectorError):
        absorption(region=region, tahun=2024, **kwargs)


def test_a_region_with_its_own_bands_gets_its_own_categories(region):
    before = rows_by(absorption(region=region, tahun=2024, level="pemda"), "jenis")
    assert before[("belanja",)].kategori_serapan == "Kurang Efektif"
    CriteriaBandFactory(region=region, label="Tinggi", rank=1, lower=D(75))
    CriteriaBandFactory(region=region, label="Rendah", rank=2, upper=D(75))

    after = rows_by(absorption(region=region, tahun=2024, level="pemda"), "jenis")

    assert after[("belanja",)].kategori_serapan == "Rendah"  # 73,53
    assert after[("pembiayaan",)].kategori_serapan == "Tinggi"  # exactly 75
    assert after[("pendapatan",)].kategori_serapan == "Tinggi"
    # Only the effectiveness bands were overridden.
    assert after[("belanja",)].kategori_efisiensi == "Efisien"
    other: Region = RegionFactory.create(kode="99.99")
    assert (
        absorption(region=other, tahun=2024, level="pemda")[0].kategori_serapan == "Tidak Efektif"
    )


# --- query counts -----------------------------------------------------------------------------


def many_lines(n_opd: int, n_sub: int, n_acc: int, *, tahun: int = 2024):
    """n_opd × n_sub × n_acc belanja lines, each with realisasi in two quarters, in bulk."""
    region: Region = RegionFactory.create()
    opds = OpdFactory.create_batch(n_opd, region=region)
    kegiatan = KegiatanFactory(region=region)
    subs = SubKegiatanFactory.create_batch(n_sub, region=region, kegiatan=kegiatan)
    accounts = AccountFactory.create_batch(n_acc, region=region)
    lines = DpaLine.objects.bulk_create(
        DpaLineFactory.build(region=region, tahun=tahun, opd=o, sub_kegiatan=s, account=a)
        for o in opds
        for s in subs
        for a in accounts
    )
    Realisasi.objects.bulk_create(
        Realisasi(region=region, line=line, triwulan=q, jumlah=D("1000.00"))
        for line in lines
        for q in (1, 3)
    )
    return region, len(lines)


LEVEL_QUERIES = [
    ("pemda", None, 2),
    ("opd", None, 2),
    ("program", None, 2),
    ("kegiatan", None, 2),
    ("sub_kegiatan", None, 2),
    # the account names are joined in the roll-up query
    *[("akun", depth, 2) for depth in range(1, 7)],
]


@pytest.mark.parametrize(("level", "depth", "queries"), LEVEL_QUERIES)
@pytest.mark.parametrize("shape", [(1, 1, 3), (5, 6, 10)], ids=["3 lines", "300 lines"])
def test_absorption_takes_the_same_few_queries_however_many_lines(
    django_assert_num_queries, level, depth, queries, shape
):
    region, n_lines = many_lines(*shape)
    assert n_lines == shape[0] * shape[1] * shape[2]
    with django_assert_num_queries(queries):
        rows = absorption(region=region, tahun=2024, triwulan=3, level=level, depth=depth)
    assert sum(r.line_count for r in rows) == n_lines
    assert sum(r.realisasi_kumulatif for r in rows) == D("2000.00") * n_lines


# Below the summary rows, from the lines: accounts below three segments, and the program
# levels filtered by fund source (the sub kegiatan roll-ups hold none; unfiltered, the program
# levels read them: tests/test_rollups.py).
DEEPER_LEVELS = [
    ("program", None, {"sumber_dana": ""}),
    ("kegiatan", None, {"sumber_dana": ""}),
    ("sub_kegiatan", None, {"sumber_dana": ""}),
    *[("akun", depth, {}) for depth in range(4, 7)],  # to three segments: the roll-ups
]


@pytest.mark.parametrize(("level", "depth", "filters"), DEEPER_LEVELS)
def test_a_region_wide_roll_up_below_the_summary_rows_is_one_aggregate_pass(
    region, level, depth, filters
):
    grouped = absorption_queryset(
        region=region, tahun=2024, triwulan=4, level=level, depth=depth, **filters
    )
    sql = str(grouped.query)
    assert "budget_realisasi" in sql
    assert sql.count("SELECT") == 1  # joined, not a subquery per line


@pytest.mark.parametrize(("level", "depth", "filters"), DEEPER_LEVELS)
def test_one_opds_roll_up_gives_the_same_sums_by_subqueries_per_line(region, level, depth, filters):
    # One OPD's lines are few: probing each by index beats hashing the region's realisasi.
    scope = {"region": region, "tahun": 2024, "triwulan": 4, "level": level, "depth": depth}
    grouped = absorption_queryset(**scope, **filters, opd=OPD_A)
    assert str(grouped.query).count("SELECT") > 1
    region_wide = {(r.kode, r.jenis): r for r in absorption(**scope, **filters)}
    opd_b = absorption(**scope, **filters, opd=OPD_B)
    rows = absorption_rows(grouped, region=region, level=level)
    assert rows
    for row in rows:
        other = next((r for r in opd_b if (r.kode, r.jenis) == (row.kode, row.jenis)), None)
        whole = region_wide[(row.kode, row.jenis)]
        for key in ("pagu", "kas_kumulatif", "realisasi_kumulatif", "realisasi_triwulan"):
            assert getattr(row, key) + (getattr(other, key) if other else 0) == getattr(whole, key)


@pytest.mark.parametrize("level", ["program", "kegiatan", "sub_kegiatan"])
def test_the_program_levels_of_two_opds_add_up_to_the_regions(region, level):
    scope = {"region": region, "tahun": 2024, "triwulan": 4, "level": level}
    region_wide = {(r.kode, r.jenis): r for r in absorption(**scope)}
    opd_a = absorption(**scope, opd=OPD_A)
    opd_b = {(r.kode, r.jenis): r for r in absorption(**scope, opd=OPD_B)}
    assert opd_a
    for row in opd_a:
        other = opd_b.get((row.kode, row.jenis))
        whole = region_wide[(row.kode, row.jenis)]
        for key in ("pagu", "kas_kumulatif", "realisasi_kumulatif", "realisasi_triwulan"):
            assert getattr(row, key) + (getattr(other, key) if other else 0) == getattr(whole, key)


# --- the command ------------------------------------------------------------------------------
# The fixture holds a second region, so every command names the one it reports on.


def json_report(**options) -> dict:
    return report(region="33.99", **options)


def text_report(**options) -> str:
    return run_command("absorption_report", region="33.99", **options)


def test_the_json_report_follows_the_contract(region):
    data = json_report(tahun=2024, triwulan=2, level="opd", opd=OPD_A)
    assert (data["tahun"], data["triwulan"], data["level"]) == (2024, 2, "opd")
    pendapatan, belanja = data["rows"]
    assert list(belanja) == [
        "kode",
        "nama",
        "jenis",
        "pagu",
        "kas_kumulatif",
        "realisasi_kumulatif",
        "sisa",
        "serapan_persen",
        "kategori_serapan",
        "capaian_kas_persen",
        "kategori_capaian",
        "kategori_efisiensi",
        # added later, after the first contract's fields
        "pagu_murni",
        "serapan_murni_persen",
    ]
    assert belanja == {
        "kode": OPD_A,
        "nama": "Dinas Kesehatan",
        "jenis": "belanja",
        "pagu": "3000000.00",
        "kas_kumulatif": "300000.00",
        "realisasi_kumulatif": "300000.00",
        "sisa": "2700000.00",
        "serapan_persen": 10.0,
        "kategori_serapan": "Tidak Efektif",
        "capaian_kas_persen": 100.0,
        "kategori_capaian": "Efektif",
        "kategori_efisiensi": "Sangat Efisien",
        "pagu_murni": "3000000.00",
        "serapan_murni_persen": 10.0,
    }
    assert pendapatan["jenis"] == "pendapatan"
    assert pendapatan["kategori_efisiensi"] is None


def test_serapan_murni_is_measured_against_the_original_dpa_beside_the_pagu_in_force(region):
    # A DPPA raised one line's pagu and cut another's: the murni figures keep the first DPA.
    raised = DpaLine.objects.get(opd__kode=OPD_A, account__kode="5.2.02.05.01.0001")
    DpaLine.objects.filter(pk=raised.pk).update(pagu_murni=D("1000000.00"))
    rows = absorption(region=region, tahun=2024, triwulan=4, level="opd", opd=OPD_A)
    belanja = next(r for r in rows if r.jenis == "belanja")
    assert belanja.pagu == D("3000000.00")
    assert belanja.pagu_murni == D("2000000.00")
    assert belanja.serapan_murni == belanja.realisasi_kumulatif * 100 / D("2000000.00")
    assert belanja.serapan_murni != belanja.serapan
    data = json_report(tahun=2024, triwulan=4, level="opd", opd=OPD_A)
    row = next(r for r in data["rows"] if r["jenis"] == "belanja")
    assert row["pagu_murni"] == "2000000.00"
    murni = round2(belanja.serapan_murni)
    assert murni is not None
    assert row["serapan_murni_persen"] == float(murni)


def test_a_line_new_in_the_dppa_has_no_murni_pagu_so_serapan_murni_is_undefined(region):
    DpaLine.objects.filter(region=region, opd__kode=OPD_B).update(pagu_murni=0)
    rows = absorption(region=region, tahun=2024, level="opd", opd=OPD_B, jenis="belanja")
    assert rows[0].pagu_murni == 0
    assert rows[0].serapan_murni is None
    assert rows[0].serapan is not None


def test_the_json_report_defaults_to_the_fourth_quarter_and_the_opd_level(region):
    data = json_report(tahun=2024)
    assert (data["triwulan"], data["level"]) == (4, "opd")
    assert len(data["rows"]) == 4


def test_the_json_report_gives_null_for_an_undefined_ratio(region):
    rows = json_report(tahun=2024, level="program")["rows"]
    assert rows[1]["kode"] == "1.02.02"
    assert rows[1]["serapan_persen"] is None
    assert rows[1]["capaian_kas_persen"] is None
    assert rows[1]["kategori_serapan"] is None


@pytest.mark.parametrize("depth", sorted(AKUN))
def test_the_json_report_at_account_level_takes_a_depth(region, depth):
    rows = json_report(tahun=2024, level="akun", depth=depth)["rows"]
    assert [(r["kode"], r["jenis"], r["pagu"], r["realisasi_kumulatif"]) for r in rows] == [
        row[:4] for row in AKUN[depth]
    ]


def test_the_csv_report_has_the_contract_columns_and_empty_cells_for_undefined_ratios(region):
    out = text_report(tahun=2024, level="program", format="csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["kode"] for r in rows] == ["1.02.01", "1.02.02"]
    assert rows[0]["pagu"] == "3400000.00"
    assert rows[0]["serapan_persen"] == "73.53"
    assert rows[0]["kategori_efisiensi"] == "Efisien"
    assert rows[1]["serapan_persen"] == ""
    assert rows[1]["kategori_serapan"] == ""
    assert list(rows[0]) == list(json_report(tahun=2024, level="program")["rows"][0])


def test_the_table_report_prints_indonesian_numbers(region):
    out = text_report(tahun=2024, level="pemda", format="table")
    assert "3.400.000" in out
    assert "73,53%" in out
    assert "Kurang Efektif" in out
    assert "120,00%" in out


def test_the_table_report_shows_a_dash_for_an_undefined_ratio(region):
    out = text_report(tahun=2024, level="program", format="table")
    [line] = [ln for ln in out.splitlines() if ln.startswith("1.02.02")]
    assert "—" in line


def test_the_report_of_one_opd(region):
    rows = json_report(tahun=2024, level="program", opd=OPD_B)["rows"]
    assert [(r["kode"], r["pagu"]) for r in rows] == [("1.02.01", "400000.00")]


@pytest.mark.parametrize(
    "options",
    [
        {"opd": "1.02.0.00.0.00.09.0000"},
        {"level": "opd", "depth": 2},
        {"region": "00.00"},
    ],
)
def test_the_report_command_refuses_what_does_not_exist(region, options):
    with pytest.raises(CommandError):
        run_command("absorption_report", tahun=2024, **{"region": "33.99", **options})


def test_the_report_command_asks_which_region_when_there_are_several(region):
    RegionFactory(kode="11.11")
    with pytest.raises(CommandError):
        run_command("absorption_report", tahun=2024)
    assert report(tahun=2024, region="33.99", level="pemda")["rows"][1]["pagu"] == "3400000.00"


def test_the_report_command_refuses_an_empty_database(db):
    with pytest.raises(CommandError):
        run_command("absorption_report", tahun=2024)


@pytest.mark.parametrize("args", [["--triwulan", "5"], ["--level", "bidang"], ["--depth", "7"]])
def test_the_report_command_refuses_bad_options(region, args):
    with pytest.raises(CommandError):
        run_command("absorption_report", "--tahun", "2024", "--region", "33.99", *args)


# --- selectors for the dashboard --------------------------------------------------------------


@pytest.fixture
def boundaries():
    """One OPD per ratio that sits on or just beside a band edge (pagu and kas 100.000)."""
    region = RegionFactory(kode="77.77")
    realised = {
        "0001": "100000.01",
        "0002": "100000.00",
        "0003": "90000.00",
        "0004": "89999.99",
        "0005": "80000.00",
        "0006": "79999.99",
        "0007": "60000.00",
        "0008": "59999.99",
        "0009": "0.00",
    }
    for suffix, amount in realised.items():
        line = DpaLineFactory(
            region=region,
            opd=OpdFactory(region=region, kode=f"1.02.0.00.0.00.01.{suffix}"),
            pagu=D("100000.00"),
            kas_tw1=D("100000.00"),
            kas_tw2=0,
            kas_tw3=0,
            kas_tw4=0,
        )
        RealisasiFactory(line=line, triwulan=1, jumlah=D(amount))
    # An OPD without budget has no category and must match no band.
    DpaLineFactory(
        region=region,
        opd=OpdFactory(region=region, kode="1.02.0.00.0.00.01.0010"),
        pagu=D(0),
    )
    return region


@pytest.mark.parametrize("measure", ["serapan", "capaian"])
@pytest.mark.parametrize("kind", [EFEKTIVITAS, EFISIENSI])
def test_the_category_filter_in_sql_agrees_with_categorize_at_every_band_edge(
    boundaries, measure, kind
):
    rows = absorption(region=boundaries, tahun=2024, triwulan=1, level="opd")
    ratio = {r.kode: (r.serapan if measure == "serapan" else r.capaian_kas) for r in rows}
    for band in DEFAULT_BANDS[kind]:
        grouped = absorption_queryset(region=boundaries, tahun=2024, triwulan=1, level="opd")
        in_sql = {g["g_kode"] for g in grouped.filter(category_filter(band=band, measure=measure))}
        in_python = {
            kode for kode, x in ratio.items() if categorize(x, DEFAULT_BANDS[kind]) == band
        }
        assert in_sql == in_python, band.label
    assert "1.02.0.00.0.00.01.0010" not in {
        g["g_kode"]
        for band in DEFAULT_BANDS[kind]
        for g in absorption_queryset(region=boundaries, tahun=2024, triwulan=1, level="opd").filter(
            category_filter(band=band, measure=measure)
        )
    }


def test_absorption_rows_turns_a_filtered_queryset_into_rows(boundaries):
    efektif = next(b for b in DEFAULT_BANDS[EFEKTIVITAS] if b.label == "Efektif")
    grouped = absorption_queryset(region=boundaries, tahun=2024, triwulan=1, level="opd").filter(
        category_filter(band=efektif, measure="serapan")
    )
    rows = absorption_rows(grouped, region=boundaries, level="opd")
    assert [r.kode[-4:] for r in rows] == ["0002", "0003"]
    assert {r.kategori_serapan for r in rows} == {"Efektif"}


def test_the_quarterly_series_gives_the_s_curve_of_belanja(region, django_assert_num_queries):
    with django_assert_num_queries(1):  # the roll-ups' quarters side by side
        points = quarterly_series(region=region, tahun=2024)
    assert [(p.triwulan, p.kas_kumulatif, p.realisasi_kumulatif) for p in points] == [
        (q, kas, real) for q, kas, real, _kt, _rt in BELANJA_BY_QUARTER
    ]
    assert [(p.kas_triwulan, p.realisasi_triwulan) for p in points] == [
        (kas_tw, real_tw) for _q, _k, _r, kas_tw, real_tw in BELANJA_BY_QUARTER
    ]


def test_the_quarterly_series_leaves_out_realisasi_after_the_quarter_asked_for(region):
    points = quarterly_series(region=region, tahun=2024, triwulan=2)
    assert [p.realisasi_kumulatif for p in points] == [50 * K, 400 * K, None, None]
    assert [p.realisasi_triwulan for p in points] == [50 * K, 350 * K, None, None]
    assert points[3].kas_kumulatif == 3400 * K


def test_the_quarterly_series_of_one_opd_and_of_revenue(region):
    points = quarterly_series(region=region, tahun=2024, opd=OPD_B)
    assert [p.realisasi_kumulatif for p in points] == [D(0), 100 * K, 100 * K, 100 * K]
    revenue = quarterly_series(region=region, tahun=2024, jenis="pendapatan")
    assert revenue[-1].realisasi_kumulatif == 600 * K
    assert revenue[-1].kas_kumulatif == 500 * K


def test_the_periods_available_are_the_dpa_years_and_the_last_quarter_realised(region):
    years, latest = periods_available(region=region)
    assert years == [2024, 2023]
    assert latest == Period(2024, 4)


def test_a_region_without_realisasi_starts_at_the_first_quarter_of_its_latest_year(db):
    region: Region = RegionFactory.create()
    assert periods_available(region=region) == ([], None)
    DpaLineFactory(region=region, tahun=2025)
    DpaLineFactory(region=region, tahun=2024)
    years, latest = periods_available(region=region)
    assert years == [2025, 2024]
    assert latest == Period(2025, 1)


@pytest.fixture
def race():
    """Three OPDs: X leads in TW I, Y overtakes it in TW II, Z has no cash plan until TW IV."""
    region = RegionFactory(kode="55.55")

    def opd_line(suffix, kas):
        return DpaLineFactory(
            region=region,
            opd=OpdFactory(region=region, kode=f"1.02.0.00.0.00.01.{suffix}"),
            pagu=D(sum(kas)),
            kas_tw1=kas[0],
            kas_tw2=kas[1],
            kas_tw3=kas[2],
            kas_tw4=kas[3],
        )

    x = opd_line("0001", [D(100), D(100), D(100), D(100)])
    y = opd_line("0002", [D(100), D(100), D(100), D(100)])
    opd_line("0003", [D(0), D(0), D(0), D(400)])
    RealisasiFactory(line=x, triwulan=1, jumlah=D(90))
    RealisasiFactory(line=y, triwulan=1, jumlah=D(50))
    RealisasiFactory(line=y, triwulan=2, jumlah=D(150))
    return region


def test_the_opd_ranking_orders_by_capaian_and_tells_the_movement(race):
    ranked, unranked = opd_ranking(region=race, tahun=2024, triwulan=2)
    assert [(r.peringkat, r.row.kode[-4:], r.peringkat_sebelumnya) for r in ranked] == [
        (1, "0002", 2),
        (2, "0001", 1),
    ]
    assert [r.perubahan for r in ranked] == [1, -1]
    assert [r.kode[-4:] for r in unranked] == ["0003"]


def test_the_opd_ranking_of_the_first_quarter_has_no_movement(race):
    ranked, _unranked = opd_ranking(region=race, tahun=2024, triwulan=1)
    assert [r.row.kode[-4:] for r in ranked] == ["0001", "0002"]
    assert {r.perubahan for r in ranked} == {None}


def test_the_opd_ranking_by_serapan_ranks_every_opd_with_a_pagu(race):
    ranked, unranked = opd_ranking(region=race, tahun=2024, triwulan=2, measure="serapan")
    assert [r.row.kode[-4:] for r in ranked] == ["0002", "0001", "0003"]
    assert unranked == []


def test_the_opd_ranking_refuses_an_unknown_measure(race):
    with pytest.raises(SelectorError):
        opd_ranking(region=race, tahun=2024, triwulan=2, measure="efisiensi")
