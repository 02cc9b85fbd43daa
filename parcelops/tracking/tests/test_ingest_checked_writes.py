"""Ingestion reads and folds a chunk before its write transaction, and writes it only if
none of its parcels changed meanwhile (decision 0015). Each test makes something change
between the read and the write, as another process would, and checks that the result is
the one a single writer would have reached."""

import logging
from datetime import date

import pytest
from django.db import OperationalError, connection

from parcelops.orders.models import Order
from parcelops.orders.states import OrderState
from parcelops.tracking import actions, ingest
from parcelops.tracking.models import Shipment, TrackingEvent, UnmatchedEvent
from parcelops.tracking.status import TrackingStatus as T
from parcelops.tracking.tests.conftest import carrier_event

pytestmark = pytest.mark.django_db

NUMBER = "75123456789012"


@pytest.fixture
def preparations(monkeypatch):
    """The engine's reads, in order: True for a read outside the write transaction (to be
    checked at the write), False for one inside it. `meanwhile` is run once, right after
    the first read: what another writer does between that read and the write."""

    class Spy:
        checked: list[bool] = []
        meanwhile = None

    real = ingest._prepare

    def prepare(chunk, *, checked):
        plan = real(chunk, checked=checked)
        Spy.checked.append(checked)
        if Spy.meanwhile is not None:
            meanwhile, Spy.meanwhile = Spy.meanwhile, None
            meanwhile()
        return plan

    monkeypatch.setattr(ingest, "_prepare", prepare)
    return Spy


def test_a_chunk_read_before_another_writer_stored_events_is_folded_again(packed, preparations):
    shipment = actions.create_shipment(packed, "zto", NUMBER, None)
    actions.record_tracking_events([carrier_event(NUMBER, 1, T.IN_TRANSIT, "picked_up")])
    preparations.checked = []
    # Meanwhile the parcel is delivered: the chunk's out-for-delivery scan, read when the
    # parcel was in transit, must not put it back out for delivery.
    preparations.meanwhile = lambda: actions.record_tracking_events(
        [carrier_event(NUMBER, 6, T.DELIVERED, "signed_by_recipient")]
    )

    result = actions.record_tracking_events(
        [carrier_event(NUMBER, 5, T.OUT_FOR_DELIVERY, "out_for_delivery")]
    )

    assert result.outcomes == ["stored"]
    # first read (checked), the other writer's read, then the chunk again inside its write
    assert preparations.checked == [True, True, False]
    shipment.refresh_from_db()
    assert (shipment.status, shipment.status_rank, shipment.version) == (T.DELIVERED, 5, 3)
    assert sorted(TrackingEvent.objects.values_list("substatus", flat=True)) == [
        "out_for_delivery",
        "picked_up",
        "signed_by_recipient",
    ]
    assert Order.objects.get(pk=packed.pk).state == OrderState.DELIVERED


def test_an_unchanged_parcel_is_written_from_the_first_read(packed, preparations):
    shipment = actions.create_shipment(packed, "zto", NUMBER, None)
    preparations.checked = []

    actions.record_tracking_events([carrier_event(NUMBER, 1, T.IN_TRANSIT, "picked_up")])

    assert preparations.checked == [True]
    shipment.refresh_from_db()
    assert (shipment.status, shipment.version) == (T.IN_TRANSIT, 1)


def test_a_provider_id_resent_with_a_later_time_is_still_a_duplicate(packed, preparations):
    # In order (after the last event), so the first read does not look its key up; the
    # insert stores nothing, and the chunk is read again with the lookup.
    shipment = actions.create_shipment(packed, "zto", NUMBER, None)
    actions.record_tracking_events([carrier_event(NUMBER, 1, T.IN_TRANSIT, event_id="E-1")])
    preparations.checked = []

    result = actions.record_tracking_events([carrier_event(NUMBER, 9, T.DELIVERED, event_id="E-1")])

    assert (result.outcomes, result.stored, result.duplicates) == (["duplicate"], 0, 1)
    assert preparations.checked == [True, False]
    shipment.refresh_from_db()
    assert (shipment.status, shipment.version) == (T.IN_TRANSIT, 1)
    assert TrackingEvent.objects.count() == 1


def test_a_future_event_sent_again_is_a_duplicate(packed, frozen_now, preparations):
    # A future event does not move last_event_at, so the resent one looks in order.
    actions.create_shipment(packed, "zto", NUMBER, None)
    future = carrier_event(NUMBER, 500, T.DELIVERED)
    assert actions.record_tracking_events([future]).future == 1

    result = actions.record_tracking_events([future])

    assert (result.outcomes, result.future) == (["duplicate"], 0)
    assert TrackingEvent.objects.count() == 1


def test_an_event_whose_parcel_appears_meanwhile_is_attached_not_parked(packed, preparations):
    preparations.meanwhile = lambda: actions.create_shipment(packed, "zto", NUMBER, None)

    result = actions.record_tracking_events([carrier_event(NUMBER, 1, T.IN_TRANSIT)])

    assert result.outcomes == ["stored"]
    assert UnmatchedEvent.objects.count() == 0
    assert Shipment.objects.get(tracking_number=NUMBER).status == T.IN_TRANSIT


def test_a_revised_estimate_meanwhile_is_kept(packed, preparations):
    shipment = actions.create_shipment(packed, "zto", NUMBER, None)
    preparations.meanwhile = lambda: actions.revise_estimated_delivery(
        "zto", NUMBER, date(2026, 11, 30)
    )

    actions.record_tracking_events([carrier_event(NUMBER, 1, T.IN_TRANSIT)])

    shipment.refresh_from_db()
    assert (shipment.status, shipment.estimated_delivery_date) == (T.IN_TRANSIT, date(2026, 11, 30))


class RefusedError(Exception):
    pass


def refuse() -> None:
    raise RefusedError


@pytest.mark.parametrize("chunk_size", [5000, 1])  # one chunk; chunks sharing a transaction
def test_what_is_written_with_the_events_fails_with_them(packed, chunk_size):
    shipment = actions.create_shipment(packed, "zto", NUMBER, None)
    events = [carrier_event(NUMBER, 1, T.IN_TRANSIT), carrier_event(NUMBER, 2, T.DELIVERED)]

    with pytest.raises(RefusedError):
        actions.record_tracking_events(events, chunk_size=chunk_size, then=refuse)

    shipment.refresh_from_db()
    assert (TrackingEvent.objects.count(), shipment.status, shipment.version) == (
        0,
        T.INFO_RECEIVED,
        0,
    )
    assert Order.objects.get(pk=packed.pk).state == OrderState.SHIPPED


def test_what_is_written_with_no_events_is_still_written(db):
    written = []

    result = actions.record_tracking_events([], then=lambda: written.append(True))

    assert (written, result.stored) == ([True], 0)


def deadlock_in_writes(monkeypatch, times: int) -> list[bool]:
    """The next `times` writes end in a real PostgreSQL deadlock error (SQLSTATE 40P01,
    raised by the server inside the transaction, as when another writer locked the same
    parcels in the other order). Returns the `checked` flag of every write attempted."""
    attempts: list[bool] = []
    real = ingest._write

    def write(chunk, plan):
        attempts.append(plan.checked)
        real(chunk, plan)
        if len(attempts) <= times:
            with connection.cursor() as cursor:
                cursor.execute(
                    "DO $$ BEGIN RAISE EXCEPTION 'deadlock detected' USING ERRCODE = '40P01'; END $$"
                )

    monkeypatch.setattr(ingest, "_write", write)
    return attempts


on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite has one writer at a time: no deadlocks"
)


@on_postgresql
def test_a_chunk_chosen_to_break_a_deadlock_is_written_again(packed, monkeypatch, caplog):
    shipment = actions.create_shipment(packed, "zto", NUMBER, None)
    attempts = deadlock_in_writes(monkeypatch, times=2)
    events = [carrier_event(NUMBER, 1, T.IN_TRANSIT), carrier_event(NUMBER, 2, T.DELIVERED)]

    with caplog.at_level(logging.INFO, logger="parcelops.tracking.ingest"):
        result = actions.record_tracking_events(events)

    # checked, then under the lock twice: nothing of the rolled-back attempts remains
    assert attempts == [True, False, False]
    assert (result.outcomes, result.rereads) == (["stored", "stored"], 1)
    shipment.refresh_from_db()
    assert (shipment.status, shipment.version) == (T.DELIVERED, 1)
    assert TrackingEvent.objects.count() == 2
    assert Order.objects.get(pk=packed.pk).state == OrderState.DELIVERED
    assert caplog.messages == [
        "a chunk of 2 events deadlocked with another writer; trying again",
        "a chunk of 2 events deadlocked again; trying again",
    ]


@on_postgresql
def test_a_chunk_that_keeps_deadlocking_fails_and_stores_nothing(packed, monkeypatch):
    shipment = actions.create_shipment(packed, "zto", NUMBER, None)
    attempts = deadlock_in_writes(monkeypatch, times=99)

    with pytest.raises(OperationalError):
        actions.record_tracking_events([carrier_event(NUMBER, 1, T.IN_TRANSIT)])

    assert len(attempts) == ingest.DEADLOCK_ATTEMPTS
    shipment.refresh_from_db()
    assert (TrackingEvent.objects.count(), shipment.status, shipment.version) == (
        0,
        T.INFO_RECEIVED,
        0,
    )


@on_postgresql
def test_other_database_errors_are_not_retried(packed, monkeypatch):
    actions.create_shipment(packed, "zto", NUMBER, None)
    attempts: list[bool] = []

    def write(chunk, plan):
        attempts.append(plan.checked)
        with connection.cursor() as cursor:
            cursor.execute(
                "DO $$ BEGIN RAISE EXCEPTION 'disk full' USING ERRCODE = '53100'; END $$"
            )

    monkeypatch.setattr(ingest, "_write", write)

    with pytest.raises(OperationalError):
        actions.record_tracking_events([carrier_event(NUMBER, 1, T.IN_TRANSIT)])

    assert attempts == [True]
