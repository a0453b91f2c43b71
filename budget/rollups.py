"""Region roll-ups: the sums every region-wide page reads (budget.models.Rollup), kept exact by
PostgreSQL triggers (migration 0007) on every write, whatever path made it. This module
rebuilds them and compares them with the detail; it never writes a delta itself."""

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, F, Sum

from budget.models import DpaLine, Realisasi, Region, Rollup

QUARTERS = (1, 2, 3, 4)
KEY = ("region_id", "tahun", "opd_id", "jenis", "akun3", "sumber_dana")
DEPTH = 3  # account code segments kept (migration 0010)
LINE_SUMS = ("pagu", "pagu_murni", "kas_tw1", "kas_tw2", "kas_tw3", "kas_tw4")
FIGURES = (
    "n_lines",
    *LINE_SUMS,
    *(f"real_tw{q}" for q in QUARTERS),
    *(f"nreal_tw{q}" for q in QUARTERS),
)


def rebuild(*, region: Region | None = None) -> int:
    """Recompute the roll-ups of `region` (every region when None) from the DPA lines and
    realisasi, in one statement of the database's own function. Returns the rows written."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT budget_rollup_rebuild(%s)", [region.pk if region else None])
    rows = Rollup.objects.all() if region is None else Rollup.objects.filter(region=region)
    return rows.count()


def _prefix(kode: str) -> str:
    return ".".join(kode.split(".")[:DEPTH])


def detail(*, region: Region | None = None) -> dict[tuple, dict[str, Any]]:
    """The roll-ups as the detail gives them, computed apart from the triggers (the ORM over
    the lines and the realisasi, the account prefix in Python): what `differences` compares with."""
    lines = DpaLine.objects.all() if region is None else DpaLine.objects.filter(region=region)
    reals = Realisasi.objects.all() if region is None else Realisasi.objects.filter(region=region)
    out: dict[tuple, dict[str, Any]] = defaultdict(
        lambda: {f: (0 if f.startswith("n") else Decimal("0.00")) for f in FIGURES}
    )
    line_rows: Iterable[Any] = (
        lines.order_by()
        .values("region_id", "tahun", "opd_id", "jenis", "account__kode", "sumber_dana")
        .annotate(n_lines=Count("id"), **{f: Sum(f) for f in LINE_SUMS})
    )
    for r in line_rows:
        key = (*(r[k] for k in KEY[:4]), _prefix(r["account__kode"]), r["sumber_dana"])
        for f in ("n_lines", *LINE_SUMS):
            out[key][f] += r[f]
    real_rows: Iterable[Any] = (
        reals.order_by()
        .values(
            tahun=F("line__tahun"),
            opd_id=F("line__opd_id"),
            jenis=F("line__jenis"),
            kode=F("line__account__kode"),
            sumber_dana=F("line__sumber_dana"),
        )
        .annotate(s=Sum("jumlah"), n=Count("id"))
        .values(
            "region_id", "tahun", "opd_id", "jenis", "kode", "sumber_dana", "triwulan", "s", "n"
        )
    )
    for r in real_rows:
        key = (*(r[k] for k in KEY[:4]), _prefix(r["kode"]), r["sumber_dana"])
        out[key][f"real_tw{r['triwulan']}"] += r["s"]
        out[key][f"nreal_tw{r['triwulan']}"] += r["n"]
    return dict(out)


def stored(*, region: Region | None = None) -> dict[tuple, dict[str, Any]]:
    rows = Rollup.objects.all() if region is None else Rollup.objects.filter(region=region)
    values: Iterable[Any] = rows.values()
    return {tuple(r[k] for k in KEY): {f: r[f] for f in FIGURES} for r in values}


def differences(*, region: Region | None = None) -> list[str]:
    """Where the stored roll-ups differ from the detail, one line each (empty when exact)."""
    want, have = detail(region=region), stored(region=region)
    out = []
    for key in sorted(set(want) | set(have), key=str):
        a, b = want.get(key), have.get(key)
        if a != b:
            out.append(f"{key}: detail {a}, roll-up {b}")
    return out
