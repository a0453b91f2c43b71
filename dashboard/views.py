"""Thin views: read the query string with a form, call selectors, hand rows to tables and
chart builders, render. No arithmetic here."""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from django_tables2 import RequestConfig

from budget.codes import Jenis
from budget.coverage import Coverage
from budget.criteria import EFEKTIVITAS, Bands, band_range, bands_for
from budget.fisik import fisik_by_opd
from budget.history import opd_history
from budget.kinerja import kinerja, kinerja_values, opd_ranking_by
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
    AbsorptionRow,
    Period,
    absorption,
    absorption_queryset,
    absorption_rows,
    quarterly_series,
    region_for,
    unverified_count,
)
from budget.workflow import kendala_labels, next_to_report, report_get, report_statuses
from dashboard import charts, dpa_versions
from dashboard.filters import AbsorptionFilter
from dashboard.forms import DrillForm, PeriodForm, RankingForm
from dashboard.periods import PagePeriod, empty_page, page_period, period_qs
from dashboard.tables import AbsorptionTable, RankingTable, SafeTableExport, TotalRow, total_rows

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
        exporter = SafeTableExport(fmt, table, exclude_columns=())
        return exporter.response(f"{name}.{fmt}")
    return None


@dataclass(frozen=True)
class Scope:
    """What a page of figures is about: the region, the period and the bands in force."""

    region: Region
    page: PagePeriod
    bands: Bands

    @property
    def period(self) -> Period:
        return self.page.period

    @property
    def form(self) -> PeriodForm:
        return self.page.form

    @property
    def coverage(self) -> Coverage:
        return self.page.coverage

    def reported(self, triwulan: int) -> frozenset[str]:
        """The OPDs that reported `triwulan` of the page's year."""
        return self.page.periods.coverage(Period(self.period.tahun, triwulan)).reported

    @property
    def common(self) -> dict:
        return {"region": self.region, "tahun": self.period.tahun, "triwulan": self.period.triwulan}

    def categories_context(self) -> dict:
        """How to read the categories: the region's effectiveness bands, each with its range."""
        return {
            "category_bands": [(b.label, b.rank, band_range(b)) for b in self.bands[EFEKTIVITAS]]
        }

    def coverage_context(self) -> dict:
        """What every region page says about who has reported the quarter: how many, the
        OPDs still missing (belum melapor), and whether the default rule chose the period."""
        names = self.page.periods.names
        return {
            "reported_count": self.coverage.n_reported,
            "opd_count": self.coverage.n_opds,
            "belum_melapor": [(kode, names[kode]) for kode in sorted(self.coverage.missing)],
            "period_is_default": self.page.is_default,
        }


def _scope(
    request: HttpRequest, actor: Actor, region: Region | None = None
) -> Scope | HttpResponse:
    """The page's scope (in `region`, else the person's), or the empty page before the first
    DPA. Four queries, three when the region is given."""
    region = region or region_for(actor)
    if region is None:
        return empty_page(request)
    page = page_period(request, region)
    if page is None:
        return empty_page(request)
    return Scope(region=region, page=page, bands=bands_for(region_id=region.pk))


@dataclass(frozen=True)
class TableSpec:
    """One table of a page: its name (export and context), its rows (called only when the
    tables before it are not being exported) and the table's options."""

    name: str
    rows: Callable[[], list]
    options: dict = field(default_factory=dict)
    paginate: bool = True
    totals: Callable[[], list[TotalRow]] | None = None  # the Jumlah rows, from the level above


def _tables(request: HttpRequest, specs: list[TableSpec], triwulan: int) -> dict | HttpResponse:
    """The page's tables by name, or the export asked for as soon as its table is built."""
    tables = {}
    for spec in specs:
        totals = spec.totals() if spec.totals else ()
        table = AbsorptionTable(spec.rows(), totals=totals, triwulan=triwulan, **spec.options)
        paginate = {"per_page": PER_PAGE} if spec.paginate else False
        RequestConfig(request, paginate=paginate).configure(table)
        if response := _export(request, table, spec.name):
            return response
        tables[spec.name] = table
    return tables


def _headline(rows: list[AbsorptionRow]) -> dict[str, AbsorptionRow | None]:
    """The headline cards' rows (pemda or OPD level), by jenis."""
    by_jenis = {row.jenis: row for row in rows}
    return {jenis.value: by_jenis.get(jenis.value) for jenis in Jenis}


def _has_sources(rows) -> bool:
    """Whether any line names a fund source (else the breakdown is one row and not shown)."""
    return any(row.kode for row in rows)


def _opd_rows(request: HttpRequest, scope: Scope) -> tuple[AbsorptionFilter, list, list]:
    """The filter of the OPD table, the rows it shows and every OPD's row (for the counts)."""
    opd_qs = absorption_queryset(**scope.common, level="opd", jenis=Jenis.BELANJA.value)
    opd_filter = AbsorptionFilter(request.GET or None, queryset=opd_qs, bands=scope.bands)
    all_rows = absorption_rows(opd_qs, region=scope.region, level="opd", bands=scope.bands)
    filtering = any(request.GET.get(name) for name in opd_filter.filters)
    if filtering and opd_filter.is_valid():
        rows = absorption_rows(opd_filter.qs, region=scope.region, level="opd", bands=scope.bands)
        return opd_filter, rows, all_rows
    return opd_filter, all_rows, all_rows


def _once(compute: Callable[[], list]) -> Callable[[], list]:
    """`compute` run at most once, when first asked for (a row set two tables share)."""
    kept: list[list] = []

    def get() -> list:
        if not kept:
            kept.append(compute())
        return kept[0]

    return get


def _overview(scope: Scope, all_rows: list, statuses: dict, region_rows) -> dict:
    """The region's headline, charts, who has reported, and counts of the OPDs that reported
    behind plan or not yet verified."""
    reported = [row for row in all_rows if scope.coverage.has_reported(row.kode)]
    counts = Counter(row.kategori_capaian for row in reported)
    distribution = [(b.label, b.rank, counts.get(b.label, 0)) for b in scope.bands[EFEKTIVITAS]]
    series = quarterly_series(**scope.common)
    return {
        **_headline(region_rows()),
        "s_curve": charts.s_curve(series, title=_("S-curve of the region's spending")),
        "distribution": charts.category_distribution(
            distribution, title=_("OPDs by cash plan achievement category")
        ),
        **scope.coverage_context(),
        **scope.categories_context(),
        # Only the OPDs that reported the quarter: one that has not is not behind, it is late.
        "behind_count": sum(1 for r in reported if r.behind_plan),
        "unverified_count": unverified_count(statuses, (r.kode for r in reported)),
    }


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request.user)
    if not can_view_region(actor):
        if actor.is_treasurer:
            # A treasurer's home is their own OPD.
            return redirect(reverse("opd_detail", args=[actor.opd_kode]) + _query(request))
        raise PermissionDenied
    scope = _scope(request, actor)
    if isinstance(scope, HttpResponse):
        return scope
    opd_filter, opd_rows, all_rows = _opd_rows(request, scope)
    statuses = report_statuses(**scope.common)
    link = _opd_link(actor, scope.period)
    region_rows = _once(lambda: absorption(**scope.common, level="pemda", bands=scope.bands))
    tables = _tables(
        request, _home_tables(scope, opd_rows, link, statuses, region_rows), scope.period.triwulan
    )
    if isinstance(tables, HttpResponse):
        return tables
    return render(
        request,
        "dashboard/home.html",
        {
            **scope.common,
            **_overview(scope, all_rows, statuses, region_rows),
            "form": scope.form,
            "filter": opd_filter,
            "opd_table": tables["opd"],
            "jenis_table": tables["jenis_belanja"],
            "dana_table": tables["sumber_dana"],
            "dana_shown": _has_sources(tables["sumber_dana"].data),
            "period_qs": period_qs(scope.period),
        },
    )


def _home_tables(
    scope: Scope, opd_rows: list, link, statuses: dict, region_rows
) -> list[TableSpec]:
    """The overview's tables: the OPDs, belanja by jenis, belanja by sumber dana; each closed
    by the region's belanja (the pemda row) as its Jumlah."""
    belanja = {**scope.common, "jenis": Jenis.BELANJA.value, "bands": scope.bands}

    def region_total() -> list[TotalRow]:
        return total_rows(region_rows(), jenis=Jenis.BELANJA.value)

    # Each OPD's physical progress beside its money (budget.fisik): one query.
    physical = fisik_by_opd(
        region_id=scope.region.pk, tahun=scope.period.tahun, triwulan=scope.period.triwulan
    )
    return [
        TableSpec(
            "opd",
            lambda: opd_rows,
            {
                **_opd_table_options(link, statuses, scope.coverage.missing),
                "fisik": {p.kode: p for p in physical.values()},
            },
            totals=region_total,
        ),
        TableSpec(
            "jenis_belanja",
            lambda: absorption(**belanja, level="akun", depth=3),
            {"prefix": "akun-", "exclude": ("kategori_serapan",)},
            paginate=False,
            totals=region_total,
        ),
        TableSpec(
            "sumber_dana",
            lambda: absorption(**belanja, level="sumber_dana"),
            {"prefix": "dana-", "hide_code": True},
            paginate=False,
            totals=region_total,
        ),
    ]


def _opd_table_options(link, statuses, unreported: frozenset[str] = frozenset()) -> dict:
    return {
        "link": link,
        "prefix": "opd-",
        "code_under_name": True,
        "statuses": statuses,
        "unreported": unreported,
    }


@dataclass(frozen=True)
class Drill:
    """Where the OPD page's breakdown stands: the level shown, under which group, and the
    depth of the account table."""

    rinci: str
    induk: str | None
    depth: int

    NEXT = {"program": "kegiatan", "kegiatan": "sub_kegiatan"}

    @classmethod
    def from_request(cls, request: HttpRequest) -> "Drill":
        drill = DrillForm(request.GET)
        choice = drill.cleaned_data if drill.is_valid() else {}
        rinci = choice.get("rinci") or "program"
        induk = None if rinci == "program" else (choice.get("induk") or None)
        return cls(rinci=rinci, induk=induk, depth=choice.get("akun") or 3)

    def crumbs(self, opd: Opd, period: Period) -> list[tuple[str, str | None]]:
        """The way back up the breakdown: (label, link), the last one the level shown (no
        link). A program's code is its kegiatan's first three segments (Permendagri 90)."""
        base = reverse("opd_detail", args=[opd.kode]) + period_qs(period)
        trail: list[tuple[str, str | None]] = [(_("Program"), f"{base}&rinci=program#rincian")]
        if self.rinci == "program":
            return [(trail[0][0], None)]
        if self.induk is None:
            everything = {
                "kegiatan": _("All kegiatan"),
                "sub_kegiatan": _("All sub kegiatan"),
            }
            return [*trail, (everything[self.rinci], None)]
        if self.rinci == "sub_kegiatan":
            program = ".".join(self.induk.split(".")[:3])
            trail.append((program, f"{base}&rinci=kegiatan&induk={program}#rincian"))
        return [*trail, (self.induk, None)]

    def link(self, opd: Opd, period: Period):
        """Links from a row to the level beneath it, none at the deepest level."""
        next_level = self.NEXT.get(self.rinci)
        base = reverse("opd_detail", args=[opd.kode]) + period_qs(period)

        def link(row):
            if next_level is None:
                return None
            return f"{base}&rinci={next_level}&induk={row.kode}#rincian"

        return link


@require_GET
def opd_detail(request: HttpRequest, kode: str) -> HttpResponse:
    actor = actor_for(request.user)
    region = region_for(actor)
    if region is None:
        raise Http404
    opd = get_object_or_404(Opd, region=region, kode=kode)
    if not can_view_opd(actor, opd):
        raise PermissionDenied
    scope = _scope(request, actor, region)
    if isinstance(scope, HttpResponse):
        return scope
    drill = Drill.from_request(request)
    opd_rows = _once(lambda: absorption(**scope.common, opd=opd, level="opd", bands=scope.bands))
    tables = _tables(request, _opd_tables(scope, opd, drill, opd_rows), scope.period.triwulan)
    if isinstance(tables, HttpResponse):
        return tables
    versions = dpa_versions.opd_section(request, region=region, opd=opd, tahun=scope.period.tahun)
    if isinstance(versions, HttpResponse):
        return versions
    return render(
        request,
        "dashboard/opd_detail.html",
        {
            **_opd_context(actor, scope, opd, tables, opd_rows),
            **versions,
            "form": scope.form,
            "rinci": drill.rinci,
            "induk": drill.induk,
            "crumbs": drill.crumbs(opd, scope.period),
            "depth": drill.depth,
        },
    )


def _opd_tables(scope: Scope, opd: Opd, drill: Drill, opd_rows) -> list[TableSpec]:
    """The OPD page's tables: the drill-down, the accounts, belanja by sumber dana; each
    closed by its Jumlah (the OPD's figures, or the group's when drilled down under one)."""
    common = {**scope.common, "opd": opd, "bands": scope.bands}
    belanja = Jenis.BELANJA.value

    def breakdown_total() -> list[TotalRow]:
        if drill.induk is None:
            return total_rows(opd_rows(), jenis=belanja)
        group = absorption(**common, level="opd", jenis=belanja, parent=drill.induk)
        return total_rows(group, jenis=belanja)

    return [
        TableSpec(
            "rincian",
            lambda: absorption(**common, level=drill.rinci, parent=drill.induk),
            {"link": drill.link(opd, scope.period), "prefix": "rinci-"},
            totals=breakdown_total,
        ),
        TableSpec(
            "rekening",
            lambda: absorption(**common, level="akun", depth=drill.depth),
            {"prefix": "akun-"},
            totals=lambda: total_rows(opd_rows()),
        ),
        TableSpec(
            "sumber_dana",
            lambda: absorption(**common, level="sumber_dana", jenis=belanja),
            {"prefix": "dana-", "hide_code": True},
            paginate=False,
            totals=lambda: total_rows(opd_rows(), jenis=belanja),
        ),
    ]


def _opd_context(actor: Actor, scope: Scope, opd: Opd, tables: dict, opd_rows) -> dict:
    """The OPD page's headline, charts, quarterly report and audit trail."""
    period = scope.period
    common = {**scope.common, "opd": opd}
    series = quarterly_series(**common)
    warning = kinerja(**scope.common, opd=opd, bands=scope.bands).rows
    early = warning[0] if warning else None
    report = report_get(opd=opd, tahun=period.tahun, triwulan=period.triwulan)
    history = opd_history(opd=opd, tahun=period.tahun, limit=10) if can_see_history(actor) else None
    # A treasurer's page says which quarter to hand in next, one click from its entry page.
    latest_year = scope.page.years[0]
    next_q = next_to_report(opd=opd, tahun=latest_year) if actor.is_treasurer else None
    return {
        **common,
        **_headline(opd_rows()),
        "report": report,
        # The headline's note when this OPD has not reported the quarter shown.
        "opd_unreported": not scope.coverage.has_reported(opd.kode),
        "kendala": kendala_labels(report.kendala) if report else [],
        "history": history,
        "can_enter": can_enter_realisasi(actor, opd) or can_verify(actor),
        "entry_url": reverse("realisasi_entry", args=[opd.kode, period.tahun, period.triwulan]),
        "next_report": (
            {
                "tahun": latest_year,
                "triwulan": next_q,
                "url": reverse("realisasi_entry", args=[opd.kode, latest_year, next_q]),
            }
            if next_q is not None
            else None
        ),
        "s_curve": charts.s_curve(
            series,
            title=_("S-curve: cumulative cash plan and realisasi"),
            forecast=early.forecast.path(early.belanja, period.triwulan) if early else None,
            fisik=early.fisik.path() if early and early.fisik else None,
            pagu=early.fisik.pagu if early and early.fisik else None,
        ),
        "kinerja": early,
        "kinerja_details": early.quarter_details() if early else [],
        "peringatan_bands": scope.bands["peringatan"],
        "kinerja_bands": scope.bands["kinerja"],
        "bars": charts.quarter_bars(series, title=_("Plan and realisasi by quarter")),
        "program_table": tables["rincian"],
        "account_table": tables["rekening"],
        "dana_table": tables["sumber_dana"],
        "dana_shown": _has_sources(tables["sumber_dana"].data),
        "region_reader": can_view_region(actor),  # links to the region's fund-source pages
        **scope.categories_context(),
        "period_qs": period_qs(period),
    }


class Linked(NamedTuple):
    """A ranked OPD with the link to its page, None when the viewer may not open it."""

    peringkat: int
    row: AbsorptionRow
    link: str | None


@require_GET
def ranking(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request.user)
    if not can_view_ranking(actor):
        raise PermissionDenied
    scope = _scope(request, actor)
    if isinstance(scope, HttpResponse):
        return scope
    rform = RankingForm(request.GET or None)
    measure = rform.measure
    current = kinerja(**scope.common, bands=scope.bands)
    ranked, unranked = opd_ranking_by(
        **scope.common,
        measure=measure,
        bands=scope.bands,
        reported=scope.reported,
        current=current,
    )
    link = _opd_link(actor, scope.period)
    table = RankingTable(
        rform.ordered(ranked),
        measure=measure,
        link=link,
        statuses=report_statuses(**scope.common),
        triwulan=scope.period.triwulan,
        kinerja=kinerja_values(current),
        fisik={row.kode: row for row in current.rows},
    )
    RequestConfig(request, paginate=False).configure(table)
    if response := _export(request, table, "peringkat"):
        return response
    label = str(measure.label).lower()
    return render(
        request,
        "dashboard/ranking.html",
        {
            **scope.common,
            "form": scope.form,
            "rform": rform,
            "measure": measure,
            "measure_label": label,
            "order": rform.order,
            "measures": rform.measures,
            "table": table,
            "chart": charts.ranking_bars(
                ranked, measure=measure, title=_("OPD ranking by %(measure)s") % {"measure": label}
            ),
            # The bottom five, each with the link to its page for those who may open it.
            "bottom": [Linked(r.peringkat, r.row, link(r.row)) for r in reversed(ranked[-5:])]
            if len(ranked) > 5
            else [],
            "bars": [(r, link(r.row)) for r in ranked],  # the chart as a list, on a phone
            "unranked": unranked,
            **scope.coverage_context(),
            **scope.categories_context(),
            "period_qs": period_qs(scope.period),
        },
    )


def _query(request: HttpRequest) -> str:
    return "?" + request.GET.urlencode() if request.GET else ""
