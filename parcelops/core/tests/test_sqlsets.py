"""Bulk inserts through the cheapest statement each database has (parcelops.core.sqlsets):
the same rows stored, the same count, the same errors, on SQLite and PostgreSQL."""

import pytest
from django.db import IntegrityError, transaction

from parcelops.core.sqlsets import insert_rows
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
