"""The packing station: verify, materials, the scale's tolerance at its boundary, the
checklist, and a packed order with its parcel's facts."""

from datetime import timedelta

import pytest

from parcelops.accounts import roles
from parcelops.core.errors import ActionError, InputError, NotPermittedError
from parcelops.orders.models import OrderEvent
from parcelops.orders.states import OrderState
from parcelops.warehouse import packing_rules
from parcelops.warehouse.actions import packing, picking
from parcelops.warehouse.models import (
    MaterialMove,
    Operation,
    PackingMaterial,
    Parcel,
    WarehouseSettings,
)
from parcelops.warehouse.tests import packing_floor

pytestmark = pytest.mark.usefixtures("english")

ALL_TICKED = set(packing_rules.CHECKLIST)
GOODS = 2 * 250 + 300  # the order's goods, by their profiles


@pytest.fixture
def packer(staff):
    return staff[roles.WAREHOUSE]


@pytest.fixture
def picked(db, channel, staff, frozen_now):
    """An order picked in full: allocated -> picking by its pick list, every stop taken."""
    house = packing_floor.warehouse()
    packing_floor.materials()
    order = packing_floor.allocated_order(house, "W-1")
    picker = staff[roles.WAREHOUSE]
    wave = picking.make_pick_list(picker, house, oldest=1)
    while (stop := picking.next_stop(wave.pick_list)) is not None:
        picking.confirm_pick(stop, picker, bin_code=stop.bin.code, sku=stop.product.sku)
    order.refresh_from_db()
    return order


@pytest.fixture
def parcel(picked, packer):
    return packing.start_packing(picked, packer)


def boxed(parcel, packer):
    """Every line verified and a medium box (250 g) used: expected GOODS + 250 g."""
    packing.verify_line(parcel, packer, sku="TEA-001", quantity=2)
    packing.verify_line(parcel, packer, sku="cup-002")
    return packing.use_material(parcel, packer, code="BOX-M")


def errors_of(refused):
    return [e.as_dict() for e in refused.value.errors]


def test_a_line_verified_beyond_its_quantity_is_refused(parcel, packer):
    packing.verify_line(parcel, packer, sku="TEA-001")

    with pytest.raises(InputError) as refused:
        packing.verify_line(parcel, packer, sku="TEA-001", quantity=2)

    assert errors_of(refused) == [
        {"field": "quantity", "message": "The order has 2 of TEA-001; 3 would be too many."}
    ]
    parcel.refresh_from_db()
    assert list(parcel.verified.values()) == [1]


def test_an_item_not_in_the_order_is_refused(parcel, packer):
    with pytest.raises(InputError) as refused:
        packing.verify_line(parcel, packer, sku="PEN-9")
    assert errors_of(refused) == [
        {"field": "sku", "message": f"“PEN-9” is not in order {parcel.order.number}: put it aside."}
    ]


def test_a_material_used_moves_its_stock(parcel, packer):
    packing.use_material(parcel, packer, code="BUBBLE", quantity=2)

    bubble = PackingMaterial.objects.get(code="BUBBLE")
    assert bubble.on_hand == 0
    move = MaterialMove.objects.get()
    assert (move.material, move.quantity, move.order, move.actor) == (
        bubble,
        -2,
        parcel.order,
        packer,
    )
    parcel.refresh_from_db()
    assert parcel.materials == [{"code": "BUBBLE", "quantity": 2}]


def test_a_material_out_of_stock_is_refused_and_changes_nothing(parcel, packer):
    with pytest.raises(InputError) as refused:
        packing.use_material(parcel, packer, code="BUBBLE", quantity=3)

    assert errors_of(refused) == [
        {"field": "material", "message": "Bubble wrap is out of stock: 2 left, 3 wanted."}
    ]
    assert PackingMaterial.objects.get(code="BUBBLE").on_hand == 2
    assert not MaterialMove.objects.exists()


def test_the_weight_exactly_at_the_tolerance_is_accepted(parcel, packer):
    boxed(parcel, packer)
    expected = GOODS + 250  # 1,050 g: 15 % is 157 g, more than the 50 g floor
    assert packing_rules.weight_tolerance_grams(expected, 15, 50) == 157

    packing.record_weight(parcel, packer, weight_grams=expected + 157)

    parcel.refresh_from_db()
    assert (parcel.weight_grams, parcel.expected_weight_grams) == (1207, 1050)
    assert parcel.weight_override_reason == ""


@pytest.mark.parametrize("weight", [1050 + 158, 1050 - 158])
def test_one_gram_beyond_the_tolerance_is_refused(parcel, packer, weight):
    boxed(parcel, packer)

    with pytest.raises(InputError) as refused:
        packing.record_weight(parcel, packer, weight_grams=weight)

    assert errors_of(refused) == [
        {
            "field": "weight_grams",
            "message": f"The scale says {weight} g but 1050 g ± 157 g is expected: check the "
            "parcel's contents, or override with a reason.",
        }
    ]
    parcel.refresh_from_db()
    assert parcel.weight_grams is None


def test_the_grams_floor_wins_for_a_light_parcel(parcel, packer):
    WarehouseSettings.objects.update_or_create(
        pk=1, defaults={"weight_tolerance_percent": 1, "weight_tolerance_grams": 60}
    )
    boxed(parcel, packer)

    packing.record_weight(parcel, packer, weight_grams=1050 - 60)
    with pytest.raises(InputError):
        packing.record_weight(parcel, packer, weight_grams=1050 + 61)


def test_an_override_needs_a_reason_and_keeps_it(parcel, packer):
    boxed(parcel, packer)

    packing.record_weight(
        parcel, packer, weight_grams=2000, override_reason="  Gift wrapping added  "
    )

    parcel.refresh_from_db()
    assert (parcel.weight_grams, parcel.weight_override_reason) == (2000, "Gift wrapping added")


def test_a_material_added_after_weighing_asks_for_the_scale_again(parcel, packer):
    boxed(parcel, packer)
    packing.record_weight(parcel, packer, weight_grams=1050)

    packing.use_material(parcel, packer, code="TAPE")

    parcel.refresh_from_db()
    assert (parcel.weight_grams, parcel.expected_weight_grams) == (None, None)


def test_the_checklist_names_each_item_missing(parcel, packer):
    with pytest.raises(InputError) as refused:
        packing.pass_checklist(parcel, packer, ticked={"goods_match", "sealed"})

    assert errors_of(refused) == [
        {"field": "checklist.no_damage", "message": "Check this before packing."},
        {"field": "checklist.fragile_marked", "message": "Check this before packing."},
    ]
    parcel.refresh_from_db()
    assert parcel.checklist == {}


def test_packed_is_refused_until_every_step_is_taken(parcel, packer):
    with pytest.raises(InputError) as refused:
        packing.finish_packing(parcel, packer, carrier="nobody")

    assert [e["field"] for e in errors_of(refused)] == [
        "lines",
        "material",
        "weight_grams",
        "checklist",
        "carrier",
    ]
    parcel.order.refresh_from_db()
    assert parcel.order.state == OrderState.PICKING


def test_a_packed_order_has_its_parcel_and_moved_allocated_picking_packed(
    parcel, packer, frozen_now
):
    started = parcel.packing_started_at
    boxed(parcel, packer)
    packing.use_material(parcel, packer, code="BUBBLE")
    packing.record_weight(parcel, packer, weight_grams=1080)
    packing.pass_checklist(parcel, packer, ticked=ALL_TICKED)
    frozen_now.shift(timedelta(minutes=3))

    packing.finish_packing(parcel, packer, carrier="sf-express", service="insurance")

    parcel = Parcel.objects.get(order=parcel.order)
    assert (parcel.packed_by, parcel.packing_started_at, parcel.packed_at) == (
        packer,
        started,
        started + timedelta(minutes=3),
    )
    assert (parcel.weight_grams, parcel.expected_weight_grams) == (1080, GOODS + 250 + 20)
    assert (parcel.length_mm, parcel.width_mm, parcel.height_mm) == (300, 250, 200)
    assert parcel.materials == [{"code": "BOX-M", "quantity": 1}, {"code": "BUBBLE", "quantity": 1}]
    assert parcel.checklist == dict.fromkeys(packing_rules.CHECKLIST, True)
    assert (parcel.carrier, parcel.service) == ("sf-express", "insurance")
    assert [step["step"] for step in parcel.steps] == [
        "started",
        "verified",
        "verified",
        "material",
        "material",
        "weighed",
        "checklist",
        "packed",
    ]
    assert {step["by"] for step in parcel.steps} == {packer.pk}
    moves = list(
        OrderEvent.objects.filter(order=parcel.order)
        .exclude(to_state="")
        .values_list("from_state", "to_state")
    )
    assert moves[-2:] == [("allocated", "picking"), ("picking", "packed")]
    operation = Operation.objects.get(kind="pack")
    assert (operation.actor, operation.units) == (packer, 1)
    assert operation.finished_at - operation.started_at == timedelta(minutes=3)


def test_a_packed_parcel_takes_no_more_steps(parcel, packer):
    boxed(parcel, packer)
    packing.record_weight(parcel, packer, weight_grams=1050)
    packing.pass_checklist(parcel, packer, ticked=ALL_TICKED)
    packing.finish_packing(parcel, packer, carrier="zto")

    with pytest.raises(ActionError):
        packing.use_material(parcel, packer, code="TAPE")
    with pytest.raises(ActionError):
        packing.start_packing(parcel.order, packer)


def test_an_order_with_a_short_pick_cannot_be_packed(db, channel, staff, frozen_now, packer):
    house = packing_floor.warehouse()
    order = packing_floor.allocated_order(house, "W-1")
    wave = picking.make_pick_list(packer, house, oldest=1)
    picking.report_short(packing_floor.stop(wave.pick_list), packer, reason="Bin empty")
    stop = packing_floor.stop(wave.pick_list)
    picking.confirm_pick(stop, packer, bin_code="A-02", sku="TEA-001")

    with pytest.raises(ActionError) as refused:
        packing.start_packing(order, packer)

    assert str(refused.value) == "CUP-002 in bin B-01 was not picked: Bin empty"
    assert not Parcel.objects.exists()


def test_packing_needs_the_pack_permission(picked, staff):
    with pytest.raises(NotPermittedError):
        packing.start_packing(picked, staff[roles.ORDER_PROCESSOR])
