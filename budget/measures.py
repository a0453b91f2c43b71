"""The measure registry: every amount and every ratio of the roll-ups declared once.

An *amount* is a sum over DPA lines (pagu, cash plan, realisasi …), or a difference of two
sums (sisa). A *measure* is a ratio of two amounts with its label, its band table, the jenis
it applies to, whether OPDs can be ranked by it and how it is shown. The selectors compute
every amount and measure of this registry for every group; tables, charts, forms, the
ranking, reports, the API and the commands iterate the registry, so that a new measure is
one entry here.

Sums are computed by PostgreSQL. Ratios are divided in Python with 50 significant digits from
those exact sums, so that a category boundary (90, 80, 60, 100) is never crossed by a
rounding of the database's numeric division; they are rounded only for display.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal, localcontext
from typing import TYPE_CHECKING, Any

from django.db.models import (
    DecimalField,
    ExpressionWrapper,
    F,
    FilteredRelation,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.expressions import Combinable
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from budget.codes import Jenis
from budget.criteria import EFEKTIVITAS, EFISIENSI, Band, Bands, categorize
from budget.models import Realisasi
from budget.money import MONEY, ZERO, format_number, format_percent
from budget.quarters import QUARTERS, check_triwulan

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

MONEY_FIELD = DecimalField(**MONEY)

__all__ = [
    "AMOUNTS",
    "MEASURES",
    "QUARTERS",
    "ZERO",
    "Amount",
    "Measure",
    "MeasureValue",
    "behind_plan",
    "check_triwulan",
    "measure_get",
]


# --- ORM expressions ------------------------------------------------------------------------


def kas_kumulatif_expr(
    triwulan: int, prefix: str = "", column: str = "kas_tw"
) -> ExpressionWrapper:
    """Cash plan from TW I through `triwulan` for one line (sum of the quarterly columns);
    `column` names other quarterly columns (a roll-up's real_tw1..4)."""
    check_triwulan(triwulan)
    expr: Combinable = F(f"{prefix}{column}1")
    for q in range(2, triwulan + 1):
        expr = expr + F(f"{prefix}{column}{q}")
    return ExpressionWrapper(expr, output_field=MONEY_FIELD)


def kas_triwulan_expr(triwulan: int, prefix: str = "", column: str = "kas_tw") -> F:
    check_triwulan(triwulan)
    return F(f"{prefix}{column}{triwulan}")


def realisasi_through_subquery(triwulan: int, *, only_quarter: bool = False) -> Coalesce:
    """Realisasi of the outer DPA line through `triwulan` (or within it), 0 when none."""
    check_triwulan(triwulan)
    rows = Realisasi.objects.filter(line=OuterRef("pk"))
    rows = rows.filter(triwulan=triwulan) if only_quarter else rows.filter(triwulan__lte=triwulan)
    total = rows.order_by().values("line").annotate(s=Sum("jumlah")).values("s")
    return Coalesce(
        Subquery(total, output_field=MONEY_FIELD), Value(ZERO), output_field=MONEY_FIELD
    )


def money_sum(expr) -> Coalesce:
    return Coalesce(Sum(expr), Value(ZERO), output_field=MONEY_FIELD)


def realisasi_join_alias(triwulan: int) -> str:
    return f"_real_tw{triwulan}"


def realisasi_joins(triwulan: int, *, region_id: int) -> dict[str, FilteredRelation]:
    """One LEFT JOIN of realisasi per quarter through `triwulan`, on (line, triwulan), for
    `QuerySet.alias` on DPA lines: the roll-up of a whole region in one aggregate pass
    instead of two correlated subqueries per line. Each join gives at most one row per line
    (constraint realisasi_one_per_quarter), so a line's pagu and cash plan are summed once.

    The region is in the join condition although a realisasi row's region is its line's:
    PostgreSQL hashes each quarter's realisasi, and without it the hash would hold every
    region's. The year cannot be: realisasi has none of its own and a FilteredRelation
    condition cannot reach line__tahun, so the other years of the region are read and
    hashed, though never summed (they match no line of the year)."""
    check_triwulan(triwulan)
    return {
        realisasi_join_alias(q): FilteredRelation(
            "realisasi", condition=Q(realisasi__triwulan=q, realisasi__region_id=region_id)
        )
        for q in range(1, triwulan + 1)
    }


def realisasi_joined_sum(triwulan: int, *, only_quarter: bool = False) -> Combinable:
    """Realisasi of a group of lines through `triwulan` (or within it), read through
    `realisasi_joins`; 0 when none. A sum per quarter (NULL-free by Coalesce) rather than the
    sum of each line's quarters: fewer operations per row, the same exact total."""
    check_triwulan(triwulan)
    quarters = (triwulan,) if only_quarter else range(1, triwulan + 1)
    sums = [money_sum(F(f"{realisasi_join_alias(q)}__jumlah")) for q in quarters]
    total: Combinable = sums[0]
    for s in sums[1:]:
        total = total + s
    return ExpressionWrapper(total, output_field=MONEY_FIELD)


def percent(numerator: Decimal | None, denominator: Decimal | None) -> Decimal | None:
    """numerator ÷ denominator × 100, exact to 50 digits; None when the denominator is zero."""
    if numerator is None or denominator is None or denominator == 0:
        return None
    with localcontext() as ctx:
        ctx.prec = 50
        return numerator * 100 / denominator


def round2(value: Decimal | None) -> Decimal | None:
    if value is None:
        return None
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


# --- amounts --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Amount:
    """A money figure of a group: summed by the database over the group's lines (`line_expr`
    gives the figure of one line through a quarter), or derived from other amounts."""

    key: str  # attribute of a row, key of the contract, column of the tables
    label: "StrPromise"
    line_expr: Callable[[int], Any] | None = None
    # The same figure over a roll-up row (budget.models.Rollup), for the region-wide pages;
    # a summed amount without one sends every roll-up to the DPA lines.
    rollup_expr: Callable[[int], Any] | None = None
    # The sum over a group of lines in one aggregate pass, realisasi read through
    # `realisasi_joins` (an aggregate expression); None sums `line_expr`, which is right too
    # (the joins keep one row per line) but may cost a subquery per line.
    joined_sum: Callable[[int], Any] | None = None
    derive: Callable[[dict[str, Decimal]], Decimal] | None = None
    # The version of the external contract (absorption_report, API) that added the field;
    # None keeps it out. Fields added later come after, so readers by position keep working.
    contract: int | None = None
    in_tables: bool = False
    # On screen, shown in small type under another table column (its key) when they differ.
    shown_under: str | None = None
    beneath_label: "StrPromise | None" = None

    def __post_init__(self) -> None:
        if self.shown_under and self.beneath_label is None:
            raise ValueError(f"amount {self.key} is shown under another: it needs a beneath_label")

    @property
    def sum_name(self) -> str:
        """The name of the sum in the grouped queryset."""
        return f"s_{self.key}"

    def joined_sum_expr(self, triwulan: int) -> Any:
        """The sum over a group of lines with `realisasi_joins(triwulan)` aliased."""
        if self.joined_sum is not None:
            return self.joined_sum(triwulan)
        if self.line_expr is None:
            raise ValueError(f"amount {self.key} is derived, not summed")
        return money_sum(self.line_expr(triwulan))


AMOUNTS: tuple[Amount, ...] = (
    Amount(
        "pagu",
        _("Pagu"),
        line_expr=lambda tw: F("pagu"),
        rollup_expr=lambda tw: F("pagu"),
        contract=1,
        in_tables=True,
    ),
    Amount(
        "pagu_murni",
        _("Original pagu"),
        line_expr=lambda tw: F("pagu_murni"),
        rollup_expr=lambda tw: F("pagu_murni"),
        contract=2,
        in_tables=True,
        shown_under="pagu",
        beneath_label=_("original"),
    ),
    Amount(
        "kas_kumulatif",
        _("Planned to date"),
        line_expr=kas_kumulatif_expr,
        rollup_expr=kas_kumulatif_expr,
        contract=1,
        in_tables=True,
    ),
    Amount(
        "kas_triwulan",
        _("Planned in the quarter"),
        line_expr=kas_triwulan_expr,
        rollup_expr=kas_triwulan_expr,
    ),
    Amount(
        "realisasi_kumulatif",
        _("Spent to date"),
        line_expr=realisasi_through_subquery,
        joined_sum=realisasi_joined_sum,
        rollup_expr=lambda tw: kas_kumulatif_expr(tw, column="real_tw"),
        contract=1,
        in_tables=True,
    ),
    Amount(
        "realisasi_triwulan",
        _("Spent in the quarter"),
        line_expr=lambda tw: realisasi_through_subquery(tw, only_quarter=True),
        joined_sum=lambda tw: realisasi_joined_sum(tw, only_quarter=True),
        rollup_expr=lambda tw: kas_triwulan_expr(tw, column="real_tw"),
    ),
    Amount(
        "sisa",
        _("Remaining"),
        derive=lambda a: a["pagu"] - a["realisasi_kumulatif"],
        contract=1,
        in_tables=True,
    ),
    # What DPPA and pergeseran did to the budget: the pagu in force less the murni pagu.
    Amount(
        "perubahan_pagu",
        _("Change of pagu"),
        derive=lambda a: a["pagu"] - a["pagu_murni"],
    ),
    # How far realisasi lags the cash plan through the quarter, in rupiah (0 when on or ahead
    # of it): what the ranking can be ordered by, the largest shortfall first.
    Amount(
        "kekurangan_kas",
        _("Behind plan (Rp)"),
        derive=lambda a: max(a["kas_kumulatif"] - a["realisasi_kumulatif"], Decimal("0.00")),
    ),
)
AMOUNT_BY_KEY = {a.key: a for a in AMOUNTS}
SUMMED = tuple(a for a in AMOUNTS if a.line_expr is not None)


# --- measures -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Measure:
    key: str
    label: "StrPromise"  # as a title: "Capaian anggaran kas"
    column: "StrPromise"  # as a table header: "Capaian kas"
    numerator: str  # amount keys
    denominator: str
    # What the ratio compares, for a sentence after the label; %(tw)s is the quarter.
    explanation: "StrPromise"
    bands: str | None = EFEKTIVITAS  # the kind of band table, None for no category
    jenis: frozenset[str] | None = None  # None: every jenis
    rankable: bool = False  # OPDs may be ranked by it (belanja)
    # Row attributes: the exact ratio, its category label and its category rank.
    attr: str = ""
    category: str | None = None
    category_column: "StrPromise | None" = None  # table header of the category
    # Contract keys: the ratio rounded to 2 places and the category label.
    percent_key: str | None = None
    contract: int | None = None
    contract_category: bool = True
    in_tables: bool = False
    # On screen, shown in small type under another measure's column (its key) when they differ.
    shown_under: str | None = None
    beneath_label: "StrPromise | None" = None
    filterable: bool = False  # the OPD table can be filtered by its category
    filter_param: str | None = None  # query parameter of that filter
    # The category reads the year's whole budget (the pagu, the revenue target): before the
    # year's last quarter it is provisional, and the quarter's own yardstick is the cash plan.
    yearly: bool = False
    # A score out of 100 (nilai kinerja), not a percentage: shown without the % sign.
    is_score: bool = False

    def __post_init__(self) -> None:
        if not self.attr:
            object.__setattr__(self, "attr", self.key)
        if self.shown_under and self.beneath_label is None:
            raise ValueError(f"measure {self.key} is shown under another: it needs a beneath_label")

    @property
    def rank_attr(self) -> str | None:
        return None if self.category is None else "rank_" + self.category.removeprefix("kategori_")

    def applies_to(self, jenis: str) -> bool:
        return self.jenis is None or jenis in self.jenis

    def explain(self, triwulan_label: str) -> str:
        return str(self.explanation) % {"tw": triwulan_label}

    def provisional_at(self, triwulan: int) -> bool:
        """Whether this measure's category is provisional through `triwulan`: a yearly
        category before the year's end."""
        return self.yearly and self.bands is not None and annual_is_provisional(triwulan)


# The year's categories (serapan against the pagu, revenue against its target, efficiency) are
# final only with the last quarter: through TW I-III they are read as provisional.
FINAL_QUARTER = 4


def annual_is_provisional(triwulan: int) -> bool:
    return triwulan < FINAL_QUARTER


MEASURES: tuple[Measure, ...] = (
    Measure(
        "serapan",
        label=_("Budget absorption"),
        column=_("Absorption"),
        numerator="realisasi_kumulatif",
        denominator="pagu",
        explanation=_("realisasi against the pagu"),
        rankable=True,
        category="kategori_serapan",
        category_column=_("Absorption category"),
        percent_key="serapan_persen",
        contract=1,
        in_tables=True,
        filterable=True,
        filter_param="kategori_serapan",
        yearly=True,
    ),
    Measure(
        "capaian",
        label=_("Cash plan achievement"),
        column=_("Plan achievement"),
        numerator="realisasi_kumulatif",
        denominator="kas_kumulatif",
        explanation=_("realisasi against the cash plan through %(tw)s"),
        rankable=True,
        attr="capaian_kas",
        category="kategori_capaian",
        category_column=_("Achievement category"),
        percent_key="capaian_kas_persen",
        contract=1,
        in_tables=True,
        filterable=True,
        filter_param="kategori",
    ),
    # The seeds' efficiency view of spending: the same ratio as serapan, read the other way
    # (spending less of the budget for the same output is more efficient).
    Measure(
        "efisiensi",
        label=_("Spending efficiency ratio"),
        column=_("Efficiency"),
        numerator="realisasi_kumulatif",
        denominator="pagu",
        explanation=_("spending against the budget"),
        bands=EFISIENSI,
        jenis=frozenset({Jenis.BELANJA.value}),
        category="kategori_efisiensi",
        category_column=_("Efficiency category"),
        contract=1,
        yearly=True,
    ),
    Measure(
        "efektivitas_pendapatan",
        label=_("Revenue effectiveness"),
        column=_("Effectiveness"),
        numerator="realisasi_kumulatif",
        denominator="pagu",
        explanation=_("revenue collected against the target"),
        jenis=frozenset({Jenis.PENDAPATAN.value}),
        attr="efektivitas",
        category="kategori_efektivitas",
        category_column=_("Effectiveness category"),
        yearly=True,
    ),
    # Where the cash plan means the unit to be through the quarter, as a share of the pagu:
    # the yardstick of serapan before the year's end.
    Measure(
        "rencana_serapan",
        label=_("Planned absorption"),
        column=_("Planned absorption"),
        numerator="kas_kumulatif",
        denominator="pagu",
        explanation=_("the cash plan through %(tw)s against the pagu"),
        bands=None,
    ),
    # Against the original DPA: how far the unit is along the budget it first planned, beside
    # serapan against the pagu in force after any DPPA or pergeseran.
    Measure(
        "serapan_murni",
        label=_("Absorption against the original pagu"),
        column=_("Absorption of original pagu"),
        numerator="realisasi_kumulatif",
        denominator="pagu_murni",
        explanation=_("realisasi against the original DPA pagu"),
        bands=None,
        # A pagu cut at the APBD-P raises serapan against the pagu in force, not this one: the
        # ranking by it does not reward the cut.
        rankable=True,
        percent_key="serapan_murni_persen",
        contract=2,
        in_tables=True,
        shown_under="serapan",
        beneath_label=_("original"),
    ),
)
MEASURE_BY_KEY = {m.key: m for m in MEASURES}
RANKABLE = tuple(m for m in MEASURES if m.rankable)
DEFAULT_RANK_MEASURE = "capaian"
# The default first: the order of the choice lists.
RANK_MEASURES = tuple(
    sorted((m.key for m in MEASURES if m.rankable), key=lambda k: k != DEFAULT_RANK_MEASURE)
)


def measure_get(key: str | None, *, rankable: bool = False) -> Measure:
    """The measure of `key`; the default ranking measure for a missing or unknown key when
    `rankable`, else KeyError."""
    if rankable and key not in RANK_MEASURES:
        key = DEFAULT_RANK_MEASURE
    if key is None:
        raise KeyError(key)
    return MEASURE_BY_KEY[key]


def as_measure(measure: "str | Measure") -> Measure:
    return measure if isinstance(measure, Measure) else MEASURE_BY_KEY[measure]


@dataclass(frozen=True)
class MeasureValue:
    """One measure of one group: the exact ratio (percent) and its band."""

    measure: Measure
    ratio: Decimal | None
    band: Band | None

    @property
    def persen(self) -> Decimal | None:
        return round2(self.ratio)

    @property
    def text(self) -> str:
        """The value as shown: `73,73%`, or `87,61` for a score; a dash when undefined."""
        if self.measure.is_score:
            return "—" if self.ratio is None else format_number(round2(self.ratio), decimals=2)  # type: ignore[arg-type]
        return format_percent(self.persen)

    @property
    def label(self) -> str | None:
        return self.band.label if self.band else None

    @property
    def rank(self) -> int | None:
        return self.band.rank if self.band else None

    @property
    def rounding_crosses_band(self) -> bool:
        """Whether the shown (two-place) figure lies outside the band of the exact ratio, the
        category's source: 89,996% shows as 90,00% and stays *Cukup Efektif*."""
        return (
            self.band is not None
            and self.ratio is not None
            and not self.band.contains(
                self.persen  # type: ignore[arg-type]  # not None when the ratio is not
            )
        )


_APPLICABLE: dict[str, tuple[Measure, ...]] = {}


def _applicable(jenis: str) -> tuple[Measure, ...]:
    if jenis not in _APPLICABLE:
        _APPLICABLE[jenis] = tuple(m for m in MEASURES if m.applies_to(jenis))
    return _APPLICABLE[jenis]


# The ratios' arithmetic: 50 significant digits, so that a category boundary is never crossed
# by rounding (amounts have at most 20). One context for every row, used directly: entering a
# local context per row cost more than the division itself.
EXACT = Context(prec=50)


def ratio_of(numerator: Decimal, denominator: Decimal) -> Decimal | None:
    """numerator x 100 / denominator in `EXACT`; None when the denominator is zero."""
    if not denominator:
        return None
    return EXACT.divide(EXACT.multiply(numerator, 100), denominator)


def evaluate_one(measure: Measure, *, amounts: dict[str, Decimal], bands: Bands) -> MeasureValue:
    """One measure of a group from its exact amounts (whether it applies is the caller's)."""
    ratio = ratio_of(amounts[measure.numerator], amounts[measure.denominator])
    band = categorize(ratio, bands[measure.bands]) if measure.bands else None
    return MeasureValue(measure=measure, ratio=ratio, band=band)


def applicable(jenis: str) -> tuple[Measure, ...]:
    """The measures that apply to `jenis`, in registry order."""
    return _applicable(jenis)


def evaluate(*, jenis: str, amounts: dict[str, Decimal], bands: Bands) -> dict[str, MeasureValue]:
    """Every measure that applies to `jenis`, from a group's exact amounts."""
    return {m.key: evaluate_one(m, amounts=amounts, bands=bands) for m in _applicable(jenis)}


_DERIVED = tuple(a for a in AMOUNTS if a.derive is not None)
_KEYS = tuple(a.key for a in AMOUNTS)


def complete_amounts(summed: dict[str, Decimal], *, fresh: bool = False) -> dict[str, Decimal]:
    """The summed amounts with the derived ones added, in registry order. `fresh`: `summed`
    is the caller's own new dict, completed in place rather than copied."""
    amounts = summed if fresh else dict(summed)
    for a in _DERIVED:
        amounts[a.key] = a.derive(amounts)  # type: ignore[misc]  # _DERIVED have derive
    # The summed amounts given in registry order, derived ones last (the selectors' rows):
    # already in order, no second dict (a region's report completes ten thousand rows).
    if tuple(amounts) == _KEYS:
        return amounts
    return {key: amounts[key] for key in _KEYS}


def contract_fields() -> list[str]:
    """The fields of a contract row after kode, nama, jenis: by the contract version that
    added them, then registry order (amounts, then each measure's percent and category)."""
    entries: list[tuple[int, int, str]] = []
    order = 0
    for a in AMOUNTS:
        if a.contract is not None:
            entries.append((a.contract, order, a.key))
        order += 1
    for m in MEASURES:
        if m.contract is None:
            continue
        if m.percent_key:
            entries.append((m.contract, order, m.percent_key))
            order += 1
        if m.category and m.contract_category:
            entries.append((m.contract, order, m.category))
            order += 1
    return [key for _v, _o, key in sorted(entries)]


def row_attributes() -> dict[str, tuple[str, str]]:
    """Attribute name on a row -> (measure key, what): what is ratio, persen, label or rank."""
    names: dict[str, tuple[str, str]] = {}
    for m in MEASURES:
        names[m.attr] = (m.key, "ratio")
        names[f"{m.attr}_persen"] = (m.key, "persen")
        if m.percent_key:
            names[m.percent_key] = (m.key, "persen")
        if m.category:
            names[m.category] = (m.key, "label")
        if m.rank_attr:  # set exactly when the category is
            names[m.rank_attr] = (m.key, "rank")
    return names


def table_measures() -> Iterable[Measure]:
    return (m for m in MEASURES if m.in_tables)


# The cash plan (anggaran kas) is the OPD's own schedule: capaian below 100% is behind it.
ON_PLAN = Decimal(100)


def behind_plan(capaian: Decimal | None) -> bool:
    """Whether a capaian anggaran kas (exact percent) is behind the cash plan; an undefined
    capaian (no cash plan yet) is not behind."""
    return capaian is not None and capaian < ON_PLAN
