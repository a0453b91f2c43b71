"""Plotly figure builders. Each returns a plain dict (data + layout) that the page hands to
plotly.js, so they are tested on their figure data rather than on HTML.

Amounts are plotted in miliar rupiah as floats (a plot coordinate only); every hover label is
the exact Decimal formatted the Indonesian way.
"""

import json
import math
import textwrap
from decimal import Decimal
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio
from django.utils.translation import gettext as _

from budget.measures import Measure, MeasureValue, as_measure, percent, round2
from budget.money import format_percent, format_rupiah
from budget.quarters import QUARTER_LABELS
from budget.selectors import QuarterPoint, RankedRow
from dashboard.palette import rank_colour

PLAN_COLOUR = "#94a3b8"
REAL_COLOUR = "#0f766e"
FISIK_COLOUR = "#b45309"
BASE_LAYOUT = {
    "separators": ",.",  # Indonesian: decimal comma, thousands dot
    "margin": {"l": 60, "r": 20, "t": 40, "b": 40},
    "font": {"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 13},
    "legend": {"orientation": "h", "y": -0.15},
    "paper_bgcolor": "rgba(0,0,0,0)",
    "plot_bgcolor": "rgba(0,0,0,0)",
}


BILLION = Decimal(10**9)
# Grouped, trailing zeros dropped: 1.500 and 0,5 with the Indonesian separators.
MILIAR_TICKS = ",~g"


def _f(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _m(value: Decimal | None) -> float | None:
    """Rupiah to miliar (10⁹) for a plot axis: Indonesian readers expect "M", not "B"."""
    return None if value is None else float(value / BILLION)


def _new(data=None) -> go.Figure:
    return go.Figure(data=data, layout=BASE_LAYOUT)


def _figure(fig: go.Figure) -> dict[str, Any]:
    """Plain JSON types only (no numpy), ready for `json_script`."""
    return json.loads(pio.to_json(fig, validate=False))


def s_curve(
    points: list[QuarterPoint],
    *,
    title: str = "",
    forecast: list[tuple[int, Decimal]] | None = None,
    fisik: list[tuple[int, Decimal]] | None = None,
    pagu: Decimal | None = None,
) -> dict[str, Any]:
    """Cumulative cash plan against cumulative realisasi by quarter: the S-curve; with
    `forecast` (quarter, cumulative realisasi), the year-end forecast as a dotted
    continuation of the realisasi to December; with `fisik` (quarter, percent) and the
    `pagu` it is weighed on, the physical progress on a right-hand axis in percent, scaled so
    that 100% stands level with the pagu: where the physical line runs above the realisasi
    the work is ahead of the money, and below it behind."""
    fig = _new()
    fig.add_trace(
        go.Scatter(
            name=_("Cumulative cash plan"),
            x=QUARTER_LABELS,
            y=[_m(p.kas_kumulatif) for p in points],
            mode="lines+markers",
            line={"color": PLAN_COLOUR, "dash": "dash", "width": 3},
            customdata=[format_rupiah(p.kas_kumulatif) for p in points],
            hovertemplate="%{x}: %{customdata}<extra>Rencana</extra>",
        )
    )
    shown = [p for p in points if p.realisasi_kumulatif is not None]
    fig.add_trace(
        go.Scatter(
            name=_("Cumulative realisasi"),
            x=[QUARTER_LABELS[p.triwulan - 1] for p in shown],
            y=[_m(p.realisasi_kumulatif) for p in shown],
            mode="lines+markers",
            line={"color": REAL_COLOUR, "width": 4},
            customdata=[f"{format_rupiah(p.realisasi_kumulatif)} ({_of_plan(p)})" for p in shown],
            hovertemplate="%{x}: %{customdata}<extra>Realisasi</extra>",
        )
    )
    if forecast:
        fig.add_trace(
            go.Scatter(
                name=_("Year-end forecast"),
                x=[QUARTER_LABELS[q - 1] for q, _v in forecast],
                y=[_m(v) for _q, v in forecast],
                mode="lines+markers",
                line={"color": REAL_COLOUR, "dash": "dot", "width": 3},
                marker={"symbol": "circle-open", "size": 9},
                customdata=[format_rupiah(v) for _q, v in forecast],
                hovertemplate="%{x}: %{customdata}<extra>Prakiraan</extra>",
            )
        )
    fig.update_layout(
        title={"text": title, "x": 0},
        yaxis={"title": _("Billion rupiah"), "rangemode": "tozero", "tickformat": ",~g"},
    )
    if fisik and pagu:
        _fisik_trace(fig, points, fisik, pagu)
    return _figure(fig)


def _fisik_trace(
    fig: go.Figure, points: list[QuarterPoint], fisik: list[tuple[int, Decimal]], pagu: Decimal
) -> None:
    """The physical progress line on the right-hand axis (percent), both axes from zero to
    the same height: the money axis's top in rupiah is that share of the pagu in percent."""
    top = max(
        [pagu, *(p.kas_kumulatif for p in points)]
        + [p.realisasi_kumulatif for p in points if p.realisasi_kumulatif is not None]
    )
    top_m = float(top / BILLION) * 1.05
    fig.add_trace(
        go.Scatter(
            name=_("Physical progress (%)"),
            x=[QUARTER_LABELS[q - 1] for q, _v in fisik],
            y=[_f(v) for _q, v in fisik],
            yaxis="y2",
            mode="lines+markers",
            line={"color": FISIK_COLOUR, "width": 3},
            marker={"symbol": "diamond", "size": 9},
            customdata=[format_percent(round2(v)) for _q, v in fisik],
            hovertemplate="%{x}: %{customdata}<extra>Fisik</extra>",
        )
    )
    fig.update_layout(
        yaxis={"range": [0, top_m]},
        yaxis2={
            "title": _("Physical progress (%)"),
            "overlaying": "y",
            "side": "right",
            "range": [0, top_m / float(pagu / BILLION) * 100],
            "ticksuffix": "%",
            "tickmode": "linear",
            "tick0": 0,
            "dtick": 25,
            "showgrid": False,
        },
        margin={"r": 60},
    )


def quarter_bars(points: list[QuarterPoint], *, title: str = "") -> dict[str, Any]:
    """Planned against realised within each quarter."""
    fig = _new()
    fig.add_trace(
        go.Bar(
            name=_("Plan (cash plan)"),
            x=QUARTER_LABELS,
            y=[_m(p.kas_triwulan) for p in points],
            marker_color=PLAN_COLOUR,
            customdata=[format_rupiah(p.kas_triwulan) for p in points],
            hovertemplate="%{x}: %{customdata}<extra>Rencana</extra>",
        )
    )
    fig.add_trace(
        go.Bar(
            name=_("Realisasi"),
            x=QUARTER_LABELS,
            y=[_m(p.realisasi_triwulan) for p in points],
            marker_color=REAL_COLOUR,
            customdata=[format_rupiah(p.realisasi_triwulan) for p in points],
            hovertemplate="%{x}: %{customdata}<extra>Realisasi</extra>",
        )
    )
    fig.update_layout(
        title={"text": title, "x": 0},
        barmode="group",
        yaxis={"title": _("Billion rupiah"), "tickformat": ",~g"},
    )
    return _figure(fig)


def category_distribution(counts: list[tuple[str, int, int]], *, title: str = "") -> dict[str, Any]:
    """Number of OPDs per category: (label, rank, count), best category first."""
    fig = _new(
        go.Bar(
            x=[label for label, _rank, _n in counts],
            y=[n for _label, _rank, n in counts],
            marker_color=[rank_colour(rank) for _l, rank, _n in counts],
            text=[n for _label, _rank, n in counts],
            textposition="outside",
            hovertemplate="%{x}: %{y} OPD<extra></extra>",
        )
    )
    most = max((n for _label, _rank, n in counts), default=0)
    fig.update_layout(
        title={"text": title, "x": 0},
        # Whole OPDs only, at most about six ticks.
        yaxis={"title": _("Number of OPDs"), "tick0": 0, "dtick": max(1, math.ceil(most / 6))},
    )
    return _figure(fig)


def ranking_bars(
    ranked: list[RankedRow], *, measure: str | Measure, title: str = ""
) -> dict[str, Any]:
    """Horizontal bars of the ranking, best at the top, coloured by category."""
    measure = as_measure(measure)
    rows = list(reversed(ranked))  # plotly draws the first category at the bottom
    # Every rankable measure applies to belanja, the jenis ranked.
    values = [r.row.values[measure.key] for r in rows]
    fig = _new(
        go.Bar(
            orientation="h",
            y=[f"{r.peringkat}. {_short(r.row.nama)}" for r in rows],
            x=[_f(v.persen) for v in values],
            marker_color=[rank_colour(v.rank) for v in values],
            text=[v.text for v in values],
            textposition="outside",
            customdata=[v.label for v in values],
            hovertemplate="%{y}: %{text} (%{customdata})<extra></extra>",
        )
    )
    fig.update_layout(
        title={"text": title, "x": 0},
        height=max(320, 26 * len(rows) + 80),
        # Headroom for the value labels printed outside the longest bar.
        xaxis={
            "title": _("Score") if measure.is_score else _("Percent"),
            "ticksuffix": "" if measure.is_score else "%",
            "range": [0, _x_max(values)],
        },
        margin={"l": 280, "r": 60, "t": 40, "b": 40},
    )
    fig.add_vline(x=100, line_dash="dot", line_color="#64748b")
    return _figure(fig)


def _x_max(values: list[MeasureValue]) -> float:
    top = max([v.ratio for v in values if v.ratio is not None] + [Decimal(100)])
    return float(top) * 1.15


def _short(text: str, width: int = 40) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _of_plan(point: QuarterPoint) -> str:
    ratio = percent(point.realisasi_kumulatif, point.kas_kumulatif)
    return f"{format_percent(round2(ratio))} dari rencana"


def trend_lines(
    points: dict[str, list[tuple[int, Decimal | None]]], *, title: str = ""
) -> dict[str, Any]:
    """One line per measure (label -> (year, percent)) across the years."""
    fig = _new()
    for label, series in points.items():
        fig.add_trace(
            go.Scatter(
                name=label,
                x=[str(y) for y, _v in series],
                y=[_f(round2(v)) for _y, v in series],
                mode="lines+markers",
                text=[format_percent(round2(v)) for _y, v in series],
                hovertemplate="%{x}: %{text}<extra>" + label + "</extra>",
            )
        )
    fig.update_layout(
        title={"text": title, "x": 0},
        xaxis={"type": "category"},
        yaxis={"title": _("Percent"), "ticksuffix": "%", "rangemode": "tozero"},
    )
    return _figure(fig)


def source_bars(rows, *, title: str = "") -> dict[str, Any]:
    """Pagu and realisasi of each fund source (budget.selectors level sumber_dana), side by
    side as horizontal bars (the sources' long names read across, on a phone too), the
    serapan printed beyond the realisasi; the first source on top."""
    # Wrapped, so that the names leave a phone's narrow plot room for its bars.
    names = ["<br>".join(textwrap.wrap(_short(r.nama, 26), 14)) or "-" for r in rows]
    fig = _new()
    fig.add_trace(
        go.Bar(
            name=_("Pagu"),
            orientation="h",
            y=names,
            x=[_m(r.pagu) for r in rows],
            marker_color=PLAN_COLOUR,
            customdata=[format_rupiah(r.pagu) for r in rows],
            hovertemplate="%{y}: %{customdata}<extra></extra>",
        )
    )
    fig.add_trace(
        go.Bar(
            name=_("Realisasi"),
            orientation="h",
            y=names,
            x=[_m(r.realisasi_kumulatif) for r in rows],
            marker_color=REAL_COLOUR,
            text=[format_percent(r.serapan_persen) for r in rows],
            textposition="outside",
            cliponaxis=False,
            customdata=[format_rupiah(r.realisasi_kumulatif) for r in rows],
            hovertemplate="%{y}: %{customdata} (%{text})<extra></extra>",
        )
    )
    fig.update_layout(
        title={"text": title, "x": 0},
        barmode="group",
        height=max(320, 56 * len(rows) + 170),
        xaxis={
            "title": _("Billion rupiah"),
            "rangemode": "tozero",
            "tickformat": MILIAR_TICKS,
            "nticks": 5,
            "tickangle": 0,
        },
        yaxis={"autorange": "reversed", "automargin": True},
        # Under the plot: above it, the legend would run into the title on a phone.
        legend={"orientation": "h", "yanchor": "top", "y": -0.12, "x": 0},
        margin={"r": 60, "b": 110},
    )
    return _figure(fig)


def dak_groups(groups, *, title: str = "") -> dict[str, Any]:
    """The serapan of DAK Fisik, DAK Non Fisik and the other belanja of the OPDs that named
    late juknis beside those that did not (budget.dana.DakGroup): does the juknis explain the
    DAK shortfall, or are those OPDs slow on everything?"""
    parts = [("fisik", "DAK Fisik"), ("non_fisik", "DAK Non Fisik"), ("lain", _("Other spending"))]
    fig = _new()
    for group in groups:
        rows = [getattr(group.figures, key) for key, _label in parts]
        values = [r.serapan_persen if r is not None else None for r in rows]
        fig.add_trace(
            go.Bar(
                name=_("Named late juknis") if group.juknis else _("Did not name it"),
                x=[label for _key, label in parts],
                y=[_f(v) for v in values],
                marker_color="#b45309" if group.juknis else REAL_COLOUR,
                text=[format_percent(v) if v is not None else "" for v in values],
                textposition="outside",
                hovertemplate="%{x}: %{text}<extra>%{fullData.name}</extra>",
            )
        )
    fig.update_layout(
        title={
            "text": title or _("Absorption: OPDs that named late juknis and the others"),
            "x": 0,
        },
        barmode="group",
        yaxis={"title": _("Percent"), "ticksuffix": "%", "rangemode": "tozero"},
        xaxis={"automargin": True},
        legend={"orientation": "h", "y": 1.12, "x": 0},
    )
    return _figure(fig)


def pareto(stats, *, title: str = "") -> dict[str, Any]:
    """The shortfall behind each kendala, largest first, with the cumulative share as a line
    on its own axis (budget.obstacles)."""
    labels = [_short(s.label, 32) for s in stats]
    fig = _new()
    fig.add_trace(
        go.Bar(
            name=_("Shortfall against the cash plan"),
            x=labels,
            y=[_m(s.shortfall) for s in stats],
            marker_color=PLAN_COLOUR,
            customdata=[format_rupiah(s.shortfall) for s in stats],
            hovertemplate="%{x}: %{customdata}<extra></extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            name=_("Cumulative share"),
            x=labels,
            y=[_f(round2(s.cumulative)) for s in stats],
            yaxis="y2",
            mode="lines+markers",
            line={"color": REAL_COLOUR, "width": 3},
            text=[format_percent(round2(s.cumulative)) for s in stats],
            hovertemplate="%{x}: %{text}<extra></extra>",
        )
    )
    fig.update_layout(
        title={"text": title, "x": 0},
        yaxis={"title": _("Billion rupiah"), "rangemode": "tozero", "tickformat": ",~g"},
        yaxis2={
            "overlaying": "y",
            "side": "right",
            "range": [0, 105],
            "ticksuffix": "%",
            "showgrid": False,
        },
        xaxis={"tickangle": -20, "automargin": True},
        legend={"orientation": "h", "y": 1.12, "x": 0},
    )
    return _figure(fig)
