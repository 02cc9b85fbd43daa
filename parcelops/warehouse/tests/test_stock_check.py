"""`parcelops stock check`: on-hand is the sum of the moves, reserved the sum of the
active reservations; a planted disagreement is named by SKU and bin, with exit status 1."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from parcelops.orders.models import Product
from parcelops.warehouse import stock_queries
from parcelops.warehouse.actions import stock
from parcelops.warehouse.models import Bin, StockLevel, StockMove
from parcelops.warehouse.tests.stock_fixtures import warehouse

__all__ = ["warehouse"]  # the fixture


@pytest.fixture
def stocked(warehouse):
    for sku in ("TEA-001", "CUP-002", "BAG-003"):
        Product.objects.create(sku=sku, name=sku)
    stock.receive_stock(None, sku="TEA-001", bin_code="A-01", quantity=5)
    stock.receive_stock(None, sku="CUP-002", bin_code="A-02", quantity=3)
    stock.move_stock(None, sku="CUP-002", from_bin="A-02", to_bin="B-01", quantity=1)
    stock.receive_stock(None, sku="BAG-003", bin_code="B-02", quantity=7)
    return warehouse


def test_agreeing_books_pass_in_three_queries_however_many_levels(stocked, capsys):
    with CaptureQueriesContext(connection) as queries:
        result = stock_queries.check_stock()
    assert len(queries) == 3
    assert result == stock_queries.CheckResult(levels=4, moves=5, reservations=0, disagreement=None)

    call_command("stock", "check")

    assert capsys.readouterr().out == (
        "OK: 4 stock levels agree with 5 moves and 0 active reservations\n"
    )


def test_a_planted_disagreement_is_named_by_its_sku_and_bin(stocked):
    StockLevel.objects.filter(product__sku="CUP-002", bin__code="B-01").update(on_hand=2)
    StockLevel.objects.filter(product__sku="TEA-001").update(on_hand=4)

    with pytest.raises(CommandError) as failure:
        call_command("stock", "check")

    # The first by SKU: CUP-002 before TEA-001.
    assert str(failure.value) == (
        "stock check: SKU CUP-002 in bin SH1/B-01: on hand is 2, the moves add up to 1"
    )


def test_a_move_without_its_level_and_reserved_units_without_reservations_are_found(stocked):
    StockMove.objects.create(
        product=Product.objects.get(sku="BAG-003"),
        bin=Bin.objects.get(code="A-01"),
        kind="adjust",
        quantity=1,
        at=StockMove.objects.first().at,  # type: ignore[union-attr]
    )
    assert stock_queries.check_stock().disagreement == stock_queries.Disagreement(
        "BAG-003", "SH1", "A-01", "on_hand", 0, 1
    )
    StockMove.objects.filter(product__sku="BAG-003", bin__code="A-01").delete()
    StockLevel.objects.filter(product__sku="TEA-001").update(reserved=2)
    assert stock_queries.check_stock().disagreement == stock_queries.Disagreement(
        "TEA-001", "SH1", "A-01", "reserved", 2, 0
    )


def test_the_command_line_prints_one_line_and_exits_1(stocked, capsys):
    from parcelops.cli import USAGE, run_django_command

    assert "  stock check  " in USAGE
    StockLevel.objects.filter(product__sku="TEA-001").update(on_hand=9)

    with pytest.raises(SystemExit) as leaving:
        run_django_command(["parcelops", "stock", "check"])

    assert leaving.value.code == 1
    assert capsys.readouterr().err == (
        "CommandError: stock check: SKU TEA-001 in bin SH1/A-01: on hand is 9, "
        "the moves add up to 5\n"
    )
