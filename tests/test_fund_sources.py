"""Fund sources followed through (issue 13): belanja per OPD and fund source, the DAK view beside
the late-juknis kendala, the pages /sumber-dana/ and /sumber-dana/dak/ (who may open them, what
they show, their exports and filters, what they cost), the fund source in the LRA exports, the
API (absorption by fund source, realisasi by fund source, /api/v1/dak/) and the command.

The region, through TW II of YEAR (every figure known):
- OPD A: DAK Fisik 1.000 (realised 200) and DAU 2.000 (1.000); named juknis in TW II.
- OPD B: DAK Non Fisik 400 (300) and PAD 600 (300); named juknis in TW I only.
- OPD C: DAK Fisik 3.000 (1.500); named procurement (pengadaan) only.
- OPD D: DAU 500 (100), no DAK; named juknis in TW II (a DPA without its fund source?).
- OPD E: a line whose DPA names no fund source, 100 (50); reported nothing.
"""

import csv
import io
from datetime import date
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from rest_framework.test import APIClient

from budget.dana import (
    DAK_FISIK,
    DAK_NON_FISIK,
    dak_dict,
    dak_report,
    opd_source_rows,
    opd_sources_queryset,
    source_matrix,
)
from budget.models import QuarterReport, Region, SumberDana, Upaya
from budget.selectors import NO_SUMBER_DANA, AbsorptionRow, absorption
from tests.factories import (
    AccountFactory,
    DpaLineFactory,
    OpdFactory,
    RealisasiFactory,
    SubKegiatanFactory,
)
from tests.helpers import fetch, page_text, report

pytestmark = pytest.mark.django_db

D = Decimal
YEAR = 2024
TW = 2
PERIOD = f"?tahun={YEAR}&triwulan={TW}"
CODES = {x: f"1.0{i + 1}.0.00.0.00.01.0000" for i, x in enumerate("ABCDE")}


def _line(region, opd, account, sub, *, pagu, real, sumber_dana):
    """A belanja line planned half in TW I and half in TW II, `real` realised in each."""
    pagu = D(pagu)
    line = DpaLineFactory(
        region=region,
        tahun=YEAR,
        opd=opd,
        account=account,
        sub_kegiatan=sub,
        pagu=pagu,
        kas_tw1=pagu / 2,
        kas_tw2=pagu / 2,
        kas_tw3=0,
        kas_tw4=0,
        sumber_dana=sumber_dana,
    )
    for q in (1, 2):
        RealisasiFactory(line=line, triwulan=q, jumlah=D(real) / 2)
    return line


def _report(region, opd, triwulan, kendala):
    return QuarterReport.objects.create(
        region=region, opd=opd, tahun=YEAR, triwulan=triwulan, kendala=kendala
    )


def _upaya(region, opd, triwulan, kendala, status=Upaya.Status.PLANNED):
    return Upaya.objects.create(
        region=region,
        opd=opd,
        tahun=YEAR,
        triwulan=triwulan,
        kendala=kendala,
        tindakan=f"Tindakan {opd.nama} TW{triwulan}",
        penanggung_jawab="Kepala Bidang",
        batas_waktu=date(YEAR, 9, 30),
        status=status,
    )


def build(region: Region, *, extra: int = 0) -> None:
    """The five OPDs of the module's docstring, and `extra` more like OPD A (DAK Fisik and
    DAU, juknis in TW II with an upaya) to show that the pages cost no more."""
    sub = SubKegiatanFactory(region=region)
    modal = AccountFactory(region=region, kode="5.2.02.05.01.0001")
    pegawai = AccountFactory(region=region, kode="5.1.01.01.01.0001")
    barang = AccountFactory(region=region, kode="5.1.02.01.01.0024")
    opds = {x: OpdFactory(region=region, kode=kode, nama=f"Dinas {x}") for x, kode in CODES.items()}
    a, b, c, d, e = (opds[x] for x in "ABCDE")
    _line(region, a, modal, sub, pagu="1000", real="200", sumber_dana=DAK_FISIK)
    _line(region, a, pegawai, sub, pagu="2000", real="1000", sumber_dana=SumberDana.DAU)
    _line(region, b, barang, sub, pagu="400", real="300", sumber_dana=DAK_NON_FISIK)
    _line(region, b, pegawai, sub, pagu="600", real="300", sumber_dana=SumberDana.PAD)
    _line(region, c, modal, sub, pagu="3000", real="1500", sumber_dana=DAK_FISIK)
    _line(region, d, pegawai, sub, pagu="500", real="100", sumber_dana=SumberDana.DAU)
    _line(region, e, barang, sub, pagu="100", real="50", sumber_dana="")
    _report(region, a, 1, [])
    _report(region, a, 2, ["juknis", "pengadaan"])
    _report(region, b, 1, ["juknis"])
    _report(region, b, 2, [])
    _report(region, c, 2, ["pengadaan"])
    _report(region, d, 2, ["juknis"])
    _upaya(region, a, 2, "juknis")
    _upaya(region, b, 1, "juknis", status=Upaya.Status.DONE)
    _upaya(region, c, 2, "pengadaan")
    for i in range(extra):
        opd = OpdFactory(region=region, kode=f"2.{i + 1:02d}.0.00.0.00.01.0000", nama=f"Extra {i}")
        _line(region, opd, modal, sub, pagu="1000", real="200", sumber_dana=DAK_FISIK)
        _line(region, opd, pegawai, sub, pagu="2000", real="1000", sumber_dana=SumberDana.DAU)
        _report(region, opd, 2, ["juknis"])
        _upaya(region, opd, 2, "juknis")


@pytest.fixture
def region() -> Region:
    region = Region.objects.create(kode="33.97", nama="Kabupaten Dana")
    build(region)
    return region


@pytest.fixture
def treasurer_opd(region):
    return region.opd_set.get(kode=CODES["A"])


@pytest.fixture
def other_opd(region):
    return region.opd_set.get(kode=CODES["B"])


# --- belanja per OPD and fund source --------------------------------------------------------


def part(row: AbsorptionRow | None) -> AbsorptionRow:
    """A part the region has lines of (the figures of a DAK OPD, a group)."""
    assert row is not None
    return row


def _rows(region):
    from budget.criteria import bands_for

    grouped = opd_sources_queryset(region=region, tahun=YEAR, triwulan=TW)
    return grouped, opd_source_rows(grouped, bands=bands_for(region_id=region.pk))


def test_each_opd_has_one_row_per_fund_source_it_spends(region):
    _grouped, rows = _rows(region)
    got = [(r.kode, r.extra["sumber_dana"], r.pagu, r.realisasi_kumulatif) for r in rows]
    assert got == [
        (CODES["A"], "DAU", D("2000.00"), D("1000.00")),  # SIPD's order: DAU before DAK
        (CODES["A"], DAK_FISIK, D("1000.00"), D("200.00")),
        (CODES["B"], "PAD", D("600.00"), D("300.00")),
        (CODES["B"], DAK_NON_FISIK, D("400.00"), D("300.00")),
        (CODES["C"], DAK_FISIK, D("3000.00"), D("1500.00")),
        (CODES["D"], "DAU", D("500.00"), D("100.00")),
        (CODES["E"], "", D("100.00"), D("50.00")),
    ]
    assert rows[-1].extra["sumber_dana_nama"] == NO_SUMBER_DANA
    assert rows[1].serapan == D(20)


def test_the_opd_and_fund_source_rows_add_up_to_each_opd_and_to_each_source(region):
    _grouped, rows = _rows(region)
    common = {"region": region, "tahun": YEAR, "triwulan": TW, "jenis": "belanja"}
    for opd in absorption(**common, level="opd"):
        mine = [r for r in rows if r.kode == opd.kode]
        assert sum(r.pagu for r in mine) == opd.pagu
        assert sum(r.realisasi_kumulatif for r in mine) == opd.realisasi_kumulatif
        assert sum(r.kas_kumulatif for r in mine) == opd.kas_kumulatif
    for source in absorption(**common, level="sumber_dana"):
        theirs = [r for r in rows if r.extra["sumber_dana"] == source.kode]
        assert sum(r.pagu for r in theirs) == source.pagu
        assert sum(r.realisasi_kumulatif for r in theirs) == source.realisasi_kumulatif


def test_the_fund_source_filter_and_the_category_filter_apply_in_the_database(region):
    from budget.criteria import bands_for
    from dashboard.filters import AbsorptionFilter

    grouped, _rows_ = _rows(region)
    bands = bands_for(region_id=region.pk)
    dak = AbsorptionFilter({"sumber_dana": DAK_FISIK}, queryset=grouped, bands=bands)
    assert [r.kode for r in opd_source_rows(dak.qs, bands=bands)] == [CODES["A"], CODES["C"]]
    none = AbsorptionFilter({"sumber_dana": "-"}, queryset=grouped, bands=bands)
    assert [r.kode for r in opd_source_rows(none.qs, bands=bands)] == [CODES["E"]]
    # Serapan 20% (A's DAK Fisik and D's DAU) is Tidak Efektif; so are the others under 60%.
    low = AbsorptionFilter({"kategori_serapan": "Tidak Efektif"}, queryset=grouped, bands=bands)
    assert {(r.kode, r.extra["sumber_dana"]) for r in opd_source_rows(low.qs, bands=bands)} == {
        (CODES["A"], DAK_FISIK),
        (CODES["B"], "PAD"),
        (CODES["C"], DAK_FISIK),
        (CODES["D"], "DAU"),
        (CODES["A"], "DAU"),
        (CODES["E"], ""),
    }


def test_the_matrix_puts_each_row_under_its_fund_source(region):
    _grouped, rows = _rows(region)
    totals = absorption(region=region, tahun=YEAR, triwulan=TW, level="opd", jenis="belanja")
    matrix = source_matrix(rows, totals=totals)
    assert matrix.sources == ["PAD", "DAU", DAK_FISIK, DAK_NON_FISIK, ""]
    assert matrix.source_names[-1] == NO_SUMBER_DANA
    a = matrix.lines[0]
    assert a.kode == CODES["A"]
    assert [c.pagu if c else None for c in a.cells] == [None, D(2000), D(1000), None, None]
    assert part(a.total).pagu == D(3000)


# --- DAK and juknis -------------------------------------------------------------------------


def test_the_dak_view_lists_the_opds_with_dak_lines_and_who_named_juknis_when(region):
    result = dak_report(region=region, tahun=YEAR, triwulan=TW)
    assert [(o.kode, o.juknis, o.juknis_before) for o in result.opds] == [
        (CODES["A"], True, False),
        (CODES["B"], False, True),
        (CODES["C"], False, False),
    ]
    a, b, c = result.opds
    assert (part(a.figures.fisik).pagu, part(a.figures.fisik).realisasi_kumulatif) == (
        D(1000),
        D(200),
    )
    assert a.figures.non_fisik is None
    assert part(a.figures.dak).sisa == D(800)
    assert part(a.figures.lain).pagu == D(2000)  # its DAU, for comparison
    assert part(b.figures.non_fisik).serapan == D(75)
    assert c.figures.lain is None
    # The upaya against juknis, the quarter's and the one before's; not C's procurement.
    assert [(u.opd.kode, u.triwulan) for u in result.upaya] == [(CODES["A"], 2), (CODES["B"], 1)]
    assert [len(o.upaya) for o in result.opds] == [1, 1, 0]
    assert b.upaya_done == 1
    # D named juknis but has no DAK line.
    assert [(e.kode, e.triwulan) for e in result.elsewhere] == [(CODES["D"], [2])]


def test_the_opds_that_named_juknis_are_summed_apart_from_the_others(region):
    result = dak_report(region=region, tahun=YEAR, triwulan=TW)
    named, others = result.groups
    assert named.juknis
    assert not others.juknis
    assert [o.kode for o in named.opds] == [CODES["A"], CODES["B"]]
    assert (part(named.figures.dak).pagu, part(named.figures.dak).realisasi_kumulatif) == (
        D(1400),
        D(500),
    )
    assert part(named.figures.fisik).pagu == D(1000)
    assert part(named.figures.non_fisik).pagu == D(400)
    assert part(named.figures.lain).pagu == D(2600)  # A's DAU and B's PAD
    assert (part(others.figures.dak).pagu, part(others.figures.dak).realisasi_kumulatif) == (
        D(3000),
        D(1500),
    )
    assert others.figures.non_fisik is None
    assert part(result.total.dak).pagu == D(4400)
    assert part(result.total.dak).realisasi_kumulatif == D(2000)
    # 500 / 1400 = 35,71% against 50%: 14,29 points behind.
    assert result.with_juknis is named
    assert result.without_juknis is others
    from budget.dana import dak_difference

    assert dak_difference(result) == D("14.29")


def test_the_dak_view_costs_four_queries_whatever_the_region(region, django_assert_num_queries):
    from budget.criteria import bands_for

    bands = bands_for(region_id=region.pk)
    with django_assert_num_queries(4):
        small = dak_report(region=region, tahun=YEAR, triwulan=TW, bands=bands)
    large = Region.objects.create(kode="33.95", nama="Kabupaten Besar")
    build(large, extra=30)
    bands = bands_for(region_id=large.pk)
    with django_assert_num_queries(4):
        big = dak_report(region=large, tahun=YEAR, triwulan=TW, bands=bands)
    assert (len(small.opds), len(big.opds)) == (3, 33)


def test_a_region_without_dak_has_an_empty_dak_view(db):
    region = Region.objects.create(kode="33.94", nama="Kabupaten Lain")
    opd = OpdFactory(region=region)
    account = AccountFactory(region=region, kode="5.1.01.01.01.0001")
    _line(
        region,
        opd,
        account,
        SubKegiatanFactory(region=region),
        pagu="10",
        real="2",
        sumber_dana="DAU",
    )
    result = dak_report(region=region, tahun=YEAR, triwulan=1)
    assert (result.opds, result.groups, result.total.dak) == ([], [], None)
    assert dak_dict(result)["rows"] == []


# --- the pages --------------------------------------------------------------------------------

PAGES = ("/sumber-dana/", "/sumber-dana/dak/")


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("role", ["bpkad", "kepala_daerah"])
def test_bpkad_and_the_head_of_region_open_the_fund_source_pages(client, request, role, path):
    client.force_login(request.getfixturevalue(role))
    assert client.get(path + PERIOD).status_code == 200


@pytest.mark.parametrize("path", PAGES)
def test_a_treasurer_is_sent_to_the_fund_sources_of_their_own_opd(client, treasurer, path):
    client.force_login(treasurer)
    response = client.get(path + PERIOD)
    assert response.status_code == 302
    assert response.url == f"/opd/{CODES['A']}/{PERIOD}#sumber-dana"


@pytest.mark.parametrize("path", PAGES)
def test_an_anonymous_visitor_signs_in_first_and_a_user_without_a_role_is_refused(
    client, region, path
):
    assert client.get(path).url == f"/accounts/login/?next={path}"
    from django.contrib.auth.models import User

    client.force_login(User.objects.create_user("tamu"))
    assert client.get(path).status_code == 403


def test_the_fund_source_page_shows_the_region_the_matrix_and_the_table(client, kepala_daerah):
    client.force_login(kepala_daerah)
    response = client.get("/sumber-dana/" + PERIOD)
    text = page_text(response)
    assert "Belanja menurut sumber dana" in text
    assert "Serapan per OPD dan sumber dana" in text
    assert "Tanpa sumber dana" in text
    # DAK Fisik of the region: 4.000 pagu, 1.700 realised: 42,50%.
    dana = response.context["dana_table"]
    dak = next(r for r in dana.data if r.kode == DAK_FISIK)
    assert (dak.pagu, dak.realisasi_kumulatif) == (D(4000), D(1700))
    assert "42,50%" in text
    # The OPD names link to the fund-source section of their pages.
    assert (
        f'href="/opd/{CODES["A"]}/{PERIOD.replace("&", "&amp;")}#sumber-dana"'
        in response.content.decode()
    )
    assert [r.kode for r in response.context["opd_table"].data] == [
        CODES["A"],
        CODES["A"],
        CODES["B"],
        CODES["B"],
        CODES["C"],
        CODES["D"],
        CODES["E"],
    ]
    assert 'href="/sumber-dana/dak/' in response.content.decode()


def test_the_fund_source_table_filters_by_fund_source(client, kepala_daerah):
    client.force_login(kepala_daerah)
    response = client.get("/sumber-dana/" + PERIOD + "&sumber_dana=DAK+Fisik")
    rows = response.context["opd_table"].data
    assert [(r.kode, r.extra["sumber_dana"]) for r in rows] == [
        (CODES["A"], DAK_FISIK),
        (CODES["C"], DAK_FISIK),
    ]
    # The matrix still shows every OPD.
    assert len(response.context["matrix_rows"]) == 5


def _csv(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_the_fund_source_tables_export_with_the_fund_source(client, kepala_daerah):
    client.force_login(kepala_daerah)
    rows = _csv(client.get("/sumber-dana/" + PERIOD + "&_export=csv&_tabel=opd_sumber_dana"))
    assert [(r["Kode"], r["Sumber dana"], r["Pagu"]) for r in rows][:2] == [
        (CODES["A"], "DAU", "2000.00"),
        (CODES["A"], DAK_FISIK, "1000.00"),
    ]
    response = client.get("/sumber-dana/" + PERIOD + "&_export=xlsx&_tabel=sumber_dana")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = [row for row in sheet.iter_rows(values_only=True)]
    assert values[0][:3] == ("Kode", "Nama", "Pagu")
    assert [v[1] for v in values[1:]] == [
        "PAD",
        "DAU",
        DAK_FISIK,
        DAK_NON_FISIK,
        NO_SUMBER_DANA,
        "Jumlah",
    ]


def test_the_dak_page_says_how_far_the_juknis_opds_trail(client, kepala_daerah):
    client.force_login(kepala_daerah)
    response = client.get("/sumber-dana/dak/" + PERIOD)
    text = page_text(response)
    assert "2 OPD pengelola DAK menyebut keterlambatan petunjuk teknis (juknis)" in text
    assert "tertinggal 14,29 poin" in text
    assert "Dinas D" in text  # named juknis without a DAK line
    assert "Tindakan Dinas A TW2" in text
    assert "Tindakan Dinas C TW2" not in text
    rows = _csv(client.get("/sumber-dana/dak/" + PERIOD + "&_export=csv&_tabel=dak"))
    assert [(r["OPD"], r["Pagu DAK"], r["Menyebut juknis terlambat"]) for r in rows] == [
        ("Dinas A", "1000.00", "TW II"),
        ("Dinas B", "400.00", "TW I"),
        ("Dinas C", "3000.00", ""),
    ]
    lines = _csv(client.get("/sumber-dana/dak/" + PERIOD + "&_export=csv&_tabel=dak_rincian"))
    assert [(r["Kode"], r["Sumber dana"]) for r in lines] == [
        (CODES["A"], DAK_FISIK),
        (CODES["B"], DAK_NON_FISIK),
        (CODES["C"], DAK_FISIK),
    ]


# The session, user, role, region, years, who reported (2), bands: 7; then the fund-source page:
# the region's belanja 1, by fund source 1, per OPD and fund source 1, each OPD's belanja 1;
# filtered, the table once more. The DAK page: the juknis reports, the OPDs' DAK, the groups,
# the upaya: 4.
QUERIES = {
    "/sumber-dana/" + PERIOD: 11,
    "/sumber-dana/" + PERIOD + "&sumber_dana=DAK+Fisik": 12,
    "/sumber-dana/dak/" + PERIOD: 11,
    "/sumber-dana/dak/" + PERIOD + "&_export=csv&_tabel=dak": 11,
}


@pytest.mark.parametrize("path", list(QUERIES))
@pytest.mark.parametrize("extra", [0, 30], ids=["small", "large"])
def test_the_fund_source_pages_cost_the_same_whatever_the_region(
    client, db, django_assert_num_queries, path, extra
):
    from budget.demo import GROUP_KEPALA_DAERAH
    from tests.conftest import _role_user

    region = Region.objects.create(kode="33.93", nama="Kabupaten Hitung")
    build(region, extra=extra)
    client.force_login(_role_user("bupati_hitung", GROUP_KEPALA_DAERAH, region=region))
    with django_assert_num_queries(QUERIES[path]):
        response = client.get(path)
    assert response.status_code == 200


def test_the_opd_page_shows_its_own_fund_sources(client, kepala_daerah):
    client.force_login(kepala_daerah)
    response = client.get(f"/opd/{CODES['A']}/{PERIOD}")
    assert response.context["dana_shown"]
    assert [r.kode for r in response.context["dana_table"].data] == ["DAK Fisik", "DAU"]
    assert 'id="sumber-dana"' in response.content.decode()


# --- the LRA exports ----------------------------------------------------------------------------


def test_the_lra_workbook_has_a_fund_source_sheet(client, bpkad):
    client.force_login(bpkad)
    response = fetch(client, f"/laporan/lra.xlsx{PERIOD}&opd={CODES['A']}")
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["LRA", "Sumber dana"]
    rows = [r for r in book["Sumber dana"].iter_rows(values_only=True) if r[1]]
    body = rows[rows.index(next(r for r in rows if r[1] == "BELANJA MENURUT SUMBER DANA")) + 1 :]
    assert [(r[1], D(str(r[2])), D(str(r[4]))) for r in body] == [
        ("DAU", D(2000), D(1000)),
        (DAK_FISIK, D(1000), D(200)),
        ("JUMLAH BELANJA DAERAH", D(3000), D(1200)),
    ]


def test_the_region_lra_workbook_has_the_regions_fund_sources(client, bpkad):
    client.force_login(bpkad)
    book = openpyxl.load_workbook(io.BytesIO(fetch(client, f"/laporan/lra.xlsx{PERIOD}").content))
    names = [r[1] for r in book["Sumber dana"].iter_rows(values_only=True)]
    assert names[-6:] == [
        "PAD",
        "DAU",
        DAK_FISIK,
        DAK_NON_FISIK,
        NO_SUMBER_DANA,
        "JUMLAH BELANJA DAERAH",
    ]


def test_a_report_without_fund_sources_has_no_fund_source_sheet(client, db):
    from budget.demo import GROUP_BPKAD
    from tests.conftest import _role_user

    region = Region.objects.create(kode="33.92", nama="Kabupaten Lain")
    opd = OpdFactory(region=region)
    account = AccountFactory(region=region, kode="5.1.01.01.01.0001")
    _line(
        region, opd, account, SubKegiatanFactory(region=region), pagu="10", real="2", sumber_dana=""
    )
    client.force_login(_role_user("bpkad_tanpa", GROUP_BPKAD, region=region, is_staff=True))
    response = fetch(client, f"/laporan/lra.xlsx{PERIOD}&opd={opd.kode}")
    assert openpyxl.load_workbook(io.BytesIO(response.content)).sheetnames == ["LRA"]


def test_the_lra_pdf_prints_spending_by_fund_source(client, bpkad):
    from pypdf import PdfReader

    client.force_login(bpkad)
    response = fetch(client, f"/laporan/lra.pdf{PERIOD}&opd={CODES['B']}")
    text = " ".join(
        " ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(response.content)).pages
    )
    assert "BELANJA MENURUT SUMBER DANA" in text
    assert "PAD 600 600 300 300 50,00%" in text
    assert "DAK Non Fisik 400 400 300 100 75,00%" in text


# --- the API and the command --------------------------------------------------------------------


class Api:
    """An API client signed in as `user` (None: anonymous); `get(path, **query)`."""

    def __init__(self, user=None):
        self.client = APIClient()
        if user is not None:
            self.client.force_authenticate(user)

    def get(self, path: str, query: dict[str, Any]):
        return self.client.get(path, query)


def api(user) -> Api:
    return Api(user)


def test_the_api_gives_the_absorption_of_one_fund_source_per_opd(bpkad):
    body = (
        api(bpkad)
        .get("/api/v1/absorption/", {"tahun": YEAR, "triwulan": TW, "sumber_dana": DAK_FISIK})
        .json()
    )
    assert [(r["kode"], r["pagu"], r["realisasi_kumulatif"]) for r in body["rows"]] == [
        (CODES["A"], "1000.00", "200.00"),
        (CODES["C"], "3000.00", "1500.00"),
    ]
    # The same body as the command with the same options.
    assert body == report(tahun=YEAR, triwulan=TW, sumber_dana=DAK_FISIK)


def test_the_api_and_the_command_read_a_dash_as_the_lines_without_a_fund_source(bpkad):
    query = {"tahun": YEAR, "triwulan": TW, "level": "opd", "sumber_dana": "-"}
    body = api(bpkad).get("/api/v1/absorption/", query).json()
    assert [(r["kode"], r["pagu"]) for r in body["rows"]] == [(CODES["E"], "100.00")]
    assert body == report(tahun=YEAR, triwulan=TW, level="opd", sumber_dana="-")


def test_the_api_refuses_an_unknown_fund_source(bpkad):
    response = api(bpkad).get("/api/v1/absorption/", {"tahun": YEAR, "sumber_dana": "APBN"})
    assert response.status_code == 400
    assert "sumber_dana" in response.json()


def test_the_level_sumber_dana_of_one_opd_through_the_api(treasurer):
    body = (
        api(treasurer)
        .get(
            "/api/v1/absorption/",
            {"tahun": YEAR, "triwulan": TW, "level": "sumber_dana", "opd": CODES["A"]},
        )
        .json()
    )
    assert [(r["kode"], r["pagu"]) for r in body["rows"]] == [
        ("DAK Fisik", "1000.00"),
        ("DAU", "2000.00"),
    ]


def test_realisasi_carry_their_lines_fund_source_and_filter_by_it(bpkad):
    rows = (
        api(bpkad)
        .get("/api/v1/realisasi/", {"tahun": YEAR, "sumber_dana": DAK_NON_FISIK})
        .json()["results"]
    )
    assert [(r["opd"], r["triwulan"], r["jumlah"], r["sumber_dana"]) for r in rows] == [
        (CODES["B"], 1, "150.00", DAK_NON_FISIK),
        (CODES["B"], 2, "150.00", DAK_NON_FISIK),
    ]
    bad = api(bpkad).get("/api/v1/realisasi/", {"sumber_dana": "DAK"})
    assert bad.status_code == 400


def test_the_dak_endpoint_gives_the_dak_view(kepala_daerah, region):
    body = api(kepala_daerah).get("/api/v1/dak/", {"tahun": YEAR, "triwulan": TW}).json()
    assert body == dak_dict(dak_report(region=region, tahun=YEAR, triwulan=TW))
    first = body["rows"][0]
    assert (first["kode"], first["juknis"], first["juknis_sebelumnya"]) == (CODES["A"], True, False)
    assert first["dak_fisik"]["pagu"] == "1000.00"
    assert first["dak_fisik"]["serapan_persen"] == 20.0
    assert first["dak_non_fisik"] is None
    assert [k["juknis"] for k in body["kelompok"]] == [True, False]
    assert body["selisih_serapan_dak_poin"] == 14.29
    assert body["juknis_tanpa_dak"] == [{"kode": CODES["D"], "nama": "Dinas D", "triwulan": [2]}]
    assert [u["opd"] for u in body["upaya"]] == [CODES["A"], CODES["B"]]


def test_the_dak_endpoint_is_for_the_region_readers_only(treasurer, region):
    response = api(treasurer).get("/api/v1/dak/", {"tahun": YEAR})
    assert response.status_code == 403
    assert Api().get("/api/v1/dak/", {"tahun": YEAR}).status_code == 401


def test_the_opd_pages_fund_sources_link_to_the_region_pages_for_region_readers_only(
    client, kepala_daerah, treasurer
):
    for user, shown in ((kepala_daerah, True), (treasurer, False)):
        client.force_login(user)
        page = client.get(f"/opd/{CODES['A']}/{PERIOD}").content.decode()
        assert ('href="/sumber-dana/dak/' in page) is shown
        assert ("#matriks" in page) is shown
    # The menu's link is there for the treasurer too: it leads back to their own OPD.
    assert 'href="/sumber-dana/?' in page
