"""POST /api/v1/cases and the actions under /api/v1/cases/{id}/: each answers the whole
case, and refuses in the house's words (422 a field, 403 the role, 404 no case, 409 a
closed case)."""

import pytest

from parcelops.exceptions.kinds import CaseState
from parcelops.exceptions.models import Case
from parcelops.orders.models import Order
from parcelops.orders.states import OrderState

CASES = "/api/v1/cases"


def post(api, user, path, body=None):
    return api(user).post(path, body if body is not None else {}, content_type="application/json")


def refused_fields(response) -> list[str]:
    return [error["field"] for error in response.json()["errors"]]


# --- reporting ----------------------------------------------------------------------------------


def test_a_report_opens_a_case_201_and_a_second_joins_it_200(queue_desk, api, staff):
    order = queue_desk.orders[1]
    body = {"order": order.number, "type": "damaged", "description": "Box arrived crushed"}
    first = post(api, staff["cs_agent"], CASES, body)
    assert first.status_code == 201, first.content
    case = first.json()
    assert (case["type"], case["state"], case["order"], case["shipment"]) == (
        "damaged",
        "open",
        {"number": order.number},
        None,
    )
    assert case["description"] == "Box arrived crushed"
    again = post(api, staff["cs_agent"], CASES, {**body, "description": "Customer called again"})
    assert again.status_code == 200
    assert again.json()["id"] == case["id"]
    assert Case.objects.filter(order=order, type="damaged").count() == 1


def test_a_report_on_a_parcel_names_it_by_tracking_number(queue_desk, api, staff):
    order, parcel = queue_desk.orders[0], queue_desk.parcels[0]
    response = post(
        api,
        staff["logistics_staff"],
        CASES,
        {
            "order": order.number,
            "tracking_number": parcel.tracking_number.lower(),
            "type": "refused",
            "description": "Refused at the door",
            "severity": "moderate",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["shipment"] == {"id": parcel.pk, "tracking_number": parcel.tracking_number}
    assert body["severity"] == "moderate"
    assert body["carrier"] == "zto"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"order": "NO-SUCH"}, "order"),
        ({"tracking_number": "SF1000000001"}, "tracking_number"),  # another order's parcel
        ({"type": "eaten"}, "type"),
        ({"severity": "huge"}, "severity"),
        ({"description": "   "}, "description"),
    ],
)
def test_a_bad_report_is_422_naming_the_field_and_writes_nothing(
    queue_desk, api, staff, change, field
):
    before = Case.objects.count()
    body = {"order": queue_desk.orders[0].number, "type": "damaged", "description": "x", **change}
    response = post(api, staff["cs_agent"], CASES, body)
    assert response.status_code == 422, response.content
    assert refused_fields(response) == [field]
    assert Case.objects.count() == before


def test_a_report_that_is_not_json_is_400(queue_desk, api, staff):
    response = api(staff["cs_agent"]).post(CASES, "{", content_type="application/json")
    assert response.status_code == 400


@pytest.mark.parametrize("role", ["analyst", "order_processor", "warehouse"])
def test_roles_that_may_not_report_are_403(queue_desk, api, staff, role):
    body = {"order": queue_desk.orders[0].number, "type": "damaged", "description": "x"}
    assert post(api, staff[role], CASES, body).status_code == 403


# --- the actions ----------------------------------------------------------------------------------


def test_a_note_is_added_and_the_whole_case_answered(queue_desk, api, staff):
    response = post(
        api,
        staff["logistics_staff"],
        f"{CASES}/{queue_desk.stalled.pk}/note",
        {"text": "Asked ZTO"},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["id"] == queue_desk.stalled.pk
    assert (body["events"][-1]["kind"], body["events"][-1]["text"]) == ("note", "Asked ZTO")
    assert body["events"][-1]["actor"] == "logistics_staff"


def test_an_empty_note_is_422_on_text(queue_desk, api, staff):
    response = post(
        api, staff["logistics_staff"], f"{CASES}/{queue_desk.stalled.pk}/note", {"text": ""}
    )
    assert response.status_code == 422
    assert refused_fields(response) == ["text"]


def test_a_closed_case_refuses_an_action_409(queue_desk, api, staff):
    response = post(api, staff["admin"], f"{CASES}/{queue_desk.lost.pk}/note", {"text": "late"})
    assert response.status_code == 409


def test_an_action_on_no_case_is_404(queue_desk, api, staff):
    response = post(api, staff["admin"], f"{CASES}/999999/note", {"text": "x"})
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("role", "action", "body"),
    [
        ("cs_agent", "note", {"text": "x"}),
        ("analyst", "note", {"text": "x"}),
        ("cs_agent", "refund", {"amount_cents": 100}),
        ("order_processor", "note", {"text": "x"}),
    ],
)
def test_roles_without_the_permission_are_403(queue_desk, api, staff, role, action, body):
    response = post(api, staff[role], f"{CASES}/{queue_desk.damaged.pk}/{action}", body)
    assert response.status_code == 403


def test_the_severity_changes_with_a_reason(queue_desk, api, staff):
    response = post(
        api,
        staff["logistics_head"],
        f"{CASES}/{queue_desk.stalled.pk}/severity",
        {"severity": "major", "reason": "A VIP's wedding dress"},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["severity"], body["owner_tier"]) == ("major", "leadership")
    assert body["events"][0]["kind"] == "severity_changed"


def test_a_severity_without_a_reason_is_422(queue_desk, api, staff):
    response = post(
        api,
        staff["logistics_head"],
        f"{CASES}/{queue_desk.stalled.pk}/severity",
        {"severity": "major", "reason": ""},
    )
    assert response.status_code == 422
    assert refused_fields(response) == ["reason"]


def test_a_case_is_given_to_someone_who_handles_cases(queue_desk, api, staff):
    response = post(
        api,
        staff["logistics_head"],
        f"{CASES}/{queue_desk.not_shipped.pk}/assign",
        {"username": "logistics_staff"},
    )
    assert response.status_code == 200, response.content
    assert response.json()["owner"] == "logistics_staff"
    refused = post(
        api,
        staff["logistics_head"],
        f"{CASES}/{queue_desk.not_shipped.pk}/assign",
        {"username": "order_processor"},
    )
    assert refused.status_code == 422


def test_a_contact_with_the_carrier_keeps_its_reference(queue_desk, api, staff):
    response = post(
        api,
        staff["logistics_staff"],
        f"{CASES}/{queue_desk.damaged.pk}/contact-carrier",
        {"channel": "phone", "summary": "SF will re-weigh it", "reference": "SF-88"},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["carrier_reference"] == "SF-88"
    assert body["events"][-1]["kind"] == "carrier_contacted"
    bad = post(
        api,
        staff["logistics_staff"],
        f"{CASES}/{queue_desk.damaged.pk}/contact-carrier",
        {"channel": "pigeon", "summary": "x"},
    )
    assert bad.status_code == 422
    assert refused_fields(bad) == ["channel"]


def test_the_customer_is_notified_with_or_without_a_body(queue_desk, api, staff):
    for body in ({"language": "en", "extra": "Sorry!"}, None):
        response = api(staff["logistics_staff"]).post(
            f"{CASES}/{queue_desk.damaged.pk}/notify-customer",
            body if body is not None else "",
            content_type="application/json",
        )
        assert response.status_code == 200, response.content
    case = Case.objects.get(pk=queue_desk.damaged.pk)
    assert case.events.filter(kind="customer_notified").count() == 2


def test_a_refund_and_a_claim_are_recorded_in_cents(queue_desk, api, staff):
    path = f"{CASES}/{queue_desk.damaged.pk}"
    refund = post(api, staff["leadership"], f"{path}/refund", {"amount_cents": 5000})
    assert refund.status_code == 200, refund.content
    assert refund.json()["refund_cents"] == 5000
    claim = post(
        api,
        staff["leadership"],
        f"{path}/claim",
        {"amount_cents": 36590, "evidence": "Photos of the crushed box"},
    )
    assert claim.status_code == 200, claim.content
    body = claim.json()
    assert body["claim_cents"] == 36590
    assert body["claim_due_at"] == "2026-12-25T02:00:00+00:00"  # 30 days from now
    zero = post(api, staff["leadership"], f"{path}/refund", {"amount_cents": 0})
    assert zero.status_code == 422
    assert refused_fields(zero) == ["amount_cents"]


def test_a_reship_sends_a_replacement_parcel(queue_desk, api, staff):
    Order.objects.filter(pk=queue_desk.orders[2].pk).update(state=OrderState.IN_TRANSIT)
    response = post(
        api,
        staff["logistics_staff"],
        f"{CASES}/{queue_desk.damaged.pk}/reship",
        {"carrier": "SF", "tracking_number": "SF2000000002"},
    )
    assert response.status_code == 200, response.content
    replacement = response.json()["replacement"]
    assert (replacement["carrier"], replacement["tracking_number"]) == (
        "sf-express",
        "SF2000000002",
    )


def test_a_case_on_the_order_cannot_be_reshipped_409(queue_desk, api, staff):
    response = post(
        api,
        staff["logistics_staff"],
        f"{CASES}/{queue_desk.not_shipped.pk}/reship",
        {"carrier": "SF", "tracking_number": "SF2000000003"},
    )
    assert response.status_code == 409


def test_closing_needs_a_resolution_and_a_summary(queue_desk, api, staff):
    path = f"{CASES}/{queue_desk.stalled.pk}/close"
    summary = {"cause": "Hub backlog", "action_taken": "Waited", "lesson": "Check Monday hubs"}
    bad = post(api, staff["logistics_staff"], path, {**summary, "resolution": "cleared"})
    assert bad.status_code == 422
    assert refused_fields(bad) == ["resolution"]
    missing = post(api, staff["logistics_staff"], path, {"resolution": "no_action"})
    assert missing.status_code == 422
    done = post(
        api, staff["logistics_staff"], path, {**summary, "resolution": "resolved_by_carrier"}
    )
    assert done.status_code == 200, done.content
    body = done.json()
    assert (body["state"], body["resolution"], body["lesson"]) == (
        CaseState.CLOSED,
        "resolved_by_carrier",
        "Check Monday hubs",
    )
