"""The demo's exception desk: parcels that go wrong, the cases the desk opens for them, its
clock over the last hours, the past cases people closed, and an idempotent second run."""

from collections import Counter
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

import pytest
import time_machine
from django.db import transaction
from django.test import override_settings
from django.utils import translation

from conftest import FIXED_NOW
from parcelops.audit.models import AuditRecord
from parcelops.demo import mishaps
from parcelops.demo.data import CASE_SUMMARIES
from parcelops.demo.desk import LIVE_FOR, sweep_moments
from parcelops.demo.loader import DEFAULT_ORDERS, load_demo, summary_lines
from parcelops.demo.mishaps import Mishap, MishapPlan, befall, plan_mishap
from parcelops.demo.parcels import Milestones, ParcelPlan, journey_events
from parcelops.demo.plan import Planner
from parcelops.exceptions import detection
from parcelops.exceptions.actions import search_summaries, similar_summaries
from parcelops.exceptions.kinds import TIER_OF_SEVERITY, CaseState, OwnerTier, Severity
from parcelops.exceptions.models import Case, CaseEvent, CaseEvidence
from parcelops.orders.models import Order
from parcelops.outbox.models import Alert, OutboxMessage
from parcelops.tracking.models import Shipment

pytestmark = pytest.mark.django_db

SEED = 20261125
LOGISTICS = {"logistics_staff", "logistics_head", "leadership"}


# --- mishaps on one journey (pure) ------------------------------------------------------------

T0 = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
PARCEL = ParcelPlan(f"{SEED}:7", "zto", "", False, "")
NUMBER = "75123456789012"
TO_KUNMING = {"city": "昆明市", "district": "五华区"}
ON_THE_WAY = Milestones(T0, T0 + timedelta(hours=2), None, T0 + timedelta(days=5))
DELIVERED = Milestones(
    T0, T0 + timedelta(hours=6), T0 + timedelta(hours=80), T0 + timedelta(days=5)
)


def plan(kind: Mishap, *draws: float) -> MishapPlan:
    return MishapPlan(kind, (*draws, *[0.0] * (mishaps.DRAWS - len(draws))))


def befallen(kind: Mishap, at: Milestones, *draws: float) -> tuple[Any, Any]:
    plain = journey_events(PARCEL, NUMBER, TO_KUNMING, at)
    return plain, befall(plain, plan(kind, *draws), PARCEL, NUMBER, TO_KUNMING, at)


def statuses(events: list[Any]) -> list[tuple[str, str]]:
    return [(event.status, event.substatus) for event in events]


def in_time_order(events: list[Any]) -> bool:
    times = [event.occurred_at for event in events]
    return times == sorted(set(times))


def test_a_label_no_carrier_scans_leaves_the_parcel_without_events():
    at = Milestones(T0, None, None, T0 + timedelta(days=2))

    _plain, journey = befallen(Mishap.NO_FIRST_SCAN, at)

    assert (journey.before_delivery, journey.delivery) == ([], [])


def test_a_stalled_parcel_keeps_its_pick_up_and_loses_the_scans_after_the_cut():
    plain, journey = befallen(Mishap.STALL, ON_THE_WAY, 0.5)

    picked_up = T0 + timedelta(hours=2)  # ON_THE_WAY's pick-up
    cut = picked_up + (ON_THE_WAY.until - picked_up) * 0.25
    assert journey.before_delivery == [e for e in plain.before_delivery if e.occurred_at <= cut]
    assert statuses(journey.before_delivery)[:2] == [
        ("info_received", "label_created"),
        ("in_transit", "picked_up"),
    ]
    assert len(journey.before_delivery) < len(plain.before_delivery)
    assert journey.delivery == []


def test_a_damaged_parcel_is_repacked_half_an_hour_before_its_next_scan():
    plain, journey = befallen(Mishap.DAMAGED, DELIVERED, 0.0, 0.0)

    events = journey.before_delivery
    (index,) = [i for i, e in enumerate(events) if e.status == "exception"]
    damaged = events[index]
    assert (damaged.substatus, damaged.raw_code) == ("damaged", "DAMAGED")
    assert damaged.raw_text == mishaps.DAMAGE_TEXTS[0]
    assert damaged.location == events[index - 1].location == "杭州市"  # the first hub's city
    assert events[index - 1].substatus == "arrived_facility"
    assert damaged.occurred_at == events[index + 1].occurred_at - timedelta(minutes=30)
    assert [e for e in events if e is not damaged] == plain.before_delivery
    assert journey.delivery == plain.delivery  # it travels on and is delivered


def test_a_refused_parcel_goes_out_for_delivery_and_comes_back_refused_before_now():
    plain, journey = befallen(Mishap.REFUSED, ON_THE_WAY, 0, 0, 0.4, 0, 0.6)

    events = journey.before_delivery
    assert events[: len(plain.before_delivery)] == plain.before_delivery
    assert statuses(events[-2:]) == [
        ("out_for_delivery", "out_for_delivery"),
        ("exception", "refused"),
    ]
    assert events[-1].raw_text == mishaps.REFUSAL_TEXTS[1]
    # The newest event lies 0.2 h + 3 h × the fifth draw before now, the run 2 h earlier.
    refused_at = ON_THE_WAY.until - timedelta(hours=0.2 + 3 * 0.6)
    assert events[-1].occurred_at == refused_at.replace(microsecond=0)
    assert events[-2].occurred_at == (refused_at - timedelta(hours=2)).replace(microsecond=0)
    assert events[-2].location == events[-1].location == "昆明市"
    assert journey.delivery == []


def test_two_failed_attempts_on_the_way_are_a_day_apart():
    plain, journey = befallen(Mishap.FAILED_TWICE, ON_THE_WAY)

    tail = journey.before_delivery[len(plain.before_delivery) :]
    assert [e.status for e in tail] == [
        "out_for_delivery",
        "attempt_failed",
        "out_for_delivery",
        "attempt_failed",
    ]
    gaps = [later.occurred_at - earlier.occurred_at for earlier, later in pairwise(tail)]
    assert gaps == [timedelta(hours=2.5), timedelta(hours=20), timedelta(hours=2.5)]
    assert tail[-1].occurred_at == (ON_THE_WAY.until - timedelta(hours=0.2))
    assert in_time_order(journey.before_delivery)


def test_two_failed_attempts_come_before_the_run_that_ends_in_the_signature():
    at = Milestones(T0, T0 + timedelta(hours=6), T0 + timedelta(days=6), T0 + timedelta(days=7))

    plain, journey = befallen(Mishap.FAILED_TWICE, at)

    events = journey.before_delivery + journey.delivery
    assert statuses(events[-6:]) == [
        ("out_for_delivery", "out_for_delivery"),
        ("attempt_failed", "recipient_unavailable"),
        ("out_for_delivery", "out_for_delivery"),
        ("attempt_failed", "recipient_unavailable"),
        ("out_for_delivery", "out_for_delivery"),
        (plain.delivery[0].status, plain.delivery[0].substatus),
    ]
    assert journey.delivery == plain.delivery  # the signature keeps its time
    assert events[-2] == plain.before_delivery[-1]  # and so does its run
    runs = [e.occurred_at for e in events[-6:-1]]
    gaps = [later - earlier for earlier, later in pairwise(runs)]
    assert gaps == [timedelta(hours=h) for h in (2.5, 20, 2.5, 16)]
    assert in_time_order(events)


def test_a_signature_in_another_city_is_a_misdelivery_the_desk_recognises():
    plain, journey = befallen(Mishap.WRONG_CITY, DELIVERED, 0, 0, 0, 0.0)

    (signed,) = journey.delivery
    assert signed.location == "北京市"  # the first city of the demo's regions
    assert signed.raw_text == plain.delivery[0].raw_text
    assert signed.occurred_at == plain.delivery[0].occurred_at
    assert detection.other_city(signed.location, TO_KUNMING["city"]) == "北京"
    assert journey.before_delivery == plain.before_delivery


def test_customs_holds_the_parcel_where_its_scans_stopped():
    plain, journey = befallen(Mishap.CUSTOMS, ON_THE_WAY)

    inspected, held = journey.before_delivery[-2:]
    assert statuses([inspected, held]) == [
        ("in_transit", "customs_processing"),
        ("exception", "held_by_customs"),
    ]
    assert detection.is_in_customs(held.status, held.substatus)
    assert held.occurred_at - inspected.occurred_at == timedelta(hours=5)
    assert held.location == plain.before_delivery[-1].location


@pytest.mark.parametrize(
    "kind", [Mishap.REFUSED, Mishap.CUSTOMS, Mishap.STALL, Mishap.NO_FIRST_SCAN]
)
def test_a_mishap_of_the_road_leaves_a_delivered_journey_as_it_was(kind):
    plain, journey = befallen(kind, DELIVERED)

    assert journey is plain


def test_a_timeline_without_a_second_to_spare_keeps_its_journey():
    squeezed = Milestones(
        T0, T0 + timedelta(seconds=2), T0 + timedelta(seconds=5), T0 + timedelta(seconds=6)
    )

    plain, journey = befallen(Mishap.FAILED_TWICE, squeezed)

    assert journey is plain


def test_each_story_on_the_road_meets_only_its_own_mishaps():
    planned = Planner(SEED).plan(DEFAULT_ORDERS)

    found = {(p.story.name, m.kind) for p in planned if (m := plan_mishap(p)) is not None}

    for story, kind in found:
        assert kind in {k for k, _weight in mishaps.MISHAPS[story][1]}
    assert {kind for _story, kind in found} == set(Mishap)
    assert [plan_mishap(p) for p in planned] == [plan_mishap(p) for p in planned]


def test_sweeps_run_every_half_hour_from_go_live_to_now():
    assert sweep_moments(FIXED_NOW) == [
        FIXED_NOW - timedelta(minutes=30 * step) for step in range(6, -1, -1)
    ]
    assert timedelta(hours=3) == LIVE_FOR


# --- the whole demo --------------------------------------------------------------------------


def parcels_by_order() -> dict[str, tuple[Any, ...]]:
    return {
        shipment.order.external_id: (
            shipment.carrier,
            shipment.tracking_number,
            shipment.status,
            tuple(event.raw_text for event in shipment.events.order_by("occurred_at", "id")),
        )
        for shipment in Shipment.objects.select_related("order")
    }


def test_orders_and_their_parcels_stay_as_they_were_but_for_the_mishaps(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    with time_machine.travel(FIXED_NOW, tick=False):
        with transaction.atomic():
            load_demo(orders=40, seed=SEED)
            assert not Case.objects.exists()  # without exceptions the desk opens nothing
            plain_orders = set(Order.objects.values_list("external_id", "state"))
            plain_parcels = parcels_by_order()
            transaction.set_rollback(True)

        load_demo(orders=40, seed=SEED, with_exceptions=True)

    assert set(Order.objects.values_list("external_id", "state")) == plain_orders
    befell = {p.external_id for p in Planner(SEED).plan(40) if plan_mishap(p) is not None} & set(
        plain_parcels
    )
    assert befell  # some of these forty parcels go wrong
    parcels = parcels_by_order()
    for external_id, parcel in plain_parcels.items():
        if external_id in befell:
            assert parcel[:2] == parcels[external_id][:2]  # the same carrier and number
        else:
            assert parcel == parcels[external_id]


@pytest.fixture(scope="class")
def desk(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo as `parcelops demo` loads it, once for the class, rolled back after it."""
    with (
        django_db_blocker.unblock(),
        override_settings(DATA_DIR=tmp_path_factory.mktemp("desk")),
        time_machine.travel(FIXED_NOW, tick=False),
        transaction.atomic(),
    ):
        yield load_demo(orders=DEFAULT_ORDERS, seed=SEED, with_exceptions=True)
        transaction.set_rollback(True)


def desk_rows() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Case, CaseEvent, CaseEvidence, AuditRecord, Alert, OutboxMessage)
    }


class TestTheDemosDesk:
    """The tests that share one demo with its exception desk."""

    def test_the_queue_has_many_types_every_severity_warnings_and_a_breach(self, desk):
        queue = Case.objects.filter(state=CaseState.OPEN)

        assert len(set(queue.values_list("type", flat=True))) >= 6
        assert set(queue.values_list("severity", flat=True)) == set(Severity.values)
        assert queue.filter(warned_at__isnull=False, breached_at__isnull=True).exists()
        escalated = queue.filter(breached_at__isnull=False, escalation_level__gte=1)
        assert escalated.exists()
        for case in escalated:
            assert case.owner_tier != TIER_OF_SEVERITY[Severity(case.severity)]
            assert case.owner is not None
            assert case.owner.username in LOGISTICS

    def test_every_mishap_reaches_the_desk_as_its_case_type(self, desk):
        types = set(Case.objects.values_list("type", flat=True))

        assert types >= {
            "stalled",
            "no_first_scan",
            "damaged",
            "refused",
            "failed_delivery",
            "misdelivered",
            "customs_hold",
        }
        detected = Case.objects.filter(source="detected")
        assert set(detected.values_list("type", flat=True)) >= {
            "damaged",
            "refused",
            "failed_delivery",
            "misdelivered",
            "customs_hold",
        }
        for case in Case.objects.filter(type="misdelivered").select_related("shipment"):
            (evidence,) = case.evidence.all()
            assert evidence.status == "delivered"
            assert case.shipment is not None
            assert detection.other_city(evidence.location, case.shipment.destination_city)

    def test_what_was_overdue_at_go_live_is_breached_and_escalated_by_now(self, desk):
        go_live = FIXED_NOW - LIVE_FOR
        overdue = Case.objects.filter(opened_at=go_live, severity=Severity.MINOR)

        assert overdue.exists()
        for case in overdue:
            # Due 2 h after go-live; the sweep one hour before now found the breach.
            assert case.breached_at == go_live + timedelta(hours=2)
            assert case.escalated_at == FIXED_NOW - timedelta(hours=1)
            assert case.due_at == FIXED_NOW + timedelta(hours=3)  # the head's 4 h
            assert (case.owner_tier, case.escalation_level) == (OwnerTier.HEAD, 1)
            assert case.owner is not None
            assert case.owner.username == "logistics_head"
            # Warned at half its time; at 80 % the sweep came with the deadline: no warning.
            kinds = list(case.events.values_list("kind", flat=True).order_by("at", "id"))
            assert kinds == ["opened", "assigned", "warned", "breached", "escalated"]
            assert case.warned_at == go_live + timedelta(hours=1)

    def test_the_past_cases_are_closed_by_their_owners_with_summaries(self, desk):
        closed = Case.objects.filter(state=CaseState.CLOSED).select_related("closed_by", "order")

        assert closed.count() >= 2
        for case in closed:
            assert case.order.state == "completed"
            assert case.closed_by is not None
            assert case.closed_by.username in LOGISTICS
            resolution, cause, action_taken, lesson, paid = CASE_SUMMARIES[case.type]
            assert (case.resolution, case.cause, case.action_taken, case.lesson) == (
                resolution,
                cause,
                action_taken,
                lesson,
            )
            assert case.refund_cents == paid
            assert list(case.events.values_list("kind", flat=True).order_by("id"))[-1] == "closed"
            assert case.events.filter(kind="carrier_contacted").count() == 1
        assert not Case.objects.filter(state=CaseState.OPEN, order__state="completed").exists()

    def test_past_summaries_are_found_by_similar_cases_and_by_search(self, desk):
        closed = Case.objects.filter(state=CaseState.CLOSED)
        past_types = set(closed.values_list("type", flat=True))
        current = Case.objects.filter(state=CaseState.OPEN, type__in=past_types).first()

        assert current is not None
        assert {c.type for c in similar_summaries(current)} >= {current.type}
        for past in closed:
            assert past in search_summaries(past.lesson[:6])

    def test_the_demo_prints_the_desks_counts(self, desk):
        queue = Case.objects.filter(state=CaseState.OPEN)
        by_severity = Counter(queue.values_list("severity", flat=True))

        with translation.override("en"):
            lines = list(summary_lines(desk))

        assert (
            f"Exception desk: {queue.count()} open cases (minor {by_severity['minor']}, "
            f"moderate {by_severity['moderate']}, major {by_severity['major']}), "
            f"{queue.filter(breached_at__isnull=False).count()} breached, "
            f"{Case.objects.filter(state=CaseState.CLOSED).count()} closed with a summary."
        ) in lines
        assert desk.desk.open == queue.count()

    def test_running_it_again_opens_no_case_twice(self, desk):
        before = desk_rows()

        again = load_demo(orders=DEFAULT_ORDERS, seed=SEED, with_exceptions=True)

        assert desk_rows() == before
        assert again.orders_created == 0
        assert again.desk == desk.desk
