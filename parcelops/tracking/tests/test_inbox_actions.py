"""The inboxes act (issue 13): staff attach parked events to a parcel, map a raw code to a
status once (its events fold), and map a provider's unknown carrier code once (its events
attach). Refused input and roles without the permission change nothing."""

from datetime import timedelta
from pathlib import Path

import orjson
import pytest

from parcelops.audit.models import AuditRecord
from parcelops.carriers import registry
from parcelops.core.errors import ActionError, FieldError, InputError, NotPermittedError
from parcelops.orders.models import Order
from parcelops.orders.states import OrderState
from parcelops.tracking import actions
from parcelops.tracking.models import CodeMapping, Shipment, TrackingEvent, UnmatchedEvent
from parcelops.tracking.providers import aftership, kuaidi100, seventeentrack
from parcelops.tracking.status import TrackingStatus as T
from parcelops.tracking.tests.conftest import T0, carrier_event, packed_order

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("english", "frozen_now", "forget_learned_carrier_codes"),
]

PAYLOADS = Path(__file__).parent / "payloads"
NUMBER = "75123456789012"
TYPO = "75123456789021"  # what the carrier scanned: two digits swapped at hand-over


@pytest.fixture
def logistics(staff):
    return staff["logistics_staff"]


@pytest.fixture
def shipment(channel, staff):
    return actions.create_shipment(packed_order(), "zto", NUMBER, staff["warehouse"])


def state_of(shipment: Shipment) -> tuple[str, str, int]:
    shipment.refresh_from_db()
    return shipment.status, shipment.substatus, shipment.status_rank


def nothing_changed(parked: int, stored: int) -> None:
    assert UnmatchedEvent.objects.count() == parked
    assert TrackingEvent.objects.count() == stored
    assert not CodeMapping.objects.exists()


def kuaidi100_push(com: str, number: str) -> kuaidi100.Kuaidi100Push:
    document = orjson.loads((PAYLOADS / "kuaidi100_polling_delivered.json").read_bytes())
    document["lastResult"]["com"] = com
    document["lastResult"]["nu"] = number
    return kuaidi100.parse_push(orjson.dumps(document).decode())


# --- attaching parked events ----------------------------------------------------------------------


def test_events_parked_under_another_number_attach_to_the_chosen_parcel_and_fold(
    shipment, logistics
):
    actions.record_tracking_events(
        [
            carrier_event(TYPO, 1, T.IN_TRANSIT, "picked_up"),
            carrier_event(TYPO, 5, T.OUT_FOR_DELIVERY, "out_for_delivery"),
        ]
    )
    parked = list(UnmatchedEvent.objects.order_by("occurred_at").values_list("pk", flat=True))

    attached_to, outcome = actions.attach_parked_events(parked, logistics, shipment_id=shipment.pk)

    assert attached_to == shipment
    assert outcome == actions.InboxOutcome(attached=2, waiting=0)
    assert not UnmatchedEvent.objects.exists()
    assert state_of(shipment) == (T.OUT_FOR_DELIVERY, "out_for_delivery", 3)
    assert list(shipment.events.values_list("status", "occurred_at")) == [
        (T.IN_TRANSIT, T0 + timedelta(hours=1)),
        (T.OUT_FOR_DELIVERY, T0 + timedelta(hours=5)),
    ]
    assert Order.objects.get(pk=shipment.order_id).state == OrderState.IN_TRANSIT
    record = AuditRecord.objects.get(action="tracking.events_attached")
    assert record.actor == logistics
    assert record.object_id == str(shipment.pk)


def test_one_event_of_a_number_attaches_and_the_others_keep_waiting(shipment, logistics):
    actions.record_tracking_events(
        [carrier_event(TYPO, 1, T.IN_TRANSIT), carrier_event(TYPO, 2, T.IN_TRANSIT)]
    )
    first, second = UnmatchedEvent.objects.order_by("occurred_at")

    actions.attach_parked_events([first.pk], logistics, shipment_id=shipment.pk)

    assert list(UnmatchedEvent.objects.values_list("pk", flat=True)) == [second.pk]
    assert shipment.events.count() == 1


def test_events_attach_to_the_parcel_of_an_order_and_carrier(shipment, logistics):
    actions.record_tracking_events([carrier_event(TYPO, 1, T.IN_TRANSIT, carrier="")])
    order = Order.objects.get(pk=shipment.order_id)

    attached_to, _outcome = actions.attach_parked_events(
        list(UnmatchedEvent.objects.values_list("pk", flat=True)),
        logistics,
        order_number=order.number,
        carrier="zto",
    )

    assert attached_to == shipment
    assert state_of(shipment) == (T.IN_TRANSIT, "", 2)


@pytest.mark.parametrize(
    ("choice", "errors"),
    [
        ({}, [FieldError("shipment", "Choose a parcel, or enter an order number and its parcel's carrier.")]),
        ({"shipment_id": 999_999}, [FieldError("shipment", "No such parcel.")]),
        ({"order_number": "NOPE", "carrier": "zto"}, [FieldError("order", "No order with this number.")]),
        (
            {"order_number": "ORDER", "carrier": "xyz"},
            [FieldError("carrier", "Unknown carrier “xyz”. The closest known carriers: Yunda Express (yunda), ZTO Express (zto), YTO Express (yto).")],
        ),
        ({"order_number": "ORDER", "carrier": "sf-express"}, [FieldError("carrier", "This order has no parcel with this carrier.")]),
    ],
)  # fmt: skip
def test_an_attach_without_a_parcel_it_can_find_changes_nothing(
    shipment, logistics, choice, errors
):
    actions.record_tracking_events([carrier_event(TYPO, 1, T.IN_TRANSIT)])
    if choice.get("order_number") == "ORDER":
        choice = {**choice, "order_number": Order.objects.get(pk=shipment.order_id).number}

    with pytest.raises(InputError) as refused:
        actions.attach_parked_events(
            list(UnmatchedEvent.objects.values_list("pk", flat=True)), logistics, **choice
        )

    assert refused.value.errors == errors
    nothing_changed(parked=1, stored=0)
    assert not AuditRecord.objects.filter(action="tracking.events_attached").exists()


def test_an_attach_without_events_or_with_events_gone_changes_nothing(shipment, logistics):
    actions.record_tracking_events([carrier_event(TYPO, 1, T.IN_TRANSIT)])
    waiting = UnmatchedEvent.objects.get()

    with pytest.raises(InputError) as refused:
        actions.attach_parked_events([], logistics, shipment_id=shipment.pk)
    assert refused.value.errors == [FieldError("events", "Choose at least one event.")]

    with pytest.raises(ActionError, match="no longer waiting"):
        actions.attach_parked_events([waiting.pk, 999_999], logistics, shipment_id=shipment.pk)
    nothing_changed(parked=1, stored=0)


@pytest.mark.parametrize("role", ["warehouse", "analyst", "order_processor", "cs_agent"])
def test_roles_without_the_inbox_permission_cannot_attach(shipment, staff, role):
    actions.record_tracking_events([carrier_event(TYPO, 1, T.IN_TRANSIT)])

    with pytest.raises(NotPermittedError):
        actions.attach_parked_events(
            [UnmatchedEvent.objects.get().pk], staff[role], shipment_id=shipment.pk
        )

    nothing_changed(parked=1, stored=0)


# --- mapping a raw code ---------------------------------------------------------------------------------


def test_mapping_a_code_folds_its_stored_events_and_the_order_follows(shipment, logistics):
    actions.record_tracking_events(
        [
            carrier_event(NUMBER, 1, T.IN_TRANSIT, "picked_up"),
            carrier_event(NUMBER, 9, "", text="本人签收 (new code)"),
        ]
    )
    TrackingEvent.objects.filter(status="").update(raw_code="Q9")
    assert state_of(shipment) == (T.IN_TRANSIT, "picked_up", 2)

    outcome = actions.map_provider_code(
        "batch", "Q9", T.DELIVERED, "signed_by_recipient", logistics
    )

    assert outcome == actions.InboxOutcome(attached=0, waiting=0, refolded=1)
    assert state_of(shipment) == (T.DELIVERED, "signed_by_recipient", 5)
    assert shipment.delivered_at == T0 + timedelta(hours=9)
    assert Order.objects.get(pk=shipment.order_id).state == OrderState.DELIVERED
    mapping = CodeMapping.objects.get()
    assert (mapping.provider, mapping.raw_code, mapping.status, mapping.created_by) == (
        "batch",
        "Q9",
        T.DELIVERED,
        logistics,
    )
    assert AuditRecord.objects.filter(action="tracking.code_mapped", actor=logistics).count() == 1


def test_a_mapped_code_that_would_move_the_parcel_back_is_flagged(shipment, logistics):
    actions.record_tracking_events(
        [
            carrier_event(NUMBER, 1, T.OUT_FOR_DELIVERY),
            carrier_event(NUMBER, 3, "", text="扫描"),
        ]
    )
    TrackingEvent.objects.filter(status="").update(raw_code="S1")

    actions.map_provider_code("batch", "S1", T.IN_TRANSIT, "arrived_facility", logistics)

    assert state_of(shipment) == (T.OUT_FOR_DELIVERY, "", 3)
    late = TrackingEvent.objects.get(raw_code="S1")
    assert (late.status, late.is_regression) == (T.IN_TRANSIT, True)


def test_a_mapped_code_reaches_waiting_events_and_every_later_one(shipment, logistics):
    parked = carrier_event("JT0000000001", 1, "", text="??")
    parked.raw_code = "Q9"
    actions.record_tracking_events([parked])

    actions.map_provider_code("batch", "Q9", T.AVAILABLE_FOR_PICKUP, "in_locker", logistics)
    later = carrier_event(NUMBER, 4, "", text="放入快递柜")
    later.raw_code = "Q9"
    actions.record_tracking_events([later])

    waiting = UnmatchedEvent.objects.get()
    assert (waiting.status, waiting.substatus) == (T.AVAILABLE_FOR_PICKUP, "in_locker")
    assert list(shipment.events.values_list("status", "substatus")) == [
        (T.AVAILABLE_FOR_PICKUP, "in_locker")
    ]
    assert state_of(shipment) == (T.AVAILABLE_FOR_PICKUP, "in_locker", 3)


@pytest.mark.parametrize(
    ("raw_code", "status", "substatus", "errors"),
    [
        ("Q9", "teleported", "", [FieldError("status", "Choose a status.")]),
        ("Q9", T.DELIVERED, "in_locker", [FieldError("substatus", "This substatus does not belong to the status.")]),
        (" ", T.DELIVERED, "", [FieldError("raw_code", "An event without a code cannot be mapped by its code.")]),
    ],
)  # fmt: skip
def test_a_bad_mapping_changes_nothing(shipment, logistics, raw_code, status, substatus, errors):
    actions.record_tracking_events([carrier_event(NUMBER, 1, "", text="?")])
    TrackingEvent.objects.update(raw_code="Q9")

    with pytest.raises(InputError) as refused:
        actions.map_provider_code("batch", raw_code, status, substatus, logistics)

    assert refused.value.errors == errors
    nothing_changed(parked=0, stored=1)
    assert TrackingEvent.objects.get().status == ""


def test_a_code_is_mapped_once_and_the_same_mapping_again_folds_late_events(shipment, logistics):
    actions.map_provider_code("batch", "Q9", T.DELIVERED, "", logistics)
    # Stored unmapped meanwhile, as by a process that had not yet read the mapping.
    actions.record_tracking_events([carrier_event(NUMBER, 2, "", text="late")])
    TrackingEvent.objects.filter(status="").update(raw_code="Q9")

    with pytest.raises(ActionError, match=r"This code is mapped already, to delivered\."):
        actions.map_provider_code("batch", "Q9", T.IN_TRANSIT, "", logistics)
    assert state_of(shipment) == (T.INFO_RECEIVED, "label_created", 1)
    outcome = actions.map_provider_code("batch", "Q9", T.DELIVERED, "", logistics)

    assert outcome == actions.InboxOutcome(attached=0, waiting=0, refolded=1)
    assert state_of(shipment) == (T.DELIVERED, "", 5)
    assert CodeMapping.objects.get().status == T.DELIVERED
    assert AuditRecord.objects.filter(action="tracking.code_mapping_reapplied").count() == 1


@pytest.mark.parametrize("role", ["warehouse", "analyst", "leadership"])
def test_roles_without_the_inbox_permission_cannot_map_codes(shipment, staff, role):
    with pytest.raises(NotPermittedError):
        actions.map_provider_code("batch", "Q9", T.DELIVERED, "", staff[role])
    with pytest.raises(NotPermittedError):
        actions.map_carrier_code("kuaidi100", "xyzexpress", "zto", staff[role])

    nothing_changed(parked=0, stored=0)


# --- unknown provider carrier codes ------------------------------------------------------------------


def test_a_push_with_an_unknown_carrier_code_parks_its_events_with_the_code(channel):
    actions.record_tracking_events(kuaidi100_push("xyzexpress", NUMBER).events)

    parked = UnmatchedEvent.objects.all()
    assert parked.count() == 5
    assert set(parked.values_list("carrier", "provider", "provider_carrier")) == {
        ("", "kuaidi100", "xyzexpress")
    }


def test_every_push_format_keeps_an_unknown_carrier_code_and_only_then():
    webhook = orjson.loads((PAYLOADS / "aftership_webhook.json").read_bytes())
    known = aftership.parse_webhook(orjson.dumps(webhook))
    webhook["msg"]["slug"] = "new-courier"
    unknown = aftership.parse_webhook(orjson.dumps(webhook))
    update = orjson.loads((PAYLOADS / "seventeentrack_updated.json").read_bytes())
    update["data"]["carrier"] = 999999
    unknown_17 = seventeentrack.parse_push(orjson.dumps(update))

    assert {e.provider_carrier for e in known.events} == {""}
    assert {(e.carrier, e.provider_carrier) for e in unknown.events} == {("", "new-courier")}
    assert {(e.carrier, e.provider_carrier) for e in unknown_17.events} == {("", "999999")}
    assert {e.provider_carrier for e in kuaidi100_push("zhongtong", NUMBER).events} == {""}


def test_mapping_the_carrier_code_attaches_the_waiting_events(channel, staff, logistics):
    # Two parcels share the number, so the number alone cannot choose: the events wait.
    zto = actions.create_shipment(packed_order("W-1"), "zto", NUMBER, staff["warehouse"])
    actions.create_shipment(packed_order("W-2"), "sf-express", NUMBER, staff["warehouse"])
    actions.record_tracking_events(kuaidi100_push("xyzexpress2", NUMBER).events)
    assert UnmatchedEvent.objects.count() == 5

    outcome = actions.map_carrier_code("kuaidi100", "xyzexpress2", "zto", logistics)

    assert outcome == actions.InboxOutcome(attached=5, waiting=0)
    assert not UnmatchedEvent.objects.exists()
    assert zto.events.count() == 5
    assert state_of(zto) == (T.DELIVERED, "signed_by_recipient", 5)
    assert registry.from_provider_code("kuaidi100", "xyzexpress2") == "zto"
    record = AuditRecord.objects.get(action="tracking.carrier_code_mapped")
    assert (record.actor, record.object_type, record.object_id) == (
        logistics,
        "carriers.carrier",
        "zto",
    )


def test_events_of_a_mapped_carrier_code_without_a_parcel_wait_under_the_carrier(
    channel, staff, logistics
):
    actions.record_tracking_events(kuaidi100_push("xyzexpress3", NUMBER).events)

    outcome = actions.map_carrier_code("kuaidi100", "xyzexpress3", "zto", logistics)

    assert outcome == actions.InboxOutcome(attached=0, waiting=5)
    assert set(UnmatchedEvent.objects.values_list("carrier", "provider_carrier")) == {
        ("zto", "xyzexpress3")
    }
    shipment = actions.create_shipment(packed_order(), "zto", NUMBER, staff["warehouse"])
    assert shipment.events.count() == 5


def test_a_carrier_code_mapping_that_is_refused_changes_nothing(channel, logistics):
    actions.record_tracking_events(kuaidi100_push("xyzexpress4", NUMBER).events)

    with pytest.raises(InputError) as refused:
        actions.map_carrier_code("kuaidi100", "xyzexpress4", "pigeon-post", logistics)
    assert refused.value.errors == [
        FieldError(
            "carrier",
            registry.UnknownCarrierError("pigeon-post", ("china-post", "deppon", "sto")).message,
        )
    ]
    with pytest.raises(ActionError, match=r"This code names ZTO Express already\."):
        actions.map_carrier_code("kuaidi100", "zhongtong", "sf-express", logistics)

    nothing_changed(parked=5, stored=0)
    assert registry.from_provider_code("kuaidi100", "xyzexpress4") is None
    assert registry.from_provider_code("kuaidi100", "zhongtong") == "zto"
