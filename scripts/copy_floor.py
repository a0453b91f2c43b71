"""The floor an import is compared against: COPY of the same rows into the real tables.

    from scripts.copy_floor import copy_floor
    seconds = copy_floor(connection, "realisasi", "realisasi.csv")

The rows are those the import of the contract file would store (a DPA file's rows summed into
its lines; a realisasi file's figures on the DPA lines they name), prepared before the clock
starts; then one COPY ... FROM STDIN of them, in a transaction that is rolled back, so that
nothing changes. The clock covers the COPY and what PostgreSQL does for it: the foreign keys
(checked at once, as the import's commit checks them) and, with `triggers`, the audit trail
and the roll-up triggers. `vacuum` first vacuums the tables (outside the transaction), so that
the dead rows of earlier runs do not weigh on this one.

A realisasi file needs its DPA in the database; a DPA file whose OPDs, sub kegiatan and
accounts are not there yet is imported first inside the same rolled-back transaction.
"""

from __future__ import annotations

import io
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from psycopg.sql import SQL, Identifier

CHUNK = 1 << 20


class _Rollback(Exception):
    """Leaves the transaction rolled back once the time is taken."""


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

    if kind not in ("dpa", "realisasi"):
        raise ValueError('kind is "dpa" or "realisasi"')
    tables = ["budget_realisasi"] if kind == "realisasi" else ["budget_dpaline", "budget_realisasi"]
    if vacuum and not connection.in_atomic_block:  # VACUUM cannot run inside a transaction
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(SQL("VACUUM (ANALYZE) {}").format(Identifier(table)).as_string())
    seconds = 0.0
    try:
        with transaction.atomic(using=connection.alias):
            table, columns, rows = (_dpa_rows if kind == "dpa" else _realisasi_rows)(Path(path))
            data = _copy_text(rows)
            with connection.cursor() as cursor:
                # The deferred checks of a DPA imported just now (an empty database) fire
                # here, before the TRUNCATE, which refuses a table with pending trigger events.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                # TRUNCATE is transactional: the rollback brings the rows back.
                cursor.execute(
                    SQL("TRUNCATE {} CASCADE")
                    .format(SQL(", ").join(Identifier(t) for t in tables))
                    .as_string()
                )
                if not triggers:
                    cursor.execute(
                        SQL("ALTER TABLE {} DISABLE TRIGGER USER")
                        .format(Identifier(table))
                        .as_string()
                    )
                statement = SQL("COPY {} ({}) FROM STDIN").format(
                    Identifier(table), SQL(", ").join(Identifier(c) for c in columns)
                )
                started = time.perf_counter()
                with cursor.cursor.copy(statement) as copy:
                    for start in range(0, len(data), CHUNK):
                        copy.write(data[start : start + CHUNK])
                seconds = time.perf_counter() - started
            raise _Rollback
    except _Rollback:
        pass
    return seconds


def _dpa_rows(path: Path) -> tuple[str, list[str], list[tuple]]:
    """The DPA lines the import of `path` stores, by the importer's own reading and summing."""
    from django.utils import timezone

    from budget.importing.dpa import _check_columns, import_dpa, read_plan
    from budget.importing.errors import ImportRefused
    from budget.importing.reading import read_table

    table = read_table(path)
    plan = read_plan(table, _check_columns(table.columns))
    if plan.sum_errors:
        raise ImportRefused(plan.sum_errors)
    lines = plan.lines
    masters = _masters(lines)
    if masters is None:  # an empty database: the masters the COPY refers to, imported first
        import_dpa(table=table)
        masters = _masters(lines)
        if masters is None:  # pragma: no cover - the import wrote them
            raise RuntimeError("the DPA import did not write its OPDs and accounts")
    region, opds, subs, accounts = masters
    fields = list(plan.fields)
    now = timezone.now()
    rows = []
    for (tahun, opd, sub, acc), planned in lines.items():
        values = planned.fields(plan.fields)
        rows.append(
            (
                region,
                tahun,
                opds[opd],
                subs[sub] if sub else None,
                accounts[acc],
                planned.jenis,
                planned.pagu,
                *(values[name] for name in fields),
                *(("",) if "sumber_dana" not in fields else ()),
                now,
                now,
            )
        )
    columns = [
        "region_id",
        "tahun",
        "opd_id",
        "sub_kegiatan_id",
        "account_id",
        "jenis",
        "pagu_murni",
        *fields,
        *(("sumber_dana",) if "sumber_dana" not in fields else ()),
        "created_at",
        "updated_at",
    ]
    return "budget_dpaline", columns, rows


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


def _realisasi_rows(path: Path) -> tuple[str, list[str], list[tuple]]:
    """The figures the import of `path` stores, on the DPA lines they name."""
    from django.utils import timezone

    from budget.importing.errors import ImportRefused, RowError
    from budget.importing.reading import read_table
    from budget.importing.realisasi import _parse
    from budget.models import DpaLine

    parsed = list(_parse(read_table(path), False, None, None, None).rows())
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
    now = timezone.now()
    rows = []
    for r in parsed:
        pk, region = lines[(r.tahun, r.opd, r.sub, r.account)]
        rows.append((region, pk, r.triwulan, r.amount, now, now))
    columns = ["region_id", "line_id", "triwulan", "jumlah", "created_at", "updated_at"]
    return "budget_realisasi", columns, rows


def _copy_text(rows: Iterable[Sequence[object]]) -> bytes:
    """The rows in COPY's text format (as the importers write them), made before the clock
    starts."""
    from budget.bulk import copy_text

    out = io.StringIO()
    write = out.write
    for row in rows:
        write("\t".join(copy_text(v) for v in row))
        write("\n")
    return out.getvalue().encode()
