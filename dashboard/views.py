"""Thin views: read the query string with a form, call selectors, hand rows to tables and
chart builders, render. No arithmetic here."""

from collections import Counter

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET
from django_tables2 import RequestConfig
from django_tables2.export import TableExport

from budget.codes import Jenis
from budget.criteria import EFEKTIVITAS, bands_for
from budget.history import opd_history
from budget.measures import RANK_MEASURES, measure_get
from budget.models import Opd, Region
from budget.roles import (
    Actor,
    actor_for,
    can_enter_realisasi,
    can_see_history,
    can_verify,
    can_view_opd,
    can_view_ranking,
    can_view_region,
)
from budget.selectors import (
    Period,
    absorption,
    absorption_queryset,
    absorption_rows,
    opd_ranking,
    quarterly_series,
    region_for,
    unverified_count,
)
from budget.workflow import kendala_labels, report_get, report_statuses
from dashboard import charts
from dashboard.filters import AbsorptionFilter
from dashboard.forms import DrillForm, RankingForm
from dashboard.periods import empty_page, period_from_request, period_qs
from dashboard.tables import AbsorptionTable, RankingTable

PER_PAGE = 50
EXPORT_FORMATS = ("csv", "xlsx")


def current_region(request: HttpRequest, actor: Actor | None = None) -> Region | None:
    """The region of the person asking (`budget.selectors.region_for`)."""
    return region_for(actor if actor is not None else actor_for(request.user))


def _opd_link(actor: Actor, period: Period):
    """Links to OPD pages, only for the OPDs this person may open."""

    def link(row):
        if actor.is_bpkad or actor.is_kepala or actor.opd_kode == row.kode:
            return reverse("opd_detail", args=[row.kode]) + period_qs(period)
        return None

    return link


def _export(request: HttpRequest, table, name: str) -> HttpResponse | None:
    fmt = request.GET.get("_export")
    if fmt in EXPORT_FORMATS and request.GET.get("_tabel", name) == name:
        exporter = TableExport(fmt, table, exclude_columns=())
        return exporter.response(f"{name}.{fmt}")
    return None


def _by_jenis(rows):
    return {row.jenis: row for row in rows}


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request.user)
    if not can_view_region(actor):
        if actor.is_treasurer:
            # A treasurer's home is their own OPD.
            return redirect(reverse("opd_detail", args=[actor.opd_kode]) + _query(request))
        raise PermissionDenied
    region = current_region(request, actor)
    if region is None:
        return empty_page(request)
    period, form, _years = period_from_request(request, region)
    if period is None:
        return empty_page(request)
    bands = bands_for(region_id=region.pk)
    common = {"region": region, "tahun": period.tahun, "triwulan": period.triwulan}

    opd_qs = absorption_queryset(**common, level="opd", jenis=Jenis.BELANJA.value)
    opd_filter = AbsorptionFilter(request.GET or None, queryset=opd_qs, bands=bands)
    filtering = any(request.GET.get(name) for name in opd_filter.filters)
    if filtering and opd_filter.is_valid():
        opd_rows = absorption_rows(opd_filter.qs, region=region, level="opd", bands=bands)
        all_rows = absorption_rows(opd_qs, region=region, level="opd", bands=bands)
    else:
        opd_rows = all_rows = absorption_rows(opd_qs, region=region, level="opd", bands=bands)

    statuses = report_statuses(**common)
    opd_table = AbsorptionTable(
        opd_rows,
        link=_opd_link(actor, period),
        prefix="opd-",
        code_under_name=True,
        statuses=statuses,
    )
    RequestConfig(request, paginate={"per_page": PER_PAGE}).configure(opd_table)
    if response := _export(request, opd_table, "opd"):
        return response

    belanja_rows = absorption(
        **common, level="akun", depth=3, jenis=Jenis.BELANJA.value, bands=bands
    )
    jenis_table = AbsorptionTable(belanja_rows, prefix="akun-", exclude=("kategori_serapan",))
    RequestConfig(request, paginate=False).configure(jenis_table)
    if response := _export(request, jenis_table, "jenis_belanja"):
        return response

    totals = _by_jenis(absorption(**common, level="pemda", bands=bands))
    series = quarterly_series(**common)
    counts = Counter(row.kategori_capaian for row in all_rows)
    distribution = [(b.label, b.rank, counts.get(b.label, 0)) for b in bands[EFEKTIVITAS]]
    behind = [r for r in all_rows if r.behind_plan]
    return render(
        request,
        "dashboard/home.html",
        {
            **common,
            "form": form,
            "belanja": totals.get(Jenis.BELANJA.value),
            "pendapatan": totals.get(Jenis.PENDAPATAN.value),
            "pembiayaan": totals.get(Jenis.PEMBIAYAAN.value),
            "s_curve": charts.s_curve(series, title="Kurva S belanja daerah"),
            "distribution": charts.category_distribution(
                distribution, title="Sebaran OPD menurut kategori capaian kas"
            ),
            "filter": opd_filter,
            "opd_table": opd_table,
            "jenis_table": jenis_table,
            "opd_count": len(all_rows),
            "behind_count": len(behind),
            "unverified_count": unverified_count(statuses, (r.kode for r in all_rows)),
            "period_qs": period_qs(period),
        },
    )


@require_GET
def opd_detail(request: HttpRequest, kode: str) -> HttpResponse:
    actor = actor_for(request.user)
    region = current_region(request, actor)
    if region is None:
        raise Http404
    opd = get_object_or_404(Opd, region=region, kode=kode)
    if not can_view_opd(actor, opd):
        raise PermissionDenied
    period, form, _years = period_from_request(request, region)
    if period is None:
        return empty_page(request)
    drill = DrillForm(request.GET)
    choice = drill.cleaned_data if drill.is_valid() else {}
    rinci = choice.get("rinci") or "program"
    induk = choice.get("induk") or None
    depth = choice.get("akun") or 3
    if rinci == "program":
        induk = None
    bands = bands_for(region_id=region.pk)
    common = {"region": region, "tahun": period.tahun, "triwulan": period.triwulan, "opd": opd}

    next_level = {"program": "kegiatan", "kegiatan": "sub_kegiatan"}.get(rinci)
    base = reverse("opd_detail", args=[opd.kode])

    def drill_link(row):
        if next_level is None:
            return None
        return f"{base}{period_qs(period)}&rinci={next_level}&induk={row.kode}#rincian"

    program_rows = absorption(**common, level=rinci, parent=induk, bands=bands)
    program_table = AbsorptionTable(program_rows, link=drill_link, prefix="rinci-")
    RequestConfig(request, paginate={"per_page": PER_PAGE}).configure(program_table)
    if response := _export(request, program_table, "rincian"):
        return response

    account_rows = absorption(**common, level="akun", depth=depth, bands=bands)
    account_table = AbsorptionTable(account_rows, prefix="akun-")
    RequestConfig(request, paginate={"per_page": PER_PAGE}).configure(account_table)
    if response := _export(request, account_table, "rekening"):
        return response

    totals = _by_jenis(absorption(**common, level="opd", bands=bands))
    series = quarterly_series(**common)
    report = report_get(opd=opd, tahun=period.tahun, triwulan=period.triwulan)
    history = opd_history(opd=opd, tahun=period.tahun, limit=50) if can_see_history(actor) else None
    return render(
        request,
        "dashboard/opd_detail.html",
        {
            "report": report,
            "kendala": kendala_labels(report.kendala) if report else [],
            "history": history,
            "can_enter": can_enter_realisasi(actor, opd) or can_verify(actor),
            "entry_url": reverse("realisasi_entry", args=[opd.kode, period.tahun, period.triwulan]),
            "region": region,
            "opd": opd,
            "tahun": period.tahun,
            "triwulan": period.triwulan,
            "form": form,
            "belanja": totals.get(Jenis.BELANJA.value),
            "pendapatan": totals.get(Jenis.PENDAPATAN.value),
            "pembiayaan": totals.get(Jenis.PEMBIAYAAN.value),
            "s_curve": charts.s_curve(
                series, title="Kurva S: anggaran kas dan realisasi kumulatif"
            ),
            "bars": charts.quarter_bars(series, title="Rencana dan realisasi per triwulan"),
            "program_table": program_table,
            "account_table": account_table,
            "rinci": rinci,
            "induk": induk,
            "depth": depth,
            "period_qs": period_qs(period),
        },
    )


@require_GET
def ranking(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request.user)
    if not can_view_ranking(actor):
        raise PermissionDenied
    region = current_region(request, actor)
    if region is None:
        return empty_page(request)
    period, form, _years = period_from_request(request, region)
    if period is None:
        return empty_page(request)
    rform = RankingForm(request.GET or None)
    measure = rform.measure
    bands = bands_for(region_id=region.pk)
    ranked, unranked = opd_ranking(
        region=region,
        tahun=period.tahun,
        triwulan=period.triwulan,
        measure=measure.key,
        bands=bands,
    )
    statuses = report_statuses(region=region, tahun=period.tahun, triwulan=period.triwulan)
    table = RankingTable(
        ranked,
        measure=measure,
        link=_opd_link(actor, period),
        statuses=statuses,
    )
    RequestConfig(request, paginate=False).configure(table)
    if response := _export(request, table, "peringkat"):
        return response
    label = str(measure.label).lower()
    return render(
        request,
        "dashboard/ranking.html",
        {
            "region": region,
            "tahun": period.tahun,
            "triwulan": period.triwulan,
            "form": form,
            "rform": rform,
            "measure": measure,
            "measure_label": label,
            "measures": [measure_get(key) for key in RANK_MEASURES],
            "table": table,
            "chart": charts.ranking_bars(
                ranked, measure=measure, title=f"Peringkat OPD menurut {label}"
            ),
            "bottom": list(reversed(ranked[-5:])) if len(ranked) > 5 else [],
            "unranked": unranked,
            "period_qs": period_qs(period),
        },
    )


def _query(request: HttpRequest) -> str:
    return "?" + request.GET.urlencode() if request.GET else ""
