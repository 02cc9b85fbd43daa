"""The desk end to end on the real parts: ingestion opens cases, the sweep runs the
clock, people work the case. Times are explicit (`sweep(moment)`) or frozen."""

from datetime import timedelta

import pytest
import time_machine

from parcelops.core.errors import ActionError, InputError, NotPermittedError
from parcelops.exceptions import actions
from parcelops.exceptions.kinds import CaseEventKind, CaseState, CaseType, Resolution
from parcelops.exceptions.models import Case, CaseEvidence
from parcelops.exceptions.tests.conftest import HANDED_OVER, at, carrier_event, feed, parcel
from parcelops.orders.models import Order
from parcelops.orders.states import OrderState
from parcelops.outbox.models import OutboxMessage
from parcelops.tracking.models import Shipment

NUMBER = "ZT1000000001"


def open_cases(**filters):
    return list(Case.objects.filter(state=CaseState.OPEN, **filters).order_by("id"))


def test_a_damaged_scan_opens_one_case_and_a_repeat_adds_evidence(desk):
    shipment = parcel(NUMBER)
    feed(carrier_event(NUMBER, 1, "in_transit", "picked_up"))
    assert open_cases() == []
    feed(carrier_event(NUMBER, 2, "exception", "damaged"))
    (case,) = open_cases()
    assert (case.type, case.source, case.shipment_id, case.order_id) == (
        CaseType.DAMAGED,
        "detected",
        shipment.pk,
        shipment.order_id,
    )
    assert case.evidence.count() == 1
    assert Order.objects.get(pk=shipment.order_id).has_open_exception is True
    assert Shipment.objects.get(pk=shipment.pk).has_open_case is True

    feed(carrier_event(NUMBER, 3, "exception", "damaged", text="box crushed"))
    assert [c.pk for c in open_cases()] == [case.pk]
    assert CaseEvidence.objects.filter(case=case, kind="event").count() == 2
    assert case.events.filter(kind=CaseEventKind.EVIDENCE).count() == 1
    # The same event again is no news.
    feed(carrier_event(NUMBER, 3, "exception", "damaged", text="box crushed"))
    assert CaseEvidence.objects.filter(case=case).count() == 2


def test_the_second_failed_attempt_opens_a_failed_delivery_case(desk):
    parcel(NUMBER)
    feed(carrier_event(NUMBER, 1, "out_for_delivery"))
    feed(carrier_event(NUMBER, 2, "attempt_failed", "recipient_unavailable"))
    assert not Case.objects.filter(type=CaseType.FAILED_DELIVERY).exists()
    feed(carrier_event(NUMBER, 20, "attempt_failed", "recipient_unavailable"))
    assert Case.objects.filter(type=CaseType.FAILED_DELIVERY, state=CaseState.OPEN).count() == 1


def test_a_parcel_without_its_first_scan_opens_a_case_at_the_threshold_exactly(desk):
    shipment = parcel(NUMBER)
    deadline = HANDED_OVER + timedelta(hours=24)
    assert Shipment.objects.get(pk=shipment.pk).next_check_at == deadline
    actions.sweep(deadline - timedelta(seconds=1))
    assert open_cases() == []
    report = actions.sweep(deadline)
    (case,) = open_cases()
    assert case.type == CaseType.NO_FIRST_SCAN
    assert report.opened == [case.pk]
    # The carrier scans it: the condition clears and the case closes itself.
    feed(carrier_event(NUMBER, 25, "in_transit", "picked_up"))  # before FIXED_NOW
    case.refresh_from_db()
    assert (case.state, case.resolution) == (CaseState.CLOSED, Resolution.CLEARED)
    assert Order.objects.get(pk=shipment.order_id).has_open_exception is False
    assert Shipment.objects.get(pk=shipment.pk).has_open_case is False


def test_a_stalled_parcel_and_a_second_sweep_that_changes_nothing(desk):
    parcel(NUMBER)
    feed(carrier_event(NUMBER, 1, "in_transit", "picked_up"))
    actions.sweep(at(1 + 48) - timedelta(seconds=1))
    assert [c.type for c in open_cases()] == []
    first = actions.sweep(at(1 + 48))
    assert [c.type for c in open_cases()] == [CaseType.STALLED]
    assert len(first.opened) == 1
    second = actions.sweep(at(1 + 48))
    assert second.as_dict() | {"checked": 0} == {
        "checked": 0, "opened": 0, "updated": 0, "cleared": 0,
        "warned": 0, "breached": 0, "escalated": 0,
    }  # fmt: skip


def test_a_minor_case_warns_breaches_and_escalates_on_the_clock(desk):
    shipment = parcel(NUMBER)
    opened_at = HANDED_OVER + timedelta(hours=24)
    actions.sweep(opened_at)
    (case,) = open_cases()
    assert (case.severity, case.owner_tier, case.owner.username) == (
        "minor",
        "staff",
        "logistics_staff",
    )
    assert case.due_at == opened_at + timedelta(hours=2)
    half, most = opened_at + timedelta(hours=1), opened_at + timedelta(hours=1.6)
    assert actions.sweep(half - timedelta(seconds=1)).warned == []
    assert actions.sweep(half).warned == [case.pk]
    assert actions.sweep(most).warned == [case.pk]
    assert actions.sweep(case.due_at - timedelta(seconds=1)).breached == []
    report = actions.sweep(case.due_at)
    case.refresh_from_db()
    assert report.breached == [case.pk]
    assert report.escalated == [case.pk]
    assert (case.owner_tier, case.owner.username, case.escalation_level) == (
        "head",
        "logistics_head",
        1,
    )
    assert case.breached_at == opened_at + timedelta(hours=2)
    assert case.due_at == opened_at + timedelta(hours=2 + 4)
    report = actions.sweep(case.due_at)
    case.refresh_from_db()
    assert (case.owner_tier, case.escalation_level) == ("leadership", 2)
    assert case.breached_at == opened_at + timedelta(hours=2)  # breached stays breached
    assert report.breached == []
    assert actions.sweep(case.due_at + timedelta(days=1)).as_dict()["escalated"] == 0
    kinds = list(case.events.values_list("kind", flat=True))
    # Two warnings before the first deadline; the second deadline's were never swept in
    # time (the sweep jumped to its end), and a warning after the deadline is none.
    assert kinds.count(CaseEventKind.WARNED) == 2
    assert kinds.count(CaseEventKind.ESCALATED) == 2
    assert Shipment.objects.get(pk=shipment.pk).has_open_case is True


def test_people_work_a_case_from_note_to_close(desk):
    shipment = parcel(NUMBER)
    feed(carrier_event(NUMBER, 1, "in_transit"), carrier_event(NUMBER, 2, "exception", "damaged"))
    (case,) = open_cases()
    staff = desk["logistics_staff"]
    with time_machine.travel(at(3), tick=False):
        actions.add_note(case, staff, "Called the depot")
        actions.contact_carrier(
            case, staff, channel="phone", summary="Depot confirms", reference="ZT-CLM-9"
        )
        actions.notify_customer(case, staff, language="en", extra="We are sorry.")
        message = OutboxMessage.objects.get()
        assert message.to_address == "xm.wang@example.com"
        assert NUMBER in message.body
        assert "We are sorry." in message.body
        actions.refund(case, staff, amount_cents=2000, kind="compensation", note="goodwill")
        actions.file_claim(case, staff, amount_cents=36590, evidence="photos", window_days=30)
        actions.close_case(
            case, staff, resolution="carrier_claim", cause="Crushed in the depot",
            action_taken="Claimed from ZTO", lesson="Use a stronger box for glass",
        )  # fmt: skip
    case.refresh_from_db()
    assert (case.state, case.refund_cents, case.claim_cents, case.carrier_reference) == (
        CaseState.CLOSED, 2000, 36590, "ZT-CLM-9",
    )  # fmt: skip
    assert case.claim_due_at == at(3) + timedelta(days=30)
    assert Shipment.objects.get(pk=shipment.pk).has_open_case is False
    with pytest.raises(ActionError):
        actions.add_note(case, staff, "too late")
    assert [c.pk for c in actions.search_summaries("stronger box")] == [case.pk]
    assert list(actions.search_summaries("nothing like it")) == []


def test_a_reship_replaces_the_parcel_of_a_delivered_order(desk):
    shipment = parcel(NUMBER)
    feed(carrier_event(NUMBER, 1, "in_transit"), carrier_event(NUMBER, 5, "delivered"))
    order = Order.objects.get(pk=shipment.order_id)
    assert order.state == OrderState.DELIVERED
    case = actions.report_case(
        desk["cs_agent"], order=order, shipment=shipment, case_type="damaged",
        description="Customer says the cup arrived broken", source="customer",
    )  # fmt: skip
    with time_machine.travel(at(6), tick=False):
        actions.reship(case, desk["logistics_staff"], carrier="zto", tracking_number="ZT1000000002")
    case.refresh_from_db()
    order.refresh_from_db()
    assert order.state == OrderState.SHIPPED
    assert case.replacement is not None
    assert case.replacement.tracking_number == "ZT1000000002"
    assert Shipment.objects.get(pk=shipment.pk).replaced_by_id == case.replacement_id
    # The new parcel's delivery delivers the order again; the old one no longer counts.
    feed(carrier_event("ZT1000000002", 20, "delivered"))
    order.refresh_from_db()
    assert order.state == OrderState.DELIVERED


def test_a_report_on_an_open_case_adds_to_it_and_bad_reports_change_nothing(desk):
    shipment = parcel(NUMBER)
    order = Order.objects.get(pk=shipment.order_id)
    first = actions.report_case(
        desk["logistics_staff"], order=order, shipment=shipment, case_type="lost",
        description="Driver says it fell off", severity="major",
    )  # fmt: skip
    assert (first.severity, first.owner_tier) == ("major", "leadership")
    again = actions.report_case(
        desk["cs_agent"], order=order, shipment=shipment, case_type="lost",
        description="Customer asks where it is", source="customer",
    )  # fmt: skip
    assert again.pk == first.pk
    assert CaseEvidence.objects.filter(case=first, kind="report").count() == 2
    with pytest.raises(InputError) as refused:
        actions.report_case(
            desk["logistics_staff"], order=order, case_type="sunk", description="", severity="huge"
        )
    assert sorted(e.field for e in refused.value.errors) == ["description", "severity", "type"]
    with pytest.raises(NotPermittedError):
        actions.report_case(desk["order_processor"], order=order, case_type="lost", description="x")
    assert Case.objects.count() == 1


def test_a_severity_change_retargets_from_discovery_and_moves_the_tier(desk):
    shipment = parcel(NUMBER)
    actions.sweep(HANDED_OVER + timedelta(hours=24))
    (case,) = open_cases()
    with time_machine.travel(case.opened_at + timedelta(minutes=30), tick=False):
        with pytest.raises(InputError):
            actions.change_severity(case, desk["logistics_staff"], "major", reason="")
        actions.change_severity(case, desk["logistics_staff"], "major", reason="VIP complains")
    case.refresh_from_db()
    assert (case.severity, case.owner_tier, case.owner.username) == (
        "major", "leadership", "leadership",
    )  # fmt: skip
    assert case.due_at == case.opened_at + timedelta(hours=8)
    assert shipment.pk == case.shipment_id


def test_an_approved_order_not_handed_over_in_time_opens_a_case_on_the_order(desk):
    from parcelops.orders import actions as order_actions
    from parcelops.orders.tests.factories import place_order

    order = place_order(external_id="W-LATE")
    order_actions.confirm_order(order, desk["order_processor"])
    order.refresh_from_db()
    assert order.state == OrderState.APPROVED
    approved_at = order.events.get(to_state=OrderState.APPROVED).at
    actions.sweep(approved_at + timedelta(hours=48) - timedelta(seconds=1))
    assert open_cases(type=CaseType.NOT_SHIPPED) == []
    actions.sweep(approved_at + timedelta(hours=48))
    (case,) = open_cases(type=CaseType.NOT_SHIPPED)
    assert (case.order_id, case.shipment_id) == (order.pk, None)
    Order.objects.filter(pk=order.pk).update(state=OrderState.SHIPPED)
    actions.sweep(approved_at + timedelta(hours=49))
    case.refresh_from_db()
    assert (case.state, case.resolution) == (CaseState.CLOSED, Resolution.CLEARED)


def test_the_shipment_answers_show_the_parcels_open_cases(desk):
    from conftest import api_client

    parcel(NUMBER)
    feed(carrier_event(NUMBER, 1, "in_transit"), carrier_event(NUMBER, 2, "exception", "damaged"))
    (case,) = open_cases()
    answer = api_client(desk["logistics_staff"]).get(f"/api/v1/shipments?tracking_number={NUMBER}")
    assert answer.status_code == 200
    (shipment,) = answer.json()["results"]
    assert shipment["open_cases"] == [
        {
            "id": case.pk,
            "type": "damaged",
            "severity": "moderate",
            "owner_tier": "head",
            "due_at": case.due_at.isoformat().replace("+00:00", "Z"),
            "breached_at": None,
        }
    ]


def test_a_late_order_closed_by_a_person_is_not_reopened_each_minute(desk):
    from parcelops.orders import actions as order_actions
    from parcelops.orders.tests.factories import place_order

    order = place_order(external_id="W-LATE")
    order_actions.confirm_order(order, desk["order_processor"])
    approved_at = order.events.get(to_state=OrderState.APPROVED).at
    actions.sweep(approved_at + timedelta(hours=48))
    (case,) = open_cases(type=CaseType.NOT_SHIPPED)
    actions.close_case(
        case, desk["logistics_staff"], resolution="no_action", cause="Pre-sale item",
        action_taken="Customer agreed to wait", lesson="Tag pre-sales at intake",
    )  # fmt: skip
    assert actions.sweep(approved_at + timedelta(hours=49)).opened == []
    assert Case.objects.filter(type=CaseType.NOT_SHIPPED).count() == 1


def test_the_order_list_filter_follows_the_open_cases(desk):
    """The list's "open exception" filter asks the desk's open cases (the flag is not
    indexed, decision 0037), and agrees with the flag at every step."""
    from parcelops.orders.queries import OrderFilters, filter_orders

    shipment = parcel(NUMBER)
    other = parcel("ZT1000000002", external_id="W-1002")

    def listed(value):
        return sorted(
            filter_orders(OrderFilters(has_open_exception=value)).values_list("pk", flat=True)
        )

    assert listed(True) == []
    feed(carrier_event(NUMBER, 1, "in_transit"), carrier_event(NUMBER, 2, "exception", "damaged"))
    assert listed(True) == [shipment.order_id]
    assert other.order_id in listed(False)
    assert shipment.order_id not in listed(False)
    assert list(Order.objects.filter(has_open_exception=True).values_list("pk", flat=True)) == [
        shipment.order_id
    ]
    (case,) = open_cases()
    with time_machine.travel(at(3), tick=False):
        actions.close_case(
            case, desk["logistics_staff"], resolution="carrier_claim", cause="Crushed",
            action_taken="Claimed", lesson="Stronger box",
        )  # fmt: skip
    assert listed(True) == []
    assert shipment.order_id in listed(False)
    assert Order.objects.filter(has_open_exception=True).count() == 0
