"""The early-warning page (*Peringatan dini*): which OPDs will miss December, why, what they
must still spend, and how good the forecast has been in the region's past years."""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET
from django_tables2 import RequestConfig

from budget.criteria import PERINGATAN, band_range
from budget.kinerja import BASIS_OPD, BASIS_PLAN, BASIS_REGION, SERAPAN_GOAL, kinerja
from budget.roles import actor_for, can_view_ranking
from dashboard.periods import period_qs
from dashboard.tables import KinerjaTable
from dashboard.views import _export, _opd_link, _scope


@require_GET
def peringatan(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request.user)
    # Like the ranking, public inside the pemda; the OPD pages open only for whom they may.
    if not can_view_ranking(actor):
        raise PermissionDenied
    scope = _scope(request, actor)
    if isinstance(scope, HttpResponse):
        return scope
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
