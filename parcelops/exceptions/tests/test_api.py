"""GET /api/v1/cases and /api/v1/cases/{id}: the queue's filters, who may read it, what a
masked role sees, and what a page of it costs."""

import pytest

from parcelops.exceptions.models import CaseEvent, CaseEvidence
from parcelops.exceptions.tests.queue_cases import a_case, a_parcel, an_order

CASES = "/api/v1/cases"


def listed(api, user, **params):
    response = api(user).get(CASES, params)
    assert response.status_code == 200, response.content
    return response.json()


def test_the_list_answers_count_and_results_breached_first(queue_desk, api, staff):
    body = listed(api, staff["logistics_staff"], state="open")
    assert body["count"] == 4
    assert [c["id"] for c in body["results"]] == [
        queue_desk.damaged.pk,
        queue_desk.stalled.pk,
        queue_desk.not_shipped.pk,
        queue_desk.delayed.pk,
    ]


def test_a_case_in_the_list_has_exactly_the_queue_fields(queue_desk, api, staff):
    body = listed(api, staff["logistics_head"], type="damaged")
    assert body["results"] == [
        {
            "id": queue_desk.damaged.pk,
            "type": "damaged",
            "severity": "major",
            "state": "open",
            "owner_tier": "leadership",
            "owner": None,
            "opened_at": "2026-11-24T17:00:00+00:00",
            "due_at": "2026-11-25T01:00:00+00:00",
            "warned_at": None,
            "breached_at": "2026-11-25T01:00:00+00:00",
            "escalation_level": 1,
            "shipment": {"id": queue_desk.parcels[1].pk, "tracking_number": "SF1000000001"},
            "order": {"number": queue_desk.orders[2].number},
            "carrier": "sf-express",
        }
    ]
    owned = listed(api, staff["logistics_head"], owner="me")["results"]
    assert [(c["id"], c["owner"]) for c in owned] == [(queue_desk.delayed.pk, "logistics_head")]
    assert (
        listed(api, staff["logistics_head"], type="not_shipped")["results"][0]["shipment"] is None
    )


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"state": "closed"}, ["lost"]),
        ({"type": "stalled"}, ["stalled"]),
        ({"severity": "moderate"}, ["delayed"]),
        ({"owner_tier": "leadership", "state": "open"}, ["damaged"]),
        ({"owner": "logistics_staff"}, ["stalled"]),
        ({"owner": "none", "state": "open"}, ["damaged", "not_shipped"]),
        ({"carrier": "sf", "state": "open"}, ["damaged"]),
        ({"carrier": "中通"}, ["stalled", "delayed"]),
        ({"tracking_number": "SF1000000001"}, ["damaged", "lost"]),
        ({"breached": "true"}, ["damaged"]),
        ({"breached": "false", "state": "open"}, ["stalled", "not_shipped", "delayed"]),
        ({"q": "trace"}, ["lost"]),
    ],
)
def test_each_filter_of_the_api(queue_desk, api, staff, params, expected):
    body = listed(api, staff["analyst"], **params)
    assert [c["id"] for c in body["results"]] == [getattr(queue_desk, n).pk for n in expected]
    assert body["count"] == len(expected)


def test_the_order_filter_takes_the_order_number(queue_desk, api, staff):
    body = listed(api, staff["cs_agent"], order=queue_desk.orders[0].number)
    assert [c["id"] for c in body["results"]] == [queue_desk.stalled.pk, queue_desk.delayed.pk]


def test_limit_and_offset_page_the_list_and_the_count_stays_whole(queue_desk, api, staff):
    body = listed(api, staff["logistics_staff"], state="open", limit=2, offset=1)
    assert body["count"] == 4
    assert [c["id"] for c in body["results"]] == [queue_desk.stalled.pk, queue_desk.not_shipped.pk]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"state": "pending"}, "state"),
        ({"type": "eaten"}, "type"),
        ({"severity": "huge"}, "severity"),
        ({"owner_tier": "ceo"}, "owner_tier"),
        ({"owner": "ghost"}, "owner"),
        ({"carrier": "Pony Express"}, "carrier"),
        ({"breached": "maybe"}, "breached"),
        ({"limit": "0"}, "limit"),
    ],
)
def test_a_bad_filter_value_is_422_naming_it(queue_desk, api, staff, params, field):
    response = api(staff["logistics_staff"]).get(CASES, params)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == [field]


def test_the_severity_refusal_lists_the_choices(queue_desk, api, staff):
    response = api(staff["logistics_staff"]).get(CASES, {"severity": "huge"})
    assert response.json() == {
        "errors": [
            {
                "field": "severity",
                "message": "Unknown value “huge”: choose one of minor, moderate, major.",
            }
        ]
    }


@pytest.mark.parametrize("role", ["order_processor", "order_reviewer", "warehouse"])
def test_roles_without_the_desk_are_refused_403(queue_desk, api, staff, role):
    for path in (CASES, f"{CASES}/{queue_desk.stalled.pk}"):
        response = api(staff[role]).get(path)
        assert response.status_code == 403
        assert response.json() == {
            "errors": [{"field": "", "message": "Your role does not allow this action."}]
        }


def test_without_a_token_the_cases_are_401(queue_desk, api):
    assert api().get(CASES).status_code == 401


@pytest.mark.parametrize(
    "role", ["logistics_staff", "logistics_head", "leadership", "cs_agent", "analyst", "admin"]
)
def test_every_desk_role_reads_the_queue(queue_desk, api, staff, role):
    assert listed(api, staff[role], state="open")["count"] == 4


def test_a_page_of_the_list_costs_the_same_for_five_cases_or_fifty(
    queue_desk, api, staff, django_assert_num_queries
):
    client = api(staff["logistics_staff"])
    client.get(CASES)  # the token's user and permissions, read once and kept
    with django_assert_num_queries(2):  # the page and its count
        assert client.get(CASES, {"state": "open"}).status_code == 200
    for number in range(45):
        order = an_order(f"W-N{number}")
        a_case(order, a_parcel(order, f"YT80000000{number:02d}", carrier="yto"))
    with django_assert_num_queries(2):
        body = client.get(CASES, {"state": "open", "limit": 100}).json()
    assert body["count"] == 49


# --- one case --------------------------------------------------------------------------------


@pytest.fixture
def damaged_with_history(queue_desk, staff):
    case = queue_desk.damaged
    CaseEvidence.objects.create(
        case=case,
        at=case.opened_at,
        kind="event",
        event_key="abc",
        status="exception",
        substatus="damaged",
        location="杭州",
        text="外包装破损，派件员 13900001111",
    )
    CaseEvent.objects.create(case=case, kind="opened", at=case.opened_at)
    CaseEvent.objects.create(
        case=case,
        kind="note",
        at=case.opened_at,
        actor=staff["logistics_staff"],
        text="Called the customer at 13812345678",
        data={"to": "wang.xm@example.com"},
    )
    return case


def test_one_case_adds_evidence_events_and_its_facts(damaged_with_history, api, staff):
    case = damaged_with_history
    response = api(staff["logistics_head"]).get(f"{CASES}/{case.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["evidence"] == [
        {
            "at": "2026-11-24T17:00:00+00:00",
            "kind": "event",
            "status": "exception",
            "substatus": "damaged",
            "location": "杭州",
            "text": "外包装破损，派件员 13900001111",
        }
    ]
    assert [(e["kind"], e["actor"]) for e in body["events"]] == [
        ("opened", None),
        ("note", "logistics_staff"),
    ]
    assert body["description"] == "Box crushed, call 13812345678 or mail wang.xm@example.com"
    facts = {key: body[key] for key in ("source", "resolution", "refund_cents", "claim_cents")}
    assert facts == {"source": "detected", "resolution": "", "refund_cents": 0, "claim_cents": 0}
    assert body["replacement"] is None
    assert body["claim_due_at"] is None


def test_a_masked_role_sees_no_phone_or_email_in_a_case(damaged_with_history, api, staff):
    body = api(staff["leadership"]).get(f"{CASES}/{damaged_with_history.pk}").json()
    assert body["description"] == "Box crushed, call 138****5678 or mail w***@example.com"
    assert body["evidence"][0]["text"] == "外包装破损，派件员 139****1111"
    assert body["events"][1]["text"] == "Called the customer at 138****5678"
    assert body["events"][1]["data"] == {"to": "w***@example.com"}


def test_one_case_is_four_queries_however_long_its_history(
    damaged_with_history, api, staff, django_assert_num_queries
):
    client = api(staff["logistics_staff"])
    client.get(f"{CASES}/{damaged_with_history.pk}")
    with django_assert_num_queries(4):  # the case, its evidence, its events, their actors
        assert client.get(f"{CASES}/{damaged_with_history.pk}").status_code == 200


@pytest.mark.parametrize(("case_id", "status"), [("999999", 404), ("0", 422), ("x", 422)])
def test_an_unknown_or_bad_case_id(queue_desk, api, staff, case_id, status):
    response = api(staff["logistics_staff"]).get(f"{CASES}/{case_id}")
    assert response.status_code == status
