"""The early-warning pages: *Peringatan dini* (which OPDs will miss December, why, what they
must still spend, and how good the forecast has been in the region's past years) and *Tren*
(each OPD's and the region's spending across the years) and *Kendala* (the obstacles named,
the shortfall behind each, and the remedial actions followed up by BPKAD)."""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET
from django_tables2 import RequestConfig

from budget.criteria import PERINGATAN, band_range
from budget.kinerja import (
    BASIS_OPD,
    BASIS_PLAN,
    BASIS_REGION,
    SERAPAN_GOAL,
    TREND_MEASURES,
    kinerja,
    trends,
)
from budget.obstacles import obstacles
from budget.roles import Actor, actor_for, can_view_ranking
from dashboard import charts
from dashboard.periods import period_qs
from dashboard.tables import KinerjaTable
from dashboard.views import Scope, _export, _opd_link, _scope


def _opened(request: HttpRequest) -> tuple[Actor, Scope] | HttpResponse:
    """Who asks and the page's scope. Like the ranking, these pages are public inside the
    pemda; the OPD pages they link to open only for whom they may."""
    actor = actor_for(request.user)
    if not can_view_ranking(actor):
        raise PermissionDenied
    scope = _scope(request, actor)
    if isinstance(scope, HttpResponse):
        return scope
    return actor, scope


@require_GET
def peringatan(request: HttpRequest) -> HttpResponse:
    opened = _opened(request)
    if isinstance(opened, HttpResponse):
        return opened
    actor, scope = opened
    report = kinerja(**scope.common, bands=scope.bands)
    link = _opd_link(actor, scope.period)
    qs = period_qs(scope.period)
    rows = report.by_warning()
    table = KinerjaTable(
        rows,
        bands=scope.bands,
        link=link,
        triwulan=scope.period.triwulan,
    )
    RequestConfig(request, paginate=False).configure(table)
    if response := _export(request, table, "peringatan"):
        return response
    counts = {band.label: 0 for band in scope.bands[PERINGATAN]}
    for row in rows:
        if row.peringatan is not None:
            counts[row.peringatan.label] += 1
    bases = {BASIS_OPD: 0, BASIS_REGION: 0, BASIS_PLAN: 0}
    for row in rows:
        if row.forecast.basis in bases:
            bases[row.forecast.basis] += 1
    return render(
        request,
        "dashboard/peringatan.html",
        {
            **scope.common,
            "form": scope.form,
            "table": table,
            # The worst first: what the head of region looks for.
            "warning_bands": [
                (b, counts[b.label], band_range(b)) for b in reversed(scope.bands[PERINGATAN])
            ],
            "peringatan_bands": scope.bands[PERINGATAN],
            "red": [
                (r, link(r))
                for r in rows
                if r.peringatan is not None and r.peringatan.label == "merah"
            ],
            "backtest": report.backtest(),
            "bases": bases,
            "goal": SERAPAN_GOAL,
            **scope.coverage_context(),
            "period_qs": qs,
        },
    )


@require_GET
def tren(request: HttpRequest) -> HttpResponse:
    opened = _opened(request)
    if isinstance(opened, HttpResponse):
        return opened
    actor, scope = opened
    result = trends(region=scope.region, tahun=scope.period.tahun)
    measures = dict(TREND_MEASURES)
    chosen = request.GET.get("ukuran")
    if chosen not in measures:
        chosen = TREND_MEASURES[0][0]
    link = _opd_link(actor, scope.period)
    rows = []
    for row in result.opds:
        values = [row.value(chosen, y) for y in result.years]
        known = [v for v in values if v is not None]
        change = known[-1] - known[0] if len(known) >= 2 else None
        rows.append((row, link(row), values, change))
    chart = charts.trend_lines(
        {
            str(label): [(y, result.region.value(key, y)) for y in result.years]
            for key, label in TREND_MEASURES
        },
        title=str(scope.region.nama),
    )
    return render(
        request,
        "dashboard/tren.html",
        {
            **scope.common,
            "form": scope.form,
            "years": result.years,
            "region_row": [result.region.value(chosen, y) for y in result.years],
            "rows": rows,
            "measures": TREND_MEASURES,
            "chosen": chosen,
            "chosen_label": measures[chosen],
            "chart": chart,
            "period_qs": period_qs(scope.period),
        },
    )


@require_GET
def kendala(request: HttpRequest) -> HttpResponse:
    opened = _opened(request)
    if isinstance(opened, HttpResponse):
        return opened
    actor, scope = opened
    result = obstacles(**scope.common)
    return render(
        request,
        "dashboard/kendala.html",
        {
            **scope.common,
            "form": scope.form,
            "result": result,
            "chart": charts.pareto(result.stats) if result.stats else None,
            "can_add": actor.is_bpkad,
            "link": _opd_link(actor, scope.period),
            "period_qs": period_qs(scope.period),
        },
    )
