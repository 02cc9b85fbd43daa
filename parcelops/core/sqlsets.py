"""Sets of ids bound as one SQL parameter, and bulk inserts, for the set-based hot paths.

Django binds an IN list value by value: thousands of ids cost milliseconds to compile
and SQLite allows at most 32,766 parameters. A JSON array (SQLite) or an array
(PostgreSQL) is one parameter whatever its length (in_set).
"""

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

import orjson
from django.db import connection, models
from django.db.models.expressions import RawSQL

_M = TypeVar("_M", bound=models.Model)


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


def values_in(values: Iterable[Any], sql_type: str) -> RawSQL:
    """`values` as the right-hand side of an ORM `__in` filter, bound as one parameter
    (in_set's, for querysets): Django prepares an IN list value by value, which for a
    sweep's thousands of ids cost a tenth of its time. `sql_type` as in_set's."""
    values = list(values)
    if connection.vendor == "postgresql":
        return RawSQL(f"SELECT unnest(%s::{sql_type}[])", [array_literal(values)])  # noqa: S611 (a type name from code)
    return RawSQL("SELECT value FROM json_each(%s)", [orjson.dumps(values).decode()])


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


# Any unique index's conflict skips the row (bulk_create's ignore_conflicts), on both.
IGNORE_CONFLICTS = "ON CONFLICT DO NOTHING"


def insert_objects(objects: Sequence[Any], *, on_conflict: str = "") -> int:
    """Insert unsaved model instances of one model as insert_rows does (no ids are set on
    them); the number inserted.

    For the hot paths that write thousands of rows at once (a sweep opening its cases):
    `bulk_create` compiles SQL for every value of every row, and its per-value calls
    cost more than the insert itself. Values are prepared as `save()` prepares them,
    except that plain columns (text, numbers, flags, foreign keys) are taken as they are,
    which is what their preparation gives for values of their own type. `on_conflict` as
    insert_rows, e.g. IGNORE_CONFLICTS for bulk_create's ignore_conflicts.
    """
    if not objects:
        return 0
    meta = objects[0]._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    takes = [_preparer(f) for f in fields]
    rows = [tuple([take(obj) for take in takes]) for obj in objects]
    columns = [connection.ops.quote_name(f.column) for f in fields]
    return insert_rows(meta.db_table, columns, rows, on_conflict=on_conflict)


_BLANKS: dict[Any, tuple[dict[str, Any], list[tuple[str, Callable[[], Any]]]]] = {}


def unsaved(model: type[_M], /, **values: Any) -> _M:
    """An unsaved instance of `model` with `values` (by attribute name: `order_id`, not
    `order`) and every other field at its default, for insert_objects.

    What `model(**values)` gives, without `Model.__init__`, which walks every field of the
    model for every row: a sweep builds 25,000 rows, and __init__ was a sixth of its
    time. Only fields' defaults are filled in; nothing is validated."""
    blanks = _BLANKS.get(model)
    if blanks is None:
        fixed: dict[str, Any] = {}
        made: list[tuple[str, Callable[[], Any]]] = []
        for field in model._meta.concrete_fields:
            if field.has_default() and callable(field.default):
                made.append((field.attname, field.default))
            elif field.has_default() or not field.has_db_default():
                fixed[field.attname] = field.get_default()
            else:  # the database's default, as a value: the row is inserted with it
                fixed[field.attname] = field.db_default
        blanks = _BLANKS[model] = (fixed, made)
    instance = model.__new__(model)
    state = instance.__dict__
    state["_state"] = models.base.ModelState()
    state.update(blanks[0])
    for attname, make in blanks[1]:
        if attname not in values:
            state[attname] = make()
    state.update(values)
    return instance


# Columns whose value goes into SQL as the instance holds it (exactly these classes: a
# subclass, such as an encrypted text, prepares its value).
_PLAIN_FIELDS = frozenset(
    {
        models.CharField, models.TextField, models.BooleanField, models.IntegerField,
        models.SmallIntegerField, models.BigIntegerField, models.PositiveIntegerField,
        models.PositiveSmallIntegerField, models.PositiveBigIntegerField, models.ForeignKey,
        models.OneToOneField,
    }
)  # fmt: skip


def _preparer(field: Any) -> Callable[[Any], Any]:
    """How one field's value is read off an instance and made ready for the database."""
    attname = field.attname
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return lambda obj: field.get_db_prep_save(field.pre_save(obj, True), connection)
    if type(field) in _PLAIN_FIELDS:
        return lambda obj: getattr(obj, attname)
    if isinstance(field, models.DateTimeField):
        if connection.vendor == "postgresql":
            return lambda obj: getattr(obj, attname)  # psycopg takes aware datetimes
        # Rows written together mostly share their times (a sweep's moment): each once.
        texts: dict[Any, Any] = {}

        def utc_text(obj: Any) -> Any:
            value = getattr(obj, attname)
            text = texts.get(value)
            if text is None:
                text = texts[value] = _utc_text(value, field)
            return text

        return utc_text
    return lambda obj: field.get_db_prep_save(getattr(obj, attname), connection)


def _utc_text(value: Any, field: Any) -> Any:
    """SQLite: an aware time as Django stores it (UTC, "YYYY-MM-DD HH:MM:SS[.ffffff]"),
    without its five calls a value; anything else the field's own way."""
    if value is None:
        return None
    if isinstance(value, datetime) and value.tzinfo is not None:
        return str(value.astimezone(UTC).replace(tzinfo=None))
    return field.get_db_prep_save(value, connection)


def commit_without_waiting() -> None:
    """This transaction's commit returns before its log record reaches the disk
    (PostgreSQL's `synchronous_commit = off`, for this transaction only); a no-op on
    SQLite. For work a later run repeats when a crash loses it: the sweep (decision 0035).
    Call it inside the transaction."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
