"""Sets of ids bound as one SQL parameter, and bulk inserts, for the set-based hot paths.

Django binds an IN list value by value: thousands of ids cost milliseconds to compile
and SQLite allows at most 32,766 parameters. A JSON array (SQLite) or an array
(PostgreSQL) is one parameter whatever its length (in_set).
"""

from collections.abc import Sequence
from typing import Any

import orjson
from django.db import connection


def in_set(column: str, values: list[Any], sql_type: str) -> tuple[str, Any]:
    """SQL saying `column` is one of `values`, and its one parameter, for raw statements.

    PostgreSQL: `= ANY(array)`, which keeps the planner on the column's index (a join to
    unnest() is estimated at 10 rows and made it scan the table), the array sent as its
    text (array_literal). SQLite: IN a JSON array. `sql_type` is PostgreSQL's element
    type, "bigint" or "text".
    """
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s::{sql_type}[])", array_literal(values)
    member = f"{column} IN (SELECT value FROM json_each(%s))"  # noqa: S608 (names from code)
    return member, orjson.dumps(values).decode()


def array_literal(values: list[Any]) -> str:
    """PostgreSQL's text of an array of ints or strings, e.g. '{"a","b \\"c\\""}'.

    psycopg adapts a list element by element in Python, which for a chunk's thousands of
    numbers costs far more than one string (decision 0016). Strings are
    always quoted (so "NULL" or "a,b" stay strings), a quote or backslash escaped."""
    if not values or not isinstance(values[0], str):
        return "{" + ",".join([str(int(value)) for value in values]) + "}"
    if any('"' in value or "\\" in value for value in values):
        values = [value.replace("\\", "\\\\").replace('"', '\\"') for value in values]
    return '{"' + '","'.join(values) + '"}'


def insert_rows(
    table: str, columns: Sequence[str], rows: list[tuple[Any, ...]], *, on_conflict: str = ""
) -> int:
    """Insert many rows with the cheapest statement each database has; the number inserted
    (fewer than the rows when `on_conflict` skipped some).

    SQLite: one executemany. PostgreSQL: COPY (executemany there costs a round trip per
    row; decision 0010), straight into the table, or, with an
    `on_conflict` clause, which COPY cannot take, into a session-local staging table of
    the same columns and then one INSERT ... SELECT (decision 0010). `on_conflict` is the
    statement's conflict clause, e.g. "ON CONFLICT (shipment_id, dedupe_key) DO NOTHING";
    without one, a row that breaks a constraint fails the whole insert with Django's
    IntegrityError. Values are passed as the database expects them (times adapted by the
    caller on SQLite).
    """
    if not rows:
        return 0
    names = ", ".join(columns)
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(
                f"INSERT INTO {table} ({names}) VALUES ({marks}) {on_conflict}",  # noqa: S608 (names from code)
                rows,
            )
            return int(cursor.rowcount)
        if not on_conflict:
            copy_rows(cursor, table, names, rows)
            return len(rows)
        stage = f"stage_{table}"
        copy_into_stage(cursor, table, stage, names, rows)
        cursor.execute(
            f"INSERT INTO {table} ({names}) SELECT {names} FROM {stage} {on_conflict}"  # noqa: S608 (names from code)
        )
        return int(cursor.rowcount)


def copy_into_stage(
    cursor: Any, table: str, stage: str, names: str, rows: list[tuple[Any, ...]]
) -> None:
    """PostgreSQL: COPY rows into an empty session-local table shaped like `table`'s columns.

    Created on first use, emptied at commit and before each use (a chunk may share its
    transaction with another)."""
    cursor.execute(
        f"CREATE TEMP TABLE IF NOT EXISTS {stage} ON COMMIT DELETE ROWS AS "  # noqa: S608 (names from code)
        f"SELECT {names} FROM {table} WITH NO DATA"
    )
    cursor.execute(f"TRUNCATE {stage}")
    copy_rows(cursor, stage, names, rows)


def copy_rows(cursor: Any, table: str, names: str, rows: list[tuple[Any, ...]]) -> None:
    """PostgreSQL: COPY rows straight into a table (its WAL written in batches).

    COPY goes to the driver's cursor, past Django's wrapper, so its errors are translated
    here as Django translates every other statement's (IntegrityError, OperationalError
    with the driver's error as the cause)."""
    with (
        connection.wrap_database_errors,
        cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)
