"""Sets of ids bound as one SQL parameter, for the set-based hot paths.

Django binds an IN list value by value: thousands of ids cost milliseconds to compile
and SQLite allows at most 32,766 parameters. A JSON array (SQLite) or an array
(PostgreSQL) is one parameter whatever its length: `filter(pk__in=id_set(ids))`.
"""

from collections.abc import Iterable

import orjson
from django.db import connection
from django.db.models.expressions import RawSQL


def id_set(ids: Iterable[int]) -> RawSQL:
    values = list(ids)
    if connection.vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::bigint[])", (values,))
    return RawSQL("SELECT value FROM json_each(%s)", (orjson.dumps(values).decode(),))
