"""Early warning (DESIGN §5): will each OPD make it by December, and how well does it execute?

Per OPD through a quarter:
- *deviasi anggaran kas*: how far each quarter's realisasi strays from the cash plan of that
  quarter, per jenis belanja, weighted by pagu; its score;
- *penyerapan terhadap target*: cumulative realisasi against the quarterly targets of each
  jenis belanja (region data, `TargetPenyerapan`);
- the year-end forecast (*prakiraan*), learnt from the OPD's previous years, else the
  region's, else the remaining cash plan, and its warning colour;
- timeliness of the quarterly reports, DPA revisions per semester, and the composite
  *nilai kinerja* with its category.

Everything is exact `Decimal` (50 significant digits, as the ratios of `budget.measures`);
rounding is for display and the contract only. A ratio with a zero denominator is undefined
(None), and so is a score built only from undefined parts.

The sums come from the roll-up table (per OPD × three-segment account × quarter, kept exact
by triggers), grouped by the database into jenis belanja; a whole region costs a constant
number of queries (`kinerja`), whatever its number of lines or years.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Case, Exists, F, Max, Q, Sum, Value, When
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from budget import versions
from budget.codes import Jenis
from budget.criteria import KINERJA, PERINGATAN, Band, Bands, bands_for, categorize
from budget.fisik import GAP_LABELS, FisikProgress, fisik_by_opd, gap_flag, rencana_fisik
from budget.fisik import nilai_fisik as fisik_score
from budget.measures import MONEY_FIELD, Measure, MeasureValue, round2
from budget.models import (
    DpaChangeSet,
    DpaVersion,
    JenisBelanja,
    OpdMapping,
    QuarterReport,
    Region,
    Rollup,
    TargetPenyerapan,
)
from budget.quarters import QUARTERS, check_triwulan

ZERO = Decimal(0)
HUNDRED = Decimal(100)
CENT = Decimal("0.01")
# A mean deviation up to this many points scores full marks (IKPA's tolerance).
DEVIASI_TOLERANCE = Decimal(5)
# What an OPD must reach by the year's end for the kebutuhan per triwulan: 90% of its pagu,
# the lower bound of *Efektif*.
SERAPAN_GOAL = Decimal(90)
# Revisions: one change of the DPA per semester is what IKPA counts as optimal; n > 1 scores
# 100 / n.
OPTIMAL_REVISIONS = 1


def _exact() -> Any:
    return localcontext(prec=50)


# --- the targets of the jenis belanja -------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """A scored jenis belanja: its kode rekening prefix and cumulative targets (percent)."""

    jenis_belanja: str
    prefix: str
    targets: tuple[Decimal, Decimal, Decimal, Decimal]

    @property
    def label(self) -> str:
        return str(JenisBelanja(self.jenis_belanja).label)

    def target(self, triwulan: int) -> Decimal:
        return self.targets[check_triwulan(triwulan) - 1]


D = Decimal
# DESIGN §5, as the data migration 0011 stores them (rows with no region).
DEFAULT_TARGETS = (
    Target(JenisBelanja.PEGAWAI, "5.1.01", (D(20), D(50), D(75), D(95))),
    Target(JenisBelanja.BARANG_JASA, "5.1.02", (D(15), D(50), D(70), D(90))),
    Target(JenisBelanja.MODAL, "5.2", (D(10), D(40), D(70), D(90))),
    Target(JenisBelanja.BANSOS, "5.1.06", (D(25), D(50), D(75), D(95))),
)
JENIS_ORDER = tuple(JenisBelanja.values)


def targets_for(*, region_id: int | None) -> tuple[Target, ...]:
    """The jenis belanja in force for a region: its own rows, else the default rows, else
    DESIGN §5's table. One query; in the order of `JenisBelanja`."""
    rows = TargetPenyerapan.objects.filter(region_id__isnull=True)
    if region_id is not None:
        rows = TargetPenyerapan.objects.filter(region_id=region_id) | rows
    own: list[Target] = []
    default: list[Target] = []
    for row in rows:
        target = Target(
            row.jenis_belanja,
            row.prefix,
            (row.target_tw1, row.target_tw2, row.target_tw3, row.target_tw4),
        )
        (default if row.region_id is None else own).append(target)
    chosen = own or default or list(DEFAULT_TARGETS)
    return tuple(sorted(chosen, key=lambda t: JENIS_ORDER.index(t.jenis_belanja)))


def jenis_belanja_case(targets: Sequence[Target]) -> Case:
    """The jenis belanja of a roll-up row from its three-segment account: the longest prefix
    that matches it at a segment boundary, '' for belanja under none."""
    whens = [
        When(Q(akun3=t.prefix) | Q(akun3__startswith=t.prefix + "."), then=Value(t.jenis_belanja))
        for t in sorted(targets, key=lambda t: -len(t.prefix.split(".")))
    ]
    return Case(*whens, default=Value(""))


# --- flows: a group's pagu, cash plan and realisasi by quarter ------------------------------


@dataclass(frozen=True)
class Flow:
    """Pagu, and the cash plan and realisasi *within* each quarter, of a group of lines."""

    pagu: Decimal
    kas: tuple[Decimal, ...]  # four quarters
    real: tuple[Decimal, ...]

    def kas_through(self, triwulan: int) -> Decimal:
        return sum(self.kas[:triwulan], ZERO)

    def real_through(self, triwulan: int) -> Decimal:
        return sum(self.real[:triwulan], ZERO)

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Flow:
        return cls(
            pagu=row["pagu"],
            kas=tuple(row[f"kas{q}"] for q in QUARTERS),
            real=tuple(row[f"real{q}"] for q in QUARTERS),
        )


def _flow_sums(only: Q | None = None) -> dict[str, Any]:
    def total(column: str) -> Coalesce:
        return Coalesce(Sum(column, filter=only), Value(ZERO), output_field=MONEY_FIELD)

    return {
        "pagu": total("pagu"),
        **{f"kas{q}": total(f"kas_tw{q}") for q in QUARTERS},
        **{f"real{q}": total(f"real_tw{q}") for q in QUARTERS},
    }


# --- the §5 formulas, pure ------------------------------------------------------------------


def deviasi(kas: Decimal, real: Decimal) -> Decimal:
    """dev(j,q) = min(100, |R − K| ÷ K × 100); with K = 0, 0 when R = 0, else 100."""
    if kas == 0:
        return ZERO if real == 0 else HUNDRED
    with _exact():
        return min(HUNDRED, abs(real - kas) * 100 / kas)


def nilai_deviasi(mean: Decimal | None) -> Decimal | None:
    """100 when the mean deviation is at most 5, else max(0, 100 − mean)."""
    if mean is None:
        return None
    return HUNDRED if mean <= DEVIASI_TOLERANCE else max(ZERO, HUNDRED - mean)


def penyerapan_score(real_through: Decimal, pagu: Decimal, target: Decimal) -> Decimal:
    """score(j,q) = min(100, (Rc ÷ P × 100) ÷ target × 100); P and target above zero."""
    with _exact():
        return min(HUNDRED, (real_through * 100 / pagu) / target * 100)


def weights(flows: Mapping[str, Flow]) -> dict[str, Decimal] | None:
    """w(j) = P(j) ÷ Σ P over the scored jenis with a pagu; None when there is no scored pagu."""
    scored = {j: f.pagu for j, f in flows.items() if f.pagu > 0}
    total = sum(scored.values(), ZERO)
    if total == 0:
        return None
    with _exact():
        return {j: p / total for j, p in scored.items()}


def mean(values: Sequence[Decimal]) -> Decimal | None:
    if not values:
        return None
    with _exact():
        return sum(values, ZERO) / len(values)


@dataclass(frozen=True)
class JenisQuarter:
    """One jenis belanja in one quarter: what the OPD page shows beside the scores."""

    jenis_belanja: str
    triwulan: int
    kas: Decimal
    real: Decimal
    deviasi: Decimal
    serapan: Decimal | None  # cumulative realisasi ÷ pagu × 100
    target: Decimal
    score: Decimal | None


def quarter_details(
    flows: Mapping[str, Flow], targets: Sequence[Target], triwulan: int
) -> list[JenisQuarter]:
    out = []
    for t in targets:
        f = flows.get(t.jenis_belanja)
        if f is None:
            continue
        for q in range(1, triwulan + 1):
            rc = f.real_through(q)
            with _exact():
                serapan = rc * 100 / f.pagu if f.pagu else None
            out.append(
                JenisQuarter(
                    jenis_belanja=t.jenis_belanja,
                    triwulan=q,
                    kas=f.kas[q - 1],
                    real=f.real[q - 1],
                    deviasi=deviasi(f.kas[q - 1], f.real[q - 1]),
                    serapan=serapan,
                    target=t.target(q),
                    score=penyerapan_score(rc, f.pagu, t.target(q)) if f.pagu else None,
                )
            )
    return out


def scores(
    flows: Mapping[str, Flow], targets: Sequence[Target], triwulan: int
) -> tuple[list[Decimal], list[Decimal]]:
    """dev(q) and score(q) for q = 1..triwulan, weighted over the scored jenis; empty when
    the OPD has no scored pagu."""
    check_triwulan(triwulan)
    w = weights(flows)
    if w is None:
        return [], []
    by_jenis = {t.jenis_belanja: t for t in targets}
    devs, pens = [], []
    with _exact():
        for q in range(1, triwulan + 1):
            dev_q = pen_q = ZERO
            for j, wj in w.items():
                f = flows[j]
                dev_q += wj * deviasi(f.kas[q - 1], f.real[q - 1])
                pen_q += wj * penyerapan_score(f.real_through(q), f.pagu, by_jenis[j].target(q))
            devs.append(dev_q)
            pens.append(pen_q)
    return devs, pens


# --- the year-end forecast ------------------------------------------------------------------


@dataclass(frozen=True)
class Method:
    key: str
    label: Any
    description: Any


METHODS = (
    Method(
        "capaian",
        _("Capaian kas as final"),
        _("the year's serapan taken to equal the capaian anggaran kas to date (a naive rule)"),
    ),
    Method(
        "rencana",
        _("Remaining cash plan"),
        _("realisasi to date plus the rest of the cash plan, fully spent"),
    ),
    Method(
        "pola",
        _("Spending shape"),
        _(
            "realisasi to date divided by the median share of the year's realisasi spent by "
            "this quarter in past years"
        ),
    ),
    Method(
        "kejar",
        _("Catch-up"),
        _(
            "realisasi to date plus the remaining cash plan times the median share of it "
            "realised in past years"
        ),
    ),
    Method(
        "prakiraan",
        _("Serapan forecast"),
        _(
            "catch-up from the OPD's own past years weighed against the region's by how much "
            "OPDs differ and how much one OPD varies from year to year; the region's alone "
            "without them, else the remaining cash plan"
        ),
    ),
)
METHOD_BY_KEY = {m.key: m for m in METHODS}
# Where the product's forecast drew its history from.
BASIS_OPD, BASIS_REGION, BASIS_PLAN = "opd", "pemda", "rencana"


@dataclass(frozen=True)
class History:
    """How a group spent in closed past years, for each quarter q: the median share of the
    year's realisasi spent by q (`shape`), and the share of the then remaining cash plan
    realised by the year's end (`catch_up`: each year's, their median and mean)."""

    shape: tuple[Decimal | None, ...]
    catch_up: tuple[Decimal | None, ...]
    catch_up_years: tuple[tuple[Decimal, ...], ...]
    years: int

    @classmethod
    def of(cls, flows: Iterable[Flow]) -> History | None:
        shapes: list[list[Decimal]] = [[], [], []]
        catch: list[list[Decimal]] = [[], [], []]
        years = 0
        with _exact():
            for f in flows:
                if f.pagu <= 0:
                    continue
                years += 1
                total = f.real_through(4)
                for q in (1, 2, 3):
                    if total > 0:
                        shapes[q - 1].append(f.real_through(q) / total)
                    remaining = f.pagu - f.kas_through(q)
                    if remaining > 0:
                        catch[q - 1].append((total - f.real_through(q)) / remaining)
            if not years:
                return None
            return cls(
                shape=tuple(_median(v) for v in shapes),
                catch_up=tuple(_median(v) for v in catch),
                catch_up_years=tuple(tuple(v) for v in catch),
                years=years,
            )

    def catch_up_mean(self, triwulan: int) -> Decimal | None:
        return mean(self.catch_up_years[triwulan - 1])


# Below this the OPDs are taken not to differ (a variance of catch-up shares).
_NO_SPREAD = Decimal("1e-6")


@dataclass(frozen=True)
class Pooling:
    """How far the OPDs of a region differ from one another in their catch-up (`between`)
    and how far one OPD's catch-up varies from year to year (`within`), per quarter: what
    says how much an OPD's own few years are worth against the region's (empirical Bayes).
    None for a quarter where no OPD has two years to measure `within` on."""

    spread: tuple[tuple[Decimal, Decimal] | None, ...]

    @classmethod
    def of(cls, histories: Iterable[History]) -> Pooling:
        histories = list(histories)
        spread: list[tuple[Decimal, Decimal] | None] = []
        with _exact():
            for q in (1, 2, 3):
                groups = [h.catch_up_years[q - 1] for h in histories if h.catch_up_years[q - 1]]
                several = [g for g in groups if len(g) >= 2]
                if not several:
                    spread.append(None)
                    continue
                means = [sum(g, ZERO) / len(g) for g in groups]
                squares = ZERO
                for g in several:
                    centre = sum(g, ZERO) / len(g)
                    squares += sum(((x - centre) ** 2 for x in g), ZERO)
                within = squares / sum(len(g) - 1 for g in several)
                noise = sum((within / len(g) for g in groups), ZERO) / len(groups)
                between = max(_NO_SPREAD, statistics.pvariance(means) - noise)
                spread.append((within, between))
        return cls(spread=tuple(spread))

    def own_weight(self, triwulan: int, years: int) -> Decimal:
        """The weight of an OPD's own mean catch-up over `years` years (the region's median
        has the rest): between ÷ (between + within ÷ years); all of it when the region's
        spread is not known yet."""
        s = self.spread[triwulan - 1]
        if s is None or years <= 0:
            return Decimal(1) if years > 0 else ZERO
        within, between = s
        with _exact():
            return between / (between + within / years)


NO_POOLING = Pooling(spread=(None, None, None))


def _median(values: list[Decimal]) -> Decimal | None:
    if not values:
        return None
    with _exact():
        return statistics.median(values)


def _clamp(value: Decimal, flow: Flow, triwulan: int) -> Decimal:
    """Never below what is spent, never above the pagu."""
    return min(flow.pagu, max(flow.real_through(triwulan), value))


def _by_plan(flow: Flow, q: int, history: History | None) -> Decimal | None:
    return flow.real_through(q) + (flow.pagu - flow.kas_through(q))


def _by_capaian(flow: Flow, q: int, history: History | None) -> Decimal | None:
    kc = flow.kas_through(q)
    return flow.pagu * flow.real_through(q) / kc if kc else None


def _by_shape(flow: Flow, q: int, history: History | None) -> Decimal | None:
    share = history.shape[q - 1] if history else None
    return flow.real_through(q) / share if share else None


def _by_catch_up(flow: Flow, q: int, history: History | None) -> Decimal | None:
    c = history.catch_up[q - 1] if history else None
    if c is None:
        return None
    return flow.real_through(q) + (flow.pagu - flow.kas_through(q)) * c


_METHOD_RULES = {
    "rencana": _by_plan,
    "capaian": _by_capaian,
    "pola": _by_shape,
    "kejar": _by_catch_up,
}


def method_forecast(key: str, flow: Flow, triwulan: int, history: History | None) -> Decimal | None:
    """The year's realisasi by one method (not the product's blend, `forecast`), from what is
    known through `triwulan`, never below what is spent nor above the pagu; None when the
    method has nothing to go on. Through TW IV every method gives the realisasi."""
    check_triwulan(triwulan)
    if flow.pagu <= 0:
        return None
    if triwulan == 4:
        return min(flow.pagu, flow.real_through(4))
    with _exact():
        value = _METHOD_RULES[key](flow, triwulan, history)
    return None if value is None else _clamp(value, flow, triwulan)


@dataclass(frozen=True)
class Forecast:
    realisasi: Decimal | None  # exact; rounded to the sen in the contract
    basis: str | None  # BASIS_OPD, BASIS_REGION or BASIS_PLAN; None when undefined
    pagu: Decimal
    # The share of the remaining cash plan the forecast expects to be realised (1 for the
    # cash plan rule): what draws its path quarter by quarter.
    share: Decimal | None = None

    def path(self, flow: Flow, triwulan: int) -> list[tuple[int, Decimal]]:
        """Cumulative realisasi from `triwulan` to TW IV as forecast: what is spent, then
        the rest of the cash plan at the forecast's share, ending at the forecast. Empty
        through TW IV or when undefined."""
        if self.realisasi is None or triwulan >= 4:
            return []
        share = self.share if self.share is not None else Decimal(1)
        spent, planned = flow.real_through(triwulan), flow.kas_through(triwulan)
        points = [(triwulan, spent)]
        with _exact():
            for q in range(triwulan + 1, 4):
                value = spent + (flow.kas_through(q) - planned) * share
                points.append((q, min(self.realisasi, max(spent, value))))
        points.append((4, self.realisasi))
        return points

    @property
    def serapan(self) -> Decimal | None:
        if self.realisasi is None or not self.pagu:
            return None
        with _exact():
            return self.realisasi * 100 / self.pagu


def forecast(
    flow: Flow,
    triwulan: int,
    *,
    own: History | None,
    region: History | None,
    pooling: Pooling = NO_POOLING,
) -> Forecast:
    """The product's forecast, by catch-up: realisasi to date plus the remaining cash plan
    times the share of it the OPD will realise, estimated from its own past years (their
    mean) and the region's (the median over every OPD-year), weighed by how far the region's
    OPDs differ from one another against how much one OPD varies from year to year
    (`Pooling`); the region's alone for an OPD without history, the remaining cash plan when
    the region has none either; undefined without a belanja pagu. Backtested (`backtest`)
    beside the simpler methods."""
    if flow.pagu <= 0:
        return Forecast(None, None, flow.pagu)
    if triwulan == 4:
        return Forecast(min(flow.pagu, flow.real_through(4)), BASIS_OPD, flow.pagu)
    mine = own.catch_up_mean(triwulan) if own else None
    theirs = region.catch_up[triwulan - 1] if region else None
    if mine is None and theirs is None:
        plan = method_forecast("rencana", flow, triwulan, None)
        return Forecast(plan, BASIS_PLAN, flow.pagu, share=Decimal(1))
    share: Decimal
    with _exact():
        if own is not None and mine is not None and theirs is not None:
            w = pooling.own_weight(triwulan, len(own.catch_up_years[triwulan - 1]))
            share, basis = w * mine + (1 - w) * theirs, BASIS_OPD
        elif mine is not None:
            share, basis = mine, BASIS_OPD
        else:
            share, basis = theirs or ZERO, BASIS_REGION  # theirs is set: not both are None
        remaining = flow.pagu - flow.kas_through(triwulan)
        value = flow.real_through(triwulan) + remaining * share
    return Forecast(_clamp(value, flow, triwulan), basis, flow.pagu, share=share)


def kebutuhan_per_triwulan(flow: Flow, triwulan: int) -> Decimal | None:
    """What is still to be realised in each remaining quarter to reach SERAPAN_GOAL of the
    pagu by the year's end (0 when already there); None through TW IV or without a pagu."""
    if triwulan >= 4 or flow.pagu <= 0:
        return None
    with _exact():
        gap = flow.pagu * SERAPAN_GOAL / 100 - flow.real_through(triwulan)
        return max(ZERO, gap / (4 - triwulan)).quantize(CENT, rounding=ROUND_HALF_UP)


# --- timeliness and revisions ---------------------------------------------------------------


def quarter_end(tahun: int, triwulan: int) -> date:
    check_triwulan(triwulan)
    if triwulan == 4:
        return date(tahun, 12, 31)
    return date(tahun, 3 * triwulan + 1, 1) - timedelta(days=1)


def report_deadline(tahun: int, triwulan: int, days: int) -> datetime:
    """The end of the last day on which a quarter's report is on time, in the region's time
    zone (the project's)."""
    tz = ZoneInfo(settings.TIME_ZONE)
    last_day = quarter_end(tahun, triwulan) + timedelta(days=days)
    return datetime.combine(last_day + timedelta(days=1), time.min, tzinfo=tz)


@dataclass(frozen=True)
class Timeliness:
    on_time: int
    due: int  # quarters whose report was submitted or whose deadline has passed
    late: tuple[int, ...]  # quarters submitted late or not at all by their deadline

    @property
    def nilai(self) -> Decimal | None:
        if not self.due:
            return None
        with _exact():
            return Decimal(self.on_time) * 100 / self.due


def timeliness(
    first_submitted: Mapping[int, datetime | None],
    *,
    tahun: int,
    triwulan: int,
    days: int,
    now: datetime,
) -> Timeliness:
    on_time = due = 0
    late = []
    for q in range(1, triwulan + 1):
        deadline = report_deadline(tahun, q, days)
        first = first_submitted.get(q)
        if first is not None and first < deadline:
            on_time += 1
            due += 1
        elif first is not None or now >= deadline:
            due += 1
            late.append(q)
    return Timeliness(on_time=on_time, due=due, late=tuple(late))


def semester_of(day: date, tahun: int) -> int:
    """A change dated before the year falls in its first semester, after it in its second."""
    if day.year < tahun or (day.year == tahun and day.month <= 6):
        return 1
    return 2


@dataclass(frozen=True)
class Revisions:
    """Changes of an OPD's DPA for the year after its first (the DPA murni): each import or
    admin change that touched its lines counts once, dated by the day of its events;
    `lines_touched` adds up the lines each touched (a line revised twice counts twice)."""

    per_semester: tuple[int, int]
    lines_touched: int

    def nilai(self, triwulan: int) -> Decimal:
        semesters = (1,) if triwulan <= 2 else (1, 2)
        parts = []
        with _exact():
            for s in semesters:
                n = self.per_semester[s - 1]
                parts.append(HUNDRED if n <= OPTIMAL_REVISIONS else HUNDRED * OPTIMAL_REVISIONS / n)
            return sum(parts, ZERO) / len(parts)

    @property
    def total(self) -> int:
        return sum(self.per_semester)


NO_REVISIONS = Revisions((0, 0), 0)


def revisions_by_opd(*, region: Region, tahun: int) -> dict[int, Revisions]:
    """One query over the DPA change sets (`budget.models.DpaChangeSet`, kept off the lines'
    history by triggers): per OPD, its change sets (a context: one import, one admin save) in
    the order of their first event, with the day of their earliest one and the lines they
    touched."""
    rows = (
        DpaChangeSet.objects.filter(region_id=region.pk, tahun=tahun)
        .values("opd_id", "lines", day=TruncDate("first_at"))
        .order_by("opd_id", "first_event")  # the events' own sequence: in order within a day
    )
    sets: dict[int, list[tuple[date, int]]] = defaultdict(list)
    for row in rows:
        sets[row["opd_id"]].append((row["day"], row["lines"]))
    out = {}
    for opd_id, changes in sets.items():
        later = changes[1:]  # the first change set is the DPA murni
        per = [0, 0]
        for day, _lines in later:
            per[semester_of(day, tahun) - 1] += 1
        out[opd_id] = Revisions((per[0], per[1]), sum(lines for _d, lines in later))
    return out


# --- the composite --------------------------------------------------------------------------


@dataclass(frozen=True)
class Component:
    key: str  # the row attribute holding the component's score
    label: Any
    weight_field: str  # Region's field


COMPONENTS = (
    Component("nilai_deviasi_kas", _("Cash plan deviation"), "bobot_deviasi_kas"),
    Component("nilai_penyerapan", _("Absorption against target"), "bobot_penyerapan"),
    Component("nilai_ketepatan", _("Timely reports"), "bobot_ketepatan"),
    Component("nilai_revisi", _("DPA revisions"), "bobot_revisi"),
    Component("nilai_fisik", _("Physical progress"), "bobot_fisik"),
)


def composite(values: Mapping[str, Decimal | None], region: Region) -> Decimal | None:
    """The weighted mean of the defined components, weights renormalised over them."""
    num = den = ZERO
    with _exact():
        for c in COMPONENTS:
            value = values.get(c.key)
            weight = Decimal(getattr(region, c.weight_field))
            if value is None or weight == 0:
                continue
            num += weight * value
            den += weight
        return num / den if den else None


# --- one region, one quarter ----------------------------------------------------------------


@dataclass
class KinerjaRow:
    opd_id: int
    kode: str
    nama: str
    triwulan: int
    belanja: Flow  # all belanja of the OPD
    jenis: dict[str, Flow]  # the scored jenis belanja
    dev_by_quarter: list[Decimal]
    score_by_quarter: list[Decimal]
    forecast: Forecast
    timeliness: Timeliness | None
    revisions: Revisions
    kendala: list[str] = field(default_factory=list)
    fisik: FisikProgress | None = None  # physical progress (budget.fisik), None: not reported
    nilai_kinerja: Decimal | None = None
    kategori_kinerja: Band | None = None
    peringatan: Band | None = None
    targets: tuple[Target, ...] = ()  # the region's, for the details by jenis and quarter

    @property
    def deviasi_kas_persen(self) -> Decimal | None:
        return mean(self.dev_by_quarter)

    @property
    def nilai_deviasi_kas(self) -> Decimal | None:
        return nilai_deviasi(self.deviasi_kas_persen)

    @property
    def nilai_penyerapan(self) -> Decimal | None:
        return mean(self.score_by_quarter)

    @property
    def nilai_ketepatan(self) -> Decimal | None:
        return self.timeliness.nilai if self.timeliness else None

    @property
    def nilai_revisi(self) -> Decimal | None:
        # Revisions are scored for an OPD with a belanja budget to revise.
        return self.revisions.nilai(self.triwulan) if self.belanja.pagu > 0 else None

    @property
    def fisik_persen(self) -> Decimal | None:
        """The pagu-weighted physical progress of the OPD's sub kegiatan through the quarter."""
        return self.fisik.at(self.triwulan) if self.fisik else None

    @property
    def fisik_reported(self) -> int:
        """How many of its sub kegiatan had reported physical progress by the quarter."""
        return self.fisik.reported_at(self.triwulan) if self.fisik else 0

    @property
    def rencana_fisik(self) -> Decimal | None:
        """The physical progress the cash plan implies: kas kumulatif ÷ pagu × 100."""
        return rencana_fisik(self.kas_kumulatif, self.belanja.pagu)

    @property
    def nilai_fisik(self) -> Decimal | None:
        return fisik_score(self.fisik_persen, self.rencana_fisik)

    @property
    def selisih_fisik(self) -> Decimal | None:
        """Financial minus physical progress, in points (positive: money ahead of the work)."""
        if self.serapan is None or self.fisik_persen is None:
            return None
        return self.serapan - self.fisik_persen

    @property
    def fisik_flag(self) -> str | None:
        return gap_flag(self.serapan, self.fisik_persen)

    @property
    def fisik_flag_label(self) -> str:
        return str(GAP_LABELS[self.fisik_flag]) if self.fisik_flag else ""

    @property
    def realisasi_kumulatif(self) -> Decimal:
        return self.belanja.real_through(self.triwulan)

    @property
    def kas_kumulatif(self) -> Decimal:
        return self.belanja.kas_through(self.triwulan)

    @property
    def serapan(self) -> Decimal | None:
        if not self.belanja.pagu:
            return None
        with _exact():
            return self.realisasi_kumulatif * 100 / self.belanja.pagu

    @property
    def capaian_kas(self) -> Decimal | None:
        if not self.kas_kumulatif:
            return None
        with _exact():
            return self.realisasi_kumulatif * 100 / self.kas_kumulatif

    @property
    def kebutuhan_per_triwulan(self) -> Decimal | None:
        return kebutuhan_per_triwulan(self.belanja, self.triwulan)

    @property
    def prakiraan_realisasi(self) -> Decimal | None:
        return self.forecast.realisasi

    @property
    def prakiraan_serapan_persen(self) -> Decimal | None:
        return self.forecast.serapan

    def quarter_details(self) -> list[JenisQuarter]:
        """Each scored jenis in each quarter through this one: deviation, serapan, target."""
        return quarter_details(self.jenis, self.targets, self.triwulan)

    def components(self) -> dict[str, Decimal | None]:
        return {c.key: getattr(self, c.key) for c in COMPONENTS}

    def as_contract_dict(self) -> dict[str, Any]:
        """The row of `kinerja_report --format json` and /api/v1/kinerja/: DESIGN §4's keys
        first, then this product's."""
        f = self.forecast
        return {
            "kode": self.kode,
            "nama": self.nama,
            "deviasi_kas_persen": _number(self.deviasi_kas_persen),
            "nilai_deviasi_kas": _number(self.nilai_deviasi_kas),
            "nilai_penyerapan": _number(self.nilai_penyerapan),
            "prakiraan_realisasi": _money(f.realisasi),
            "prakiraan_serapan_persen": _number(f.serapan),
            "peringatan": self.peringatan.label if self.peringatan else None,
            "nilai_kinerja": _number(self.nilai_kinerja),
            "kategori_kinerja": self.kategori_kinerja.label if self.kategori_kinerja else None,
            # Beyond the contract:
            "pagu": _money(self.belanja.pagu),
            "kas_kumulatif": _money(self.kas_kumulatif),
            "realisasi_kumulatif": _money(self.realisasi_kumulatif),
            "serapan_persen": _number(self.serapan),
            "capaian_kas_persen": _number(self.capaian_kas),
            "kebutuhan_per_triwulan": _money(self.kebutuhan_per_triwulan),
            "dasar_prakiraan": f.basis,
            "nilai_ketepatan": _number(self.nilai_ketepatan),
            "nilai_revisi": _number(self.nilai_revisi),
            "jumlah_revisi": self.revisions.total,
            "revisi_per_semester": list(self.revisions.per_semester),
            "baris_direvisi": self.revisions.lines_touched,
            "nilai_fisik": _number(self.nilai_fisik),
            "fisik_persen": _number(self.fisik_persen),
            "rencana_fisik_persen": _number(self.rencana_fisik),
            "selisih_fisik": _number(self.selisih_fisik),
            "peringatan_fisik": self.fisik_flag,
            "fisik_sub_kegiatan_dilaporkan": self.fisik_reported,
            "fisik_sub_kegiatan_total": self.fisik.n_sub if self.fisik else 0,
            "kendala": list(self.kendala),
        }


@dataclass(frozen=True)
class Column:
    """A figure of a row as the text table, the CSV and the pages show it."""

    key: str  # attribute of KinerjaRow, key of the contract
    label: Any
    kind: str  # text, persen (a percentage), nilai (a score), money, band, count


COLUMNS = (
    Column("kode", _("Code"), "text"),
    Column("nama", _("Name"), "text"),
    Column("serapan", _("Absorption"), "persen"),
    Column("capaian_kas", _("Plan achievement"), "persen"),
    Column("deviasi_kas_persen", _("Cash plan deviation"), "persen"),
    Column("nilai_deviasi_kas", _("Deviation score"), "nilai"),
    Column("nilai_penyerapan", _("Target absorption score"), "nilai"),
    Column("prakiraan_realisasi", _("Forecast realisasi"), "money"),
    Column("prakiraan_serapan_persen", _("Forecast absorption"), "persen"),
    Column("peringatan", _("Warning"), "band"),
    Column("kebutuhan_per_triwulan", _("Needed per quarter"), "money"),
    Column("nilai_ketepatan", _("Timeliness score"), "nilai"),
    Column("nilai_revisi", _("Revisions score"), "nilai"),
    Column("fisik_persen", _("Physical progress"), "persen"),
    Column("nilai_fisik", _("Physical progress score"), "nilai"),
    Column("fisik_flag_label", _("Money against work"), "text"),
    Column("nilai_kinerja", _("Performance score"), "nilai"),
    Column("kategori_kinerja", _("Performance category"), "band"),
)

CONTRACT_KEYS = (
    "kode",
    "nama",
    "deviasi_kas_persen",
    "nilai_deviasi_kas",
    "nilai_penyerapan",
    "prakiraan_realisasi",
    "prakiraan_serapan_persen",
    "peringatan",
    "nilai_kinerja",
    "kategori_kinerja",
)


def _number(value: Decimal | None) -> float | None:
    rounded = round2(value)
    return None if rounded is None else float(rounded)


def _money(value: Decimal | None) -> str | None:
    if value is None:
        return None
    return str(value.quantize(CENT, rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class RegionFlows:
    """What one query of the roll-ups gives: the belanja of every OPD in every year up to the
    one asked for, and which years are closed (realisasi through TW IV)."""

    opds: dict[int, tuple[str, str]]  # id -> (kode, nama)
    by_year: dict[int, dict[int, Flow]]  # tahun -> opd id -> belanja
    closed: frozenset[int]

    def history(self, opd_id: int, before: int) -> History | None:
        return History.of(
            flows[opd_id]
            for tahun, flows in self.by_year.items()
            if tahun < before and tahun in self.closed and opd_id in flows
        )

    def histories(self, before: int) -> dict[int, History]:
        """Every OPD's history of the closed years before `before`."""
        out = {}
        for opd_id in self.opds:
            h = self.history(opd_id, before)
            if h is not None:
                out[opd_id] = h
        return out

    def region_history(self, before: int) -> History | None:
        return History.of(
            f
            for tahun, flows in self.by_year.items()
            if tahun < before and tahun in self.closed
            for f in flows.values()
        )


def opd_units(*, region: Region) -> dict[str, str]:
    """The region's OPD code mappings (`OpdMapping`), each old code to the code its unit has
    now, chains followed (A → B → C gives A → C). One query."""
    pairs = dict(OpdMapping.objects.filter(region=region).values_list("kode_lama", "kode_baru"))
    resolved = {}
    for lama in pairs:
        seen, kode = {lama}, pairs[lama]
        while kode in pairs and kode not in seen:  # a loop stops where it closes
            seen.add(kode)
            kode = pairs[kode]
        resolved[lama] = kode
    return resolved


def _unit_kode(units: Mapping[str, str]) -> Any:
    if not units:
        return F("opd__kode")
    return Case(
        *(When(opd__kode=lama, then=Value(baru)) for lama, baru in sorted(units.items())),
        default=F("opd__kode"),
    )


def region_flows(*, region: Region, tahun: int) -> RegionFlows:
    """The belanja of every OPD of the region per year through `tahun`, from the roll-ups
    (an OPD with only revenue or financing lines has a belanja of zero). An OPD whose code
    changed (`OpdMapping`) is one unit over the years, under its latest OPD. Two queries."""
    units = opd_units(region=region)
    rows = (
        Rollup.objects.filter(region=region, tahun__lte=tahun)
        .values("tahun", unit=_unit_kode(units))
        .annotate(
            **_flow_sums(Q(jenis=Jenis.BELANJA.value)),
            n4=Sum("nreal_tw4"),
            opd_ref=Max("opd_id"),
            nama=Max("opd__nama"),
        )
        .order_by("tahun")
    )
    latest: dict[str, tuple[int, str]] = {}  # unit code -> its latest year's OPD and name
    flows_by_unit: dict[int, dict[str, Flow]] = defaultdict(dict)
    reported4: dict[int, int] = defaultdict(int)
    for row in rows:  # in order of year: the latest year's OPD is the unit's
        latest[row["unit"]] = (row["opd_ref"], row["nama"])
        flows_by_unit[row["tahun"]][row["unit"]] = Flow.from_row(row)
        reported4[row["tahun"]] += row["n4"]
    opds = {ref: (kode, nama) for kode, (ref, nama) in latest.items()}
    by_year = {
        y: {latest[kode][0]: f for kode, f in flows.items()} for y, flows in flows_by_unit.items()
    }
    closed = frozenset(y for y, n in reported4.items() if n > 0)
    return RegionFlows(opds=opds, by_year=by_year, closed=closed)


def jenis_flows(
    *, region: Region, tahun: int, targets: Sequence[Target], opd_id: int | None = None
) -> dict[int, dict[str, Flow]]:
    """Per OPD, the flows of each scored jenis belanja in `tahun` (one query): the pagu and
    realisasi as they are, and each quarter's cash plan as the DPA in force on the quarter's
    first day planned it (budget.versions: a DPPA of September moves TW IV's yardstick, not
    TW III's). A year without DPA versions reads the plan in force now."""
    case = jenis_belanja_case(targets)
    belanja = Jenis.BELANJA.value
    lines = Rollup.objects.filter(region=region, tahun=tahun, jenis=belanja)
    planned = versions.rollups_at_quarter_starts(region_id=region.pk, tahun=tahun).filter(
        jenis=belanja
    )
    if opd_id is not None:
        lines = lines.filter(opd_id=opd_id)
        planned = planned.filter(opd_id=opd_id)
    versioned = Exists(DpaVersion.objects.filter(region=region, tahun=tahun))
    now = (
        lines.annotate(jb=case)
        .exclude(jb="")
        .values("opd_id", "jb")
        .annotate(**_flow_sums(), versioned=versioned, from_version=Value(False))
        .order_by()
    )
    money_zero = Value(ZERO, output_field=MONEY_FIELD)
    at_start = (
        planned.annotate(jb=case)
        .exclude(jb="")
        .values("opd_id", "jb")
        .annotate(
            pagu=money_zero,
            **versions.plan_at_quarter_start_sums(region_id=region.pk, tahun=tahun),
            **{f"real{q}": money_zero for q in QUARTERS},
            versioned=Value(True),
            from_version=Value(True),
        )
        .order_by()
    )
    current: dict[int, dict[str, dict[str, Any]]] = defaultdict(dict)
    plan: dict[tuple[int, str], tuple[Decimal, ...]] = {}
    rows: Iterable[Any] = now.union(at_start, all=True)
    for row in rows:
        if row["from_version"]:
            plan[row["opd_id"], row["jb"]] = tuple(row[f"kas{q}"] for q in QUARTERS)
        else:
            current[row["opd_id"]][row["jb"]] = row
    out: dict[int, dict[str, Flow]] = defaultdict(dict)
    for ref, by_jb in current.items():
        for jb, row in by_jb.items():
            flow = Flow.from_row(row)
            if row["versioned"]:  # a group new since a quarter began had no plan for it then
                flow = replace(flow, kas=plan.get((ref, jb), (ZERO,) * len(QUARTERS)))
            out[ref][jb] = flow
    return out


@dataclass(frozen=True)
class KinerjaReport:
    tahun: int
    triwulan: int
    rows: list[KinerjaRow]
    targets: tuple[Target, ...]
    bands: Bands
    flows: RegionFlows  # every year's belanja through `tahun`: the backtest reads it too

    def backtest(self) -> Backtest:
        """How the forecast did in the region's closed years before this one."""
        return backtest(self.flows, before=self.tahun)

    def by_warning(self) -> list[KinerjaRow]:
        """Red first, then yellow, green and undefined; the lowest forecast first within."""

        def key(row: KinerjaRow) -> tuple:
            if row.peringatan is None:
                return (1, 0, ZERO, row.kode)
            return (0, -row.peringatan.rank, row.forecast.serapan or ZERO, row.kode)

        return sorted(self.rows, key=key)

    def as_contract_dict(self) -> dict[str, Any]:
        return {
            "tahun": self.tahun,
            "triwulan": self.triwulan,
            "rows": [row.as_contract_dict() for row in self.rows],
        }


def kinerja(
    *,
    region: Region,
    tahun: int,
    triwulan: int,
    opd: Any = None,
    bands: Bands | None = None,
    now: datetime | None = None,
) -> KinerjaReport:
    """The early-warning measures of every OPD of the region (or one) through a quarter, in
    order of OPD code. Eight queries (seven with `bands` given), whatever the region's size:
    the physical progress is one of them (budget.fisik)."""
    check_triwulan(triwulan)
    now = now or timezone.now()
    bands = bands if bands is not None else bands_for(region_id=region.pk)
    targets = targets_for(region_id=region.pk)
    flows = region_flows(region=region, tahun=tahun)
    opd_id = getattr(opd, "pk", opd)
    by_jenis = jenis_flows(region=region, tahun=tahun, targets=targets, opd_id=opd_id)
    reports = QuarterReport.objects.filter(region=region, tahun=tahun, triwulan__lte=triwulan)
    if opd_id is not None:
        reports = reports.filter(opd_id=opd_id)
    first: dict[int, dict[int, datetime | None]] = defaultdict(dict)
    kendala: dict[int, list[str]] = {}
    tracked = False
    for opd_ref, q, at, obstacles in reports.values_list(
        "opd_id", "triwulan", "first_submitted_at", "kendala"
    ):
        tracked = tracked or at is not None
        first[opd_ref][q] = at
        if q == triwulan:
            kendala[opd_ref] = obstacles
    revisions = revisions_by_opd(region=region, tahun=tahun)
    physical = fisik_by_opd(region_id=region.pk, tahun=tahun, triwulan=triwulan, opd_id=opd_id)
    own_year = flows.by_year.get(tahun, {})
    region_history = flows.region_history(tahun)
    histories = flows.histories(tahun)
    pooling = Pooling.of(histories.values())
    rows = []
    for ref, belanja in own_year.items():
        if opd_id is not None and ref != opd_id:
            continue
        jenis = by_jenis.get(ref, {})
        devs, pens = scores(jenis, targets, triwulan)
        kode, nama = flows.opds[ref]
        row = KinerjaRow(
            opd_id=ref,
            kode=kode,
            nama=nama,
            triwulan=triwulan,
            belanja=belanja,
            jenis=jenis,
            dev_by_quarter=devs,
            score_by_quarter=pens,
            forecast=forecast(
                belanja, triwulan, own=histories.get(ref), region=region_history, pooling=pooling
            ),
            # A region where no quarterly report of the year was ever submitted (BPKAD imports
            # the realisasi itself) is not scored on them.
            timeliness=(
                timeliness(
                    first.get(ref, {}),
                    tahun=tahun,
                    triwulan=triwulan,
                    days=region.batas_laporan_hari,
                    now=now,
                )
                if tracked
                else None
            ),
            revisions=revisions.get(ref, NO_REVISIONS),
            kendala=list(kendala.get(ref, [])),
            targets=targets,
            fisik=physical.get(ref),
        )
        row.nilai_kinerja = composite(row.components(), region)
        row.kategori_kinerja = categorize(row.nilai_kinerja, bands[KINERJA])
        row.peringatan = categorize(row.forecast.serapan, bands[PERINGATAN])
        rows.append(row)
    rows.sort(key=lambda r: r.kode)
    return KinerjaReport(
        tahun=tahun, triwulan=triwulan, rows=rows, targets=targets, bands=bands, flows=flows
    )


# --- backtest -------------------------------------------------------------------------------

BACKTEST_METHODS = ("capaian", "rencana", "pola", "kejar", "prakiraan")
BACKTEST_QUARTERS = (1, 2, 3)


@dataclass(frozen=True)
class BacktestCell:
    method: str
    triwulan: int
    n: int  # OPD-years forecast
    mae: Decimal | None  # mean absolute error, percentage points of serapan


@dataclass(frozen=True)
class Backtest:
    """How far each method's forecast made at TW I, II and III fell from the actual TW IV
    serapan, over every closed year of the region after its first and every OPD with a
    belanja pagu that year; each year forecast only from the closed years before it."""

    years: tuple[int, ...]
    cells: dict[tuple[str, int], BacktestCell]

    def cell(self, method: str, triwulan: int) -> BacktestCell:
        return self.cells[method, triwulan]

    def rows(self) -> list[tuple[Method, list[BacktestCell]]]:
        return [
            (METHOD_BY_KEY[m], [self.cells[m, q] for q in BACKTEST_QUARTERS])
            for m in BACKTEST_METHODS
        ]

    def as_dict(self) -> dict[str, Any]:
        return {
            "tahun": list(self.years),
            "metode": [
                {
                    "kode": m.key,
                    "nama": str(m.label),
                    "galat": {
                        f"tw{c.triwulan}": {"n": c.n, "mae_persen": _number(c.mae)} for c in cells
                    },
                }
                for m, cells in self.rows()
            ],
        }


def backtest(flows: RegionFlows, *, before: int | None = None) -> Backtest:
    """The backtest of every closed year (before `before`, when given) of `flows`."""
    errors: dict[tuple[str, int], list[Decimal]] = {
        (m, q): [] for m in BACKTEST_METHODS for q in BACKTEST_QUARTERS
    }
    # A year is backtested when an earlier closed year can teach the methods that learn.
    closed = sorted(y for y in flows.closed if before is None or y < before)
    years = tuple(closed[1:])
    with _exact():
        for tahun in years:
            region_history = flows.region_history(tahun)
            histories = flows.histories(tahun)
            pooling = Pooling.of(histories.values())
            for opd_id, flow in flows.by_year[tahun].items():
                if flow.pagu <= 0:
                    continue
                actual = flow.real_through(4) * 100 / flow.pagu
                own = histories.get(opd_id)
                for q in BACKTEST_QUARTERS:
                    values = {
                        m: method_forecast(m, flow, q, own or region_history)
                        for m in ("capaian", "rencana", "pola", "kejar")
                    }
                    values["prakiraan"] = forecast(
                        flow, q, own=own, region=region_history, pooling=pooling
                    ).realisasi
                    for m, v in values.items():
                        if v is not None:
                            errors[m, q].append(abs(v * 100 / flow.pagu - actual))
    return Backtest(
        years=years,
        cells={
            key: BacktestCell(key[0], key[1], len(errs), mean(errs)) for key, errs in errors.items()
        },
    )


# --- nilai kinerja as a measure of the ranking ----------------------------------------------

# Not a ratio of the registry's amounts (budget.measures): its values come from `kinerja`, and
# the ranking carries them as it carries the registry's (`opd_ranking(extra=...)`).
KINERJA_MEASURE = Measure(
    "nilai_kinerja",
    label=_("Performance score"),
    column=_("Performance score"),
    numerator="",
    denominator="",
    explanation=_("deviation, target absorption, timely reports and revisions weighed together"),
    bands=KINERJA,
    rankable=True,
    category="kategori_kinerja",
    category_column=_("Performance category"),
    is_score=True,
)


class KinerjaValues(dict):
    """OPD code -> nilai kinerja as a MeasureValue; an OPD not in it reads as undefined. The
    band's rank is the palette's (1 best … 5 worst), so that the four categories colour like
    the five of Kepmendagri's table."""

    def __missing__(self, kode: str) -> MeasureValue:
        return MeasureValue(measure=KINERJA_MEASURE, ratio=None, band=None)


def palette_rank(rank: int, of: int) -> int:
    """A band's rank among `of` as the palette's five (1 best … 5 worst): the three warning
    colours come out as 1, 3 and 5, the four kinerja categories as 1, 2, 4 and 5."""
    return 1 if of <= 1 else 1 + round((rank - 1) * 4 / (of - 1))


def kinerja_values(report: KinerjaReport) -> KinerjaValues:
    n = len(report.bands[KINERJA])
    values = KinerjaValues()
    for row in report.rows:
        band = row.kategori_kinerja
        if band is not None:
            band = replace(band, rank=palette_rank(band.rank, n))
        values[row.kode] = MeasureValue(measure=KINERJA_MEASURE, ratio=row.nilai_kinerja, band=band)
    return values


def opd_ranking_by(
    *,
    region: Region,
    tahun: int,
    triwulan: int,
    measure: Measure,
    bands: Bands,
    reported: Any = None,
    current: KinerjaReport | None = None,
) -> tuple[list[Any], list[Any]]:
    """`budget.selectors.opd_ranking` by any rankable measure, nilai kinerja included: its
    values for the quarter (`current`, when already computed) and the one before, for the
    movement."""
    from budget.selectors import opd_ranking

    extra = None
    if measure.key == KINERJA_MEASURE.key:
        cache: dict[int, KinerjaValues] = {}
        if current is not None:
            cache[current.triwulan] = kinerja_values(current)

        def extra(q: int) -> KinerjaValues:
            if q not in cache:
                cache[q] = kinerja_values(
                    kinerja(region=region, tahun=tahun, triwulan=q, bands=bands)
                )
            return cache[q]

    return opd_ranking(
        region=region,
        tahun=tahun,
        triwulan=triwulan,
        measure=measure.key,
        bands=bands,
        reported=reported,
        extra=extra,
    )


# --- trends across years --------------------------------------------------------------------

TREND_MEASURES = (
    ("serapan", _("Absorption at TW IV")),
    ("capaian_rata", _("Mean quarterly plan achievement")),
    ("porsi_tw4", _("TW IV share of the year's spending")),
)


@dataclass(frozen=True)
class TrendPoint:
    """One year of a group's belanja: serapan at the year's end, the mean of the four
    quarters' capaian anggaran kas (each quarter's realisasi against its own cash plan, as
    the Kerinci study averages them; a quarter without a plan left out), and the share of
    the year's realisasi spent in TW IV (back-loading). Undefined (None) for a year not
    closed."""

    tahun: int
    serapan: Decimal | None
    capaian_rata: Decimal | None
    porsi_tw4: Decimal | None

    @classmethod
    def of(cls, tahun: int, flow: Flow, closed: bool) -> TrendPoint:
        if not closed:
            return cls(tahun, None, None, None)
        with _exact():
            total = flow.real_through(4)
            capaian = [r * 100 / k for k, r in zip(flow.kas, flow.real, strict=True) if k]
            return cls(
                tahun=tahun,
                serapan=total * 100 / flow.pagu if flow.pagu else None,
                capaian_rata=mean(capaian),
                porsi_tw4=flow.real[3] * 100 / total if total else None,
            )

    def value(self, key: str) -> Decimal | None:
        return getattr(self, key)


@dataclass(frozen=True)
class TrendRow:
    kode: str
    nama: str
    points: dict[int, TrendPoint]

    def value(self, key: str, tahun: int) -> Decimal | None:
        point = self.points.get(tahun)
        return point.value(key) if point else None


@dataclass(frozen=True)
class Trends:
    years: tuple[int, ...]  # closed years, oldest first
    region: TrendRow
    opds: list[TrendRow]


def trends(*, region: Region, tahun: int) -> Trends:
    """The region's and each OPD's belanja trend over the closed years through `tahun`,
    OPDs whose code changed (`OpdMapping`) followed as one. Three queries."""
    flows = region_flows(region=region, tahun=tahun)
    totals = (
        Rollup.objects.filter(region=region, tahun__lte=tahun, jenis=Jenis.BELANJA.value)
        .values("tahun")
        .annotate(**_flow_sums())
        .order_by("tahun")
    )
    years = tuple(sorted(flows.closed))
    region_row = TrendRow(
        kode="",
        nama=region.nama,
        points={
            row["tahun"]: TrendPoint.of(row["tahun"], Flow.from_row(row), True)
            for row in totals
            if row["tahun"] in flows.closed
        },
    )
    rows = []
    for ref, (kode, nama) in flows.opds.items():
        points = {
            y: TrendPoint.of(y, flows.by_year[y][ref], True)
            for y in years
            if ref in flows.by_year.get(y, {}) and flows.by_year[y][ref].pagu > 0
        }
        if points:
            rows.append(TrendRow(kode=kode, nama=nama, points=points))
    rows.sort(key=lambda r: r.kode)
    return Trends(years=years, region=region_row, opds=rows)
