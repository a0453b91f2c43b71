"""`/laporan/perubahan-dpa/`: the region's DPA murni against the DPA in force, per OPD, with
absorption against each (so that a budget cut at the APBD-P is seen for what it is), and the
year's DPA versions; CSV and XLSX of the OPD table. For BPKAD and the head of region."""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET
from django_tables2 import RequestConfig

from budget.codes import Jenis
from budget.roles import actor_for, can_view_region
from budget.selectors import absorption
from budget.versions import versions_of
from dashboard.dpa_versions import OpdChangeTable, VersionTable, _export
from dashboard.periods import period_qs
from dashboard.tables import total_rows
from dashboard.views import _opd_link, _scope


@require_GET
def perubahan_dpa(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request.user)
    if not can_view_region(actor):
        raise PermissionDenied
    scope = _scope(request, actor)
    if isinstance(scope, HttpResponse):
        return scope
    belanja = {**scope.common, "jenis": Jenis.BELANJA.value, "bands": scope.bands}
    rows = absorption(**belanja, level="opd")
    table = OpdChangeTable(rows, link=_opd_link(actor, scope.period))
    RequestConfig(request, paginate=False).configure(table)
    if response := _export(request, table, "perubahan_dpa"):
        return response
    region_rows = absorption(**belanja, level="pemda")
    return render(
        request,
        "reports/perubahan_dpa.html",
        {
            **scope.common,
            "form": scope.form,
            "table": table,
            "total": next(iter(total_rows(region_rows)), None),
            "version_table": VersionTable(
                versions_of(region=scope.region, tahun=scope.period.tahun), prefix="versi-"
            ),
            "changed_opds": sum(1 for r in rows if r.perubahan_pagu),
            "period_qs": period_qs(scope.period),
        },
    )
