"""Region roll-ups: the sums every region-wide page reads, kept exact by PostgreSQL triggers on
every write, whatever path made it. Two tables of sums: `budget.models.Rollup` (by OPD, jenis,
account to three segments and fund source; migrations 0007, 0010) and `SubKegiatanRollup` (by
OPD, sub kegiatan and jenis; migration 0015); and the DPA lines' change sets,
`DpaChangeSet` (by OPD and change set, off the lines' history; migration 0016). This module
rebuilds them and compares them with the detail; it never writes a delta itself."""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.db import connection, models, transaction
from django.db.models import Case, Count, F, Min, Sum, When

from budget.models import DpaChangeSet, DpaLine, Realisasi, Region, Rollup, SubKegiatanRollup

QUARTERS = (1, 2, 3, 4)
KEY = ("region_id", "tahun", "opd_id", "jenis", "akun3", "sumber_dana")
DEPTH = 3  # account code segments kept (migration 0010)
LINE_SUMS = ("pagu", "pagu_murni", "kas_tw1", "kas_tw2", "kas_tw3", "kas_tw4")
REAL_SUMS = tuple(f"real_tw{q}" for q in QUARTERS)
FIGURES = (
    "n_lines",
    *LINE_SUMS,
    *REAL_SUMS,
    *(f"nreal_tw{q}" for q in QUARTERS),
)
SK_KEY = ("region_id", "tahun", "opd_id", "sub_kegiatan_id", "jenis")
SK_FIGURES = ("n_lines", *LINE_SUMS, *REAL_SUMS)
CHANGE_SET_KEY = ("region_id", "tahun", "opd_id", "context_id", "at")
CHANGE_SET_FIGURES = ("first_event", "first_at", "lines")
CHANGE_SETS = "change_set"  # the name `detail` and `stored` key the change sets by
CHANGE_SET_REBUILD = "budget_dpa_change_set_rebuild"


@dataclass(frozen=True)
class _Table:
    """One roll-up table: its model, the database function that rebuilds it, its key and
    figures, and the key of a line's (or a realisasi's line's) values as the detail gives it."""

    name: str
    model: type[models.Model]
    rebuild_function: str
    key: tuple[str, ...]
    figures: tuple[str, ...]
    # The detail's grouping columns, as read from the lines and from the realisasi.
    line_group: tuple[str, ...]
    real_group: dict[str, Any]
    to_key: Callable[[dict[str, Any]], tuple]
    only_sub_kegiatan: bool = False


def _prefix(kode: str) -> str:
    return ".".join(kode.split(".")[:DEPTH])


TABLES = (
    _Table(
        name="rollup",
        model=Rollup,
        rebuild_function="budget_rollup_rebuild",
        key=KEY,
        figures=FIGURES,
        line_group=("region_id", "tahun", "opd_id", "jenis", "kode", "sumber_dana"),
        real_group={
            "tahun": F("line__tahun"),
            "opd_id": F("line__opd_id"),
            "jenis": F("line__jenis"),
            "kode": F("line__account__kode"),
            "sumber_dana": F("line__sumber_dana"),
        },
        to_key=lambda r: (*(r[k] for k in KEY[:4]), _prefix(r["kode"]), r["sumber_dana"]),
    ),
    _Table(
        name="sub_kegiatan",
        model=SubKegiatanRollup,
        rebuild_function="budget_rollup_sk_rebuild",
        key=SK_KEY,
        figures=SK_FIGURES,
        line_group=SK_KEY,
        real_group={
            "tahun": F("line__tahun"),
            "opd_id": F("line__opd_id"),
            "sub_kegiatan_id": F("line__sub_kegiatan_id"),
            "jenis": F("line__jenis"),
        },
        to_key=lambda r: tuple(r[k] for k in SK_KEY),
        only_sub_kegiatan=True,
    ),
)


def rebuild(*, region: Region | None = None) -> int:
    """Recompute every roll-up table of `region` (every region when None) from the DPA lines
    and realisasi, each in one statement of the database's own function. Returns the rows
    written."""
    with transaction.atomic(), connection.cursor() as cursor:
        for function in (*(table.rebuild_function for table in TABLES), CHANGE_SET_REBUILD):
            cursor.execute(f"SELECT {function}(%s)", [region.pk if region else None])
    return (
        sum(_rows(table.model, region).count() for table in TABLES)
        + _rows(DpaChangeSet, region).count()
    )


def _rows(model: type[models.Model], region: Region | None) -> models.QuerySet[Any]:
    rows = model._default_manager.all()
    return rows if region is None else rows.filter(region_id=region.pk)


def _detail_of(table: _Table, region: Region | None) -> dict[tuple, dict[str, Any]]:
    lines = DpaLine.objects.all() if region is None else DpaLine.objects.filter(region=region)
    reals = Realisasi.objects.all() if region is None else Realisasi.objects.filter(region=region)
    if table.only_sub_kegiatan:
        lines = lines.filter(sub_kegiatan__isnull=False)
        reals = reals.filter(line__sub_kegiatan__isnull=False)
    out: dict[tuple, dict[str, Any]] = defaultdict(
        lambda: {f: (0 if f.startswith("n") else Decimal("0.00")) for f in table.figures}
    )
    line_rows: Iterable[Any] = (
        lines.order_by()
        .annotate(kode=F("account__kode"))
        .values(*table.line_group)
        .annotate(n_lines=Count("id"), **{f: Sum(f) for f in LINE_SUMS})
    )
    for r in line_rows:
        for f in ("n_lines", *LINE_SUMS):
            out[table.to_key(r)][f] += r[f]
    real_rows: Iterable[Any] = (
        reals.order_by()
        .values(**table.real_group)
        .annotate(s=Sum("jumlah"), n=Count("id"))
        .values("region_id", *table.real_group, "triwulan", "s", "n")
    )
    for r in real_rows:
        figures = out[table.to_key(r)]
        figures[f"real_tw{r['triwulan']}"] += r["s"]
        if f"nreal_tw{r['triwulan']}" in figures:
            figures[f"nreal_tw{r['triwulan']}"] += r["n"]
    return {(table.name, *key): figures for key, figures in out.items()}


def detail(*, region: Region | None = None) -> dict[tuple, dict[str, Any]]:
    """The roll-ups as the detail gives them, computed apart from the triggers (the ORM over
    the lines and the realisasi, the account prefix in Python): what `differences` compares
    with. Keyed by the table's name, then its key."""
    out: dict[tuple, dict[str, Any]] = {}
    for table in TABLES:
        out.update(_detail_of(table, region))
    out.update(_keyed(CHANGE_SETS, change_sets_detail(region=region)))
    return out


def change_sets_detail(*, region: Region | None = None) -> Iterable[dict[str, Any]]:
    """The DPA change sets as the lines' history gives them (what `DpaChangeSet` holds): one
    per region, year, OPD and pghistory context, or, for events without a context, per
    transaction (`at`, the events' time); its least event, earliest time and distinct lines.
    The ORM over every event, apart from the triggers."""
    event = apps.get_model("budget", "DpaLineEvent")
    events = event.objects.all() if region is None else event.objects.filter(region=region)
    return (
        events.order_by()
        .values(
            "region_id",
            "tahun",
            "opd_id",
            context_id=F("pgh_context_id"),
            at=Case(When(pgh_context__isnull=True, then=F("pgh_created_at"))),
        )
        .annotate(
            first_event=Min("pgh_id"),
            first_at=Min("pgh_created_at"),
            lines=Count("pgh_obj_id", distinct=True),
        )
    )


def _keyed(name: str, rows: Iterable[dict[str, Any]]) -> dict[tuple, dict[str, Any]]:
    return {
        (name, *(r[k] for k in CHANGE_SET_KEY)): {f: r[f] for f in CHANGE_SET_FIGURES} for r in rows
    }


def stored(*, region: Region | None = None) -> dict[tuple, dict[str, Any]]:
    """The rows of every roll-up table, keyed as `detail` keys them."""
    out: dict[tuple, dict[str, Any]] = {}
    for table in TABLES:
        values: Iterable[Any] = _rows(table.model, region).values()
        for r in values:
            out[(table.name, *(r[k] for k in table.key))] = {f: r[f] for f in table.figures}
    out.update(_keyed(CHANGE_SETS, _rows(DpaChangeSet, region).values()))
    return out


def differences(*, region: Region | None = None) -> list[str]:
    """Where the stored roll-ups differ from the detail, one line each (empty when exact)."""
    want, have = detail(region=region), stored(region=region)
    out = []
    for key in sorted(set(want) | set(have), key=str):
        a, b = want.get(key), have.get(key)
        if a != b:
            out.append(f"{key}: detail {a}, roll-up {b}")
    return out
