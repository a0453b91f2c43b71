"""Which OPDs have reported which quarter, and the period a page opens on by default.

An OPD has *reported* a quarter when realisasi within that quarter is stored for any of its
lines (entered, uploaded or imported: a quarter with nothing spent is entered as 0), or when
its report of the quarter is submitted or verified. An OPD with a DPA that year that has not
is *belum melapor*: the pages list it apart instead of ranking it as if it had spent nothing.

The default period is the latest quarter that at least half of the region's OPDs (those with
a DPA that year) have reported. One treasurer entering TW IV early does not move everybody's
pages to a quarter the others have not reported yet. When no quarter has reached half, the
default is the latest quarter holding any realisasi (TW I of the latest year when none does).
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import F, Sum

from budget.models import QuarterReport, Region, Rollup
from budget.quarters import QUARTERS
from budget.selectors import Period

# A quarter is the default once at least this share of the OPDs have reported it.
QUORUM_NUMERATOR, QUORUM_DENOMINATOR = 1, 2
REPORTED_STATUSES = (QuarterReport.Status.SUBMITTED, QuarterReport.Status.VERIFIED)


@dataclass(frozen=True)
class Coverage:
    """Who has reported one quarter: the OPDs with a DPA that year, and those that reported."""

    period: Period
    opds: frozenset[str]
    reported: frozenset[str]

    @property
    def n_opds(self) -> int:
        return len(self.opds)

    @property
    def n_reported(self) -> int:
        return len(self.reported)

    @property
    def missing(self) -> frozenset[str]:
        """The OPDs that have not reported the quarter yet (belum melapor)."""
        return self.opds - self.reported

    @property
    def complete(self) -> bool:
        return not self.missing

    def has_reported(self, kode: str) -> bool:
        return kode in self.reported

    @property
    def quorum(self) -> bool:
        return bool(self.opds) and (
            len(self.reported) * QUORUM_DENOMINATOR >= len(self.opds) * QUORUM_NUMERATOR
        )


@dataclass(frozen=True)
class RegionPeriods:
    """The region's years with a DPA (latest first), who reported which quarter, and the
    default period of its pages."""

    years: list[int]
    opds_by_year: dict[int, frozenset[str]]
    reported: dict[tuple[int, int], frozenset[str]]
    names: dict[str, str]  # OPD code -> name

    def coverage(self, period: Period) -> Coverage:
        return Coverage(
            period=period,
            opds=self.opds_by_year.get(period.tahun, frozenset()),
            reported=self.reported.get((period.tahun, period.triwulan), frozenset()),
        )

    @property
    def latest_realised(self) -> Period | None:
        """The latest quarter holding any realisasi or report (the rule before a quorum)."""
        for tahun in self.years:
            for q in reversed(QUARTERS):
                if self.reported.get((tahun, q)):
                    return Period(tahun, q)
        return None

    @property
    def default(self) -> Period | None:
        """The latest quarter reported by at least half of the OPDs; failing that, the latest
        quarter holding realisasi; failing that, TW I of the latest year. None without a DPA."""
        if not self.years:
            return None
        for tahun in self.years:
            for q in reversed(QUARTERS):
                if self.coverage(Period(tahun, q)).quorum:
                    return Period(tahun, q)
        return self.latest_realised or Period(self.years[0], 1)


def region_periods(*, region: Region) -> RegionPeriods:
    """Two queries: the roll-ups (a few rows per OPD and year: which OPDs have lines and
    realisasi in which quarter) and the submitted or verified reports."""
    per_opd: Iterable[Any] = (
        Rollup.objects.filter(region=region, n_lines__gt=0)
        .order_by()
        .values("tahun", kode=F("opd__kode"), nama=F("opd__nama"))
        .annotate(**{f"n{q}": Sum(f"nreal_tw{q}") for q in QUARTERS})
    )
    opds: defaultdict[int, set[str]] = defaultdict(set)
    reported: defaultdict[tuple[int, int], set[str]] = defaultdict(set)
    names: dict[str, str] = {}
    for row in per_opd:
        opds[row["tahun"]].add(row["kode"])
        names[row["kode"]] = row["nama"]
        for q in QUARTERS:
            if row[f"n{q}"]:
                reported[(row["tahun"], q)].add(row["kode"])
    handed_in = QuarterReport.objects.filter(
        region=region, status__in=REPORTED_STATUSES
    ).values_list("tahun", "triwulan", "opd__kode")
    for tahun, triwulan, kode in handed_in:
        if kode in opds.get(tahun, ()):
            reported[(tahun, triwulan)].add(kode)
    return RegionPeriods(
        years=sorted(opds, reverse=True),
        opds_by_year={t: frozenset(k) for t, k in opds.items()},
        reported={key: frozenset(k) for key, k in reported.items()},
        names=names,
    )
