"""The inbox pages act (issue 13): attach parked events from the unmatched page, map a raw
code or a carrier code from the unmapped page; 403 for roles without the permission, CSRF
on, 4xx and a clear message for bad input; the order page flags unmapped events."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from parcelops.orders.models import Order
from parcelops.orders.tests.pages import MODEL_BACKEND, messages_of, page_for, text
from parcelops.tracking import actions
from parcelops.tracking.models import CodeMapping, Shipment, TrackingEvent, UnmatchedEvent
from parcelops.tracking.status import TrackingStatus as T
from parcelops.tracking.tests.conftest import carrier_event, packed_order

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("english", "frozen_now", "forget_learned_carrier_codes"),
]

NUMBER = "75123456789012"
TYPO = "75123456789021"


@pytest.fixture
def shipment(channel, staff):
    return actions.create_shipment(packed_order(), "zto", NUMBER, staff["warehouse"])


@pytest.fixture
def logistics(staff):
    return page_for(staff["logistics_staff"])


def park(*events):
    actions.record_tracking_events(list(events))
    return list(UnmatchedEvent.objects.order_by("occurred_at"))


def unknown_code_event(number: str, code: str = "xyzexpress", hours: float = 1):
    event = carrier_event(number, hours, T.IN_TRANSIT, carrier="")
    event.provider, event.provider_carrier = "kuaidi100", code
    return event


# --- the unmatched page and attaching -------------------------------------------------------------


def test_the_unmatched_page_says_why_each_event_waits_and_offers_to_attach(shipment, logistics):
    other, typo, unknown = park(
        carrier_event(NUMBER, 1, T.IN_TRANSIT, carrier="sf-express"),
        carrier_event(TYPO, 2, T.IN_TRANSIT),
        unknown_code_event("JT0000000001", hours=3),
    )
    order = Order.objects.get(pk=shipment.order_id)

    html = text(logistics.get("/tracking/unmatched/"))

    assert re.findall(r'data-label="Why it waits"><div class="inbox-reason">(.*?)</div>', html) == [
        '<span class="badge badge-amber">Unknown carrier code</span> <span class="mono">'
        'xyzexpress</span> <a href="/tracking/unmapped/#carrier-codes">Map the code</a>',
        "No parcel with this number yet",
        "The carrier differs from the parcel&#x27;s",
    ]
    assert f'href="/tracking/unmatched/{TYPO}/attach/?event={typo.pk}">Attach…</a>' in html
    assert f'href="/tracking/unmatched/{NUMBER}/attach/?event={other.pk}">Attach…</a>' in html
    assert f'href="/tracking/unmatched/JT0000000001/attach/?event={unknown.pk}"' in html
    # The parcel with the number opens on its order's page.
    assert (
        f'<a class="order-link" href="/orders/{order.number}/#parcel-{shipment.pk}" '
        f'title="Open the parcel on its order">{order.number} · ZTO Express</a>'
    ) in html
    assert '<span class="tab-count">3</span>' in html


def test_roles_without_the_permission_see_the_inbox_without_its_actions(shipment, staff):
    park(carrier_event(TYPO, 2, T.IN_TRANSIT))

    html = text(page_for(staff["analyst"]).get("/tracking/unmatched/"))

    assert "Attach…" not in html
    assert "No parcel with this number yet" in html


def test_the_attach_page_ticks_the_chosen_event_and_lists_the_parcels_with_the_number(
    shipment, logistics
):
    first, second = park(
        carrier_event(NUMBER, 1, T.IN_TRANSIT, carrier="sf-express"),
        carrier_event(NUMBER, 2, T.IN_TRANSIT, carrier="sf-express"),
    )

    html = text(logistics.get(f"/tracking/unmatched/{NUMBER}/attach/?event={second.pk}"))

    assert re.findall(r'name="events" value="(\d+)" id="event-\d+"( checked)?', html) == [
        (str(first.pk), ""),
        (str(second.pk), " checked"),
    ]
    assert f'name="shipment" value="{shipment.pk}"' in html
    assert 'name="csrfmiddlewaretoken"' in html


def test_posting_the_attach_form_attaches_and_goes_back_to_the_inbox(shipment, logistics):
    first, second = park(carrier_event(TYPO, 1, T.IN_TRANSIT), carrier_event(TYPO, 2, T.IN_TRANSIT))
    order = Order.objects.get(pk=shipment.order_id)

    response = logistics.post(
        f"/tracking/unmatched/{TYPO}/attach/",
        {"events": [first.pk, second.pk], "order": order.number, "carrier": "zto"},
        follow=True,
    )

    assert response.redirect_chain == [("/tracking/unmatched/", 302)]
    assert messages_of(response) == [
        f"2 events attached to parcel {NUMBER} of order {order.number}."
    ]
    assert not UnmatchedEvent.objects.exists()
    assert Shipment.objects.get(pk=shipment.pk).status == T.IN_TRANSIT


def test_an_attach_form_without_a_parcel_answers_422_and_changes_nothing(shipment, logistics):
    (event,) = park(carrier_event(TYPO, 1, T.IN_TRANSIT))

    response = logistics.post(
        f"/tracking/unmatched/{TYPO}/attach/", {"events": [event.pk], "order": "", "carrier": ""}
    )

    assert response.status_code == 422
    assert (
        "<li>Choose a parcel, or enter an order number and its parcel&#x27;s carrier.</li>"
        in text(response)
    )
    assert UnmatchedEvent.objects.count() == 1
    assert not TrackingEvent.objects.exists()


def test_a_forged_attach_form_is_a_bad_request(shipment, logistics):
    park(carrier_event(TYPO, 1, T.IN_TRANSIT))

    response = logistics.post(f"/tracking/unmatched/{TYPO}/attach/", {"events": ["x"]})

    assert response.status_code == 400
    assert UnmatchedEvent.objects.count() == 1


def test_a_number_with_nothing_waiting_has_no_attach_page(logistics):
    assert logistics.get(f"/tracking/unmatched/{TYPO}/attach/").status_code == 404


@pytest.mark.parametrize("role", ["warehouse", "analyst", "leadership"])
def test_roles_without_the_permission_get_403_from_the_forms(shipment, staff, role):
    (event,) = park(carrier_event(TYPO, 1, T.IN_TRANSIT))
    client = page_for(staff[role])

    attach = f"/tracking/unmatched/{TYPO}/attach/"
    assert client.get(attach).status_code == 403
    assert client.post(attach, {"events": [event.pk], "shipment": shipment.pk}).status_code == 403
    assert client.post("/tracking/unmapped/map-code/", {}).status_code == 403
    assert client.post("/tracking/unmapped/map-carrier/", {}).status_code == 403
    assert UnmatchedEvent.objects.count() == 1
    assert not TrackingEvent.objects.exists()


def test_the_forms_need_the_csrf_token(shipment, staff):
    (event,) = park(carrier_event(TYPO, 1, T.IN_TRANSIT))
    client = Client(enforce_csrf_checks=True, headers={"Accept-Language": "en"})
    client.force_login(staff["logistics_staff"], backend=MODEL_BACKEND)

    attached = client.post(
        f"/tracking/unmatched/{TYPO}/attach/", {"events": [event.pk], "shipment": shipment.pk}
    )
    mapped = client.post(
        "/tracking/unmapped/map-code/",
        {"provider": "batch", "raw_code": "Q9", "mapping": "delivered:"},
    )

    assert (attached.status_code, mapped.status_code) == (403, 403)
    assert UnmatchedEvent.objects.count() == 1
    assert not CodeMapping.objects.exists()


# --- the unmapped page and mapping --------------------------------------------------------------------


def unmapped_stored_event(code: str = "Q9", hours: float = 3) -> None:
    actions.record_tracking_events([carrier_event(NUMBER, hours, "", text="新代码")])
    TrackingEvent.objects.filter(status="", raw_code="").update(raw_code=code)


def test_the_unmapped_page_offers_each_code_a_status_and_each_carrier_code_a_carrier(
    shipment, logistics
):
    unmapped_stored_event()
    park(unknown_code_event("JT0000000001"), unknown_code_event("JT0000000002"))

    html = text(logistics.get("/tracking/unmapped/"))

    assert '<h2 class="card-title" id="carrier-codes-title">Carrier codes' in html
    assert "2 events wait · 2 tracking numbers" in html
    assert '<input type="hidden" name="provider_code" value="xyzexpress">' in html
    assert '<option value="zto">ZTO Express</option>' in html
    assert '<input type="hidden" name="raw_code" value="Q9">' in html
    assert (
        '<option value="delivered:signed_by_proxy">Delivered · Signed by someone else</option>'
        in html
    )
    assert '<span class="tab-count">1</span>' in html  # one unmapped event


def test_posting_a_code_mapping_folds_the_parcel(shipment, logistics):
    actions.record_tracking_events([carrier_event(NUMBER, 1, T.IN_TRANSIT)])
    unmapped_stored_event()

    response = logistics.post(
        "/tracking/unmapped/map-code/",
        {"provider": "batch", "raw_code": "Q9", "mapping": "delivered:signed_by_recipient"},
        follow=True,
    )

    assert response.redirect_chain == [("/tracking/unmapped/", 302)]
    assert messages_of(response) == ["Code Q9 is mapped. Parcels updated: 1; waiting events: 0."]
    assert Shipment.objects.get(pk=shipment.pk).status == T.DELIVERED
    assert "No unmapped codes" in text(response)


def test_a_bad_code_mapping_answers_422_and_changes_nothing(shipment, logistics):
    unmapped_stored_event()

    response = logistics.post(
        "/tracking/unmapped/map-code/",
        {"provider": "batch", "raw_code": "Q9", "mapping": "delivered:in_locker"},
    )

    html = text(response)
    assert response.status_code == 422
    assert "<strong>Nothing was changed.</strong>" in html
    assert "<li>This substatus does not belong to the status.</li>" in html
    assert not CodeMapping.objects.exists()
    assert TrackingEvent.objects.get(raw_code="Q9").status == ""


def test_a_code_mapped_twice_answers_409(shipment, logistics):
    unmapped_stored_event()
    form = {"provider": "batch", "raw_code": "Q9", "mapping": "delivered:"}
    logistics.post("/tracking/unmapped/map-code/", form)

    response = logistics.post("/tracking/unmapped/map-code/", {**form, "mapping": "lost:"})

    assert response.status_code == 409
    assert "<li>This code is mapped already, to delivered.</li>" in text(response)


def test_posting_a_carrier_mapping_attaches_the_waiting_events(shipment, staff, logistics):
    # Another carrier's parcel has the number too: the number alone cannot choose.
    actions.create_shipment(packed_order("W-2"), "sf-express", NUMBER, staff["warehouse"])
    park(
        unknown_code_event(NUMBER, "xyzexpress5"), unknown_code_event("JT0000000001", "xyzexpress5")
    )

    response = logistics.post(
        "/tracking/unmapped/map-carrier/",
        {"provider": "kuaidi100", "provider_code": "xyzexpress5", "carrier": "zto"},
        follow=True,
    )

    assert response.redirect_chain == [("/tracking/unmapped/", 302)]
    assert messages_of(response) == [
        "Carrier code xyzexpress5 now names ZTO Express. Events attached: 1; "
        "still waiting for their parcel: 1."
    ]
    assert Shipment.objects.get(pk=shipment.pk).events.count() == 1
    assert list(UnmatchedEvent.objects.values_list("tracking_number", "carrier")) == [
        ("JT0000000001", "zto")
    ]


def test_a_carrier_mapping_to_no_carrier_answers_422(shipment, logistics):
    park(unknown_code_event("JT0000000001", "xyzexpress6"))

    response = logistics.post(
        "/tracking/unmapped/map-carrier/",
        {"provider": "kuaidi100", "provider_code": "xyzexpress6", "carrier": ""},
    )

    assert response.status_code == 422
    assert "<li>Choose a carrier.</li>" in text(response)
    assert UnmatchedEvent.objects.get().carrier == ""


def test_a_get_of_a_mapping_form_is_not_allowed(logistics):
    assert logistics.get("/tracking/unmapped/map-code/").status_code == 405


# --- where staff look ---------------------------------------------------------------------------------


def test_the_order_page_flags_a_parcel_with_unmapped_and_flagged_events(shipment, staff):
    actions.record_tracking_events(
        [carrier_event(NUMBER, 5, T.OUT_FOR_DELIVERY), carrier_event(NUMBER, 1, T.IN_TRANSIT)]
    )
    unmapped_stored_event(hours=6)
    actions.record_tracking_events([carrier_event(NUMBER, 7, T.IN_TRANSIT, text="back")])
    order = Order.objects.get(pk=shipment.order_id)

    html = text(page_for(staff["logistics_staff"]).get(f"/orders/{order.number}/"))

    assert (
        '<a class="parcel-flag badge badge-amber" href="/tracking/unmapped/">1 unmapped event</a>'
    ) in html
    assert ">1 flagged event</span>" in html


def test_a_parcel_without_problems_carries_no_flag(shipment, staff):
    actions.record_tracking_events([carrier_event(NUMBER, 1, T.IN_TRANSIT)])
    order = Order.objects.get(pk=shipment.order_id)

    html = text(page_for(staff["logistics_staff"]).get(f"/orders/{order.number}/"))

    assert "parcel-flags" not in html


def test_the_order_page_says_when_events_for_a_parcels_number_wait(shipment, staff):
    park(carrier_event(NUMBER, 1, T.IN_TRANSIT, carrier="sf-express"))
    order = Order.objects.get(pk=shipment.order_id)

    for role, link in [
        ("logistics_staff", f"/tracking/unmatched/{NUMBER}/attach/"),
        ("analyst", "/tracking/unmatched/"),
    ]:
        html = text(page_for(staff[role]).get(f"/orders/{order.number}/"))

        assert (
            f'<a class="parcel-flag badge badge-amber" href="{link}">'
            "1 event for this number waits unmatched</a>"
        ) in html


def test_the_inbox_pages_ask_the_same_queries_for_few_and_many_rows(
    shipment, staff, django_assert_max_num_queries
):
    client = page_for(staff["logistics_staff"])
    park(carrier_event(TYPO, 1, T.IN_TRANSIT), unknown_code_event("JT0000000001"))
    unmapped_stored_event("Q1")
    with CaptureQueriesContext(connection) as few:
        client.get("/tracking/unmatched/")
        client.get("/tracking/unmapped/")

    park(
        *(carrier_event(f"JT00000001{n:02d}", n, T.IN_TRANSIT) for n in range(12)),
        *(unknown_code_event(f"JT00000002{n:02d}", f"code{n}") for n in range(5)),
    )
    for code in ("Q2", "Q3", "Q4"):
        unmapped_stored_event(code, hours=len(code) + int(code[1]))
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/tracking/unmatched/")
        client.get("/tracking/unmapped/")
