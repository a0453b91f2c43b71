"""`/laporan/lra-sap.pdf` (`tahun`, `triwulan`, `opd`): the LRA in the SAP layout
(budget.sap), for the region or one OPD, with the region's signatory. The permissions and the
period rules are those of the other LRA downloads."""

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET

from budget.quarters import tw_label
from budget.sap import lra_sap
from dashboard.reports import lra, pdf
from dashboard.reports.views import _lra_scope


@require_GET
def lra_sap_pdf(request: HttpRequest) -> HttpResponse:
    scope = _lra_scope(request)
    if isinstance(scope, HttpResponse):
        return scope
    period = scope.period
    report = lra_sap(
        region=scope.region, tahun=period.tahun, triwulan=period.triwulan, opd=scope.opd
    )
    now = lra.printed_now()
    html = render_to_string(
        "reports/lra_sap.html",
        {
            "region": scope.region,
            "opd": scope.opd,
            "lines": report.lines,
            "tw": tw_label(period.triwulan),
            "period_label": lra.periode(period.tahun, period.triwulan),
            "printed_label": lra.printed(now),
            "printed_date": lra.tanggal(now),
        },
        request=request,
    )
    where = scope.opd.kode if scope.opd else scope.region.kode
    response = HttpResponse(pdf.html_to_pdf(html), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="LRA-SAP-{where}-{period.tahun}-TW{period.triwulan}.pdf"'
    )
    return response
