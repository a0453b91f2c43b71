"""Reads that cross relations: absorption roll-ups at every level, region lookup."""

from collections.abc import Callable, Container, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from operator import itemgetter
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import (
    CharField,
    Count,
    ExpressionWrapper,
    F,
    Func,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.expressions import Combinable
from django.db.models.lookups import Lookup

from budget.codes import ACCOUNT_CHART, MAX_ACCOUNT_DEPTH, Jenis
from budget.criteria import Band, Bands, bands_for
from budget.measures import (
    AMOUNT_BY_KEY,
    DEFAULT_RANK_MEASURE,
    MEASURE_BY_KEY,
    MONEY_FIELD,
    QUARTERS,
    RANK_MEASURES,
    SUMMED,
    ZERO,
    MeasureValue,
    applicable,
    behind_plan,
    check_triwulan,
    complete_amounts,
    contract_fields,
    evaluate_one,
    measure_get,
    money_sum,
    realisasi_joins,
    row_attributes,
)
from budget.models import (
    Account,
    DpaLine,
    Kegiatan,
    Opd,
    Program,
    QuarterReport,
    Region,
    Rollup,
    SubKegiatan,
    SubKegiatanRollup,
)
from budget.roles import Actor

LEVELS = ("pemda", "opd", "program", "kegiatan", "sub_kegiatan", "akun", "sumber_dana")
# The name of the group of lines whose DPA names no fund source (their kode is "").
NO_SUMBER_DANA = "Tanpa sumber dana"
JENIS_ORDER = {Jenis.PENDAPATAN.value: 0, Jenis.BELANJA.value: 1, Jenis.PEMBIAYAAN.value: 2}


class SelectorError(ValueError):
    """A read asked for something that does not exist or makes no sense."""


class CodePrefix(Func):
    """The first `depth` dot-separated segments of a code, computed by PostgreSQL."""

    output_field = CharField()

    def __init__(self, expression, depth: int):
        if not 1 <= depth <= MAX_ACCOUNT_DEPTH:
            raise SelectorError(f"depth must be between 1 and {MAX_ACCOUNT_DEPTH}")
        super().__init__(expression)
        self.template = (
            f"array_to_string((string_to_array(%(expressions)s, '.'))[1:{int(depth)}], '.')"
        )


_ROW_ATTRIBUTES = row_attributes()


@dataclass(frozen=True, init=False)
class AbsorptionRow:
    """One group's amounts and measures (`budget.measures`). Amounts and measures read as
    attributes: `row.pagu`, `row.serapan` (exact percent), `row.serapan_persen` (2 places),
    `row.kategori_serapan`, `row.rank_serapan`; a measure that does not apply to the row's
    jenis reads as None.

    Each measure is worked out from the exact amounts when first read and kept: a report of
    ten thousand rows that shows serapan alone divides once per row, not six times."""

    kode: str
    nama: str
    jenis: str
    line_count: int
    amounts: dict[str, Decimal]
    bands: Bands = field(repr=False)
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def __init__(
        self,
        kode: str,
        nama: str,
        jenis: str,
        line_count: int,
        amounts: dict[str, Decimal],
        bands: Bands,
        extra: dict[str, Any] | None = None,
    ) -> None:
        # The dataclass's own __init__ of a frozen class sets each field through
        # object.__setattr__: a region's report makes ten thousand rows and more, so the
        # fields go into the instance's dict at once (still frozen to any later assignment).
        self.__dict__.update(
            kode=kode,
            nama=nama,
            jenis=jenis,
            line_count=line_count,
            amounts=amounts,
            bands=bands,
            extra={} if extra is None else extra,
            _measures={},
        )

    def __getattr__(self, name: str) -> Any:
        # Only called for names that are not fields: the registry's amounts and measures.
        if name.startswith("__") or name == "_measures":
            raise AttributeError(name)
        amounts = self.__dict__.get("amounts", {})
        if name in amounts:
            return amounts[name]
        if name in _ROW_ATTRIBUTES:
            key, what = _ROW_ATTRIBUTES[name]
            value = self.measure(key)
            return None if value is None else getattr(value, what)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def measure(self, key: str) -> MeasureValue | None:
        """The value of one measure, None when it does not apply to this row's jenis."""
        cache: dict[str, MeasureValue | None] = self.__dict__["_measures"]
        if key in cache:
            return cache[key]
        m = MEASURE_BY_KEY.get(key)
        value = (
            evaluate_one(m, amounts=self.amounts, bands=self.bands)
            if m is not None and m.applies_to(self.jenis)
            else None
        )
        cache[key] = value
        return value

    def set_measure(self, key: str, value: MeasureValue) -> None:
        """Carry a measure computed elsewhere (nilai kinerja, budget.kinerja) as one of the
        registry's: `measure(key)` and `values` give it."""
        self.__dict__["_measures"][key] = value

    @property
    def values(self) -> dict[str, MeasureValue]:
        """Every measure that applies to the row's jenis, in registry order, then any set
        with `set_measure`."""
        out: dict[str, MeasureValue] = {}
        for m in applicable(self.jenis):
            value = self.measure(m.key)
            if value is not None:
                out[m.key] = value
        for key, value in self.__dict__["_measures"].items():
            if key not in out and value is not None:
                out[key] = value
        return out

    @property
    def selisih_kas(self) -> Decimal:
        """Realisasi minus cash plan through the quarter: negative means behind schedule."""
        return self.amounts["realisasi_kumulatif"] - self.amounts["kas_kumulatif"]

    @property
    def behind_plan(self) -> bool:
        return behind_plan(self.capaian_kas)

    def as_contract_dict(self) -> dict[str, Any]:
        """The row of the external contract (absorption_report --format json and the API)."""
        row: dict[str, Any] = {"kode": self.kode, "nama": self.nama, "jenis": self.jenis}
        for name in CONTRACT_FIELDS:
            value = getattr(self, name)
            if name in AMOUNT_BY_KEY:
                row[name] = str(value)
            elif isinstance(value, Decimal):
                row[name] = _json_number(value)
            else:
                row[name] = value
        return row


CONTRACT_FIELDS = contract_fields()


def _json_number(value: Decimal | None) -> float | None:
    # A two-place Decimal converts to the float whose shortest repr is the same two places.
    return None if value is None else float(value)


def region_for(actor: Actor) -> Region | None:
    """The region a person works in: their profile's, else the only or first region (an
    operator, a superuser without a profile region). One query."""
    if actor.region_id:
        own = Region.objects.filter(pk=actor.region_id).first()
        if own is not None:
            return own
    elif actor.user is not None:
        own = Region.objects.filter(profile__user_id=actor.user.pk).first()
        if own is not None:
            return own
    return Region.objects.order_by("kode").first()


def region_get(*, kode: str | None = None) -> Region:
    """The region named by `kode`, or the only region when there is just one."""
    if kode:
        try:
            return Region.objects.get(kode=kode)
        except Region.DoesNotExist:
            raise SelectorError(f"no region with code {kode!r}") from None
    regions = list(Region.objects.order_by("kode")[:2])
    if not regions:
        raise SelectorError("the database holds no region yet: import a DPA first")
    if len(regions) > 1:
        raise SelectorError("the database holds several regions: name one with --region")
    return regions[0]


def _group_fields(level: str, depth: int | None) -> tuple[Combinable, Combinable, bool]:
    """Expressions for kode and nama of a level; whether lines without a sub kegiatan drop out."""
    if level == "pemda":
        return F("region__kode"), F("region__nama"), False
    if level == "opd":
        return F("opd__kode"), F("opd__nama"), False
    if level == "program":
        p = "sub_kegiatan__kegiatan__program__"
        return F(p + "kode"), F(p + "nama"), True
    if level == "kegiatan":
        p = "sub_kegiatan__kegiatan__"
        return F(p + "kode"), F(p + "nama"), True
    if level == "sub_kegiatan":
        return F("sub_kegiatan__kode"), F("sub_kegiatan__nama"), True
    if level == "akun":
        kode = CodePrefix(F("account__kode"), MAX_ACCOUNT_DEPTH if depth is None else depth)
        return kode, Value("", output_field=CharField()), False
    if level == "sumber_dana":
        return F("sumber_dana"), F("sumber_dana"), False
    raise SelectorError(f"level must be one of {', '.join(LEVELS)}; got {level!r}")


def absorption(
    *,
    region: Region,
    tahun: int,
    triwulan: int = 4,
    level: str = "opd",
    depth: int | None = None,
    opd: str | Opd | None = None,
    jenis: str | None = None,
    account_prefix: str | None = None,
    parent: str | None = None,
    sumber_dana: str | None = None,
    bands: Bands | None = None,
) -> list[AbsorptionRow]:
    """Absorption of every group of `level` through quarter `triwulan` of `tahun`.

    One row per group and jenis (pendapatan, belanja and pembiayaan are never added together).
    Program, kegiatan and sub kegiatan levels hold only lines budgeted under a sub kegiatan
    (belanja); revenue and financing appear at the pemda, OPD and account levels.
    Queries: one for the bands (unless given), one for the roll-up (at account level with
    the accounts' names joined). Read from a roll-up table where one answers the level and
    filters (`_rollup_answers`, `_sk_rollup_answers`), else from the lines.
    """
    opd_key = ("pk", opd.pk) if isinstance(opd, Opd) else ("kode", opd)
    key = (
        region.pk,
        tahun,
        triwulan,
        level,
        depth,
        opd_key,
        jenis,
        account_prefix,
        parent,
        sumber_dana,
        _rollup_answers(level=level, depth=depth, account_prefix=account_prefix, parent=parent),
        _sk_rollup_answers(
            level=level, account_prefix=account_prefix, parent=parent, sumber_dana=sumber_dana
        ),
    )
    statement = _STATEMENTS.get(key)
    if statement is None:
        grouped = absorption_queryset(
            region=region,
            tahun=tahun,
            triwulan=triwulan,
            level=level,
            depth=depth,
            opd=opd,
            jenis=jenis,
            account_prefix=account_prefix,
            parent=parent,
            sumber_dana=sumber_dana,
        )
        statement = _statement(grouped, region=region, level=level)
        if len(_STATEMENTS) >= _STATEMENTS_KEPT:
            _STATEMENTS.clear()
        _STATEMENTS[key] = statement
    if bands is None:
        bands = bands_for(region_id=region.pk)
    return _run(statement, level=level, bands=bands)


# The statements `absorption` has compiled, by its arguments (and whether the roll-ups answer
# them): the same SQL and parameters every time, since they depend on nothing else. Building
# and compiling the queryset costs about 3 ms, as much as the statement itself on a small
# region, and the pages repeat the same few calls for every visitor of a region and period.
_STATEMENTS: dict[tuple, "Statement"] = {}
_STATEMENTS_KEPT = 2048


def absorption_queryset(
    *,
    region: Region,
    tahun: int,
    triwulan: int = 4,
    level: str = "opd",
    depth: int | None = None,
    opd: str | Opd | None = None,
    jenis: str | None = None,
    account_prefix: str | None = None,
    parent: str | None = None,
    sumber_dana: str | None = None,
) -> "QuerySet[DpaLine, Any]":
    """The roll-up as a lazy grouped queryset, for callers that filter it further in the
    database (see `category_filter`) before turning it into rows with `absorption_rows`.

    Each item has g_kode, g_nama, jenis and the sums s_pagu, s_pagu_murni, s_kas_kum,
    s_kas_tw, s_real_kum, s_real_tw and n_lines. `parent` keeps the lines under one program or
    kegiatan (codes are hierarchical: a sub kegiatan's code starts with its kegiatan's);
    `sumber_dana` the lines of one fund source ("" for those without one).
    """
    try:
        triwulan = check_triwulan(int(triwulan))
    except (TypeError, ValueError) as exc:
        raise SelectorError(str(exc)) from None
    if depth is not None and level != "akun":
        raise SelectorError("depth applies only to level akun")
    g_kode, g_nama, needs_sub_kegiatan = _group_fields(level, depth)
    if _sk_rollup_answers(
        level=level, account_prefix=account_prefix, parent=parent, sumber_dana=sumber_dana
    ):
        rows = _sk_rollup_rows(region=region, tahun=tahun, opd=opd, jenis=jenis, parent=parent)
        return _summed(rows.annotate(g_kode=g_kode, g_nama=g_nama), ("g_kode", "g_nama"), triwulan)
    if _rollup_answers(level=level, depth=depth, account_prefix=account_prefix, parent=parent):
        return _rollup_queryset(
            region=region,
            tahun=tahun,
            triwulan=triwulan,
            level=level,
            depth=depth,
            opd=opd,
            jenis=jenis,
            account_prefix=account_prefix,
            sumber_dana=sumber_dana,
        )

    lines = _lines(
        region=region,
        tahun=tahun,
        opd=opd,
        jenis=jenis,
        account_prefix=account_prefix,
        parent=parent,
        sumber_dana=sumber_dana,
        needs_sub_kegiatan=needs_sub_kegiatan,
    )
    return _grouped(
        lines, region=region, triwulan=triwulan, opd=opd, group={"g_kode": g_kode, "g_nama": g_nama}
    )


def _lines(
    *,
    region: Region,
    tahun: int,
    opd: str | Opd | None,
    jenis: str | None,
    account_prefix: str | None,
    parent: str | None,
    sumber_dana: str | None,
    needs_sub_kegiatan: bool,
) -> "QuerySet[DpaLine, Any]":
    """The DPA lines a roll-up read from the lines sums."""
    lines = _filtered(
        DpaLine.objects.filter(region=region, tahun=tahun),
        opd=opd,
        jenis=jenis,
        sumber_dana=sumber_dana,
        account_prefix=account_prefix,
        account_field="account__kode",
    )
    if needs_sub_kegiatan:
        lines = lines.filter(sub_kegiatan__isnull=False)
    if parent:
        lines = lines.filter(sub_kegiatan__kode__startswith=parent.rstrip(".") + ".")
    return lines


def _grouped(
    lines: "QuerySet[DpaLine, Any]",
    *,
    region: Region,
    triwulan: int,
    opd: str | Opd | None,
    group: dict[str, Combinable],
) -> "QuerySet[DpaLine, Any]":
    """The lines' sums by `group` (name -> expression) and jenis: one aggregate pass over a
    whole region, the per-line subqueries for one OPD's lines."""
    if opd is None:
        return _one_pass_queryset(lines, region=region, triwulan=triwulan, group=group)
    return _per_line_queryset(lines, triwulan=triwulan, group=group)


def _one_pass_queryset(
    lines: "QuerySet[DpaLine, Any]",
    *,
    region: Region,
    triwulan: int,
    group: dict[str, Combinable],
) -> "QuerySet[DpaLine, Any]":
    """The sums over a whole region's lines in one aggregate pass: each quarter's realisasi
    LEFT JOINed on (line, triwulan), grouped by the level's key. For a region's many lines
    PostgreSQL hashes each quarter's realisasi once instead of running two subqueries per
    line (100,000 lines: 0.9-1.8 s instead of 1.6-2.8 s); for the few lines a parent or
    account filter leaves it probes the index as the subqueries would."""
    return (
        lines.alias(**realisasi_joins(triwulan, region_id=region.pk))
        .annotate(**group)
        .order_by()
        .values(*group, "jenis")
        .annotate(
            **{a.sum_name: a.joined_sum_expr(triwulan) for a in SUMMED},
            n_lines=Count("id"),
        )
    )


def _per_line_queryset(
    lines: "QuerySet[DpaLine, Any]", *, triwulan: int, group: dict[str, Combinable]
) -> "QuerySet[DpaLine, Any]":
    """The sums with each line's realisasi read by correlated subqueries (two per line): for
    the lines of one OPD, where probing its lines by index is as fast as the joins or faster
    (TW IV of a 100,000-line region: an OPD of 1,200 lines 15-18 ms against 49-54 ms with
    the joins, which hash the region's realisasi; of 6,800 lines 46-99 against 53-82 ms)."""
    per_line = {f"_line_{a.key}": a.line_expr(triwulan) for a in SUMMED if a.line_expr}
    return (
        lines.annotate(**per_line, **group)
        .order_by()
        .values(*group, "jenis")
        .annotate(
            **{a.sum_name: money_sum(f"_line_{a.key}") for a in SUMMED},
            n_lines=Count("id"),
        )
    )


# The levels of the program structure, outermost first: each code starts with the code of the
# level above it (Permendagri 90).
PROGRAM_LEVELS = ("program", "kegiatan", "sub_kegiatan")
_LEVEL_TABLE = {"program": "p", "kegiatan": "kg", "sub_kegiatan": "sk"}


def absorption_levels(
    *,
    region: Region,
    tahun: int,
    triwulan: int = 4,
    levels: Iterable[str] = PROGRAM_LEVELS,
    opd: str | Opd | None = None,
    jenis: str | None = None,
    parent: str | None = None,
    sumber_dana: str | None = None,
    bands: Bands | None = None,
) -> dict[str, list[AbsorptionRow]]:
    """`absorption` at several program levels at once: each level's rows exactly as
    `absorption(level=...)` gives them, from one statement. The lines are summed by sub
    kegiatan in one aggregate pass (each line joined once with its realisasi), and those sums
    are summed again by program, kegiatan and sub kegiatan with GROUPING SETS: every summed
    amount is a sum over lines, so a group's sum is the sum of its sub kegiatan's. Without a
    fund source filter the sums by sub kegiatan are read from the sub kegiatan roll-ups
    instead of the lines (`_sk_rollup_answers`). Queries: one (and the bands unless given)."""
    levels = tuple(levels)
    if not levels or any(level not in PROGRAM_LEVELS for level in levels):
        raise SelectorError(f"levels must be among {', '.join(PROGRAM_LEVELS)}")
    try:
        triwulan = check_triwulan(int(triwulan))
    except (TypeError, ValueError) as exc:
        raise SelectorError(str(exc)) from None
    if bands is None:
        bands = bands_for(region_id=region.pk)
    per_sub: QuerySet[Any, Any]
    if _sk_rollup_answers(
        level="sub_kegiatan", account_prefix=None, parent=parent, sumber_dana=sumber_dana
    ):
        # The roll-up's rows as they are (one per OPD and sub kegiatan): the statement below
        # sums them by each level.
        rows = _sk_rollup_rows(region=region, tahun=tahun, opd=opd, jenis=jenis, parent=parent)
        amounts = {a.sum_name: a.rollup_expr(triwulan) for a in SUMMED if a.rollup_expr}
        per_sub = rows.annotate(g_sk=F("sub_kegiatan_id"), **amounts).values(
            "g_sk", "jenis", *amounts, "n_lines"
        )
    else:
        lines = _lines(
            region=region,
            tahun=tahun,
            opd=opd,
            jenis=jenis,
            account_prefix=None,
            parent=parent,
            sumber_dana=sumber_dana,
            needs_sub_kegiatan=True,
        )
        per_sub = _grouped(
            lines, region=region, triwulan=triwulan, opd=opd, group={"g_sk": F("sub_kegiatan_id")}
        )
    inner, params, inner_cols = _compiled(per_sub)
    out: dict[str, list[AbsorptionRow]] = {level: [] for level in levels}
    if inner is None:
        return out
    sql, cols = _levels_sql(inner, inner_cols, levels)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        records = cursor.fetchall()
    by_level: dict[str, list[tuple]] = {level: [] for level in levels}
    for r in records:
        by_level[r[0]].append(r)
    for level in levels:
        out[level] = _rows(by_level[level], cols, level=level, bands=bands)
    return out


def _levels_sql(
    inner: str, inner_cols: dict[str, int], levels: tuple[str, ...]
) -> tuple[str, dict[str, int]]:
    """The statement re-summing the per sub kegiatan sums (`inner`: g_sk, jenis, the sums and
    n_lines, one row or more per sub kegiatan) by each of `levels`, and the position of its
    columns. The groups are keyed by id (integers sort and hash faster than codes and names
    under the database's collation); their codes and names are joined to the few thousand
    groups after. Only our own fragments and Django's SQL go into the text."""
    q = connection.ops.quote_name
    sk, kg, p = (q(model._meta.db_table) for model in (SubKegiatan, Kegiatan, Program))
    to_kegiatan = q(SubKegiatan._meta.get_field("kegiatan").column)
    to_program = q(Kegiatan._meta.get_field("program").column)
    # Each level's key among the joined rows, and the table that names its groups.
    key = {"program": f"kg.{to_program}", "kegiatan": f"sk.{to_kegiatan}", "sub_kegiatan": "s.g_sk"}
    table = {"program": p, "kegiatan": kg, "sub_kegiatan": sk}
    named = {level: f"n_{_LEVEL_TABLE[level]}" for level in levels}

    def case(pick) -> str:
        whens = " ".join(f"WHEN GROUPING({key[level]}) = 0 THEN {pick(level)}" for level in levels)
        return f"CASE {whens} END"

    sums = [a.sum_name for a in SUMMED]
    for name in (*sums, "n_lines", "g_sk", "jenis"):
        if name not in inner_cols:
            raise SelectorError(f"the per sub kegiatan sums lack {name}")
    resummed = ", ".join(f"SUM(s.{q(name)}) AS {q(name)}" for name in sums)
    sets = ", ".join(f"({key[level]}, s.jenis)" for level in levels)
    joins = f" JOIN {sk} sk ON sk.id = s.g_sk"
    if "program" in levels:
        joins += f" JOIN {kg} kg ON kg.id = sk.{to_kegiatan}"
    grouped = (
        f"SELECT {case(lambda level: repr(level))} AS level,"  # noqa: S608 (see above)
        f" {case(lambda level: key[level])} AS g_id, s.jenis, {resummed},"
        # SUM of a bigint is a numeric: the count stays an integer.
        " SUM(s.n_lines)::bigint AS n_lines"
        f" FROM ({inner}) s{joins}"
        f" GROUP BY GROUPING SETS ({sets})"
    )
    names = " ".join(
        f" LEFT JOIN {table[level]} {named[level]}"
        f" ON g.level = '{level}' AND {named[level]}.id = g.g_id"
        for level in levels
    )
    kode = ", ".join(f"{named[level]}.kode" for level in levels)
    nama = ", ".join(f"{named[level]}.nama" for level in levels)
    sum_cols = ", ".join(f"g.{q(name)}" for name in sums)
    sql = (
        f"SELECT g.level, COALESCE({kode}) AS g_kode, COALESCE({nama}) AS g_nama,"  # noqa: S608
        f" g.jenis, {sum_cols}, g.n_lines FROM ({grouped}) g{names}"
    )
    columns = ["level", "g_kode", "g_nama", "jenis", *sums, "n_lines"]
    return sql, {name: i for i, name in enumerate(columns)}


def _filtered(
    rows: QuerySet[Any, Any],
    *,
    opd: str | Opd | None,
    jenis: str | None,
    sumber_dana: str | None,
    account_prefix: str | None,
    account_field: str,
) -> QuerySet[Any, Any]:
    """The filters DPA lines and roll-up rows share (both have opd, jenis, sumber_dana)."""
    if isinstance(opd, Opd):
        rows = rows.filter(opd=opd)
    elif opd is not None:
        rows = rows.filter(opd__kode=opd)
    if jenis is not None:
        rows = rows.filter(jenis=jenis)
    if account_prefix:
        prefix = account_prefix.rstrip(".")
        rows = rows.filter(
            Q(**{account_field: prefix}) | Q(**{f"{account_field}__startswith": prefix + "."})
        )
    if sumber_dana is not None:
        rows = rows.filter(sumber_dana=sumber_dana)
    return rows


# The roll-ups hold lines by OPD, jenis, account code to three segments (5.1.02) and fund
# source: the levels and filters they can answer without the lines.
ROLLUP_DEPTH = 3
ROLLUP_LEVELS = ("pemda", "opd", "sumber_dana", "akun")


def _rollup_answers(
    *, level: str, depth: int | None, account_prefix: str | None, parent: str | None
) -> bool:
    if level not in ROLLUP_LEVELS or parent or any(a.rollup_expr is None for a in SUMMED):
        return False
    if level == "akun" and (depth is None or depth > ROLLUP_DEPTH):
        return False
    return not account_prefix or account_prefix.rstrip(".").count(".") < ROLLUP_DEPTH


# The sub kegiatan roll-ups hold the lines budgeted under a sub kegiatan by OPD, sub kegiatan
# and jenis (budget.models.SubKegiatanRollup): they answer the program levels, and the pemda
# and OPD levels under one program or kegiatan (`parent`: only lines under a sub kegiatan),
# but neither an account nor a fund source filter.
SK_ROLLUP_LEVELS = ("program", "kegiatan", "sub_kegiatan")


def _sk_rollup_answers(
    *, level: str, account_prefix: str | None, parent: str | None, sumber_dana: str | None
) -> bool:
    if account_prefix or sumber_dana is not None or any(a.rollup_expr is None for a in SUMMED):
        return False
    return level in SK_ROLLUP_LEVELS or (level in ("pemda", "opd") and bool(parent))


def _sk_rollup_rows(
    *, region: Region, tahun: int, opd: str | Opd | None, jenis: str | None, parent: str | None
) -> "QuerySet[SubKegiatanRollup, Any]":
    rows = _filtered(
        SubKegiatanRollup.objects.filter(region=region, tahun=tahun, n_lines__gt=0),
        opd=opd,
        jenis=jenis,
        sumber_dana=None,
        account_prefix=None,
        account_field="",
    )
    if parent:
        rows = rows.filter(sub_kegiatan__kode__startswith=parent.rstrip(".") + ".")
    return rows


def _summed(rows: QuerySet[Any, Any], group: tuple[str, ...], triwulan: int) -> QuerySet[Any, Any]:
    """Roll-up rows (either table) summed by `group` (annotated names) and jenis: the items of
    `absorption_queryset`."""
    return (
        rows.order_by()
        .values(*group, "jenis")
        .annotate(
            **{a.sum_name: money_sum(a.rollup_expr(triwulan)) for a in SUMMED if a.rollup_expr},
            n_lines=Sum("n_lines"),
        )
    )


def _rollup_group_fields(level: str, depth: int | None) -> tuple[Combinable, Combinable]:
    if level == "akun":
        kode: Combinable = (
            F("akun3") if depth == ROLLUP_DEPTH else CodePrefix(F("akun3"), depth or ROLLUP_DEPTH)
        )
        return kode, Value("", output_field=CharField())
    g_kode, g_nama, _needs_sub_kegiatan = _group_fields(level, depth)
    return g_kode, g_nama


def _rollup_queryset(
    *,
    region: Region,
    tahun: int,
    triwulan: int,
    level: str,
    depth: int | None,
    opd: str | Opd | None,
    jenis: str | None,
    account_prefix: str | None,
    sumber_dana: str | None,
) -> "QuerySet[Any, Any]":
    """`absorption_queryset` from the roll-ups: the same items, the same sums, read from a
    few rows per OPD instead of every DPA line and its realisasi."""
    rows = _filtered(
        Rollup.objects.filter(region=region, tahun=tahun, n_lines__gt=0),
        opd=opd,
        jenis=jenis,
        sumber_dana=sumber_dana,
        account_prefix=account_prefix,
        account_field="akun3",
    )
    g_kode, g_nama = _rollup_group_fields(level, depth)
    return _summed(rows.annotate(g_kode=g_kode, g_nama=g_nama), ("g_kode", "g_nama"), triwulan)


def category_filter(*, band: Band, measure: str) -> Q:
    """A condition on the grouped queryset that holds exactly when the measure's ratio falls in
    `band`. Compared as numerator × 100 against bound × denominator: PostgreSQL multiplies
    numerics exactly, so the database agrees with `categorize` at every boundary."""
    m = measure_get(measure)
    num, den = AMOUNT_BY_KEY[m.numerator].sum_name, AMOUNT_BY_KEY[m.denominator].sum_name
    cond = Q(**{f"{den}__gt": 0})
    scaled = ExpressionWrapper(F(num) * 100, output_field=MONEY_FIELD)
    if band.lower is not None:
        op = "gte" if band.lower_inclusive else "gt"
        cond &= Q(_cmp_gte_or_gt(scaled, F(den) * band.lower, op))
    if band.upper is not None:
        op = "lte" if band.upper_inclusive else "lt"
        cond &= Q(_cmp_gte_or_gt(scaled, F(den) * band.upper, op))
    return cond


def _cmp_gte_or_gt(left: Combinable, right: Combinable, op: str) -> Lookup:
    from django.db.models.lookups import GreaterThan, GreaterThanOrEqual, LessThan, LessThanOrEqual

    lookup = {
        "gte": GreaterThanOrEqual,
        "gt": GreaterThan,
        "lte": LessThanOrEqual,
        "lt": LessThan,
    }[op]
    return lookup(left, right)


def absorption_rows(
    grouped: "QuerySet[DpaLine, Any]",
    *,
    region: Region,
    level: str,
    bands: Bands | None = None,
) -> list[AbsorptionRow]:
    """Evaluate a grouped queryset into rows with exact ratios and categories, sorted by code.

    `bands` (from `bands_for`) may be passed in by a caller that builds several tables. One
    query (and the bands unless given): at account level the accounts' names are joined to
    the groups in the same statement."""
    if bands is None:
        bands = bands_for(region_id=region.pk)
    return _run(_statement(grouped, region=region, level=level), level=level, bands=bands)


# A grouped roll-up as SQL, its parameters and each column's position; None for none.
Statement = tuple[str, tuple, dict[str, int]] | None


def _statement(grouped: QuerySet[Any, Any], *, region: Region, level: str) -> Statement:
    """The statement of a grouped queryset, at account level with the accounts' names."""
    sql, params, cols = _compiled(grouped)
    if sql is None:
        return None
    if level == "akun":
        # A group's code at any depth may name an account of the region's chart (unique by
        # region and code); else the standard chart names it.
        account = connection.ops.quote_name(Account._meta.db_table)
        sql = (
            f"SELECT g.*, a.uraian FROM ({sql}) g"  # noqa: S608 (Django's own SQL, a table name)
            f" LEFT JOIN {account} a ON a.region_id = %s AND a.kode = g.g_kode"
        )
        params = (*params, region.pk)
        cols = {**cols, "uraian": len(cols)}
    return sql, params, cols


def _run(statement: Statement, *, level: str, bands: Bands) -> list[AbsorptionRow]:
    if statement is None:
        return []
    sql, params, cols = statement
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        records = cursor.fetchall()
    return _rows(records, cols, level=level, bands=bands)


def _compiled(grouped: QuerySet[Any, Any]) -> tuple[str | None, tuple, dict[str, int]]:
    """The SQL of a grouped queryset, its parameters and the position of each named column;
    None for a queryset that can hold no row. Read with a plain cursor: one tuple a row, the
    Decimals and ints as psycopg gives them, no dict and no converter per value."""
    compiler = grouped.query.get_compiler(using=grouped.db)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:
        return None, (), {}
    # Every column of a values() query is aliased by its name (`compiler.select`'s alias).
    cols = {alias: i for i, (_expr, _sql, alias) in enumerate(compiler.select) if alias}
    return sql, tuple(params), cols


def _rows(
    records: list[tuple], cols: dict[str, int], *, level: str, bands: Bands
) -> list[AbsorptionRow]:
    """Rows from the grouped records (g_kode, g_nama, jenis, the sums, n_lines; `uraian` at
    account level), sorted by code then jenis."""
    i_kode, i_nama, i_jenis, i_n = cols["g_kode"], cols["g_nama"], cols["jenis"], cols["n_lines"]
    i_uraian = cols.get("uraian")
    sums = [(a.key, cols[a.sum_name]) for a in SUMMED]
    rows: list[tuple[str, int, AbsorptionRow]] = []
    for r in records:
        kode, jenis = r[i_kode], r[i_jenis]
        if level == "akun":
            nama = (r[i_uraian] if i_uraian is not None else None) or ACCOUNT_CHART.get(kode, "")
        elif level == "sumber_dana":
            nama = r[i_nama] or NO_SUMBER_DANA
        else:
            nama = r[i_nama]
        amounts = complete_amounts({key: r[i] for key, i in sums}, fresh=True)
        row = AbsorptionRow(kode, nama, jenis, r[i_n], amounts, bands)
        rows.append((kode, JENIS_ORDER.get(jenis, 9), row))
    # Sorted on the keys beside the rows: no call per row to make its key.
    rows.sort(key=itemgetter(0, 1))
    return [row for _kode, _order, row in rows]


def build_row(
    *, bands: Bands, kode: str, nama: str, jenis: str, line_count: int, **sums: Decimal
) -> AbsorptionRow:
    """Amounts, ratios and categories of one group from its exact sums (keyword per summed
    amount of the registry)."""
    return AbsorptionRow(
        kode=kode,
        nama=nama,
        jenis=jenis,
        line_count=line_count,
        amounts=complete_amounts(sums),
        bands=bands,
    )


@dataclass(frozen=True)
class QuarterPoint:
    triwulan: int
    kas_triwulan: Decimal
    kas_kumulatif: Decimal
    realisasi_triwulan: Decimal | None  # None after the quarter asked for
    realisasi_kumulatif: Decimal | None


def quarterly_series(
    *,
    region: Region,
    tahun: int,
    triwulan: int = 4,
    opd: str | Opd | None = None,
    jenis: str = Jenis.BELANJA.value,
) -> list[QuarterPoint]:
    """The cash plan and realisasi of each quarter, within and cumulative: the S-curve.

    Realisasi after `triwulan` is left out (None) so that a past quarter shows what was known
    then. One query over the roll-ups (a few rows per OPD and year, each with the quarters'
    cash plan and realisasi side by side), whatever the number of lines.
    """
    try:
        triwulan = check_triwulan(int(triwulan))
    except (TypeError, ValueError) as exc:
        raise SelectorError(str(exc)) from None
    rows = Rollup.objects.filter(region=region, tahun=tahun, jenis=jenis, n_lines__gt=0)
    if isinstance(opd, Opd):
        rows = rows.filter(opd=opd)
    elif opd is not None:
        rows = rows.filter(opd__kode=opd)
    sums = rows.aggregate(
        **{f"k{q}": money_sum(f"kas_tw{q}") for q in QUARTERS},
        **{f"r{q}": money_sum(f"real_tw{q}") for q in QUARTERS if q <= triwulan},
    )
    kas = {f"k{q}": sums[f"k{q}"] for q in QUARTERS}
    real = {q: sums[f"r{q}"] for q in QUARTERS if q <= triwulan}
    points: list[QuarterPoint] = []
    kas_kum = real_kum = ZERO
    for q in QUARTERS:
        kas_kum += kas[f"k{q}"]
        real_q = real.get(q, ZERO) if q <= triwulan else None
        if real_q is not None:
            real_kum += real_q
        points.append(
            QuarterPoint(
                triwulan=q,
                kas_triwulan=kas[f"k{q}"],
                kas_kumulatif=kas_kum,
                realisasi_triwulan=real_q,
                realisasi_kumulatif=real_kum if q <= triwulan else None,
            )
        )
    return points


@dataclass(frozen=True)
class Period:
    tahun: int
    triwulan: int


def period_resolve(
    *, latest: Period | None, tahun: int | None = None, triwulan: int | None = None
) -> Period | None:
    """The period meant by what was asked (either part may be missing): by default the latest
    quarter holding realisasi; a past year without a quarter means its whole year (TW IV).
    None when nothing is asked and the region has no DPA yet."""
    if tahun is None:
        if latest is None:
            return None
        tahun = latest.tahun
    if triwulan is None:
        triwulan = latest.triwulan if latest is not None and latest.tahun == tahun else 4
    return Period(tahun, triwulan)


def periods_available(*, region: Region) -> tuple[list[int], Period | None]:
    """The years with a DPA, and the latest quarter holding realisasi (or TW I of the latest
    year when nothing is realised yet). One query over the roll-ups (a few rows per OPD and
    year), not the realisasi."""
    per_year: Iterable[Any] = (
        Rollup.objects.filter(region=region, n_lines__gt=0)
        .order_by("-tahun")
        .values("tahun")
        .annotate(**{f"n{q}": Sum(f"nreal_tw{q}") for q in QUARTERS})
    )
    years: list[int] = []
    latest: Period | None = None
    for row in per_year:
        years.append(row["tahun"])
        if latest is None:
            realised = [q for q in QUARTERS if row[f"n{q}"]]
            if realised:
                latest = Period(row["tahun"], max(realised))
    if not years:
        return [], None
    return years, latest or Period(years[0], 1)


@dataclass(frozen=True)
class RankedRow:
    peringkat: int
    row: AbsorptionRow
    peringkat_sebelumnya: int | None

    @property
    def perubahan(self) -> int | None:
        """Places gained since the previous quarter (positive is better)."""
        if self.peringkat_sebelumnya is None:
            return None
        return self.peringkat_sebelumnya - self.peringkat


def opd_belanja_by_quarter(
    *, region: Region, tahun: int, quarters: tuple[int, ...], bands: Bands | None = None
) -> dict[int, list[AbsorptionRow]]:
    """Each OPD's belanja through each of `quarters`, as `absorption(level="opd",
    jenis="belanja")` gives it, in one pass over the roll-ups (the sums of every quarter side
    by side); from the lines, one roll-up per quarter, when the registry holds an amount the
    roll-ups cannot sum."""
    if bands is None:
        bands = bands_for(region_id=region.pk)
    if not _rollup_answers(level="opd", depth=None, account_prefix=None, parent=None):
        return {
            q: absorption(
                region=region, tahun=tahun, triwulan=q, level="opd", jenis="belanja", bands=bands
            )
            for q in quarters
        }
    sums = {
        f"q{q}_{a.sum_name}": money_sum(a.rollup_expr(q))
        for q in quarters
        for a in SUMMED
        if a.rollup_expr
    }
    raw: list[Any] = list(
        Rollup.objects.filter(region=region, tahun=tahun, jenis=Jenis.BELANJA.value, n_lines__gt=0)
        .order_by()
        .values(g_kode=F("opd__kode"), g_nama=F("opd__nama"))
        .annotate(**sums, n_lines=Sum("n_lines"))
    )
    return {
        q: sorted(
            (
                build_row(
                    kode=r["g_kode"],
                    nama=r["g_nama"],
                    jenis=Jenis.BELANJA.value,
                    line_count=r["n_lines"],
                    bands=bands,
                    **{a.key: r[f"q{q}_{a.sum_name}"] for a in SUMMED},
                )
                for r in raw
            ),
            key=lambda row: row.kode,
        )
        for q in quarters
    }


def opd_ranking(
    *,
    region: Region,
    tahun: int,
    triwulan: int,
    measure: str = DEFAULT_RANK_MEASURE,
    bands: Bands | None = None,
    reported: Callable[[int], Container[str]] | None = None,
    extra: Callable[[int], Mapping[str, MeasureValue]] | None = None,
) -> tuple[list[RankedRow], list[AbsorptionRow]]:
    """OPDs ranked by a rankable measure of their belanja (capaian against the cash plan by
    default), best first.

    OPDs whose ratio is undefined (no cash plan or no pagu yet) are not ranked; they are
    returned apart. With `reported` (quarter -> the OPD codes that reported it, see
    budget.coverage), an OPD that has not reported a quarter is left out of that quarter's
    ranking altogether: not ranked as if it had spent nothing. Movement is against the
    previous quarter of the same year.

    `extra` (quarter -> OPD code -> value) ranks by a measure computed elsewhere (nilai
    kinerja, budget.kinerja): each row carries it under the measure's key, as a measure of
    the registry, so that tables and charts show it alike.
    """
    if measure not in RANK_MEASURES and extra is None:
        raise SelectorError(f"measure must be one of {', '.join(RANK_MEASURES)}")

    try:
        triwulan = check_triwulan(int(triwulan))
    except (TypeError, ValueError) as exc:
        raise SelectorError(str(exc)) from None
    quarters = (triwulan, triwulan - 1) if triwulan > 1 else (triwulan,)
    by_quarter = opd_belanja_by_quarter(region=region, tahun=tahun, quarters=quarters, bands=bands)

    def ranked(q: int) -> tuple[list[AbsorptionRow], list[AbsorptionRow]]:
        rows = by_quarter[q]
        if extra is not None:
            given = extra(q)
            for r in rows:
                r.set_measure(measure, given[r.kode])  # undefined for an OPD it lacks
        if reported is not None:
            among = reported(q)
            rows = [r for r in rows if r.kode in among]

        def value(r: AbsorptionRow) -> Decimal | None:
            v = r.measure(measure)
            return None if v is None else v.ratio

        defined = [r for r in rows if value(r) is not None]
        defined.sort(key=lambda r: (-value(r), r.kode))  # type: ignore[operator]  # defined
        return defined, [r for r in rows if value(r) is None]

    now, unranked = ranked(triwulan)
    before: dict[str, int] = {}
    if triwulan > 1:
        previous, _unranked = ranked(triwulan - 1)
        before = {r.kode: i for i, r in enumerate(previous, start=1)}
    result = [
        RankedRow(peringkat=i, row=r, peringkat_sebelumnya=before.get(r.kode))
        for i, r in enumerate(now, start=1)
    ]
    return result, unranked


def unverified_count(statuses: Mapping[str, QuarterReport], kodes: Iterable[str]) -> int:
    """How many of the OPDs `kodes` have no verified report among `statuses` (OPD code ->
    the quarter's report): their figures may still change."""
    return sum(1 for kode in kodes if not (kode in statuses and statuses[kode].is_verified))
