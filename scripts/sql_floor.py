"""The hand-written SQL floor of a region's absorption roll-up (issue 10).

`floor` computes, in one statement written by hand, the sums `budget.selectors.absorption`
computes for a level and its filters: what the ORM's query is measured against (the target
is within 1.5x of this floor) and what tests/test_absorption_floor.py proves it equal to.

Each row is `(kode, jenis, pagu, kas_kumulatif, realisasi_kumulatif, pagu_murni,
kas_triwulan, realisasi_triwulan, n_lines)` with exact `Decimal` amounts, sorted by kode then
jenis in code-point order (COLLATE "C", as Python sorts strings). The three sums the roll-up
is about come first; the others are the rest of what the ORM's query sums, so that the floor
does the same work.

Two forms of the same sums:
- "derived": realisasi summed per line in a derived table restricted to the region and the
  year, LEFT JOINed once to the lines (the way one would write it by hand);
- "joins": one LEFT JOIN of realisasi per quarter on (line, triwulan) and the region, each
  at most one row per line: the shape the ORM emits, and the faster of the two on a
  region-wide roll-up of 100,000 lines.
"""

import statistics
import time
from typing import Any

MAX_ACCOUNT_DEPTH = 6
LEVELS = ("pemda", "opd", "program", "kegiatan", "sub_kegiatan", "akun", "sumber_dana")
FORMS = ("derived", "joins")

# The joins each level's key needs, and the key itself.
_KEY_JOINS = {
    "pemda": ("JOIN budget_region g ON g.id = l.region_id", "g.kode"),
    "opd": ("JOIN budget_opd g ON g.id = l.opd_id", "g.kode"),
    "program": (
        "JOIN budget_subkegiatan sk ON sk.id = l.sub_kegiatan_id "
        "JOIN budget_kegiatan kg ON kg.id = sk.kegiatan_id "
        "JOIN budget_program g ON g.id = kg.program_id",
        "g.kode",
    ),
    "kegiatan": (
        "JOIN budget_subkegiatan sk ON sk.id = l.sub_kegiatan_id "
        "JOIN budget_kegiatan g ON g.id = sk.kegiatan_id",
        "g.kode",
    ),
    "sub_kegiatan": ("JOIN budget_subkegiatan g ON g.id = l.sub_kegiatan_id", "g.kode"),
    "sumber_dana": ("", "l.sumber_dana"),
}


def _like_prefix(prefix: str) -> str:
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"


def _key(level: str, depth: int | None) -> tuple[str, list[str]]:
    """The key expression of a level and the joins it needs."""
    if level == "akun":
        d = MAX_ACCOUNT_DEPTH if depth is None else int(depth)
        if not 1 <= d <= MAX_ACCOUNT_DEPTH:
            raise ValueError(f"depth must be between 1 and {MAX_ACCOUNT_DEPTH}")
        return f"array_to_string((string_to_array(a.kode, '.'))[1:{d}], '.')", []
    join, key = _KEY_JOINS[level]
    return key, [join] if join else []


def _line_filters(
    level: str,
    params: dict[str, Any],
    joins: list[str],
    *,
    jenis: str | None,
    opd_id: int | None,
    parent: str | None,
    account_prefix: str | None,
) -> list[str]:
    """The WHERE conditions on the lines (l) for the filters; adds joins and parameters."""
    where = ["l.region_id = %(region)s", "l.tahun = %(tahun)s"]
    if jenis is not None:
        where.append("l.jenis = %(jenis)s")
        params["jenis"] = jenis
    if opd_id is not None:
        where.append("l.opd_id = %(opd)s")
        params["opd"] = opd_id
    if level in ("program", "kegiatan", "sub_kegiatan") or parent:
        where.append("l.sub_kegiatan_id IS NOT NULL")
    if parent:
        # The sub kegiatan is joined already at these levels; else join it for the filter.
        sub_kode = {"sub_kegiatan": "g.kode", "program": "sk.kode", "kegiatan": "sk.kode"}.get(
            level, "psk.kode"
        )
        if sub_kode == "psk.kode":
            joins.append("JOIN budget_subkegiatan psk ON psk.id = l.sub_kegiatan_id")
        where.append(f"{sub_kode} LIKE %(parent)s")
        params["parent"] = _like_prefix(parent.rstrip(".") + ".")
    if account_prefix:
        prefix = account_prefix.rstrip(".")
        where.append("(a.kode = %(acc)s OR a.kode LIKE %(acc_like)s)")
        params["acc"] = prefix
        params["acc_like"] = _like_prefix(prefix + ".")
    return where


def _realisasi(
    form: str, triwulan: int, joins: list[str], *, jenis: str | None, opd_id: int | None
) -> tuple[str, str]:
    """The realisasi sums (through the quarter, within it) of a group; adds their joins."""
    if form == "joins":
        for q in range(1, triwulan + 1):
            joins.append(
                f"LEFT JOIN budget_realisasi r{q} ON r{q}.line_id = l.id AND r{q}.triwulan = {q}"
                f" AND r{q}.region_id = %(region)s"
            )
        real_kum = " + ".join(f"COALESCE(SUM(r{q}.jumlah), 0)" for q in range(1, triwulan + 1))
        return real_kum, f"COALESCE(SUM(r{triwulan}.jumlah), 0)"
    # Realisasi has no year of its own: the year (and the other line filters that need no
    # join) come from its line.
    line_where = ["rl.region_id = %(region)s", "rl.tahun = %(tahun)s"]
    if jenis is not None:
        line_where.append("rl.jenis = %(jenis)s")
    if opd_id is not None:
        line_where.append("rl.opd_id = %(opd)s")
    joins.append(
        "LEFT JOIN ("  # noqa: S608 (as above)
        " SELECT r.line_id, SUM(r.jumlah) AS kum,"
        " SUM(r.jumlah) FILTER (WHERE r.triwulan = %(tw)s) AS tw"
        " FROM budget_realisasi r JOIN budget_dpaline rl ON rl.id = r.line_id"
        " WHERE r.region_id = %(region)s AND r.triwulan <= %(tw)s AND "
        + " AND ".join(line_where)
        + " GROUP BY r.line_id"
        ") r ON r.line_id = l.id"
    )
    return "COALESCE(SUM(r.kum), 0)", "COALESCE(SUM(r.tw), 0)"


def floor_sql(
    *,
    region_id: int,
    tahun: int,
    triwulan: int,
    level: str,
    depth: int | None = None,
    jenis: str | None = None,
    opd_id: int | None = None,
    parent: str | None = None,
    account_prefix: str | None = None,
    form: str = "derived",
) -> tuple[str, dict[str, Any]]:
    """The statement and its parameters (see `floor`). Only our own fragments and integers
    are put in the text; every value from the caller is a parameter."""
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}")
    if form not in FORMS:
        raise ValueError(f"form must be one of {', '.join(FORMS)}")
    if triwulan not in (1, 2, 3, 4):
        raise ValueError("triwulan must be 1..4")
    if depth is not None and level != "akun":
        raise ValueError("depth applies only to level akun")
    params: dict[str, Any] = {"region": region_id, "tahun": tahun, "tw": triwulan}
    key, joins = _key(level, depth)
    if level == "akun" or account_prefix:
        joins.append("JOIN budget_account a ON a.id = l.account_id")
    where = _line_filters(
        level,
        params,
        joins,
        jenis=jenis,
        opd_id=opd_id,
        parent=parent,
        account_prefix=account_prefix,
    )
    real_kum, real_tw = _realisasi(form, triwulan, joins, jenis=jenis, opd_id=opd_id)
    kas_kum = " + ".join(f"l.kas_tw{q}" for q in range(1, triwulan + 1))
    sql = (
        f"SELECT {key} AS kode, l.jenis,"  # noqa: S608 (our own fragments and ints; values are %(name)s)
        f" COALESCE(SUM(l.pagu), 0), COALESCE(SUM({kas_kum}), 0), {real_kum},"
        f" COALESCE(SUM(l.pagu_murni), 0), COALESCE(SUM(l.kas_tw{triwulan}), 0), {real_tw},"
        " COUNT(*)"
        f" FROM budget_dpaline l {' '.join(joins)} WHERE {' AND '.join(where)}"
        f' GROUP BY 1, 2 ORDER BY {key} COLLATE "C", l.jenis COLLATE "C"'
    )
    return sql, params


def floor(
    connection,
    *,
    region_id: int,
    tahun: int,
    triwulan: int,
    level: str,
    depth: int | None = None,
    jenis: str | None = None,
    opd_id: int | None = None,
    parent: str | None = None,
    account_prefix: str | None = None,
    form: str = "derived",
) -> list[tuple]:
    """The roll-up of `level` over region `region_id`, through quarter `triwulan` of `tahun`,
    in one hand-written statement on `connection` (a Django connection or a DB-API one).
    `opd_id` is the OPD's primary key; `parent` keeps the lines whose sub kegiatan code starts
    with it; `account_prefix` those whose account code is it or starts with it."""
    sql, params = floor_sql(
        region_id=region_id,
        tahun=tahun,
        triwulan=triwulan,
        level=level,
        depth=depth,
        jenis=jenis,
        opd_id=opd_id,
        parent=parent,
        account_prefix=account_prefix,
        form=form,
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [tuple(row) for row in cursor.fetchall()]


def time_floor(connection, repeat: int = 5, **kwargs: Any) -> float:
    """The median wall time, in seconds, of `repeat` runs of `floor(connection, **kwargs)`."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        floor(connection, **kwargs)
        times.append(time.perf_counter() - start)
    return statistics.median(times)
