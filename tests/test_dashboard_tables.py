"""Template filters and django-tables2 tables: Indonesian formats on screen, exact values in
exports, a dash for what is undefined."""

import csv
import io
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django_tables2.export import TableExport

from budget.criteria import DEFAULT_BANDS
from budget.selectors import AbsorptionRow, RankedRow, build_row
from dashboard.tables import AbsorptionTable, RankingTable
from dashboard.templatetags.serapan import angka, badge, miliar, mutlak, persen, rupiah, tw

D = Decimal


def row(
    kode: str = "1.02.01",
    nama: str = "Program Penunjang",
    *,
    pagu: str = "1000000000",
    kas: str = "700000000",
    real: str = "737300000.50",
    jenis: str = "belanja",
) -> AbsorptionRow:
    """A group's row as the selector builds it; by default serapan 73,73% and capaian 105,33%."""
    return build_row(
        bands=DEFAULT_BANDS,
        kode=kode,
        nama=nama,
        jenis=jenis,
        pagu=D(pagu),
        pagu_murni=D(pagu),
        kas_kumulatif=D(kas),
        kas_triwulan=D(0),
        realisasi_kumulatif=D(real),
        realisasi_triwulan=D(0),
        line_count=1,
    )


def undefined() -> AbsorptionRow:
    """Nothing budgeted or planned yet: both ratios undefined."""
    return row("1.02.02", "Program Baru", pagu="0", kas="0", real="0")


def render(source: str, **context) -> str:
    return Template("{% load serapan %}" + source).render(Context(context))


# Template filters ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (D("1234567"), "Rp 1.234.567"),
        (D("42498101625.00"), "Rp 42.498.101.625"),
        (D("1234567.50"), "Rp 1.234.568"),  # whole rupiah, half up
        (D("999.49"), "Rp 999"),
        (D("0"), "Rp 0"),
        (D("-2500000"), "Rp -2.500.000"),
        (None, "—"),
    ],
)
def test_rupiah_groups_thousands_with_dots(value, shown):
    assert rupiah(value) == shown
    assert render("{{ v|rupiah }}", v=value) == shown


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (D("73.73"), "73,73%"),
        (D("73.725"), "73,73%"),  # half up
        (D("89.994"), "89,99%"),
        (D("100"), "100,00%"),
        (D("1234.5"), "1.234,50%"),
        (D("0"), "0,00%"),
        (None, "—"),
    ],
)
def test_persen_shows_two_places_with_a_decimal_comma(value, shown):
    assert persen(value) == shown
    assert render("{{ v|persen }}", v=value) == shown


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (D("1234500000000"), "Rp 1.234,5 M"),
        (D("4200600000"), "Rp 4,2 M"),
        (D("950000000"), "Rp 1,0 M"),
        (D("0"), "Rp 0,0 M"),
        (None, "—"),
    ],
)
def test_miliar_shows_billions_with_one_place(value, shown):
    assert miliar(value) == shown


@pytest.mark.parametrize(
    ("value", "shown"),
    [(D("1234567.89"), "1.234.568"), (1500, "1.500"), (None, "—")],
)
def test_angka_is_a_number_without_the_currency(value, shown):
    assert angka(value) == shown


def test_badge_colours_a_category_by_its_rank():
    assert badge("Efektif", 2) == '<span class="badge k2">Efektif</span>'
    assert badge("Tidak Efektif", 5) == '<span class="badge k5">Tidak Efektif</span>'
    assert render("{% badge label rank %}", label="Sangat Efektif", rank=1) == (
        '<span class="badge k1">Sangat Efektif</span>'
    )


def test_badge_of_an_undefined_category_is_a_grey_dash():
    assert badge(None, None) == '<span class="badge k0">—</span>'
    assert badge("", 3) == '<span class="badge k0">—</span>'
    assert badge("Lain", 9) == '<span class="badge k0">Lain</span>'


def test_badge_escapes_its_label():
    assert badge("<b>x</b>", 1) == '<span class="badge k1">&lt;b&gt;x&lt;/b&gt;</span>'


def test_mutlak_is_the_absolute_value():
    assert mutlak(D("-1500000.50")) == D("1500000.50")
    assert mutlak(D("7")) == D("7")
    assert mutlak(None) is None
    assert render("{{ v|mutlak|rupiah }}", v=D("-2500000")) == "Rp 2.500.000"


def test_tw_names_the_quarter():
    # With a no-break space, so that the numeral never starts a new line.
    assert [tw(q) for q in (1, 2, 3, 4)] == ["TW\u00a0I", "TW\u00a0II", "TW\u00a0III", "TW\u00a0IV"]
    assert tw(5) == "5"


# The absorption table ------------------------------------------------------------------------


def test_the_absorption_table_shows_amounts_and_ratios_the_indonesian_way():
    (shown,) = AbsorptionTable([row()]).rows
    assert shown.get_cell("kode") == "1.02.01"
    assert shown.get_cell("nama") == "Program Penunjang"
    assert shown.get_cell("pagu") == "1.000.000.000"
    assert shown.get_cell("kas_kumulatif") == "700.000.000"
    assert shown.get_cell("realisasi_kumulatif") == "737.300.001"
    assert shown.get_cell("sisa") == "262.700.000"  # 262.699.999,50, half up
    assert shown.get_cell("serapan") == "73,73%"
    assert shown.get_cell("capaian_kas") == "105,33%"
    assert shown.get_cell("kategori_serapan") == '<span class="badge k4">Kurang Efektif</span>'
    assert shown.get_cell("kategori_capaian") == '<span class="badge k1">Sangat Efektif</span>'


def test_the_absorption_table_exports_the_exact_values():
    (exported,) = AbsorptionTable([row()]).rows
    assert exported.get_cell_value("pagu") == D("1000000000")
    assert exported.get_cell_value("realisasi_kumulatif") == D("737300000.50")
    assert exported.get_cell_value("sisa") == D("262699999.50")
    assert exported.get_cell_value("serapan") == D("73.73")  # two places, not the display text
    assert exported.get_cell_value("capaian_kas") == D("105.33")
    assert exported.get_cell_value("kategori_serapan") == "Kurang Efektif"
    assert exported.get_cell_value("nama") == "Program Penunjang"


def test_an_undefined_ratio_is_a_dash_on_screen_and_empty_in_an_export():
    table = AbsorptionTable([undefined()])
    (shown,) = table.rows
    assert shown.get_cell("serapan") == "—"
    assert shown.get_cell("capaian_kas") == "—"
    assert shown.get_cell("kategori_capaian") == "—"
    assert shown.get_cell_value("serapan") is None
    assert shown.get_cell_value("capaian_kas") is None
    (line,) = csv.DictReader(io.StringIO(TableExport("csv", table).export()))
    assert line["Serapan"] == ""
    assert line["Capaian kas"] == ""
    assert line["Serapan pagu murni"] == ""


def test_the_absorption_table_exports_as_csv_with_every_column():
    table = AbsorptionTable([row(), undefined()], code_under_name=True)
    exported = list(csv.DictReader(io.StringIO(TableExport("csv", table).export())))
    assert list(exported[0]) == [
        "Kode",
        "Nama",
        "Pagu",
        "Pagu murni",
        "Rencana kas kum.",
        "Realisasi kum.",
        "Sisa",
        "Serapan",
        "Kategori serapan",
        "Capaian kas",
        "Kategori capaian",
        "Serapan pagu murni",
    ]
    assert exported[0]["Kode"] == "1.02.01"  # hidden on screen, kept in the export
    assert D(exported[0]["Realisasi kum."]) == D("737300000.50")
    assert exported[0]["Serapan"] == "73.73"
    assert exported[0]["Pagu murni"] == "1000000000"
    assert exported[0]["Serapan pagu murni"] == "73.73"
    assert exported[1]["Kategori capaian"] == ""


def test_the_absorption_table_is_ordered_by_code():
    table = AbsorptionTable([row("1.02.03"), row("1.02.01"), row("1.02.02")])
    assert [r.get_cell("kode") for r in table.rows] == ["1.02.01", "1.02.02", "1.02.03"]


@pytest.fixture
def get_request(rf: RequestFactory):
    return rf.get("/")


def test_a_link_makes_the_name_a_link_and_the_code_can_sit_under_it(get_request):
    table = AbsorptionTable(
        [row(kode="1.02.0.00.0.00.01.0000", nama="Dinas <Kesehatan>")],
        link=lambda r: f"/opd/{r.kode}/",
        code_under_name=True,
    )
    html = table.as_html(get_request)
    assert (
        '<a href="/opd/1.02.0.00.0.00.01.0000/">Dinas &lt;Kesehatan&gt;</a><br>'
        '<span class="small kode">1.02.0.00.0.00.01.0000</span>'
    ) in html
    assert ">Kode<" not in html  # the code has no column of its own
    (exported,) = table.rows
    assert exported.get_cell_value("nama") == "Dinas <Kesehatan>"


def test_a_link_may_be_none_for_a_row(get_request):
    table = AbsorptionTable([row()], link=lambda r: None)
    assert table.rows[0].get_cell("nama") == "Program Penunjang"
    assert "<a href" not in table.rows[0].get_cell("nama")


def test_the_rendered_table_shows_the_dash_and_the_indonesian_amounts(get_request):
    html = AbsorptionTable([row(), undefined()]).as_html(get_request)
    assert "1.000.000.000" in html
    assert "73,73%" in html
    assert "—" in html
    assert "None" not in html


# The ranking table ---------------------------------------------------------------------------


def ranking(measure_rows=None) -> list[RankedRow]:
    rows = measure_rows or [
        row("1.01", "Dinas A", kas="400000000", real="422000000"),  # capaian 105,5%
        row("1.02", "Dinas B", kas="400000000", real="360000000"),  # 90%
        row("1.03", "Dinas C", kas="400000000", real="100000000"),  # 25%
    ]
    before = [2, 1, 3]
    return [
        RankedRow(peringkat=i, row=r, peringkat_sebelumnya=before[i - 1] if i < 3 else None)
        for i, r in enumerate(rows, start=1)
    ]


def test_the_ranking_table_shows_the_ratio_category_and_gap_of_the_measure():
    table = RankingTable(ranking(), measure="capaian")
    first, second, third = table.rows
    assert first.get_cell("peringkat") == 1
    assert first.get_cell("nama") == "Dinas A"
    assert first.get_cell("nilai") == "105,50%"
    assert first.get_cell("kategori") == '<span class="badge k1">Sangat Efektif</span>'
    assert first.get_cell("selisih") == "22.000.000"
    assert third.get_cell("selisih") == "-300.000.000"
    assert second.get_cell("nilai") == "90,00%"


def test_the_ranking_table_by_serapan():
    table = RankingTable(ranking(), measure="serapan")
    first = table.rows[0]
    assert first.get_cell("nilai") == "42,20%"
    assert first.get_cell("kategori") == '<span class="badge k5">Tidak Efektif</span>'
    assert first.get_cell_value("nilai") == D("42.20")
    assert first.get_cell_value("kategori") == "Tidak Efektif"


def test_the_ranking_table_shows_the_movement_with_arrows():
    first, second, third = RankingTable(ranking(), measure="capaian").rows
    assert first.get_cell("perubahan") == '<span class="naik" title="naik 1 peringkat">▲ 1</span>'
    assert second.get_cell("perubahan") == (
        '<span class="turun" title="turun 1 peringkat">▼ 1</span>'
    )
    # Not ranked before: new in the ranking, said in words.
    assert third.get_cell("perubahan") == '<span class="tetap">baru</span>'
    level = [RankedRow(peringkat=1, row=row(), peringkat_sebelumnya=1)]
    (same,) = RankingTable(level, measure="capaian").rows
    assert same.get_cell("perubahan") == '<span class="tetap" title="peringkat tetap">=</span>'


def test_the_ranking_table_exports_the_exact_values():
    first, _second, third = RankingTable(ranking(), measure="capaian").rows
    assert first.get_cell_value("nilai") == D("105.50")
    assert first.get_cell_value("kategori") == "Sangat Efektif"
    assert first.get_cell_value("selisih") == D("22000000")
    assert first.get_cell_value("perubahan") == 1
    assert third.get_cell_value("perubahan") is None
    assert first.get_cell_value("nama") == "Dinas A"


def test_the_ranking_table_links_each_opd(get_request):
    table = RankingTable(ranking(), measure="capaian", link=lambda r: f"/opd/{r.kode}/")
    assert table.rows[0].get_cell("nama") == '<a href="/opd/1.01/">Dinas A</a>'
    assert table.rows[0].get_cell_value("nama") == "Dinas A"
    assert "<table" in table.as_html(get_request)
