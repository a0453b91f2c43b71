"""Bulk writes at the speed of PostgreSQL: COPY for new rows, one INSERT for new rows whose
keys the caller needs back, one UPDATE for changed ones.

Both run inside the caller's transaction (the import's locks and checks hold until it commits)
and fire every trigger a row-by-row write fires: the audit trail (django-pghistory's row
triggers) and the roll-ups (migration 0007's statement triggers, which read the transition
tables; PostgreSQL fires them for COPY FROM as for INSERT, once per statement).

Django's own bulk_create and bulk_update send a statement per 2000 rows with every value
as a parameter, and bulk_update a CASE per field and row: an import of 400 000 figures spent
most of its time there. Here a statement carries one array per column, whatever the number of
rows (psycopg's client-side binding splits a statement's text for every parameter: 240 quarter
reports of 20 fields each cost it as much as COPY of 4 000 figures).
"""

import time
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
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


def _copy_statement(model: type[Model], fields: Sequence[str]) -> tuple[sql.Composed, tuple]:
    """The COPY statement of `fields` and the columns bulk_create would fill (`_defaults`),
    and those columns' values; inside a transaction, with the audit trail's context."""
    _require_atomic()
    given = [_field(model, name) for name in fields]
    filled, extra = _defaults(model, given)
    columns: list[sql.Composable] = [sql.Identifier(_column(f)) for f in (*given, *filled)]
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(model._meta.db_table), sql.SQL(", ").join(columns)
    )
    _carry_history_context()
    return statement, extra


def copy_rows(model: type[Model], fields: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Insert `rows` (values in the order of `fields`) into `model`'s table with COPY FROM
    STDIN; returns how many. The columns not in `fields` (except the key) get what
    bulk_create would give them: their default, or now for auto_now and auto_now_add."""
    statement, extra = _copy_statement(model, fields)
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


# Lines are sent to PostgreSQL in batches of this many.
COPY_BATCH = 2048


def copy_lines(model: type[Model], fields: Sequence[str], lines: Iterable[str]) -> int:
    """copy_rows for rows the caller writes as COPY's text itself: each line the values of
    `fields`, tab-separated, `\\N` for NULL, without the newline, escaped by the caller (or
    with nothing to escape: numbers, timestamps, codes, choices); the columns not in `fields`
    get what copy_rows gives them. psycopg's write_row dumps value by value; a line made by
    one f-string costs a fifth of that, seconds for a province's 1.6 million figures. Returns
    how many lines."""
    statement, extra = _copy_statement(model, fields)
    tail = "".join("\t" + copy_text(value) for value in extra) + "\n"
    started = time.monotonic()
    n = 0
    batch: list[str] = []
    add = batch.append
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(statement) as copy:
            for line in lines:
                add(line)
                add(tail)
                if len(batch) >= 2 * COPY_BATCH:
                    copy.write("".join(batch))
                    n += COPY_BATCH
                    batch.clear()
            copy.write("".join(batch))
            n += len(batch) // 2
    _log(statement.as_string(raw), started)
    return n


def copy_text(value: Any) -> str:
    """One value in COPY's text format."""
    if value is None:
        return "\\N"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bool):
        return "t" if value else "f"
    text = str(value)
    if any(c in text for c in "\\\t\n\r"):
        text = (
            text.replace("\\", "\\\\")
            .replace("\t", "\\t")
            .replace("\n", "\\n")
            .replace("\r", "\\r")
        )
    return text


def _defaults(model: type[Model], given: Sequence[Field]) -> tuple[list[Field], tuple]:
    """The columns not `given` (the key aside) and what bulk_create would give them: their
    default, or now for auto_now and auto_now_add."""
    names = {f.attname for f in given}
    filled = [
        f for f in model._meta.concrete_fields if f.attname not in names and not f.primary_key
    ]
    now = timezone.now()
    values = tuple(
        now if isinstance(f, DateTimeField) and (f.auto_now or f.auto_now_add) else f.get_default()
        for f in filled
    )
    return filled, values


def _array_type(f: Field) -> sql.Composable:
    """`%s::type[]`, the column's own type, so that comparisons use its index."""
    db_type = f.db_type(connection) or ""
    if db_type.endswith("]"):  # unnest() flattens an array of arrays: give it as a constant
        raise ValueError(f"{f.name} is an array: give it in `constants`, the same for every row")
    return sql.SQL("%s::{}[]").format(sql.SQL(db_type))


def insert_rows(
    model: type[Model],
    fields: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    constants: Mapping[str, Any] | None = None,
    returning: Sequence[str] = (),
) -> list[tuple]:
    """Insert `rows` (values in the order of `fields`) into `model`'s table in one statement,
    `INSERT ... SELECT FROM unnest(%s::type[], ...)`, whatever their number; `constants` are
    fields with the same value on every row (an array field must be one). The other columns
    get what bulk_create gives them. Returns the `returning` fields of each row inserted (the
    key, say, to map the new ids), in no promised order."""
    _require_atomic()
    rows = list(rows)
    if not rows:
        return []
    constants = dict(constants or {})
    given = [_field(model, name) for name in fields]
    fixed = [_field(model, name) for name in constants]
    filled, defaults = _defaults(model, [*given, *fixed])
    arrays = [list(column) for column in zip(*rows, strict=True)]
    if len(arrays) != len(given):
        raise ValueError(f"each row needs {len(given)} values: {[f.name for f in given]}")
    prepared = [
        f.get_db_prep_save(value, connection)
        for f, value in zip((*fixed, *filled), (*constants.values(), *defaults), strict=True)
    ]
    v = [sql.Identifier(f"v{i}") for i in range(len(given))]
    selected: list[sql.Composable] = [sql.SQL("v.{}").format(name) for name in v]
    selected += [
        sql.SQL("%s::{}").format(sql.SQL(f.db_type(connection) or "")) for f in (*fixed, *filled)
    ]
    statement = sql.SQL(
        "INSERT INTO {table} ({columns}) SELECT {selected} FROM unnest({arrays}) AS v({names})"
    ).format(
        table=sql.Identifier(model._meta.db_table),
        columns=sql.SQL(", ").join(sql.Identifier(_column(f)) for f in (*given, *fixed, *filled)),
        selected=sql.SQL(", ").join(selected),
        arrays=sql.SQL(", ").join(_array_type(f) for f in given),
        names=sql.SQL(", ").join(v),
    )
    if returning:
        statement += sql.SQL(" RETURNING {}").format(
            sql.SQL(", ").join(sql.Identifier(_column(_field(model, n))) for n in returning)
        )
    with connection.cursor() as cursor:
        # The constants come first in the statement (SELECT), then the arrays (FROM).
        cursor.execute(statement.as_string(cursor.cursor), [*prepared, *arrays])
        return [tuple(row) for row in cursor.fetchall()] if returning else []


def update_rows(
    model: type[Model],
    key_fields: Sequence[str],
    fields: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    constants: Mapping[str, Any] | None = None,
) -> int:
    """Set `fields` on the rows found by `key_fields`, in one statement whatever their number:
    `UPDATE ... FROM unnest(%s::type[], ...)`. Each row gives the key's values, then the
    fields' (in that order); keys must be unique; `constants` are fields set to the same value
    on every row (an array field must be one). Returns how many rows were updated."""
    _require_atomic()
    rows = list(rows)
    if not rows:
        return 0
    constants = dict(constants or {})
    keys = [_field(model, name) for name in key_fields]
    values = [_field(model, name) for name in fields]
    fixed = [_field(model, name) for name in constants]
    every = [*keys, *values]
    arrays = [list(column) for column in zip(*rows, strict=True)]
    if len(arrays) != len(every):
        raise ValueError(f"each row needs {len(every)} values: {[f.name for f in every]}")
    v = [sql.Identifier(f"v{i}") for i in range(len(every))]
    assign: list[sql.Composable] = [
        sql.SQL("{} = v.{}").format(sql.Identifier(_column(f)), v[len(keys) + i])
        for i, f in enumerate(values)
    ]
    assign += [
        sql.SQL("{} = %s::{}").format(
            sql.Identifier(_column(f)), sql.SQL(f.db_type(connection) or "")
        )
        for f in fixed
    ]
    prepared = [
        f.get_db_prep_save(value, connection)
        for f, value in zip(fixed, constants.values(), strict=True)
    ]
    # Typed as the columns are, so that the key's comparison uses its index.
    typed: list[sql.Composable] = [_array_type(f) for f in every]
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
        # The SET clause's constants come first in the statement, then the arrays.
        cursor.execute(statement.as_string(cursor.cursor), [*prepared, *arrays])
        return cursor.rowcount
