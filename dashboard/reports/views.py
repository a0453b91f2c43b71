"""Report downloads, with the pages' permissions and period rules.

- `/laporan/`: pick the region or an OPD, the arrangement and the format.
- `/laporan/lra.xlsx`, `/laporan/lra.pdf` (`tahun`, `triwulan`, `opd`, `susunan`): the region's
  report for BPKAD and the head of region; an OPD's for whoever may open that OPD's page. An
  OPD's report is answered at once; the region's is made by the background worker, and the
  request is sent to the job's page (/tugas/<id>/), which offers the file when it is ready.
- `/peringkat/cetak.pdf` (`tahun`, `triwulan`, `ukuran`, `urut`): the ranking on one A4 page,
  in the page's order and without the OPDs that have not reported, for whoever may see the
  ranking.

The period falls back as on the pages (a bad year or quarter gives the latest with data); an
arrangement or OPD code that cannot be read is refused with 400, an unknown OPD with 404.
"""

from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

from budget.criteria import EFEKTIVITAS, bands_for
from budget.kinerja import opd_ranking_by
from budget.measures import RANKABLE, Measure, MeasureValue
from budget.models import Opd, QuarterReport, Region
from budget.quarters import tw_label
from budget.roles import actor_for, can_view_opd, can_view_ranking, can_view_region
from budget.selectors import Period, RankedRow, region_for
from budget.workflow import kendala_labels, report_statuses
from dashboard.forms import RankingForm
from dashboard.palette import rank_colour
from dashboard.periods import PagePeriod, empty_page, page_period, period_from_request, period_qs
from dashboard.reports import lra, pdf, xlsx
from dashboard.tasks import XLSX_TYPE, report_job
from jobs.models import Job
from jobs.services import job_start


class LraForm(forms.Form):
    opd = forms.RegexField(regex=r"^[0-9.]{1,40}$", required=False)
    susunan = forms.ChoiceField(choices=list(lra.SUSUNAN.items()), required=False)


def _bad_request(form: forms.Form) -> HttpResponse:
    fields = ", ".join(sorted(form.errors))
    return HttpResponseBadRequest(
        gettext("Unknown parameter(s): %(fields)s. Choose a report from the /laporan/ page.")
        % {"fields": fields},
        content_type="text/plain; charset=utf-8",
    )


@dataclass(frozen=True)
class LraScope:
    region: Region
    period: Period
    opd: Opd | None
    susunan: str


def _lra_scope(request: HttpRequest) -> LraScope | HttpResponse:
    actor = actor_for(request.user)
    region = region_for(actor)
    if region is None:
        return empty_page(request)
    form = LraForm(request.GET)
    if not form.is_valid():
        return _bad_request(form)
    opd = None
    if form.cleaned_data["opd"]:
        opd = get_object_or_404(Opd, region=region, kode=form.cleaned_data["opd"])
        if not can_view_opd(actor, opd):
            raise PermissionDenied
    elif not can_view_region(actor):
        raise PermissionDenied
    period, _form, _years = period_from_request(request, region)
    if period is None:
        return empty_page(request)
    return LraScope(region, period, opd, form.cleaned_data["susunan"] or "program")


def _lra_report(scope: LraScope) -> lra.LraReport:
    return lra.lra_report(
        region=scope.region,
        tahun=scope.period.tahun,
        triwulan=scope.period.triwulan,
        opd=scope.opd,
        susunan=scope.susunan,
    )


def _report_job(request: HttpRequest, scope: LraScope, fmt: str) -> HttpResponse:
    """The region's report is made by the worker (a PDF of every OPD takes seconds to
    minutes); the page follows the job and offers the file when it is ready."""
    label = gettext("%(period)s, %(susunan)s, %(format)s") % {
        "period": lra.periode(scope.period.tahun, scope.period.triwulan),
        "susunan": lra.SUSUNAN[scope.susunan],
        "format": fmt.upper(),
    }
    job = job_start(
        task=report_job,
        kind=Job.Kind.REPORT,
        user=request.user,
        params={
            "region": scope.region.pk,
            "opd": None,
            "tahun": scope.period.tahun,
            "triwulan": scope.period.triwulan,
            "susunan": scope.susunan,
            "format": fmt,
            "label": label,
        },
    )
    return redirect("job", pk=job.pk)


@require_GET
def lra_xlsx(request: HttpRequest) -> HttpResponse:
    scope = _lra_scope(request)
    if isinstance(scope, HttpResponse):
        return scope
    if scope.opd is None:
        return _report_job(request, scope, "xlsx")
    report = _lra_report(scope)
    response = HttpResponse(xlsx.lra_workbook(report), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{report.filename}.xlsx"'
    return response


@require_GET
def lra_pdf(request: HttpRequest) -> HttpResponse:
    scope = _lra_scope(request)
    if isinstance(scope, HttpResponse):
        return scope
    if scope.opd is None:
        return _report_job(request, scope, "pdf")
    report = _lra_report(scope)
    # The same pages as this OPD's part of the region's PDF (`pdf.region_pdf`).
    response = HttpResponse(pdf.lra_pdf(report), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{report.filename}.pdf"'
    return response


@dataclass(frozen=True)
class RankingLine:
    ranked: RankedRow
    value: MeasureValue  # of the measure ranked by
    report: QuarterReport | None
    kendala: list[str]
    color: str


@require_GET
def ranking_pdf(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request.user)
    if not can_view_ranking(actor):
        raise PermissionDenied
    region = region_for(actor)
    if region is None:
        return empty_page(request)
    shown = page_period(request, region)
    if shown is None:
        return empty_page(request)
    period = shown.period
    rform = RankingForm(request.GET or None)
    measure = rform.measure
    context = _ranking_context(region, shown, rform)

    def sheet(density: str) -> str:
        return render_to_string(
            "reports/peringkat.html", {**context, "density": density}, request=request
        )

    response = HttpResponse(pdf.one_page_pdf(sheet), content_type="application/pdf")
    filename = f"Peringkat-{region.kode}-{period.tahun}-TW{period.triwulan}-{measure.key}.pdf"
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def _ranking_lines(ranked: list[RankedRow], measure: Measure, statuses: dict) -> list[RankingLine]:
    lines = []
    for r in ranked:
        report = statuses.get(r.row.kode)
        value = r.row.values[measure.key]  # a rankable measure applies to every ranked row
        lines.append(
            RankingLine(
                ranked=r,
                value=value,
                report=report,
                kendala=kendala_labels(report.kendala) if report else [],
                color=rank_colour(value.rank),
            )
        )
    return lines


def _ranking_context(region: Region, page: PagePeriod, rform: RankingForm) -> dict[str, Any]:
    """What the one-page ranking prints: the ranked lines in the page's order, the OPDs that
    have not reported (left out, as on the page) and those that cannot be ranked, the
    legend."""
    period, measure = page.period, rform.measure
    bands = bands_for(region_id=region.pk)
    ranked, unranked = opd_ranking_by(
        region=region,
        tahun=period.tahun,
        triwulan=period.triwulan,
        measure=measure,
        bands=bands,
        reported=lambda q: page.periods.coverage(Period(period.tahun, q)).reported,
    )
    statuses = report_statuses(region=region, tahun=period.tahun, triwulan=period.triwulan)
    tw = tw_label(period.triwulan)
    names = page.periods.names
    return {
        "region": region,
        "tahun": period.tahun,
        "triwulan": period.triwulan,
        "tw": tw,
        "period_label": lra.periode(period.tahun, period.triwulan),
        "printed_label": lra.printed(lra.printed_now()),
        "measure": measure,
        "measure_label": str(measure.label).lower(),
        "measure_explanation": measure.explain(tw),
        # The registry's measures side by side; nilai kinerja too when ranked by it.
        "rank_measures": [*RANKABLE, *([measure] if measure not in RANKABLE else [])],
        "lines": _ranking_lines(rform.ordered(ranked), measure, statuses),
        "order": rform.order,
        "unranked": unranked,
        "reported_count": page.coverage.n_reported,
        "opd_count": page.coverage.n_opds,
        "belum_melapor": [names[kode] for kode in sorted(page.coverage.missing)],
        "legend": [(b.label, rank_colour(b.rank)) for b in bands[EFEKTIVITAS]],
    }


@require_GET
def laporan(request: HttpRequest) -> HttpResponse:
    """The report picker: the region (for BPKAD and the head of region) or an OPD the person
    may open, by program or by rekening, as PDF or XLSX; and the ranking sheet."""
    actor = actor_for(request.user)
    if not can_view_ranking(actor):  # every role; a signed-in user without one sees nothing
        raise PermissionDenied
    region_wide = can_view_region(actor)
    region = region_for(actor)
    if region is None:
        return empty_page(request)
    period, form, _years = period_from_request(request, region)
    if period is None:
        return empty_page(request)
    if region_wide:
        opds = Opd.objects.filter(region=region).order_by("kode")
    elif actor.opd_id is not None:  # a treasurer: their own OPD
        opds = Opd.objects.filter(region=region, pk=actor.opd_id)
    else:
        opds = Opd.objects.none()
    chosen = LraForm(request.GET)
    picked = chosen.cleaned_data if chosen.is_valid() else {}
    return render(
        request,
        "reports/laporan.html",
        {
            "region": region,
            "tahun": period.tahun,
            "triwulan": period.triwulan,
            "form": form,
            "period_qs": period_qs(period),
            "region_wide": region_wide,
            "opds": list(opds),
            "chosen_opd": picked.get("opd") or ("" if region_wide else actor.opd_kode),
            "chosen_susunan": picked.get("susunan") or "program",
            "susunan": list(lra.SUSUNAN.items()),
            "can_rank": can_view_ranking(actor),
            "can_region": can_view_region(actor),
        },
    )
