"""The floor an import is compared against: COPY of the same rows into the real tables.

    from scripts.copy_floor import copy_floor
    seconds = copy_floor(connection, "realisasi", "realisasi.csv")

The rows are every row the import of the contract file stores itself, whatever table holds
it: for a DPA file the region, its OPDs, programs, kegiatan, sub kegiatan and accounts, the
DPA lines, the DPA version with its line snapshots and sums; for a realisasi file the
figures and the quarterly reports they open. What the database's triggers write (the audit
trail, the roll-ups, the change sets) is left to the triggers, as in the import. The rows
are made by the import itself, run before the clock starts when they are not in the
database yet, read back with `COPY TO`, the tables emptied (TRUNCATE), and then, with the
clock running, written back with one `COPY ... FROM STDIN` per table in the order of their
foreign keys; all in a transaction that is rolled back, so that nothing changes. The clock
covers the COPYs and what PostgreSQL does for them: the foreign keys (checked at once, as the
import's commit checks them) and, with `triggers`, the audit trail and the roll-up triggers.
`vacuum` first vacuums the tables (outside the transaction), so that the dead rows of
earlier runs do not weigh on this one.

A realisasi file needs its DPA in the database.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from psycopg.sql import SQL, Composable, Identifier

CHUNK = 1 << 20


class _Rollback(Exception):
    """Leaves the transaction rolled back once the time is taken."""


@dataclass(frozen=True)
class _Stored:
    """The rows of one table that an import stores: `where` picks them, with the region's
    id as %(region)s and the file's years as %(years)s."""

    table: str
    where: str


_REGION = "region_id = %(region)s"
_YEARS = "region_id = %(region)s AND tahun = ANY(%(years)s)"
_VERSIONS = (
    "version_id IN (SELECT id FROM budget_dpaversion"
    " WHERE region_id = %(region)s AND tahun = ANY(%(years)s))"
)
# In the order of their foreign keys.
STORED = {
    "dpa": (
        _Stored("budget_region", "id = %(region)s"),
        _Stored("budget_opd", _REGION),
        _Stored("budget_program", _REGION),
        _Stored("budget_kegiatan", _REGION),
        _Stored("budget_subkegiatan", _REGION),
        _Stored("budget_account", _REGION),
        _Stored("budget_dpaline", _YEARS),
        _Stored("budget_dpaversion", _YEARS),
        _Stored("budget_dpalineversion", _VERSIONS),
        _Stored("budget_dpaversionrollup", _VERSIONS),
    ),
    "realisasi": (
        _Stored("budget_quarterreport", _YEARS),
        _Stored(
            "budget_realisasi",
            "line_id IN (SELECT id FROM budget_dpaline"
            " WHERE region_id = %(region)s AND tahun = ANY(%(years)s))",
        ),
    ),
}


# The tables whose audit trail (pghistory's event table, `<table>event`) triggers write.
HISTORY = {"budget_dpaline", "budget_realisasi", "budget_quarterreport"}


def copy_floor(
    connection: Any,
    kind: str,
    path: str | Path,
    *,
    triggers: bool = True,
    vacuum: bool = True,
) -> float:
    """Seconds to COPY the rows an import of the contract file `path` (kind "dpa" or
    "realisasi") stores, into the real tables; `connection` is a Django database connection
    (django.db.connection or connections[alias]). Nothing is left written."""
    from django.db import transaction

    if kind not in STORED:
        raise ValueError('kind is "dpa" or "realisasi"')
    stored = STORED[kind]
    if vacuum and not connection.in_atomic_block:  # VACUUM cannot run inside a transaction
        with connection.cursor() as cursor:
            for s in stored:
                cursor.execute(SQL("VACUUM (ANALYZE) {}").format(Identifier(s.table)).as_string())
    seconds = 0.0
    try:
        with transaction.atomic(using=connection.alias):
            region, years = (_dpa_rows if kind == "dpa" else _realisasi_rows)(Path(path))
            params = {"region": region, "years": sorted(years)}
            with connection.cursor() as cursor:
                # The import's deferred checks fire here, before the TRUNCATE, which refuses
                # a table with pending trigger events.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                data = [_copy_out(cursor, s, params) for s in stored]
                # TRUNCATE is transactional: the rollback brings the rows back.
                names = SQL(", ").join(Identifier(s.table) for s in stored)
                cursor.execute(SQL("TRUNCATE {} CASCADE").format(names).as_string())
                if not triggers:
                    for s in stored:
                        cursor.execute(
                            SQL("ALTER TABLE {} DISABLE TRIGGER USER")
                            .format(Identifier(s.table))
                            .as_string()
                        )
                started = time.perf_counter()
                for s, rows in zip(stored, data, strict=True):
                    statement = SQL("COPY {} FROM STDIN").format(Identifier(s.table))
                    with cursor.cursor.copy(statement) as copy:
                        for start in range(0, len(rows), CHUNK):
                            copy.write(rows[start : start + CHUNK])
                seconds = time.perf_counter() - started
            raise _Rollback
    except _Rollback:
        pass
    return seconds


def _copy_out(cursor: Any, stored: _Stored, params: dict[str, Any]) -> bytes:
    """The rows `stored` names, in COPY's text format, all columns in the table's order."""
    query: Composable = SQL("COPY (SELECT * FROM {} WHERE {}) TO STDOUT").format(
        Identifier(stored.table), SQL(stored.where)
    )
    out = io.BytesIO()
    # COPY takes no parameters: they are bound client-side into the statement.
    statement = cursor.cursor.mogrify(query.as_string(), params)
    with cursor.cursor.copy(statement) as copy:
        for chunk in copy:
            out.write(chunk)
    return out.getvalue()


def _without_history(kind: str, run: Callable[[], object]) -> None:
    """Run the import that makes the rows, then remove the audit trail it wrote (which takes
    its change sets away with it), so that the timed COPY writes its history into the same
    state the import found, not after an earlier copy of itself."""
    from django.db import connection

    events = [f"{s.table}event" for s in STORED[kind] if s.table in HISTORY]
    with connection.cursor() as cursor:
        marks = {}
        for table in events:
            cursor.execute(SQL("SELECT max(pgh_id) FROM {}").format(Identifier(table)).as_string())
            marks[table] = cursor.fetchone()[0] or 0
        run()
        for table, mark in marks.items():
            cursor.execute(
                SQL("DELETE FROM {} WHERE pgh_id > %s").format(Identifier(table)).as_string(),
                [mark],
            )


def _dpa_rows(path: Path) -> tuple[int, set[int]]:
    """The region and years of the DPA file `path`, its import's rows in the database (the
    import run first when its OPDs, sub kegiatan and accounts are not there)."""
    from budget.importing.dpa import _check_columns, import_dpa, read_plan
    from budget.importing.errors import ImportRefused
    from budget.importing.reading import read_table

    table = read_table(path)
    plan = read_plan(table, _check_columns(table.columns))
    if plan.sum_errors:
        raise ImportRefused(plan.sum_errors)
    lines = plan.lines
    masters = _masters(lines)
    if masters is None:  # an empty database: the import writes the rows first
        _without_history("dpa", lambda: import_dpa(table=table))
        masters = _masters(lines)
        if masters is None:  # pragma: no cover - the import wrote them
            raise RuntimeError("the DPA import did not write its OPDs and accounts")
    return masters[0], {key[0] for key in lines}


def _masters(lines: dict) -> tuple[int, dict, dict, dict] | None:
    """The region and the ids of the OPDs, sub kegiatan and accounts the lines name, when one
    region holds them all; None otherwise."""
    from budget.models import Account, Opd, Region, SubKegiatan

    opd_codes = {k[1] for k in lines}
    sub_codes = {k[2] for k in lines if k[2]}
    acc_codes = {k[3] for k in lines}
    for region in Region.objects.order_by("pk").values_list("pk", flat=True):
        opds = dict(
            Opd.objects.filter(region_id=region, kode__in=opd_codes).values_list("kode", "pk")
        )
        subs = dict(
            SubKegiatan.objects.filter(region_id=region, kode__in=sub_codes).values_list(
                "kode", "pk"
            )
        )
        accounts = dict(
            Account.objects.filter(region_id=region, kode__in=acc_codes).values_list("kode", "pk")
        )
        if (
            len(opds) == len(opd_codes)
            and len(subs) == len(sub_codes)
            and len(accounts) == len(acc_codes)
        ):
            return region, opds, subs, accounts
    return None


def _realisasi_rows(path: Path) -> tuple[int, set[int]]:
    """The region and years of the realisasi file `path`, its import run first when the
    figures are not in the database yet."""
    from budget.importing.errors import ImportRefused, RowError
    from budget.importing.reading import read_table
    from budget.importing.realisasi import _parse, import_realisasi
    from budget.models import DpaLine, Realisasi, Region

    table = read_table(path)
    parsed = list(_parse(table, False, None, None, None).rows())
    lines: dict[tuple, tuple[int, int]] = {}
    for *key, pk, region in DpaLine.objects.filter(tahun__in={r.tahun for r in parsed}).values_list(
        "tahun", "opd__kode", "sub_kegiatan__kode", "account__kode", "pk", "region_id"
    ):
        if tuple(key) in lines:
            raise ValueError(f"the DPA line {tuple(key)} is in two regions: copy_floor wants one")
        lines[tuple(key)] = (pk, region)
    missing = [r for r in parsed if (r.tahun, r.opd, r.sub, r.account) not in lines]
    if missing:
        raise ImportRefused(
            [
                RowError(r.row, "kode_rekening", "no DPA line: import the DPA first")
                for r in missing[:20]
            ]
        )
    named = [lines[(r.tahun, r.opd, r.sub, r.account)] for r in parsed]
    regions = {region for _pk, region in named}
    if len(regions) != 1:
        raise ValueError("the file names DPA lines of several regions: copy_floor wants one")
    region = regions.pop()
    if not Realisasi.objects.filter(line_id__in={pk for pk, _r in named}).exists():
        kode = Region.objects.get(pk=region).kode
        _without_history("realisasi", lambda: import_realisasi(table=table, region_kode=kode))
    return region, {r.tahun for r in parsed}
