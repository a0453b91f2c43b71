"""`/laporan/lra-sap.pdf` and `.xlsx` (`tahun`, `triwulan`, `opd`): the LRA in the SAP layout
(budget.sap), for the region or one OPD, with the region's signatory. The permissions and the
period rules are those of the other LRA downloads. One query for the figures: no background
job even for the region."""

import io

import xlsxwriter
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

from budget.quarters import tw_label
from budget.sap import SapReport, lra_sap
from budget.spreadsheet import spreadsheet_safe
from dashboard.reports import lra, pdf
from dashboard.reports.views import LraScope, _lra_scope
from dashboard.tasks import XLSX_TYPE


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
    response = HttpResponse(pdf.html_to_pdf(html), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{_filename(scope)}.pdf"'
    return response


@require_GET
def lra_sap_xlsx(request: HttpRequest) -> HttpResponse:
    scope = _lra_scope(request)
    if isinstance(scope, HttpResponse):
        return scope
    response = HttpResponse(sap_workbook(_report(scope)), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{_filename(scope)}.xlsx"'
    return response


def _report(scope: LraScope) -> SapReport:
    period = scope.period
    return lra_sap(region=scope.region, tahun=period.tahun, triwulan=period.triwulan, opd=scope.opd)


def _filename(scope: LraScope) -> str:
    where = scope.opd.kode if scope.opd else scope.region.kode
    return f"LRA-SAP-{where}-{scope.period.tahun}-TW{scope.period.triwulan}"


# Financial statements print a negative amount in parentheses; the cells stay numbers.
AMOUNT = "#,##0;(#,##0)"
PERCENT = "#,##0.00"


def sap_workbook(report: SapReport) -> bytes:
    """The statement as a workbook: real numbers (negatives shown in parentheses), the
    percentage as the PDF rounds it, the signatory under the figures; portrait A4."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False})
    sheet = book.add_worksheet("LRA")
    bold = book.add_format({"bold": True, "font_name": "Arial", "font_size": 10})
    title = book.add_format({"bold": True, "font_name": "Arial", "font_size": 13})
    head = book.add_format(
        {"bold": True, "bg_color": "#E2E8F0", "border": 1, "text_wrap": True, "valign": "vcenter"}
    )
    formats = {}
    for kind in ("heading", "group", "total", "result"):
        base = {"font_name": "Arial", "font_size": 10, "bottom": 4}
        if kind != "group":
            base["bold"] = True
        if kind == "result":
            base["bg_color"] = "#E2E8F0"
        formats[kind] = (
            book.add_format(base),
            book.add_format({**base, "num_format": AMOUNT}),
            book.add_format({**base, "num_format": PERCENT}),
            book.add_format({**base, "indent": 1 if kind == "group" else 0}),
        )
    tw = tw_label(report.triwulan)
    sheet.write(0, 0, spreadsheet_safe(report.opd.nama if report.opd else report.region.nama), bold)
    sheet.write(1, 0, gettext("BUDGET REALISATION REPORT"), title)
    sheet.write(2, 0, lra.periode(report.tahun, report.triwulan), bold)
    headers = [
        gettext("Code"),
        gettext("Description"),
        gettext("Budget"),
        gettext("Realisation through %(tw)s") % {"tw": tw},
        "%",
        gettext("Over/(Under)"),
    ]
    for col, (text, width) in enumerate(zip(headers, (8, 48, 19, 19, 9, 19), strict=True)):
        sheet.write(4, col, text, head)
        sheet.set_column(col, col, width)
    row = 5
    for line in report.lines:
        text, amount, percent, name = formats[line.kind]
        sheet.write_string(row, 0, line.kode, text)
        sheet.write_string(row, 1, line.nama, name)
        if line.kind == "heading":
            for col in range(2, 6):
                sheet.write_blank(row, col, None, text)
        else:
            sheet.write_number(row, 2, line.anggaran, amount)
            sheet.write_number(row, 3, line.realisasi, amount)
            if line.persen is None:
                sheet.write_string(row, 4, "—", text)
            else:
                sheet.write_number(row, 4, round(line.persen, 2), percent)
            sheet.write_number(row, 5, line.selisih, amount)
        row += 1
    region = report.region
    row += 2
    place = f"{region.ttd_tempat}, " if region.ttd_tempat else ""
    for offset, text in enumerate(
        (
            place + lra.tanggal(lra.printed_now()),
            region.ttd_jabatan or gettext("Head of BPKAD"),
            "",
            "",
            "",
            region.ttd_nama,
            f"NIP. {region.ttd_nip}",
        )
    ):
        sheet.write_string(row + offset, 3, spreadsheet_safe(text), bold if offset == 5 else None)
    sheet.set_portrait()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(4)
    sheet.freeze_panes(5, 0)
    book.close()
    return out.getvalue()
