"""Staff and customers see words, not codes: substatus and source labels, display names,
event details behind a toggle, and no expandable list of zero events (issue 13)."""

import re

import pytest

from parcelops.accounts.models import StaffProfile
from parcelops.orders.models import Order
from parcelops.orders.tests.pages import error_after, page_for, text
from parcelops.tracking import actions
from parcelops.tracking.presentation import SUBSTATUS_LABELS, source_label, substatus_label
from parcelops.tracking.status import SUBSTATUSES
from parcelops.tracking.status import TrackingStatus as T
from parcelops.tracking.tests.conftest import carrier_event

pytestmark = pytest.mark.django_db

NUMBER = "75123456789012"


def test_every_substatus_of_the_vocabulary_has_a_label() -> None:
    codes = {code for codes in SUBSTATUSES.values() for code in codes}
    assert codes - set(SUBSTATUS_LABELS) == set()


def test_labels_fall_back_without_showing_a_code_for_a_substatus(english) -> None:
    assert substatus_label("arrived_facility") == "Arrived at facility"
    assert substatus_label("carrier:held_at_gate") == ""
    assert source_label("batch") == "Batch import (API)"
    assert source_label("someone-new") == "someone-new"


def visible_part(html: str) -> str:
    """The page without what sits behind the closed details toggles of each event."""
    return re.sub(r'<details class="event-details">.*?</details>', "", html, flags=re.DOTALL)


def test_the_parcels_card_shows_words_and_folds_the_codes_behind_details(packed, staff, english):
    StaffProfile.objects.filter(user=staff["warehouse"]).update(display_name="Zhang Min")
    actions.create_shipment(packed, "zto", NUMBER, staff["warehouse"])
    actions.record_tracking_events([carrier_event(NUMBER, 1, T.IN_TRANSIT, "arrived_facility")])

    html = text(page_for(staff["analyst"]).get(f"/orders/{packed.number}/"))

    shown = visible_part(html)
    assert "<dd>Arrived at facility</dd>" in shown
    assert '<span class="timeline-states">Arrived at facility</span>' in shown
    assert " · Zhang Min</dd>" in shown
    for code in ("arrived_facility", ">batch<", ">warehouse<"):
        assert code not in shown
    assert html.count('<details class="event-details">') == 1
    assert "<dd>Batch import (API)</dd>" in html
    assert '<dd class="mono">in_transit · arrived_facility</dd>' in html


def test_a_new_parcel_says_it_has_no_events_yet_without_a_toggle(packed, staff, english):
    actions.create_shipment(packed, "zto", NUMBER, staff["warehouse"])

    html = text(page_for(staff["analyst"]).get(f"/orders/{packed.number}/"))

    assert '<p class="muted parcel-no-events">No carrier events yet.</p>' in html
    assert "0 carrier events" not in html
    assert 'class="parcel-events"' not in html
    assert Order.objects.get(pk=packed.pk).shipments.count() == 1


# --- the hand-over form: the customer's carrier and the number's carrier -------------------------


def asked_for_sf(order: Order) -> Order:
    Order.objects.filter(pk=order.pk).update(requested_carrier="sf-express")
    return Order.objects.get(pk=order.pk)


def test_another_carrier_than_the_requested_one_needs_a_tick(packed, staff, english):
    order = asked_for_sf(packed)
    client = page_for(staff["warehouse"])
    url = f"/tracking/hand-over/{order.number}/"

    detail = text(client.get(f"/orders/{order.number}/"))
    refused = client.post(url, {"carrier": "zto", "tracking_number": NUMBER})

    assert '<p class="hand-over-requested">The customer asked for SF Express.</p>' in detail
    assert refused.status_code == 200
    assert error_after(text(refused), "confirm_other_carrier") == [
        "The customer asked for SF Express. Tick the box to hand over to another carrier anyway."
    ]
    assert order.shipments.count() == 0

    confirmed = client.post(
        url, {"carrier": "zto", "tracking_number": NUMBER, "confirm_other_carrier": "on"}
    )

    assert confirmed.status_code == 302
    assert list(order.shipments.values_list("carrier", flat=True)) == ["zto"]


def test_the_requested_carrier_needs_no_tick(packed, staff, english):
    order = asked_for_sf(packed)

    response = page_for(staff["warehouse"]).post(
        f"/tracking/hand-over/{order.number}/",
        {"carrier": "sf-express", "tracking_number": "SF1234567890123"},
    )

    assert response.status_code == 302
    assert list(order.shipments.values_list("carrier", flat=True)) == ["sf-express"]


def test_a_number_without_a_carrier_gets_the_carriers_it_fits_suggested(packed, staff, english):
    html = text(
        page_for(staff["warehouse"]).post(
            f"/tracking/hand-over/{packed.number}/",
            {"carrier": "", "tracking_number": "SF1234567890123"},
        )
    )

    assert error_after(html, "carrier") == ["This field is required."]
    assert re.findall(r'data-carrier-choice="([^"]+)">([^<]+)</button>', html) == [
        ("sf-express", "SF Express")
    ]


def test_the_customers_parcel_page_says_where_exactly_in_words(packed, staff, english):
    actions.create_shipment(packed, "jd", "JDX000123456789", staff["warehouse"])
    actions.record_tracking_events(
        [carrier_event("JDX000123456789", 1, T.AVAILABLE_FOR_PICKUP, "in_locker", carrier="jd")]
    )

    html = text(page_for(None).get("/track/parcel/?number=JDX000123456789"))

    assert '<h2 id="result-title" class="result-state">Ready for pickup</h2>' in html
    assert '<p class="result-substatus">In a parcel locker</p>' in html
    assert "JD Logistics · " in html
    assert "in_locker" not in html
