import pytest

from parcelops.orders.models import Order


@pytest.mark.django_db
def test_a_vip_order_goes_from_intake_through_review_to_approval(
    staff, channel, order_payload, api, frozen_now
):
    order_payload["customer"]["tier"] = "vip"
    processor = api(staff["order_processor"])
    response = processor.post("/api/v1/orders", order_payload, content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["order_type"] == "normal"
    assert body["review_state"] == "required"
    assert body["assignee"] == "order_processor"
    number = body["number"]
    response = processor.post(
        f"/api/v1/orders/{number}/submit-review", {}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    reviewer = api(staff["order_reviewer"])
    response = reviewer.post(
        f"/api/v1/orders/{number}/approve", {"comment": "ok"}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    assert Order.objects.get(number=number).state == "approved"
