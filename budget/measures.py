"""Each measure defined once: ORM expressions for the sums, exact Decimal ratios from them.

Sums are computed by PostgreSQL. Ratios are divided in Python with 50 significant digits from
those exact sums, so that a category boundary (90, 80, 60, 100) is never crossed by a
rounding of the database's numeric division; they are rounded only for display.
"""

from decimal import ROUND_HALF_UP, Decimal, localcontext

from django.db.models import DecimalField, ExpressionWrapper, F, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from budget.models import Realisasi

ZERO = Decimal("0.00")
MONEY_FIELD = DecimalField(max_digits=20, decimal_places=2)
QUARTERS = (1, 2, 3, 4)


def check_triwulan(triwulan: int) -> int:
    if triwulan not in QUARTERS:
        raise ValueError(f"triwulan must be 1, 2, 3 or 4, got {triwulan!r}")
    return triwulan


def kas_kumulatif_expr(triwulan: int, prefix: str = ""):
    """Cash plan from TW I through `triwulan` for one line (sum of the quarterly columns)."""
    check_triwulan(triwulan)
    expr = F(f"{prefix}kas_tw1")
    for q in range(2, triwulan + 1):
        expr = expr + F(f"{prefix}kas_tw{q}")
    return ExpressionWrapper(expr, output_field=MONEY_FIELD)


def kas_triwulan_expr(triwulan: int, prefix: str = ""):
    check_triwulan(triwulan)
    return F(f"{prefix}kas_tw{triwulan}")


def realisasi_through_subquery(triwulan: int, *, only_quarter: bool = False):
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
