"""Fund sources (sumber dana) followed through: belanja per OPD and fund source, and the DAK
lines beside the *juknis* kendala (late technical guidelines for DAK) the OPDs report.

Everything is summed by PostgreSQL over the roll-ups (budget.models.Rollup: a few rows per OPD,
jenis, account group and fund source), so that a page costs what the region's OPDs cost, not
what its lines cost. Ratios and categories come from the measure registry (`build_row`).

- `opd_sources_queryset` / `opd_source_rows`: one row per OPD and fund source (belanja), as a
  grouped queryset that the OPD table's filter (dashboard.filters) can narrow in the database.
- `dak_report`: per OPD with DAK lines, its DAK Fisik, DAK Non Fisik, both together and its
  other belanja; which of them named juknis in the quarter and the quarter before, their
  remedial actions (upaya), and the DAK of the OPDs that named juknis against those that did
  not. Four queries, whatever the region's size.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from budget.codes import Jenis
from budget.criteria import Bands, bands_for
from budget.measures import MONEY_FIELD, SUMMED, ZERO, check_triwulan
from budget.models import QuarterReport, Region, Rollup, SumberDana, Upaya, UpayaStatus
from budget.selectors import NO_SUMBER_DANA, AbsorptionRow, SelectorError, build_row

BELANJA = Jenis.BELANJA.value
DAK_FISIK = SumberDana.DAK_FISIK.value
DAK_NON_FISIK = SumberDana.DAK_NON_FISIK.value
DAK = (DAK_FISIK, DAK_NON_FISIK)
# The kendala that names late technical guidelines for DAK (budget.models.KENDALA_CHOICES).
JUKNIS = "juknis"
# Fund sources in the order SIPD lists them; lines without one last.
SOURCE_ORDER = {value: i for i, value in enumerate(SumberDana.values)}


def source_key(kode: str) -> int:
    """The place of a fund source in listings (the choices' order; none last)."""
    return SOURCE_ORDER.get(kode, len(SOURCE_ORDER))


def source_name(kode: str) -> str:
    return str(SumberDana(kode).label) if kode in SOURCE_ORDER else NO_SUMBER_DANA


def _rollups(*, region: Region, tahun: int) -> QuerySet[Rollup]:
    if any(a.rollup_expr is None for a in SUMMED):
        # A summed amount the roll-ups cannot give: these pages would need the lines.
        raise SelectorError("an amount of the registry has no roll-up expression")
    return Rollup.objects.filter(region=region, tahun=tahun, jenis=BELANJA, n_lines__gt=0)


def _sums(triwulan: int, *, prefix: str = "", only: Q | None = None) -> dict[str, Any]:
    """The registry's summed amounts over roll-up rows (those of `only`, when given), named
    `{prefix}s_<key>`, with the number of lines as `{prefix}n_lines`."""
    sums: dict[str, Any] = {
        f"{prefix}{a.sum_name}": Coalesce(
            Sum(a.rollup_expr(triwulan), filter=only),  # type: ignore[misc]  # checked above
            Value(ZERO),
            output_field=MONEY_FIELD,
        )
        for a in SUMMED
    }
    sums[f"{prefix}n_lines"] = Coalesce(Sum("n_lines", filter=only), 0)
    return sums


def _row(
    record: dict[str, Any], *, prefix: str = "", kode: str, nama: str, bands: Bands, **extra: Any
) -> AbsorptionRow | None:
    """The row of one group's sums (None when it holds no line)."""
    n_lines = record[f"{prefix}n_lines"]
    if not n_lines:
        return None
    row = build_row(
        kode=kode,
        nama=nama,
        jenis=BELANJA,
        line_count=n_lines,
        bands=bands,
        **{a.key: record[f"{prefix}{a.sum_name}"] for a in SUMMED},
    )
    row.extra.update(extra)
    return row


# --- belanja per OPD and fund source --------------------------------------------------------


def opd_sources_queryset(*, region: Region, tahun: int, triwulan: int) -> QuerySet[Any, Any]:
    """Belanja per OPD and fund source through `triwulan`, as a grouped queryset: items with
    g_kode, g_nama (the OPD's), g_dana (the fund source, "" for none), jenis and the registry's
    sums (s_pagu, ...) and n_lines, as `absorption_queryset` gives them; so the OPD table's
    filters (text, fund source, category) apply to it in the database."""
    check_triwulan(triwulan)
    return (
        _rollups(region=region, tahun=tahun)
        .annotate(g_kode=F("opd__kode"), g_nama=F("opd__nama"), g_dana=F("sumber_dana"))
        .order_by()
        .values("g_kode", "g_nama", "g_dana", "jenis")
        .annotate(**_sums(triwulan))
    )


def opd_source_rows(grouped: QuerySet[Any, Any], *, bands: Bands) -> list[AbsorptionRow]:
    """The rows of `opd_sources_queryset` (filtered or not): kode and nama are the OPD's, the
    fund source is `row.extra["sumber_dana"]` ("" for none) and its name
    `row.extra["sumber_dana_nama"]`; by OPD code,
    then fund source. One query."""
    rows = [
        _row(
            r,
            kode=r["g_kode"],
            nama=r["g_nama"],
            bands=bands,
            sumber_dana=r["g_dana"],
            sumber_dana_nama=source_name(r["g_dana"]),
        )
        for r in grouped
    ]
    found = [r for r in rows if r is not None]
    found.sort(key=lambda r: (r.kode, source_key(r.extra["sumber_dana"])))
    return found


@dataclass(frozen=True)
class MatrixLine:
    """One OPD of the matrix: its row per fund source present (None where it has no line of
    that source) and its whole belanja."""

    kode: str
    nama: str
    cells: list[AbsorptionRow | None]
    total: AbsorptionRow | None


@dataclass(frozen=True)
class SourceMatrix:
    sources: list[str]  # the fund sources present, in SIPD's order ("" for none, last)
    lines: list[MatrixLine]

    @property
    def source_names(self) -> list[str]:
        return [source_name(s) for s in self.sources]


def source_matrix(
    rows: list[AbsorptionRow], *, totals: list[AbsorptionRow] | None = None
) -> SourceMatrix:
    """The rows of `opd_source_rows` arranged as OPDs × fund sources (no arithmetic: each cell
    is a row the database summed). `totals`, the OPDs' whole belanja (`absorption(level="opd",
    jenis="belanja")`), closes each line."""
    sources = sorted({r.extra["sumber_dana"] for r in rows}, key=source_key)
    by_opd: dict[str, dict[str, AbsorptionRow]] = {}
    names: dict[str, str] = {}
    for r in rows:
        by_opd.setdefault(r.kode, {})[r.extra["sumber_dana"]] = r
        names[r.kode] = r.nama
    total_of = {t.kode: t for t in totals or () if t.jenis == BELANJA}
    return SourceMatrix(
        sources=sources,
        lines=[
            MatrixLine(
                kode=kode,
                nama=names[kode],
                cells=[by_opd[kode].get(s) for s in sources],
                total=total_of.get(kode),
            )
            for kode in sorted(by_opd)
        ],
    )


# --- DAK and the juknis kendala ---------------------------------------------------------------

# The parts of an OPD's belanja the DAK view shows: (prefix of its sums, the roll-ups in it).
PARTS = {
    "fisik": Q(sumber_dana=DAK_FISIK),
    "non_fisik": Q(sumber_dana=DAK_NON_FISIK),
    "dak": Q(sumber_dana__in=DAK),
    "lain": ~Q(sumber_dana__in=DAK),
}


@dataclass(frozen=True)
class DakFigures:
    """Belanja split by fund source: DAK Fisik, DAK Non Fisik, both, and everything else
    (each None when it holds no line)."""

    fisik: AbsorptionRow | None
    non_fisik: AbsorptionRow | None
    dak: AbsorptionRow | None
    lain: AbsorptionRow | None


@dataclass(frozen=True)
class DakOpd:
    kode: str
    nama: str
    figures: DakFigures
    juknis: bool  # named juknis in the quarter
    juknis_before: bool  # in the quarter before
    upaya: list[Upaya] = field(default_factory=list)  # against juknis, the quarter and before

    @property
    def named_juknis(self) -> bool:
        return self.juknis or self.juknis_before

    @property
    def upaya_done(self) -> int:
        return sum(1 for u in self.upaya if u.status == UpayaStatus.DONE)


@dataclass(frozen=True)
class DakGroup:
    """The DAK OPDs that named juknis (in the quarter or the one before), or those that did
    not, summed together by the database."""

    juknis: bool
    opds: list[DakOpd]
    figures: DakFigures


@dataclass(frozen=True)
class JuknisElsewhere:
    """An OPD that named juknis but has no DAK line in the DPA (its lines may lack their fund
    source)."""

    kode: str
    nama: str
    triwulan: list[int]


@dataclass(frozen=True)
class DakReport:
    tahun: int
    triwulan: int
    opds: list[DakOpd]  # the OPDs with DAK lines, by code
    groups: list[DakGroup]  # named juknis first; a group without OPDs is left out
    total: DakFigures  # every DAK OPD together
    elsewhere: list[JuknisElsewhere]
    upaya: list[Upaya]  # against juknis, by any OPD, the quarter and the one before

    @property
    def with_juknis(self) -> DakGroup | None:
        return next((g for g in self.groups if g.juknis), None)

    @property
    def without_juknis(self) -> DakGroup | None:
        return next((g for g in self.groups if not g.juknis), None)


# The fund source each part's rows carry, as `opd_source_rows` rows do.
PART_SOURCES = {"fisik": DAK_FISIK, "non_fisik": DAK_NON_FISIK}


def _figures(
    record: dict[str, Any], *, kode: str, nama: str, bands: Bands, group: str = ""
) -> DakFigures:
    return DakFigures(
        **{
            part: _row(
                record,
                prefix=f"{group}{part}_",
                kode=kode,
                nama=nama,
                bands=bands,
                sumber_dana=PART_SOURCES.get(part, ""),
                sumber_dana_nama=PART_SOURCES.get(part, ""),
            )
            for part in PARTS
        }
    )


def dak_report(
    *, region: Region, tahun: int, triwulan: int, bands: Bands | None = None
) -> DakReport:
    """The DAK lines of every OPD through `triwulan` beside the juknis kendala. Queries: the
    reports naming juknis 1, the OPDs' figures 1, the groups' and the total's 1 (none without
    DAK lines), the upaya 1; the bands 1 unless given."""
    check_triwulan(triwulan)
    if bands is None:
        bands = bands_for(region_id=region.pk)
    quarters = [q for q in (triwulan, triwulan - 1) if q >= 1]
    named: dict[int, set[int]] = {}  # OPD id -> quarters naming juknis
    opd_of: dict[int, tuple[str, str]] = {}
    for report in (
        QuarterReport.objects.filter(
            region=region, tahun=tahun, triwulan__in=quarters, kendala__contains=[JUKNIS]
        )
        .select_related("opd")
        .only("opd_id", "triwulan", "opd__kode", "opd__nama")
    ):
        named.setdefault(report.opd_id, set()).add(report.triwulan)
        opd_of[report.opd_id] = (report.opd.kode, report.opd.nama)

    rollups = _rollups(region=region, tahun=tahun)
    parts: dict[str, Any] = {}
    for part, q in PARTS.items():
        parts |= _sums(triwulan, prefix=f"{part}_", only=q)
    grouped: QuerySet[Any, Any] = rollups.values(
        "opd_id", kode=F("opd__kode"), nama=F("opd__nama")
    ).annotate(**parts)
    per_opd: list[dict[str, Any]] = list(grouped.filter(dak_n_lines__gt=0).order_by("kode"))
    upaya_all = list(
        Upaya.objects.filter(region=region, tahun=tahun, triwulan__in=quarters, kendala=JUKNIS)
        .select_related("opd")
        .order_by("-triwulan", "batas_waktu", "opd__kode")
    )
    upaya_of: dict[int, list[Upaya]] = {}
    for u in upaya_all:
        upaya_of.setdefault(u.opd_id, []).append(u)

    opds = [
        DakOpd(
            kode=r["kode"],
            nama=r["nama"],
            figures=_figures(r, kode=r["kode"], nama=r["nama"], bands=bands),
            juknis=triwulan in named.get(r["opd_id"], ()),
            juknis_before=(triwulan - 1) in named.get(r["opd_id"], ()),
            upaya=upaya_of.get(r["opd_id"], []),
        )
        for r in per_opd
    ]
    dak_ids = {r["opd_id"] for r in per_opd}
    elsewhere = [
        JuknisElsewhere(kode=opd_of[i][0], nama=opd_of[i][1], triwulan=sorted(named[i]))
        for i in sorted(named, key=lambda i: opd_of[i][0])
        if i not in dak_ids
    ]
    groups, total = _groups(
        rollups, opds=opds, per_opd=per_opd, named=named, triwulan=triwulan, bands=bands
    )
    return DakReport(
        tahun=tahun,
        triwulan=triwulan,
        opds=opds,
        groups=groups,
        total=total,
        elsewhere=elsewhere,
        upaya=upaya_all,
    )


GROUP_LABELS = {True: "juknis", False: "lain"}


def _groups(
    rollups: QuerySet[Rollup],
    *,
    opds: list[DakOpd],
    per_opd: list[dict[str, Any]],
    named: dict[int, set[int]],
    triwulan: int,
    bands: Bands,
) -> tuple[list[DakGroup], DakFigures]:
    """The DAK OPDs that named juknis and those that did not, and all of them, summed by the
    database in one aggregate (a filtered sum per group and part)."""
    empty = DakFigures(None, None, None, None)
    if not per_opd:
        return [], empty
    ids = {r["opd_id"]: opd.named_juknis for r, opd in zip(per_opd, opds, strict=True)}
    with_juknis = [i for i, flag in ids.items() if flag]
    without = [i for i, flag in ids.items() if not flag]
    members = {"all": list(ids), "juknis": with_juknis, "lain": without}
    sums: dict[str, Any] = {}
    for group, among in members.items():
        if not among:
            continue  # an empty IN list compiles to nothing: the group is left out below
        for part, q in PARTS.items():
            sums |= _sums(triwulan, prefix=f"{group}_{part}_", only=q & Q(opd_id__in=among))
    record = rollups.filter(opd_id__in=list(ids)).aggregate(**sums)
    total = _figures(record, kode="", nama="DAK", bands=bands, group="all_")
    groups = [
        DakGroup(
            juknis=flag,
            opds=[o for o in opds if o.named_juknis == flag],
            figures=_figures(
                record,
                kode=GROUP_LABELS[flag],
                nama="",
                bands=bands,
                group=f"{GROUP_LABELS[flag]}_",
            ),
        )
        for flag in (True, False)
        if members[GROUP_LABELS[flag]]
    ]
    return groups, total


def dak_difference(report: DakReport) -> Decimal | None:
    """How many points the DAK serapan of the OPDs that named juknis trails the others'
    (negative: it is ahead); None unless both groups have a DAK serapan. From the two-place
    figures the page shows, so that the sentence agrees with the table to the hundredth."""
    by_flag = {g.juknis: g.figures.dak for g in report.groups}
    a, b = by_flag.get(True), by_flag.get(False)
    if a is None or b is None or a.serapan_persen is None or b.serapan_persen is None:
        return None
    return b.serapan_persen - a.serapan_persen


# --- JSON (the API's /api/v1/dak/) ------------------------------------------------------------

PART_KEYS = {"fisik": "dak_fisik", "non_fisik": "dak_non_fisik", "dak": "dak", "lain": "lain"}


def _part_dict(row: AbsorptionRow | None) -> dict[str, Any] | None:
    """A part's figures as the contract writes a row (amounts as decimal strings, percentages
    as two-place numbers), without the group's code and name."""
    if row is None:
        return None
    return {k: v for k, v in row.as_contract_dict().items() if k not in ("kode", "nama", "jenis")}


def _figures_dict(figures: DakFigures) -> dict[str, Any]:
    return {key: _part_dict(getattr(figures, part)) for part, key in PART_KEYS.items()}


def _upaya_dict(upaya: Upaya) -> dict[str, Any]:
    return {
        "opd": upaya.opd.kode,
        "triwulan": upaya.triwulan,
        "tindakan": upaya.tindakan,
        "penanggung_jawab": upaya.penanggung_jawab,
        "batas_waktu": upaya.batas_waktu.isoformat(),
        "status": upaya.status,
    }


def dak_dict(report: DakReport) -> dict[str, Any]:
    """The DAK report as JSON-ready data."""
    gap = dak_difference(report)
    return {
        "tahun": report.tahun,
        "triwulan": report.triwulan,
        "rows": [
            {
                "kode": o.kode,
                "nama": o.nama,
                **_figures_dict(o.figures),
                "juknis": o.juknis,
                "juknis_sebelumnya": o.juknis_before,
                "upaya": [_upaya_dict(u) for u in o.upaya],
            }
            for o in report.opds
        ],
        "kelompok": [
            {
                "juknis": g.juknis,
                "opd": [o.kode for o in g.opds],
                **_figures_dict(g.figures),
            }
            for g in report.groups
        ],
        "jumlah": _figures_dict(report.total),
        "selisih_serapan_dak_poin": None if gap is None else float(gap),
        "juknis_tanpa_dak": [
            {"kode": e.kode, "nama": e.nama, "triwulan": e.triwulan} for e in report.elsewhere
        ],
        "upaya": [_upaya_dict(u) for u in report.upaya],
    }
