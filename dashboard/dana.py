"""The fund-source pages: *Sumber dana* (the region's belanja per fund source, and per OPD and
fund source as a matrix and as a filterable table) and *DAK dan juknis* (the DAK lines of
every OPD beside the late-juknis kendala, and the DAK absorption of the OPDs that named it
against those that did not).

Region pages, as the overview: BPKAD and the head of region; a treasurer is sent to the
fund-source section of their own OPD's page.
"""

import django_tables2 as dt
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET
from django_tables2 import RequestConfig

from budget.codes import Jenis
from budget.dana import (
    DAK,
    DakOpd,
    dak_difference,
    dak_report,
    opd_source_rows,
    opd_sources_queryset,
    source_key,
    source_matrix,
)
from budget.quarters import tw_label
from budget.roles import Actor, actor_for, can_view_region
from budget.selectors import Period, absorption
from dashboard import charts
from dashboard.filters import AbsorptionFilter
from dashboard.periods import period_qs
from dashboard.tables import (
    AbsorptionTable,
    MoneyColumn,
    PercentColumn,
    label_cells,
    total_rows,
)
from dashboard.templatetags.serapan import badge
from dashboard.views import PER_PAGE, _export, _opd_link, _query, _scope

BELANJA = Jenis.BELANJA.value
NUM = {"td": {"class": "num"}, "th": {"class": "num"}}
ANCHOR = "#sumber-dana"  # the fund-source section of the OPD page


def _opened(request: HttpRequest, actor: Actor) -> HttpResponse | None:
    """None when the person may read the region; a treasurer goes to their own OPD's
    fund-source section; anyone else is refused."""
    if can_view_region(actor):
        return None
    if actor.is_treasurer:
        return redirect(reverse("opd_detail", args=[actor.opd_kode]) + _query(request) + ANCHOR)
    raise PermissionDenied


def _source_link(actor: Actor, period: Period):
    """Links to the fund-source section of the OPD pages this person may open."""
    link = _opd_link(actor, period)

    def source_link(row) -> str | None:
        url = link(row)
        return url + ANCHOR if url else None

    return source_link


class OpdSourceTable(AbsorptionTable):
    """Belanja per OPD and fund source: the OPD table's columns with the fund source beside
    the name (budget.dana.opd_source_rows)."""

    sumber_dana = dt.Column(_("Fund source"), accessor="extra__sumber_dana_nama")

    class Meta(AbsorptionTable.Meta):
        sequence = ("kode", "nama", "sumber_dana", "...")
        order_by = ()  # type: ignore[assignment]  # in the rows' order: by OPD, then source


@require_GET
def sumber_dana(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request.user)
    if response := _opened(request, actor):
        return response
    scope = _scope(request, actor)
    if isinstance(scope, HttpResponse):
        return scope
    belanja = {**scope.common, "jenis": BELANJA, "bands": scope.bands}
    region_total = total_rows(
        absorption(**scope.common, level="pemda", bands=scope.bands), jenis=BELANJA
    )
    triwulan = scope.period.triwulan

    sources = sorted(absorption(**belanja, level="sumber_dana"), key=lambda r: source_key(r.kode))
    by_source = AbsorptionTable(
        sources,
        totals=region_total,
        triwulan=triwulan,
        prefix="dana-",
        hide_code=True,
        order_by=(),
    )
    RequestConfig(request, paginate=False).configure(by_source)
    if response := _export(request, by_source, "sumber_dana"):
        return response

    grouped = opd_sources_queryset(**scope.common)
    dana_filter = AbsorptionFilter(request.GET or None, queryset=grouped, bands=scope.bands)
    all_rows = opd_source_rows(grouped, bands=scope.bands)
    rows = all_rows
    if any(request.GET.get(name) for name in dana_filter.filters) and dana_filter.is_valid():
        rows = opd_source_rows(dana_filter.qs, bands=scope.bands)
    link = _source_link(actor, scope.period)
    opd_table = OpdSourceTable(
        rows, link=link, code_under_name=True, triwulan=triwulan, prefix="opd-"
    )
    RequestConfig(request, paginate={"per_page": PER_PAGE}).configure(opd_table)
    if response := _export(request, opd_table, "opd_sumber_dana"):
        return response

    matrix = source_matrix(all_rows, totals=absorption(**belanja, level="opd"))
    names = matrix.source_names
    totals_by_source = {r.kode: r for r in by_source.data}
    return render(
        request,
        "dashboard/sumber_dana.html",
        {
            **scope.common,
            "form": scope.form,
            "dana_table": by_source,
            "dana_shown": any(r.kode for r in by_source.data),
            "opd_table": opd_table,
            "filter": dana_filter,
            "matrix_names": names,
            "matrix_rows": [
                (line, link(line), list(zip(names, line.cells, strict=True)))
                for line in matrix.lines
            ],
            "matrix_totals": list(
                zip(names, [totals_by_source.get(s) for s in matrix.sources], strict=True)
            ),
            "region_belanja": region_total[0] if region_total else None,
            "chart": charts.source_bars(
                list(by_source.data), title=str(_("Spending by fund source"))
            ),
            "has_dak": any(r.kode in DAK for r in by_source.data),
            **scope.coverage_context(),
            **scope.categories_context(),
            "period_qs": period_qs(scope.period),
        },
    )


# --- DAK and juknis -------------------------------------------------------------------------


def _tw_badges(opd: DakOpd, triwulan: int) -> list[str]:
    """The quarters (of the one shown and the one before) in which the OPD named juknis."""
    named = []
    if opd.juknis:
        named.append(tw_label(triwulan))
    if opd.juknis_before:
        named.append(tw_label(triwulan - 1))
    return named


class DakTable(dt.Table):
    """One row per OPD with DAK lines: its DAK together (pagu, realisasi, sisa), the serapan of
    each kind and of its other belanja, and the juknis it named with the upaya against it."""

    nama = dt.Column("OPD", attrs={"td": {"class": "nama"}})
    pagu = MoneyColumn(_("DAK pagu"), accessor="figures__dak__pagu")
    realisasi = MoneyColumn(_("DAK realisasi"), accessor="figures__dak__realisasi_kumulatif")
    sisa = MoneyColumn(_("DAK left"), accessor="figures__dak__sisa")
    serapan_fisik = PercentColumn(_("DAK Fisik absorption"), accessor="figures__fisik__serapan")
    serapan_non_fisik = PercentColumn(
        _("DAK Non Fisik absorption"), accessor="figures__non_fisik__serapan"
    )
    serapan = PercentColumn(_("DAK absorption"), accessor="figures__dak__serapan")
    # The quarter's own yardstick: the serapan category is a yearly one, provisional before TW IV.
    capaian = dt.Column(_("DAK against the cash plan"), empty_values=(), attrs=NUM)
    serapan_lain = PercentColumn(_("Other spending absorption"), accessor="figures__lain__serapan")
    juknis = dt.Column(_("Named late juknis"), empty_values=())
    upaya = dt.Column(_("Remedial actions"), empty_values=())

    class Meta:
        attrs = {"class": "data dak stack-phone"}
        orderable = False
        template_name = "django_tables2/table.html"

    def __init__(self, *args, link=None, triwulan: int = 4, **kwargs):
        self.link = link
        self.triwulan = triwulan
        super().__init__(*args, **kwargs)
        label_cells(self, skip=("nama",))

    def render_nama(self, value: str, record: DakOpd) -> str:
        url = self.link(record) if self.link else None
        name = format_html('<a href="{}">{}</a>', url, value) if url else value
        return format_html('{}<br><span class="small kode">{}</span>', name, record.kode)

    def value_nama(self, value: str) -> str:
        return value

    def render_capaian(self, record: DakOpd) -> str:
        row = record.figures.dak
        value = row.measure("capaian") if row is not None else None
        if value is None or value.ratio is None:
            return "—"
        return format_html("{} {}", value.text, badge(value.label, value.rank, value))

    def value_capaian(self, record: DakOpd):
        row = record.figures.dak
        return row.capaian_kas_persen if row is not None else None

    def render_juknis(self, record: DakOpd) -> str:
        named = _tw_badges(record, self.triwulan)
        if not named:
            return "—"
        return format_html_join(" ", '<span class="status s-draf">{}</span>', ((n,) for n in named))

    def value_juknis(self, record: DakOpd) -> str:
        return "; ".join(_tw_badges(record, self.triwulan))

    def render_upaya(self, record: DakOpd) -> str:
        if not record.upaya:
            return "—"
        return ngettext(
            "%(n)d action, %(done)d done", "%(n)d actions, %(done)d done", len(record.upaya)
        ) % {"n": len(record.upaya), "done": record.upaya_done}

    def value_upaya(self, record: DakOpd) -> str:
        return "; ".join(
            f"{tw_label(u.triwulan)}: {u.tindakan} ({u.get_status_display()})" for u in record.upaya
        )


@require_GET
def dak(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request.user)
    if response := _opened(request, actor):
        return response
    scope = _scope(request, actor)
    if isinstance(scope, HttpResponse):
        return scope
    triwulan = scope.period.triwulan
    report = dak_report(**scope.common, bands=scope.bands)
    link = _source_link(actor, scope.period)
    table = DakTable(report.opds, link=link, triwulan=triwulan)
    RequestConfig(request, paginate=False).configure(table)
    if response := _export(request, table, "dak"):
        return response
    kinds = [
        row
        for opd in report.opds
        for row in (opd.figures.fisik, opd.figures.non_fisik)
        if row is not None
    ]
    lines = OpdSourceTable(kinds, link=link, code_under_name=True, triwulan=triwulan, prefix="dak-")
    RequestConfig(request, paginate=False).configure(lines)
    if response := _export(request, lines, "dak_rincian"):
        return response
    return render(
        request,
        "dashboard/dak.html",
        {
            **scope.common,
            "form": scope.form,
            "report": report,
            "previous_tw": tw_label(triwulan - 1) if triwulan > 1 else None,
            "table": table,
            "lines_table": lines,
            "gap": dak_difference(report),
            "chart": charts.dak_groups(report.groups) if report.groups else None,
            "can_add": actor.is_bpkad,
            **scope.coverage_context(),
            **scope.categories_context(),
            "period_qs": period_qs(scope.period),
        },
    )
