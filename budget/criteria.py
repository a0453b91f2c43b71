"""Categories of the Kepmendagri 690.900-327/1996 table: a pure function of a ratio and bands.

The category is taken from the exact ratio, never from the rounded one shown on screen:
89,995% is "Cukup Efektif" even though it prints as 90,00%.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

EFEKTIVITAS = "efektivitas"
EFISIENSI = "efisiensi"
KINERJA = "kinerja"  # nilai kinerja (DESIGN §5), after IKPA's categories
PERINGATAN = "peringatan"  # the early warning of the year-end forecast; not editable


@dataclass(frozen=True)
class Band:
    label: str
    rank: int  # 1 is the best outcome
    lower: Decimal | None = None
    upper: Decimal | None = None
    lower_inclusive: bool = True
    upper_inclusive: bool = False

    def contains(self, x: Decimal) -> bool:
        if self.lower is not None and (
            x < self.lower or (x == self.lower and not self.lower_inclusive)
        ):
            return False
        return not (
            self.upper is not None
            and (x > self.upper or (x == self.upper and not self.upper_inclusive))
        )


# The band table of each kind (EFEKTIVITAS, EFISIENSI), best rank first.
Bands = dict[str, tuple[Band, ...]]

D = Decimal
DEFAULT_BANDS: Bands = {
    EFEKTIVITAS: (
        Band("Sangat Efektif", 1, lower=D(100), lower_inclusive=False),
        Band("Efektif", 2, lower=D(90), upper=D(100), upper_inclusive=True),
        Band("Cukup Efektif", 3, lower=D(80), upper=D(90)),
        Band("Kurang Efektif", 4, lower=D(60), upper=D(80)),
        Band("Tidak Efektif", 5, upper=D(60)),
    ),
    # Spending less of the budget for the same output is read as more efficient.
    EFISIENSI: (
        Band("Tidak Efisien", 5, lower=D(100), lower_inclusive=False),
        Band("Kurang Efisien", 4, lower=D(90), upper=D(100), upper_inclusive=True),
        Band("Cukup Efisien", 3, lower=D(80), upper=D(90)),
        Band("Efisien", 2, lower=D(60), upper=D(80)),
        Band("Sangat Efisien", 1, upper=D(60)),
    ),
    KINERJA: (
        Band("Sangat Baik", 1, lower=D(95)),
        Band("Baik", 2, lower=D(89), upper=D(95)),
        Band("Cukup", 3, lower=D(70), upper=D(89)),
        Band("Kurang", 4, upper=D(70)),
    ),
    # The forecast serapan at the year's end: the labels are the contract's values
    # (kinerja_report, /api/v1/kinerja/), so no region may rename them.
    PERINGATAN: (
        Band("hijau", 1, lower=D(90)),
        Band("kuning", 2, lower=D(80), upper=D(90)),
        Band("merah", 3, upper=D(80)),
    ),
}
# The kinds a region may change in the admin (CriteriaBand rows); the others are fixed here.
EDITABLE_KINDS = (EFEKTIVITAS, EFISIENSI, KINERJA)


def band_range(band: Band) -> str:
    """The band's range as the Kepmendagri table writes it: `x > 100`, `90 ≤ x ≤ 100`, `x < 60`
    (bounds in the Indonesian way: `82,5`)."""

    def n(value: Decimal) -> str:
        return format(value.normalize(), "f").replace(".", ",")

    lower = upper = ""
    if band.lower is not None:
        lower = f"{n(band.lower)} {'≤' if band.lower_inclusive else '<'} "
    if band.upper is not None:
        upper = f" {'≤' if band.upper_inclusive else '<'} {n(band.upper)}"
    if band.lower is not None and band.upper is None:  # "x > 100" reads better than "100 < x"
        return f"x {'≥' if band.lower_inclusive else '>'} {n(band.lower)}"
    return f"{lower}x{upper}"


def categorize(ratio: Decimal | None, bands: Sequence[Band]) -> Band | None:
    """The band holding `ratio` (a percentage), or None when the ratio is undefined."""
    if ratio is None:
        return None
    for band in bands:
        if band.contains(ratio):
            return band
    return None


def category_label(ratio: Decimal | None, bands: Sequence[Band]) -> str | None:
    band = categorize(ratio, bands)
    return band.label if band else None


def bands_for(*, region_id: int | None) -> Bands:
    """The bands in force for a region: its own rows for a kind, else the default rows.

    One query. Falls back to the built-in table only for a kind with no rows at all.
    """
    from budget.models import CriteriaBand

    rows = CriteriaBand.objects.filter(region_id__isnull=True)
    if region_id is not None:
        rows = CriteriaBand.objects.filter(region_id=region_id) | rows
    own: dict[str, list[Band]] = {}
    default: dict[str, list[Band]] = {}
    for row in rows.order_by("kind", "rank"):
        target = default if row.region_id is None else own
        target.setdefault(row.kind, []).append(
            Band(
                label=row.label,
                rank=row.rank,
                lower=row.lower,
                upper=row.upper,
                lower_inclusive=row.lower_inclusive,
                upper_inclusive=row.upper_inclusive,
            )
        )
    result: Bands = {}
    for kind, fallback in DEFAULT_BANDS.items():
        if kind not in EDITABLE_KINDS:
            result[kind] = fallback
            continue
        result[kind] = tuple(own.get(kind) or default.get(kind) or fallback)
    return result
