"""Bulk writes at the speed of PostgreSQL: COPY for new rows, one UPDATE for changed ones.

Both run inside the caller's transaction (the import's locks and checks hold until it commits)
and fire every trigger a row-by-row write fires: the audit trail (django-pghistory's row
triggers) and the roll-ups (migration 0007's statement triggers, which read the transition
tables; PostgreSQL fires them for COPY FROM as for INSERT, once per statement).

Django's own bulk_create and bulk_update send a statement per 2000 rows with every value
as a parameter, and bulk_update a CASE per field and row: an import of 400 000 figures spent
most of its time there.
"""

import time
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, transaction
from django.db.models import DateTimeField, Field, Model
from django.utils import timezone
from psycopg import sql


def _require_atomic() -> None:
    if not transaction.get_connection().in_atomic_block:
        # The rows are part of the caller's write: all of them, with its locks, or none.
        raise transaction.TransactionManagementError("bulk writes run inside transaction.atomic()")


def _field(model: type[Model], name: str) -> Field:
    found = model._meta.get_field(name)  # a field's name or its attname (line_id)
    if not isinstance(found, Field) or not found.concrete:
        raise ValueError(f"{model.__name__}.{name} is not a column")
    return found


def _column(f: Field) -> str:
    if f.column is None:  # pragma: no cover - _field() takes concrete fields only
        raise ValueError(f"{f.name} has no column")
    return f.column


def _log(statement: str, started: float) -> None:
    """COPY does not go through Django's cursor.execute: counted with the queries anyway."""
    if connection.queries_logged:
        connection.queries_log.append(
            {"sql": statement, "time": f"{time.monotonic() - started:.3f}"}
        )


def _carry_history_context() -> None:
    """pghistory sets its context (the command, the file, the user) on every statement that
    goes through cursor.execute, for the transaction; COPY does not, so one such statement
    runs first and the history rows of the copied rows carry the context like any other."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL serapan.bulk_write = 'copy'")


def copy_rows(model: type[Model], fields: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Insert `rows` (values in the order of `fields`) into `model`'s table with COPY FROM
    STDIN; returns how many. The columns not in `fields` (except the key) get what
    bulk_create would give them: their default, or now for auto_now and auto_now_add."""
    _require_atomic()
    given = [_field(model, name) for name in fields]
    given_names = {f.attname for f in given}
    filled = [
        f for f in model._meta.concrete_fields if f.attname not in given_names and not f.primary_key
    ]
    now = timezone.now()
    extra = tuple(
        now if isinstance(f, DateTimeField) and (f.auto_now or f.auto_now_add) else f.get_default()
        for f in filled
    )
    columns: list[sql.Composable] = [sql.Identifier(_column(f)) for f in (*given, *filled)]
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(model._meta.db_table), sql.SQL(", ").join(columns)
    )
    _carry_history_context()
    started = time.monotonic()
    n = 0
    with connection.cursor() as cursor:
        raw = cursor.cursor  # the psycopg cursor under Django's wrapper
        with raw.copy(statement) as copy:
            write = copy.write_row
            if extra:
                for row in rows:
                    write((*row, *extra))
                    n += 1
            else:
                for row in rows:
                    write(row)
                    n += 1
    _log(statement.as_string(raw), started)
    return n


def update_rows(
    model: type[Model],
    key_fields: Sequence[str],
    fields: Sequence[str],
    rows: Iterable[Sequence[Any]],
) -> int:
    """Set `fields` on the rows found by `key_fields`, in one statement whatever their number:
    `UPDATE ... FROM unnest(%s::type[], ...)`. Each row gives the key's values, then the
    fields' (in that order); keys must be unique. Returns how many rows were updated."""
    _require_atomic()
    rows = list(rows)
    if not rows:
        return 0
    keys = [_field(model, name) for name in key_fields]
    values = [_field(model, name) for name in fields]
    every = [*keys, *values]
    arrays = [list(column) for column in zip(*rows, strict=True)]
    if len(arrays) != len(every):
        raise ValueError(f"each row needs {len(every)} values: {[f.name for f in every]}")
    v = [sql.Identifier(f"v{i}") for i in range(len(every))]
    assign: list[sql.Composable] = [
        sql.SQL("{} = v.{}").format(sql.Identifier(_column(f)), v[len(keys) + i])
        for i, f in enumerate(values)
    ]
    # Typed as the columns are, so that the key's comparison uses its index.
    typed: list[sql.Composable] = [
        sql.SQL("%s::{}[]").format(sql.SQL(f.db_type(connection) or "")) for f in every
    ]
    match: list[sql.Composable] = [
        sql.SQL("t.{} = v.{}").format(sql.Identifier(_column(f)), v[i]) for i, f in enumerate(keys)
    ]
    statement = sql.SQL(
        "UPDATE {table} AS t SET {assign} FROM unnest({arrays}) AS v({names}) WHERE {match}"
    ).format(
        table=sql.Identifier(model._meta.db_table),
        assign=sql.SQL(", ").join(assign),
        arrays=sql.SQL(", ").join(typed),
        names=sql.SQL(", ").join(v),
        match=sql.SQL(" AND ").join(match),
    )
    with connection.cursor() as cursor:
        cursor.execute(statement.as_string(cursor.cursor), arrays)
        return cursor.rowcount
