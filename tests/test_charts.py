"""The Plotly figure builders, read on their figure data (what plotly.js is handed), not on HTML.

Plots are in miliar rupiah (a float coordinate only); every label a reader sees on hover or
beside a bar is the exact amount or ratio formatted the Indonesian way.
"""

import json
from decimal import Decimal

import pytest

from budget.criteria import DEFAULT_BANDS
from budget.selectors import AbsorptionRow, QuarterPoint, RankedRow, build_row
from dashboard import charts
from dashboard.palette import rank_colour

D = Decimal
BILLION = D(10**9)


def series(triwulan: int) -> list[QuarterPoint]:
    """A year's S-curve known through `triwulan`: the cash plan of all four quarters, the
    realisasi of the quarters up to the chosen one only."""
    kas = [D("1234567890.00"), D("2500000000.00"), D("3000000000.49"), D("3265432109.51")]
    real = [D("987654321.00"), D("2000000000.50"), D("2900000000.00"), D("4000000000.00")]
    points, kas_kum, real_kum = [], D(0), D(0)
    for q in (1, 2, 3, 4):
        kas_kum += kas[q - 1]
        known = q <= triwulan
        if known:
            real_kum += real[q - 1]
        points.append(
            QuarterPoint(
                triwulan=q,
                kas_triwulan=kas[q - 1],
                kas_kumulatif=kas_kum,
                realisasi_triwulan=real[q - 1] if known else None,
                realisasi_kumulatif=real_kum if known else None,
            )
        )
    return points


def opd(kode: str, nama: str, *, kas: str, real: str, pagu: str = "1000000000") -> AbsorptionRow:
    return build_row(
        bands=DEFAULT_BANDS,
        kode=kode,
        nama=nama,
        jenis="belanja",
        pagu=D(pagu),
        pagu_murni=D(pagu),
        kas_kumulatif=D(kas),
        kas_triwulan=D(0),
        realisasi_kumulatif=D(real),
        realisasi_triwulan=D(0),
        line_count=1,
    )


LONG_NAME = "Dinas Pekerjaan Umum dan Penataan Ruang, Perumahan dan Kawasan Permukiman"


def ranked() -> list[RankedRow]:
    """Four OPDs, best first, one in each of four categories of capaian."""
    rows = [
        opd("1.01", "Dinas Pendidikan", kas="400000000", real="422000000"),  # 105,5%: rank 1
        opd("1.02", "Dinas Kesehatan", kas="400000000", real="360000000"),  # 90%: rank 2
        opd("1.03", LONG_NAME, kas="400000000", real="340000000"),  # 85%: rank 3
        opd("1.04", "Dinas Sosial", kas="400000000", real="100000000"),  # 25%: rank 5
    ]
    return [RankedRow(peringkat=i, row=r, peringkat_sebelumnya=None) for i, r in enumerate(rows, 1)]


# The S-curve ---------------------------------------------------------------------------------


def test_the_s_curve_has_the_cash_plan_and_the_realisasi():
    figure = charts.s_curve(series(2), title="Kurva S")
    plan, real = figure["data"]
    assert (plan["name"], real["name"]) == ("Anggaran kas kumulatif", "Realisasi kumulatif")
    assert figure["layout"]["title"]["text"] == "Kurva S"


def test_the_plan_has_all_four_quarters_and_the_realisasi_only_those_up_to_the_chosen_one():
    for triwulan in (1, 2, 3, 4):
        plan, real = charts.s_curve(series(triwulan))["data"]
        assert plan["x"] == ["TW I", "TW II", "TW III", "TW IV"]
        assert len(plan["y"]) == 4
        assert real["x"] == ["TW I", "TW II", "TW III", "TW IV"][:triwulan]
        assert len(real["y"]) == triwulan


def test_the_s_curve_is_plotted_in_miliar_rupiah():
    points = series(2)
    plan, real = charts.s_curve(points)["data"]
    assert plan["y"] == [float(p.kas_kumulatif / BILLION) for p in points]
    assert plan["y"][0] == 1.23456789
    assert real["y"] == [0.987654321, 2.9876543215]
    assert charts.s_curve(points)["layout"]["yaxis"]["title"]["text"] == "Miliar rupiah"


def test_the_s_curve_hover_shows_exact_rupiah_and_the_share_of_the_plan_in_indonesian():
    plan, real = charts.s_curve(series(2))["data"]
    assert plan["customdata"] == [
        "Rp 1.234.567.890",
        "Rp 3.734.567.890",
        "Rp 6.734.567.890",  # 6.734.567.890,49 shown in whole rupiah
        "Rp 10.000.000.000",
    ]
    # 2.987.654.321,50 of 3.734.567.890 planned: 80,0000002...%
    assert real["customdata"] == [
        "Rp 987.654.321 (80,00% dari rencana)",
        "Rp 2.987.654.322 (80,00% dari rencana)",
    ]
    assert "%{customdata}" in plan["hovertemplate"]
    assert "%{customdata}" in real["hovertemplate"]


def test_the_s_curve_of_a_quarter_without_a_cash_plan_says_so_with_a_dash():
    points = [
        QuarterPoint(1, D(0), D(0), D("5000000"), D("5000000")),
        QuarterPoint(2, D(0), D(0), None, None),
        QuarterPoint(3, D(0), D(0), None, None),
        QuarterPoint(4, D(0), D(0), None, None),
    ]
    _plan, real = charts.s_curve(points)["data"]
    assert real["customdata"] == ["Rp 5.000.000 (— dari rencana)"]


# Quarter bars -----------------------------------------------------------------------------------


def test_the_quarter_bars_put_plan_and_realisasi_of_each_quarter_side_by_side():
    points = series(3)
    figure = charts.quarter_bars(points, title="Per triwulan")
    plan, real = figure["data"]
    assert (plan["type"], real["type"]) == ("bar", "bar")
    assert figure["layout"]["barmode"] == "group"
    assert plan["x"] == real["x"] == ["TW I", "TW II", "TW III", "TW IV"]
    assert plan["y"] == [float(p.kas_triwulan / BILLION) for p in points]
    assert real["y"] == [0.987654321, 2.0000000005, 2.9, None]  # TW IV not reported yet
    assert plan["customdata"][2] == "Rp 3.000.000.000"
    assert real["customdata"] == [
        "Rp 987.654.321",
        "Rp 2.000.000.001",
        "Rp 2.900.000.000",
        "—",
    ]


# Category distribution --------------------------------------------------------------------------


def test_the_category_distribution_counts_opds_and_colours_each_category_by_its_rank():
    bands = DEFAULT_BANDS["efektivitas"]
    counts = [(b.label, b.rank, n) for b, n in zip(bands, [3, 5, 0, 2, 1], strict=True)]
    figure = charts.category_distribution(counts, title="Sebaran")
    (bars,) = figure["data"]
    assert bars["x"] == [
        "Sangat Efektif",
        "Efektif",
        "Cukup Efektif",
        "Kurang Efektif",
        "Tidak Efektif",
    ]
    assert bars["y"] == [3, 5, 0, 2, 1]
    assert bars["text"] == ["3", "5", "0", "2", "1"]  # printed above each bar
    assert bars["marker"]["color"] == [rank_colour(r) for r in (1, 2, 3, 4, 5)]
    assert len(set(bars["marker"]["color"])) == 5
    assert figure["layout"]["yaxis"]["dtick"] == 1  # whole OPDs


def test_a_category_of_unknown_rank_is_grey():
    (bars,) = charts.category_distribution([("Lain", 9, 1)])["data"]
    assert bars["marker"]["color"] == [rank_colour(None)]


# Ranking bars ---------------------------------------------------------------------------------


def test_the_ranking_bars_put_the_best_opd_at_the_top():
    (bars,) = charts.ranking_bars(ranked(), measure="capaian")["data"]
    assert bars["orientation"] == "h"
    # plotly draws the first category at the bottom: the best comes last
    assert [label.split(".")[0] for label in bars["y"]] == ["4", "3", "2", "1"]
    assert bars["y"][-1] == "1. Dinas Pendidikan"


def test_the_ranking_bars_show_the_ratio_the_indonesian_way():
    (bars,) = charts.ranking_bars(ranked(), measure="capaian")["data"]
    assert bars["x"] == [25.0, 85.0, 90.0, 105.5]
    assert bars["text"] == ["25,00%", "85,00%", "90,00%", "105,50%"]
    assert bars["customdata"] == ["Tidak Efektif", "Cukup Efektif", "Efektif", "Sangat Efektif"]


def test_the_ranking_bars_are_coloured_by_category():
    (bars,) = charts.ranking_bars(ranked(), measure="capaian")["data"]
    assert bars["marker"]["color"] == [rank_colour(r) for r in (5, 3, 2, 1)]


def test_the_ranking_bars_by_serapan_use_serapan_and_its_category():
    (bars,) = charts.ranking_bars(ranked(), measure="serapan")["data"]
    # serapan: realisasi of a pagu of 1 miliar
    assert bars["x"] == [10.0, 34.0, 36.0, 42.2]
    assert bars["customdata"] == ["Tidak Efektif"] * 4
    assert bars["marker"]["color"] == [rank_colour(5)] * 4


def test_the_ranking_bars_shorten_long_names_and_leave_room_for_the_labels():
    figure = charts.ranking_bars(ranked(), measure="capaian")
    label = figure["data"][0]["y"][1]
    assert label.startswith("3. Dinas Pekerjaan Umum")
    assert label.endswith("…")
    assert len(label) == len("3. ") + 40
    assert figure["layout"]["xaxis"]["range"] == [0, pytest.approx(105.5 * 1.15)]
    assert figure["layout"]["xaxis"]["ticksuffix"] == "%"
    (line,) = figure["layout"]["shapes"]  # the 100% mark
    assert (line["x0"], line["x1"]) == (100, 100)


def test_the_ranking_axis_reaches_past_100_even_when_every_opd_is_below():
    low = ranked()[-1:]
    assert charts.ranking_bars(low, measure="capaian")["layout"]["xaxis"]["range"] == [
        0,
        pytest.approx(115.0),
    ]


def test_an_empty_ranking_still_draws():
    figure = charts.ranking_bars([], measure="capaian")
    assert figure["data"][0]["y"] == []
    assert figure["layout"]["height"] == 320


# Every figure --------------------------------------------------------------------------------


def all_figures() -> list[dict]:
    return [
        charts.s_curve(series(2)),
        charts.quarter_bars(series(2)),
        charts.category_distribution([("Efektif", 2, 1)]),
        charts.ranking_bars(ranked(), measure="capaian"),
    ]


def test_every_figure_uses_the_indonesian_separators():
    for figure in all_figures():
        assert figure["layout"]["separators"] == ",."  # decimal comma, thousands dot


def test_every_figure_is_plain_json():
    for figure in all_figures():
        assert json.loads(json.dumps(figure)) == figure
