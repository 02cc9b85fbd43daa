"""Stock moves: each kind writes its moves and changes on-hand with them; bad input is
refused whole and changes nothing; a SKU falling below its minimum alerts once."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import FIXED_NOW
from parcelops.accounts import roles
from parcelops.audit.models import AuditRecord
from parcelops.core.errors import InputError, NotPermittedError
from parcelops.orders.models import Order, Product
from parcelops.orders.states import OrderState
from parcelops.outbox.models import Alert
from parcelops.warehouse import stock_queries
from parcelops.warehouse.actions import stock
from parcelops.warehouse.models import SkuProfile, StockLevel, StockMove, StockMoveKind
from parcelops.warehouse.tests.stock_fixtures import level, make_warehouse, place, warehouse

__all__ = ["warehouse"]  # the fixture


@pytest.fixture
def tea(db) -> Product:
    return Product.objects.create(sku="TEA-001", name="西湖龙井 250g", category="茶叶")


def errors_of(refusal: pytest.ExceptionInfo[InputError]) -> dict[str, str]:
    return {e.field: e.message for e in refusal.value.errors}


def state_of_stock() -> tuple[list[tuple[int, int, int, int]], int, int]:
    return (
        list(StockLevel.objects.values_list("product_id", "bin_id", "on_hand", "reserved")),
        StockMove.objects.count(),
        AuditRecord.objects.count(),
    )


def test_receiving_writes_a_move_and_raises_on_hand(warehouse, tea, staff, english, frozen_now):
    move = stock.receive_stock(
        staff[roles.WAREHOUSE], sku="tea-001", bin_code=" A-01 ", quantity=12, reference="PO-7"
    )

    assert (move.kind, move.quantity, move.reference, move.at) == ("receive", 12, "PO-7", FIXED_NOW)
    assert move.actor == staff[roles.WAREHOUSE]
    assert level("TEA-001", "A-01") == (12, 0)
    audit = AuditRecord.objects.get(action="stock.received")
    assert audit.detail == {"reference": "PO-7", "reason": ""}


def test_a_scanned_bin_may_name_its_warehouse(warehouse, tea, english):
    make_warehouse("BJ1")

    with pytest.raises(InputError) as refusal:
        stock.receive_stock(None, sku="TEA-001", bin_code="A-01", quantity=1)
    assert errors_of(refusal) == {
        "bin": "Two warehouses have a bin A-01: write it as WAREHOUSE/A-01."
    }

    stock.receive_stock(None, sku="TEA-001", bin_code="BJ1/A-01", quantity=1)
    assert StockLevel.objects.get().bin.warehouse.code == "BJ1"


def test_moving_writes_two_halves_sharing_a_reference(warehouse, tea, english):
    stock.receive_stock(None, sku="TEA-001", bin_code="A-01", quantity=10)

    out, into = stock.move_stock(None, sku="TEA-001", from_bin="A-01", to_bin="B-02", quantity=4)

    assert (out.kind, out.quantity, into.kind, into.quantity) == ("move_out", -4, "move_in", 4)
    assert out.reference == into.reference
    assert out.reference.startswith("MOV-")
    assert (level("TEA-001", "A-01"), level("TEA-001", "B-02")) == ((6, 0), (4, 0))
    assert stock_queries.check_stock().is_ok


def test_a_move_never_takes_reserved_units(warehouse, tea, english):
    stock.receive_stock(None, sku="TEA-001", bin_code="A-01", quantity=5)
    StockLevel.objects.update(reserved=3)
    before = state_of_stock()

    with pytest.raises(InputError) as refusal:
        stock.move_stock(None, sku="TEA-001", from_bin="A-01", to_bin="A-02", quantity=3)

    assert errors_of(refusal) == {
        "quantity": "Only 2 of TEA-001 can leave bin A-01 (5 on hand, 3 reserved)."
    }
    assert state_of_stock() == before


def test_an_adjustment_needs_a_reason_and_goes_either_way(warehouse, tea, english):
    stock.receive_stock(None, sku="TEA-001", bin_code="A-01", quantity=5)

    with pytest.raises(InputError) as refusal:
        stock.adjust_stock(None, sku="TEA-001", bin_code="A-01", quantity=-2, reason="  ")
    assert errors_of(refusal) == {"reason": "Say why the stock is adjusted."}

    stock.adjust_stock(None, sku="TEA-001", bin_code="A-01", quantity=-2, reason="damp")
    stock.adjust_stock(None, sku="TEA-001", bin_code="A-01", quantity=1, reason="found one")
    assert level("TEA-001", "A-01") == (4, 0)
    assert list(
        StockMove.objects.filter(kind=StockMoveKind.ADJUST).values_list("quantity", "reason")
    ) == [(-2, "damp"), (1, "found one")]

    with pytest.raises(InputError) as refusal:
        stock.adjust_stock(None, sku="TEA-001", bin_code="A-01", quantity=-5, reason="lost")
    assert errors_of(refusal) == {
        "quantity": "Only 4 of TEA-001 can leave bin A-01 (4 on hand, 0 reserved)."
    }


def test_a_return_comes_from_an_order_that_had_the_sku(warehouse, channel, order_payload, english):
    order = place(order_payload, "R-1", [("TEA-001", 2)])
    with pytest.raises(InputError) as refusal:
        stock.return_to_stock(
            None, order_number=order.number, sku="TEA-001", bin_code="A-01", quantity=1,
            reason="refused at the door",
        )  # fmt: skip
    assert errors_of(refusal) == {"order": "Nothing of this order has left the shelf yet."}

    Order.objects.filter(pk=order.pk).update(state=OrderState.SHIPPED)
    move = stock.return_to_stock(
        None, order_number=order.number, sku="TEA-001", bin_code="A-01", quantity=2,
        reason="refused at the door",
    )  # fmt: skip

    assert (move.kind, move.quantity, move.order_id, move.reference) == (
        "return",
        2,
        order.pk,
        order.number,
    )
    with pytest.raises(InputError) as refusal:
        stock.return_to_stock(
            None, order_number=order.number, sku="TEA-001", bin_code="A-01", quantity=1,
            reason="again",
        )  # fmt: skip
    assert errors_of(refusal) == {"quantity": "The order can return at most 0 of TEA-001."}


def test_every_bad_field_is_named_at_once(warehouse, english):
    with pytest.raises(InputError) as refusal:
        stock.receive_stock(None, sku="NOPE", bin_code="Z-99", quantity=0, reference="x" * 41)

    assert errors_of(refusal) == {
        "sku": "No product has the SKU NOPE.",
        "bin": "No bin in use has the code Z-99.",
        "quantity": "Enter at least one unit.",
        "reference": "At most 40 characters.",
    }
    assert state_of_stock() == ([], 0, 0)


def test_only_people_who_manage_stock_move_it(warehouse, tea, staff):
    for role in (roles.ANALYST, roles.CS_AGENT, roles.LOGISTICS_STAFF):
        with pytest.raises(NotPermittedError):
            stock.receive_stock(staff[role], sku="TEA-001", bin_code="A-01", quantity=1)
    assert state_of_stock() == ([], 0, 0)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    kind=st.sampled_from(["receive", "move", "adjust"]),
    quantity=st.one_of(
        st.integers(min_value=-2_000_000, max_value=2_000_000),
        st.just(True),
        st.text(max_size=3),
        st.none(),
    ),
)
def test_refused_input_changes_nothing_and_accepted_input_keeps_the_books(
    warehouse, tea, kind, quantity
):
    StockLevel.objects.filter(product=tea).delete()
    StockMove.objects.filter(product=tea).delete()
    stock.receive_stock(None, sku="TEA-001", bin_code="A-01", quantity=10)
    StockLevel.objects.filter(product=tea).update(reserved=4)
    before = state_of_stock()
    try:
        if kind == "receive":
            stock.receive_stock(None, sku="TEA-001", bin_code="A-02", quantity=quantity)
        elif kind == "move":
            stock.move_stock(None, sku="TEA-001", from_bin="A-01", to_bin="B-01", quantity=quantity)
        else:
            stock.adjust_stock(None, sku="TEA-001", bin_code="A-01", quantity=quantity, reason="c")
    except InputError:
        assert state_of_stock() == before
        return
    assert isinstance(quantity, int)
    assert not isinstance(quantity, bool)
    # Accepted: on-hand is the moves' sum, never below reserved, and the total is as asked.
    for row in StockLevel.objects.all():
        moved = StockMove.objects.filter(product=row.product, bin=row.bin)
        assert row.on_hand == sum(moved.values_list("quantity", flat=True))
        assert row.on_hand >= row.reserved >= 0
    expected = {"receive": 10 + quantity, "move": 10, "adjust": 10 + quantity}[kind]
    assert sum(StockLevel.objects.values_list("on_hand", flat=True)) == expected


def test_falling_below_the_minimum_alerts_the_managers_once_per_crossing(
    warehouse, tea, staff, english
):
    SkuProfile.objects.create(product=tea, min_stock=5, max_stock=50)
    stock.receive_stock(None, sku="TEA-001", bin_code="A-01", quantity=6)

    stock.adjust_stock(None, sku="TEA-001", bin_code="A-01", quantity=-1, reason="count")
    assert not Alert.objects.exists()  # 5 is not below 5
    stock.adjust_stock(None, sku="TEA-001", bin_code="A-01", quantity=-1, reason="count")
    stock.adjust_stock(None, sku="TEA-001", bin_code="A-01", quantity=-1, reason="count")

    alerts = Alert.objects.order_by("user__username")
    assert [(a.user.username, a.kind, a.text, a.link) for a in alerts] == [
        (
            username,
            "stock.low",
            "Free stock of TEA-001 fell to 4, below its minimum of 5.",
            "/warehouse/stock/sku/TEA-001/",
        )
        for username in ("admin", "logistics_head")
    ]
    # Back above the minimum and down again: a new crossing, a new alert.
    stock.receive_stock(None, sku="TEA-001", bin_code="A-01", quantity=10)
    stock.adjust_stock(None, sku="TEA-001", bin_code="A-01", quantity=-10, reason="count")
    assert Alert.objects.count() == 4
