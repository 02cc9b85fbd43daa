"""Sets bound as one parameter and bulk inserts through the cheapest statement each database
has (parcelops.core.sqlsets): the same rows matched and stored, the same count, the same
errors, on SQLite and PostgreSQL."""

import pytest
from django.db import IntegrityError, connection, transaction

from parcelops.core import sqlsets
from parcelops.core.sqlsets import array_literal, in_set, insert_rows
from parcelops.orders.models import Channel

pytestmark = pytest.mark.django_db

COLUMNS = ("code", "name", "kind", "is_active")


def rows(*codes: str) -> list[tuple[str, str, str, bool]]:
    return [(code, f"Shop {code}", "web", True) for code in codes]


def test_rows_are_inserted_and_counted():
    assert insert_rows("orders_channel", COLUMNS, rows("a", "b")) == 2

    assert sorted(Channel.objects.values_list("code", "name")) == [("a", "Shop a"), ("b", "Shop b")]


def test_nothing_to_insert_is_zero():
    assert insert_rows("orders_channel", COLUMNS, []) == 0


def test_a_row_breaking_a_constraint_fails_the_whole_insert_with_djangos_error():
    insert_rows("orders_channel", COLUMNS, rows("a"))

    with pytest.raises(IntegrityError), transaction.atomic():
        insert_rows("orders_channel", COLUMNS, rows("b", "a", "c"))

    assert list(Channel.objects.values_list("code", flat=True)) == ["a"]


def test_a_conflict_clause_skips_the_rows_it_names_and_counts_the_rest():
    insert_rows("orders_channel", COLUMNS, rows("a"))

    stored = insert_rows(
        "orders_channel", COLUMNS, rows("b", "a", "c"), on_conflict="ON CONFLICT (code) DO NOTHING"
    )

    assert stored == 2
    assert sorted(Channel.objects.values_list("code", flat=True)) == ["a", "b", "c"]


TRICKY = ["plain", "a,b", "NULL", 'say "hi"', "back\\slash", "{braces}", " spaced ", "", "中文"]


def test_a_set_of_strings_matches_exactly_its_members_whatever_they_hold():
    insert_rows("orders_channel", COLUMNS, rows(*TRICKY, "other", "null"))
    member, parameter = in_set("code", TRICKY, "text")

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT code FROM orders_channel WHERE {member}", [parameter])  # noqa: S608
        found = sorted(row[0] for row in cursor.fetchall())

    assert found == sorted(TRICKY)


def test_a_set_of_ids_matches_exactly_its_members():
    insert_rows("orders_channel", COLUMNS, rows("a", "b", "c"))
    ids = sorted(Channel.objects.values_list("id", flat=True))
    member, parameter = in_set("id", [ids[0], ids[2]], "bigint")

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT code FROM orders_channel WHERE {member}", [parameter])  # noqa: S608
        found = sorted(row[0] for row in cursor.fetchall())

    assert found == ["a", "c"]


def test_an_empty_set_matches_nothing():
    insert_rows("orders_channel", COLUMNS, rows("a"))
    member, parameter = in_set("code", [], "text")

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT code FROM orders_channel WHERE {member}", [parameter])  # noqa: S608
        assert cursor.fetchall() == []


def test_postgresqls_array_text_quotes_every_string_and_escapes_quotes_and_backslashes():
    assert array_literal(['a "b"', "c\\d", "NULL"]) == '{"a \\"b\\"","c\\\\d","NULL"}'
    assert array_literal([3, 14]) == "{3,14}"
    assert array_literal([]) == "{}"


@pytest.mark.django_db(transaction=True)
def test_commit_without_waiting_is_for_its_own_transaction_only():
    if connection.vendor != "postgresql":
        pytest.skip("synchronous_commit is PostgreSQL's; on SQLite the call does nothing")

    def setting() -> str:
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            return cursor.fetchone()[0]

    with transaction.atomic():
        sqlsets.commit_without_waiting()
        assert setting() == "off"
    assert setting() == "on"


def test_unsaved_gives_what_the_model_constructor_gives():
    from datetime import UTC, datetime

    from parcelops.core.sqlsets import unsaved
    from parcelops.exceptions.models import Case, CaseEvent

    moment = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
    given = {"type": "stalled", "order_id": 3, "opened_at": moment, "owner_id": None}
    built, fast = Case(**given), unsaved(Case, **given)

    def fields(instance):
        return {k: v for k, v in vars(instance).items() if k != "_state"}

    assert fields(fast) == fields(built)
    assert (fast.is_breached, fast.state, fast.escalation_level, fast.pk) == (
        False,
        "open",
        0,
        None,
    )
    assert (fast._state.adding, fast._state.db) == (True, None)
    # A callable default is called for each row, never shared between them.
    first, second = (
        unsaved(CaseEvent, case_id=1, kind="opened"),
        unsaved(CaseEvent, case_id=1, kind="opened"),
    )
    assert first.data == {}
    assert first.data is not second.data
    assert unsaved(CaseEvent, case_id=1, kind="note", data={"a": 1}).data == {"a": 1}
