"""Obstacle analytics: which kendala the OPDs named for a quarter, how much of the region's
shortfall against the cash plan stands behind each, which persist from the quarter before,
and the remedial actions (upaya) recorded against them.

An OPD's shortfall is its belanja cash plan through the quarter minus its realisasi (zero
when on or ahead of the plan), split equally over the kendala it named: exact `Decimal`,
rounded for display only. Three queries, whatever the region's size.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, localcontext
from typing import Any

from django.db.models import Q, Sum

from budget.codes import Jenis
from budget.models import KENDALA_CHOICES, Opd, QuarterReport, Region, Rollup, Upaya
from budget.quarters import check_triwulan

ZERO = Decimal(0)
LABELS = dict(KENDALA_CHOICES)


@dataclass
class KendalaStat:
    kode: str
    label: str
    opds: list[Opd] = field(default_factory=list)
    shortfall: Decimal = ZERO  # exact: each OPD's shortfall over its kendala
    persistent: list[Opd] = field(default_factory=list)  # named it the quarter before too
    upaya: list[Upaya] = field(default_factory=list)
    share: Decimal | None = None  # of the shortfall behind every kendala, percent
    cumulative: Decimal | None = None  # Pareto: this and every larger one


@dataclass(frozen=True)
class Obstacles:
    tahun: int
    triwulan: int
    stats: list[KendalaStat]  # the largest shortfall first
    reporting: int  # OPDs with a report for the quarter
    naming: int  # of which named at least one kendala
    total_shortfall: Decimal

    @property
    def upaya(self) -> list[Upaya]:
        return [u for s in self.stats for u in s.upaya]


def shortfalls(*, region: Region, tahun: int, triwulan: int) -> dict[int, Decimal]:
    """Each OPD's belanja cash plan through `triwulan` minus its realisasi, at least zero."""
    quarters = range(1, check_triwulan(triwulan) + 1)
    belanja = Q(jenis=Jenis.BELANJA.value)
    rows: Any = (
        Rollup.objects.filter(region=region, tahun=tahun)
        .values("opd_id")
        .annotate(
            **{f"k{q}": Sum(f"kas_tw{q}", filter=belanja) for q in quarters},
            **{f"r{q}": Sum(f"real_tw{q}", filter=belanja) for q in quarters},
        )
        .order_by()
    )
    out = {}
    for row in rows:
        kas = sum((row[f"k{q}"] or ZERO for q in quarters), ZERO)
        real = sum((row[f"r{q}"] or ZERO for q in quarters), ZERO)
        out[row["opd_id"]] = max(ZERO, kas - real)
    return out


def obstacles(*, region: Region, tahun: int, triwulan: int) -> Obstacles:
    check_triwulan(triwulan)
    reports = list(
        QuarterReport.objects.filter(
            region=region, tahun=tahun, triwulan__in=[triwulan, triwulan - 1]
        ).select_related("opd")
    )
    before = {(r.opd_id, k) for r in reports if r.triwulan == triwulan - 1 for k in r.kendala}
    gaps = shortfalls(region=region, tahun=tahun, triwulan=triwulan)
    stats: dict[str, KendalaStat] = {}
    current = [r for r in reports if r.triwulan == triwulan]
    with localcontext(prec=50):
        for report in sorted(current, key=lambda r: r.opd.kode):
            named = [k for k in report.kendala if k in LABELS]
            for k in named:
                stat = stats.setdefault(k, KendalaStat(k, str(LABELS[k])))
                stat.opds.append(report.opd)
                stat.shortfall += gaps.get(report.opd_id, ZERO) / len(named)
                if (report.opd_id, k) in before:
                    stat.persistent.append(report.opd)
        for upaya in (
            Upaya.objects.filter(region=region, tahun=tahun, triwulan=triwulan)
            .select_related("opd")
            .order_by("batas_waktu", "opd__kode")
        ):
            stats.setdefault(
                upaya.kendala,
                KendalaStat(upaya.kendala, str(LABELS.get(upaya.kendala, upaya.kendala))),
            ).upaya.append(upaya)
        ordered = sorted(stats.values(), key=lambda s: (-s.shortfall, -len(s.opds), s.kode))
        total = sum((s.shortfall for s in ordered), ZERO)
        running = ZERO
        for s in ordered:
            running += s.shortfall
            s.share = s.shortfall * 100 / total if total else None
            s.cumulative = running * 100 / total if total else None
    by_opd: defaultdict[int, int] = defaultdict(int)
    for r in current:
        by_opd[r.opd_id] += bool(r.kendala)
    return Obstacles(
        tahun=tahun,
        triwulan=triwulan,
        stats=ordered,
        reporting=len(current),
        naming=sum(1 for v in by_opd.values() if v),
        total_shortfall=total,
    )
