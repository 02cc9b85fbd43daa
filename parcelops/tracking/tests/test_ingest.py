"""The ingestion engine and shipments: storing, deduplicating, ordering, parking, and
orders following their parcels."""

import dataclasses
from datetime import timedelta

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parcelops.audit.actions import verify_audit_chain
from parcelops.core.errors import ActionError, InputError
from parcelops.orders.models import Order
from parcelops.orders.states import OrderState
from parcelops.tracking import actions, ingest
from parcelops.tracking.models import Shipment, TrackingEvent, UnmatchedEvent
from parcelops.tracking.status import TrackingStatus as T
from parcelops.tracking.tests.conftest import T0, carrier_event, packed_order

pytestmark = pytest.mark.django_db


def ship(order, number="75123456789012", carrier="zto", actor=None):
    return actions.create_shipment(order, carrier, number, actor)


def test_creating_a_shipment_ships_the_packed_order(packed, staff):
    shipment = ship(packed, "7512 3456 7890 12", actor=staff["warehouse"])
    assert (
        shipment.tracking_number,
        shipment.status,
        shipment.substatus,
        shipment.status_rank,
    ) == (
        "75123456789012",
        T.INFO_RECEIVED,
        "label_created",
        1,
    )
    assert Order.objects.get(pk=packed.pk).state == OrderState.SHIPPED
    shipped = Order.objects.get(pk=packed.pk).events.get(to_state=OrderState.SHIPPED)
    assert (shipped.actor, shipped.data) == (
        staff["warehouse"],
        {"carrier": "zto", "tracking_number": "75123456789012"},
    )
    assert verify_audit_chain() is None


def test_a_second_parcel_of_a_shipped_order_leaves_its_state_alone(packed, staff):
    ship(packed, actor=staff["warehouse"])
    events = Order.objects.get(pk=packed.pk).events.count()

    ship(packed, "75123456789013", actor=staff["warehouse"])

    order = Order.objects.get(pk=packed.pk)
    assert (order.state, order.events.count(), order.shipments.count()) == ("shipped", events, 2)


UNKNOWN_NOPE = (
    "Unknown carrier “nope”. The closest known carriers: "
    "YTO Express (yto), SF Express (sf-express), China EMS (ems)."
)


def test_a_shipment_needs_a_known_carrier_and_a_sane_number(packed, staff, english):
    with pytest.raises(InputError) as refused:
        actions.create_shipment(packed, "nope", "12", staff["warehouse"])
    assert [(e.field, e.message) for e in refused.value.errors] == [
        ("carrier", UNKNOWN_NOPE),
        ("tracking_number", "A tracking number has 6 to 40 letters and digits."),
    ]
    assert Shipment.objects.count() == 0
    assert Order.objects.get(pk=packed.pk).state == OrderState.PACKED


def test_a_tracking_number_is_unique_per_carrier(packed, staff):
    ship(packed, actor=staff["warehouse"])
    with pytest.raises(InputError) as refused:
        ship(packed, actor=staff["warehouse"])
    assert refused.value.errors[0].field == "tracking_number"
    assert Shipment.objects.count() == 1


def test_only_packed_or_shipped_orders_get_parcels(db, channel, frozen_now, staff):
    from parcelops.orders.tests.factories import place_order

    order = place_order()
    with pytest.raises(ActionError):
        ship(order, actor=staff["warehouse"])
    assert Shipment.objects.count() == 0


def test_roles_without_shipping_rights_cannot_create_shipments(packed, staff):
    from parcelops.core.errors import NotPermittedError

    with pytest.raises(NotPermittedError):
        ship(packed, actor=staff["analyst"])
    assert Shipment.objects.count() == 0


def test_events_are_stored_once_and_move_the_shipment_and_the_order(packed):
    shipment = ship(packed)
    events = [
        carrier_event(shipment.tracking_number, 1, T.IN_TRANSIT, "picked_up"),
        carrier_event(shipment.tracking_number, 5, T.IN_TRANSIT, "arrived_facility"),
    ]
    result = actions.record_tracking_events(events)
    assert result.as_dict() == {
        "stored": 2,
        "duplicates": 0,
        "unmatched": 0,
        "regressions": 0,
        "future": 0,
        "unmapped": 0,
    }
    assert result.outcomes == ["stored", "stored"]
    shipment.refresh_from_db()
    assert (shipment.status, shipment.substatus, shipment.status_rank) == (
        T.IN_TRANSIT,
        "arrived_facility",
        2,
    )
    assert Order.objects.get(pk=packed.pk).state == OrderState.IN_TRANSIT

    again = actions.record_tracking_events(events)
    assert again.as_dict()["duplicates"] == 2
    assert again.outcomes == ["duplicate", "duplicate"]
    assert TrackingEvent.objects.count() == 2

    actions.record_tracking_events(
        [carrier_event(shipment.tracking_number, 9, T.DELIVERED, "signed_by_recipient")]
    )
    assert Order.objects.get(pk=packed.pk).state == OrderState.DELIVERED
    timeline = list(Order.objects.get(pk=packed.pk).events.values_list("to_state", flat=True))
    assert timeline[-3:] == ["shipped", "in_transit", "delivered"]
    assert verify_audit_chain() is None


def test_a_late_older_event_refolds_and_flags_only_real_regressions(packed):
    shipment = ship(packed)
    number = shipment.tracking_number
    actions.record_tracking_events(
        [carrier_event(number, 10, T.OUT_FOR_DELIVERY, "out_for_delivery")]
    )
    result = actions.record_tracking_events(
        [
            carrier_event(number, 2, T.IN_TRANSIT, "picked_up"),  # older: not a regression
            carrier_event(
                number, 12, T.IN_TRANSIT, "arrived_facility"
            ),  # newer and lower: regression
        ]
    )
    assert result.regressions == 1
    flags = dict(TrackingEvent.objects.values_list("substatus", "is_regression"))
    assert flags == {"out_for_delivery": False, "picked_up": False, "arrived_facility": True}
    shipment.refresh_from_db()
    assert shipment.status == T.OUT_FOR_DELIVERY


def test_times_keep_their_microseconds_and_the_engine_reads_them_as_it_writes_them(packed):
    # The engine folds times as UTC text on both databases (ingest._moments_of); a time
    # read back in another form would compare wrongly with the events it is folded with.
    shipment = ship(packed)
    number = shipment.tracking_number
    half_past = carrier_event(number, 2, T.OUT_FOR_DELIVERY, "out_for_delivery")
    half_past = dataclasses.replace(half_past, occurred_at=T0 + timedelta(hours=2, seconds=0.5))
    actions.record_tracking_events([half_past])

    result = actions.record_tracking_events(
        [carrier_event(number, 2, T.IN_TRANSIT, "arrived_facility")]  # half a second before
    )

    assert result.regressions == 0
    shipment.refresh_from_db()
    assert (shipment.status, shipment.last_event_at) == (
        T.OUT_FOR_DELIVERY,
        T0 + timedelta(hours=2, seconds=0.5),
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {ingest._moment_column('occurred_at')} FROM tracking_trackingevent "  # noqa: S608
            "ORDER BY occurred_at"
        )
        assert [row[0] for row in cursor.fetchall()] == [
            "2026-11-24 02:00:00",
            "2026-11-24 02:00:00.500000",
        ]


def _parallel_workers() -> str | None:
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_parallel_workers_per_gather")
        return str(cursor.fetchone()[0])


def test_a_chunk_of_many_parcels_is_read_alone_and_leaves_the_connection_as_it_was(
    packed, monkeypatch
):
    # Large chunks are read without PostgreSQL's parallel workers, for that read's
    # transaction only (ingest.SERIAL_LOOKUP_FROM, decision 0016).
    monkeypatch.setattr(ingest, "SERIAL_LOOKUP_FROM", 3)
    numbers = [f"7512345678{i:04d}" for i in range(4)]
    for number in numbers:
        ship(packed, number)
    before = _parallel_workers()

    result = actions.record_tracking_events(
        [carrier_event(number, 1, T.IN_TRANSIT, "picked_up") for number in numbers]
    )

    assert (result.outcomes, result.rereads) == (["stored"] * 4, 0)
    assert list(Shipment.objects.values_list("status", flat=True).distinct()) == [T.IN_TRANSIT]
    assert _parallel_workers() == before


def test_future_and_unmapped_events_are_stored_and_flagged(packed, frozen_now):
    shipment = ship(packed)
    result = actions.record_tracking_events(
        [
            carrier_event(shipment.tracking_number, 100, T.DELIVERED),  # days after "now"
            carrier_event(shipment.tracking_number, 1, "", text="神秘代码 X9"),
        ]
    )
    assert (result.stored, result.future, result.unmapped) == (2, 1, 1)
    shipment.refresh_from_db()
    assert shipment.status == T.INFO_RECEIVED
    assert list(TrackingEvent.objects.filter(is_future=True).values_list("status", flat=True)) == [
        T.DELIVERED
    ]


def test_several_chunks_in_one_transaction_store_each_event_once(packed):
    # On PostgreSQL each chunk goes through the same session staging tables; a chunk
    # sharing its transaction with another must not see (or re-insert) the other's rows.
    shipment = ship(packed)
    events = [
        carrier_event(shipment.tracking_number, 1, T.IN_TRANSIT, "picked_up"),
        carrier_event(shipment.tracking_number, 2, T.IN_TRANSIT, "arrived_facility"),
        carrier_event(shipment.tracking_number, 3, T.OUT_FOR_DELIVERY, "out_for_delivery"),
        carrier_event("75999999999998", 3, T.IN_TRANSIT, "picked_up"),
        carrier_event(shipment.tracking_number, 4, T.DELIVERED, "signed_by_recipient"),
    ]
    with transaction.atomic():
        result = actions.record_tracking_events(events, chunk_size=2)

    assert result.outcomes == ["stored", "stored", "stored", "unmatched", "stored"]
    assert shipment.events.count() == 4
    assert UnmatchedEvent.objects.count() == 1
    shipment.refresh_from_db()
    packed.refresh_from_db()
    assert (shipment.status, packed.state) == (T.DELIVERED, OrderState.DELIVERED)


def test_events_for_unknown_numbers_wait_in_the_inbox_and_attach_later(packed):
    number = "75999999999999"
    result = actions.record_tracking_events(
        [
            carrier_event(number, 1, T.IN_TRANSIT, "picked_up"),
            carrier_event(number, 2, T.IN_TRANSIT, "departed_facility"),
        ]
    )
    assert result.outcomes == ["unmatched", "unmatched"]
    assert UnmatchedEvent.objects.count() == 2
    again = actions.record_tracking_events([carrier_event(number, 1, T.IN_TRANSIT, "picked_up")])
    assert again.unmatched == 1
    assert UnmatchedEvent.objects.count() == 2  # parked once

    shipment = ship(packed, number)
    assert UnmatchedEvent.objects.count() == 0
    assert TrackingEvent.objects.filter(shipment=shipment).count() == 2
    assert (shipment.status, shipment.substatus) == (T.IN_TRANSIT, "departed_facility")
    assert Order.objects.get(pk=packed.pk).state == OrderState.IN_TRANSIT


def test_an_order_with_two_parcels_is_delivered_when_both_are(db, channel, frozen_now, staff):
    order = packed_order()
    first = ship(order, "75100000000001")
    second = ship(Order.objects.get(pk=order.pk), "75100000000002")
    actions.record_tracking_events([carrier_event(first.tracking_number, 3, T.DELIVERED)])
    assert Order.objects.get(pk=order.pk).state == OrderState.IN_TRANSIT
    actions.record_tracking_events([carrier_event(second.tracking_number, 4, T.DELIVERED)])
    assert Order.objects.get(pk=order.pk).state == OrderState.DELIVERED


def test_an_event_without_carrier_matches_an_unambiguous_number(packed):
    shipment = ship(packed)
    result = actions.record_tracking_events(
        [carrier_event(shipment.tracking_number, 1, T.IN_TRANSIT, carrier="")]
    )
    assert result.stored == 1


statuses = st.sampled_from(
    [T.IN_TRANSIT, T.OUT_FOR_DELIVERY, T.DELIVERED, T.EXCEPTION, T.RETURNING, T.ATTEMPT_FAILED, ""]
)
event_lists = st.lists(
    st.tuples(st.integers(0, 30), statuses), min_size=1, max_size=12, unique=True
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(event_lists, st.randoms(), st.integers(1, 4))
def test_any_arrival_order_and_batching_gives_the_same_shipment_state(packed, specs, rng, batches):
    number = "75123456789099"
    shipment = Shipment.objects.filter(tracking_number=number).first() or ship(
        Order.objects.get(pk=packed.pk) if packed.state == OrderState.PACKED else packed, number
    )
    events = [
        carrier_event(number, hours, status, text=f"{hours}-{status}") for hours, status in specs
    ]

    def final_state(order_of_events, size):
        TrackingEvent.objects.filter(shipment=shipment).delete()
        Shipment.objects.filter(pk=shipment.pk).update(
            status=T.INFO_RECEIVED,
            substatus="label_created",
            status_rank=1,
            last_event_at=None,
            delivered_at=None,
        )
        for start in range(0, len(order_of_events), size):
            actions.record_tracking_events(order_of_events[start : start + size])
        actions.record_tracking_events(order_of_events)  # the same events again change nothing
        row = Shipment.objects.values_list(
            "status", "substatus", "status_rank", "last_event_at", "delivered_at"
        ).get(pk=shipment.pk)
        flags = sorted(
            TrackingEvent.objects.filter(shipment=shipment).values_list(
                "dedupe_key", "is_regression"
            )
        )
        return row, flags

    in_order = final_state(sorted(events, key=lambda e: e.occurred_at), len(events))
    shuffled = list(events)
    rng.shuffle(shuffled)
    assert final_state(shuffled, batches) == in_order


def test_customers_track_a_parcel_without_personal_data(packed, staff, client):
    ship(packed)
    actions.record_tracking_events(
        [
            carrier_event(
                "75123456789012",
                1,
                T.OUT_FOR_DELIVERY,
                "out_for_delivery",
                text="派件员：李四 13912345678 正在派送",
            ),
        ]
    )
    response = client.get(
        "/api/v1/track/75123456789012?tz=Europe/Berlin", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["carrier_name"], body["status"], body["time_zone"]) == (
        "ZTO Express",
        "out_for_delivery",
        "Europe/Berlin",
    )
    assert body["events"] == [
        {
            "at": "2026-11-24T02:00:00+01:00",
            "status": "out_for_delivery",
            "status_label": "Out for delivery",
            "text": "派件员：李四 139****5678 正在派送",
            "location": "",
        }
    ]
    assert "王小明" not in response.content.decode()
    assert client.get("/api/v1/track/UNKNOWN123").status_code == 404
    assert client.get("/api/v1/track/75123456789012?tz=Mars/Base").status_code == 422


def test_a_customers_lookup_takes_two_queries_and_labels_in_the_asked_language(
    packed, client, django_assert_num_queries
):
    ship(packed)
    actions.record_tracking_events(
        [
            carrier_event("75123456789012", 1, T.IN_TRANSIT, "picked_up"),
            carrier_event("75123456789012", 2, T.OUT_FOR_DELIVERY, "out_for_delivery"),
        ]
    )
    url = "/api/v1/track/75123456789012"
    with django_assert_num_queries(2):  # the shipment, its events
        english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").json()
    chinese = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").json()

    assert [e["status_label"] for e in english["events"]] == ["Out for delivery", "In transit"]
    assert english["status_label"] == "Out for delivery"
    assert [e["status_label"] for e in chinese["events"]] == ["派送中", "运输中"]
