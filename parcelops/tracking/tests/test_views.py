"""The tracking pages: the customer's parcel page, the order page's Parcels card and its
hand-over form, the dock's scan page, and the inboxes of unmatched events and unmapped codes."""

import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from parcelops.orders.models import Order
from parcelops.orders.states import OrderState
from parcelops.orders.tests.pages import error_after, messages_of, page_for, text
from parcelops.tracking import actions
from parcelops.tracking.models import Shipment, TrackingEvent, UnmatchedEvent
from parcelops.tracking.status import TrackingStatus as T
from parcelops.tracking.tests.conftest import carrier_event, packed_order

pytestmark = pytest.mark.django_db

NUMBER = "75123456789012"


@pytest.fixture
def shipment(packed, staff, english):
    return actions.create_shipment(packed, "zto", NUMBER, staff["warehouse"])


def delivered(shipment):
    actions.record_tracking_events(
        [
            carrier_event(NUMBER, 1, T.IN_TRANSIT, "picked_up", text="已揽收 杭州"),
            carrier_event(NUMBER, 20, T.OUT_FOR_DELIVERY, text="派件员：张三 13800001111 正在派件"),
            carrier_event(NUMBER, 24, T.DELIVERED, "signed_by_recipient", text="已签收"),
        ]
    )
    return Shipment.objects.get(pk=shipment.pk)


# --- the customer's parcel page ------------------------------------------------------------------


def test_the_parcel_page_asks_for_a_tracking_number(english):
    response = page_for(None).get("/track/parcel/")

    html = text(response)
    assert response.status_code == 200
    assert "<h1>Track your parcel</h1>" in html
    assert '<form method="get" action="/track/parcel/"' in html
    assert 'name="tz"' in html
    assert 'class="result-state' not in html
    assert 'href="/orders/' not in html  # none of the staff console


def test_a_delivered_parcel_shows_its_status_progress_and_masked_history(shipment):
    delivered(shipment)

    response = page_for(None).get(f"/track/parcel/?number={NUMBER[:4]} {NUMBER[4:].lower()}")

    html = text(response)
    assert response.status_code == 200
    assert '<h2 id="result-title" class="result-state">Delivered</h2>' in html
    assert "Your parcel was delivered." in html
    assert html.count('<li class="is-done">') == 4
    assert (
        '<p class="result-label">ZTO Express · <span class="mono">75123456789012</span></p>' in html
    )
    assert re.findall(r'<p class="event-text">(.*?)</p>', html) == [
        "已签收",
        "派件员：张三 138****1111 正在派件",  # the courier's phone is masked
        "已揽收 杭州",
    ]
    assert '<time datetime="2026-11-25T08:00:00+08:00">2026-11-25 08:00</time>' in html
    assert "Times are shown in the Asia/Shanghai time zone." in html
    for private in ("王小明", "13812345678", "文三路", packed_number(shipment)):
        assert private not in html


def packed_number(shipment):
    return Order.objects.get(pk=shipment.order_id).number


def test_the_page_shows_times_in_the_browsers_time_zone_and_ignores_an_unknown_one(shipment):
    delivered(shipment)
    client = page_for(None)

    berlin = text(client.get(f"/track/parcel/?number={NUMBER}&tz=Europe/Berlin"))
    nonsense = text(client.get(f"/track/parcel/?number={NUMBER}&tz=Mars/Olympus"))

    assert '<time datetime="2026-11-25T01:00:00+01:00">2026-11-25 01:00</time>' in berlin
    assert "Times are shown in the Europe/Berlin time zone." in berlin
    assert '<time datetime="2026-11-25T08:00:00+08:00">2026-11-25 08:00</time>' in nonsense
    assert "Times are shown in the Asia/Shanghai time zone." in nonsense


def test_an_exception_shows_clearly_where_the_parcel_stopped(shipment):
    actions.record_tracking_events(
        [
            carrier_event(NUMBER, 1, T.IN_TRANSIT, "picked_up"),
            carrier_event(NUMBER, 5, T.EXCEPTION, "delayed_weather", text="暴雪延误"),
        ]
    )

    html = text(page_for(None).get(f"/track/parcel/?number={NUMBER}"))

    assert 'class="card result-card parcel-result tone-problem"' in html
    assert '<h2 id="result-title" class="result-state">Exception</h2>' in html
    assert "There is a problem with this delivery." in html
    assert re.findall(r'<li class="([a-z-]*)"', html) == ["is-done", "is-problem", "", ""]


def test_an_unknown_number_gets_a_friendly_not_found_yet(english):
    response = page_for(None).get("/track/parcel/?number=SF0000000000")

    html = text(response)
    assert response.status_code == 200
    assert "<h2>No updates for this number yet</h2>" in html
    assert "Carriers may take a few hours to show a new parcel." in html
    assert 'class="result-state' not in html


def test_an_empty_number_is_asked_for_again(english):
    html = text(page_for(None).get("/track/parcel/?number=+"))

    assert error_after(html, "number") == ["This field is required."]
    assert "No updates for this number yet" not in html


def test_a_number_several_carriers_use_asks_which_one(shipment, staff):
    actions.create_shipment(packed_order("W-2002"), "yto", NUMBER, staff["warehouse"])
    client = page_for(None)

    choose = text(client.get(f"/track/parcel/?number={NUMBER}"))
    chosen = text(client.get(f"/track/parcel/?number={NUMBER}&carrier=yto"))

    assert '<h2 id="choose-title">Which carrier is yours?</h2>' in choose
    assert re.findall(r'carrier=([a-z]+)">(.*?)</a>', choose) == [
        ("yto", "YTO Express"),
        ("zto", "ZTO Express"),
    ]
    assert '<p class="result-label">YTO Express · ' in chosen


def test_too_many_lookups_get_the_429_page(shipment, settings):
    settings.PARCELOPS_PUBLIC_RATE_LIMIT = 2
    client = page_for(None)
    for _attempt in range(2):
        assert client.get(f"/track/parcel/?number={NUMBER}").status_code == 200

    response = client.get(f"/track/parcel/?number={NUMBER}")

    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    assert "<h1>Too many lookups</h1>" in text(response)
    assert 'class="result-state' not in text(response)
    assert client.get("/track/parcel/").status_code == 200  # the empty form is not counted


def test_the_language_switch_shows_the_page_in_chinese(shipment):
    client = page_for(None)

    switched = client.post(
        "/i18n/setlang/", {"language": "zh-hans", "next": f"/track/parcel/?number={NUMBER}"}
    )
    html = text(client.get(switched["Location"], headers={"Accept-Language": "en"}))

    assert switched.status_code == 302
    assert '<html lang="zh-hans"' in html
    assert '<p class="result-label">中通快递 · <span class="mono">75123456789012</span></p>' in html
    assert (
        '<button type="submit" name="language" value="zh-hans" lang="zh-hans" aria-pressed="true">'
        in html
    )


def test_the_customers_order_page_links_to_the_parcels(shipment):
    Order.objects.filter(pk=shipment.order_id).update(state=OrderState.SHIPPED)

    html = text(
        page_for(None).post(
            "/track/order/", {"number": packed_number(shipment), "phone_last4": "5678"}
        )
    )

    assert (
        f'<a href="/track/parcel/?number={NUMBER}&amp;carrier=zto"><span class="parcel-links-carrier">'
        f'ZTO Express <span class="mono">{NUMBER}</span></span>'
        '<span class="parcel-links-status">Label created ›</span></a>'
    ) in html


# --- the Parcels card and handing over -----------------------------------------------------------------


def test_the_order_page_shows_each_parcel_with_its_raw_events_and_flags(shipment, staff):
    actions.record_tracking_events(
        [
            carrier_event(NUMBER, 1, T.IN_TRANSIT, "picked_up"),
            carrier_event(NUMBER, 3, "", text="代码 99"),
            carrier_event(NUMBER, 5, T.INFO_RECEIVED, "label_created", text="迟到的揽收"),
        ]
    )
    Shipment.objects.filter(pk=shipment.pk).update(is_number_format_known=False)

    html = text(page_for(staff["analyst"]).get(f"/orders/{packed_number(shipment)}/"))

    assert (
        '<h2 id="parcels-title" class="card-title">Parcels <span class="count">1</span></h2>'
        in html
    )
    assert f'href="/track/parcel/?number={NUMBER}&amp;carrier=zto"' in html
    assert '<span class="badge badge-blue">In transit</span>' in html
    assert "This number does not look like one of this carrier’s" in html
    assert "3 carrier events" in html
    assert html.count('<span class="badge badge-amber">unmapped</span>') == 1
    assert html.count('<span class="badge badge-red"') == 1  # the late pick-up is a regression
    assert (
        '<dd><span class="mono">2026-11-24 09:00:00</span> <span class="muted">(offset sent)</span></dd>'
        in html
    )
    assert "Hand over" not in html  # analysts do not ship


def test_the_detail_page_needs_the_same_queries_for_many_parcels(shipment, staff):
    client = page_for(staff["analyst"])
    number = packed_number(shipment)
    actions.record_tracking_events([carrier_event(NUMBER, 1, T.IN_TRANSIT)])
    client.get(f"/orders/{number}/")  # warms the session
    one_parcel = _count_queries(client, f"/orders/{number}/")
    for index in range(3):
        other = f"7512345678{index:04d}"
        actions.create_shipment(shipment.order, "zto", other, staff["warehouse"])
        actions.record_tracking_events([carrier_event(other, 1, T.IN_TRANSIT)])

    assert _count_queries(client, f"/orders/{number}/") == one_parcel


def _count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_handing_over_a_packed_order_creates_the_parcel_and_ships_the_order(packed, staff, english):
    client = page_for(staff["warehouse"])
    detail = text(client.get(f"/orders/{packed.number}/"))

    response = client.post(
        f"/tracking/hand-over/{packed.number}/",
        {"carrier": "sf-express", "tracking_number": "sf 1234 5678 9012", "service": "standard"},
    )

    assert f'<form method="post" action="/tracking/hand-over/{packed.number}/"' in detail
    assert 'href="#hand-over">Hand over to carrier…</a>' in detail  # the actions card points here
    assert 'name="to_state" value="shipped"' not in detail  # the one way to ship is this form
    assert response.status_code == 302
    assert response["Location"] == f"/orders/{packed.number}/"
    assert messages_of(client.get(response["Location"])) == [
        "Parcel SF123456789012 is handed over to SF Express."
    ]
    assert list(Shipment.objects.values_list("carrier", "tracking_number", "service")) == [
        ("sf-express", "SF123456789012", "standard")
    ]
    assert Order.objects.get(pk=packed.pk).state == OrderState.SHIPPED


def test_bad_hand_over_input_shows_the_errors_and_creates_nothing(packed, staff, english):
    client = page_for(staff["warehouse"])
    url = f"/tracking/hand-over/{packed.number}/"

    no_carrier = text(client.post(url, {"carrier": "", "tracking_number": NUMBER}))
    bad_number = client.post(url, {"carrier": "zto", "tracking_number": "12-3"})

    assert error_after(no_carrier, "carrier") == ["This field is required."]
    assert bad_number.status_code == 200
    assert error_after(text(bad_number), "tracking_number") == [
        "A tracking number has 6 to 40 letters and digits."
    ]
    assert 'value="12-3"' in text(bad_number)  # kept, to be corrected
    assert Shipment.objects.count() == 0
    assert Order.objects.get(pk=packed.pk).state == OrderState.PACKED


def test_a_number_the_carrier_already_has_is_refused_on_its_field(shipment, staff):
    other = packed_order("W-3003")

    html = text(
        page_for(staff["warehouse"]).post(
            f"/tracking/hand-over/{other.number}/", {"carrier": "zto", "tracking_number": NUMBER}
        )
    )

    assert error_after(html, "tracking_number") == [
        "This carrier already has a shipment with this number."
    ]
    assert Shipment.objects.count() == 1
    assert Order.objects.get(pk=other.pk).state == OrderState.PACKED


def test_roles_that_do_not_ship_cannot_hand_over(packed, staff, english):
    response = page_for(staff["cs_agent"]).post(
        f"/tracking/hand-over/{packed.number}/", {"carrier": "zto", "tracking_number": NUMBER}
    )

    assert response.status_code == 403
    assert Shipment.objects.count() == 0


def test_an_order_not_yet_packed_gets_no_parcel(packed, staff, english):
    Order.objects.filter(pk=packed.pk).update(state=OrderState.PICKING)
    client = page_for(staff["warehouse"])

    response = client.post(
        f"/tracking/hand-over/{packed.number}/", {"carrier": "zto", "tracking_number": NUMBER}
    )

    assert response.status_code == 302
    assert messages_of(client.get(response["Location"])) == [
        "Only a packed or shipped order can get a parcel."
    ]
    assert Shipment.objects.count() == 0


# --- the scan page ---------------------------------------------------------------------------------------


def scan(client, number, scan_type="handed_over", location="Dock 3", **headers):
    return client.post(
        "/tracking/scan/",
        {"scan_type": scan_type, "location": location, "number": number},
        headers=headers,
    )


def test_a_scan_of_a_known_parcel_stores_an_event_and_moves_it(shipment, staff):
    client = page_for(staff["logistics_staff"])

    response = scan(client, NUMBER.lower())
    page = text(client.get("/tracking/scan/"))

    event = TrackingEvent.objects.get(shipment=shipment)
    assert response.status_code == 302
    assert (event.provider, event.raw_code, event.raw_text, event.location) == (
        "scan",
        "scan:handed_over",
        "Handed to carrier · Dock 3",
        "Dock 3",
    )
    assert (event.status, event.substatus, event.local_time) == (
        T.IN_TRANSIT,
        "picked_up",
        "2026-11-25 10:00:00",
    )
    assert Shipment.objects.get(pk=shipment.pk).status == T.IN_TRANSIT
    assert '<li class="scan-row scan-stored">' in page
    assert '<option value="handed_over" selected>' in page  # the set-up stays
    assert 'value="Dock 3"' in page


def test_scanning_the_same_parcel_twice_stores_two_events(shipment, staff):
    client = page_for(staff["logistics_staff"])

    scan(client, NUMBER)
    scan(client, NUMBER, "arrived_facility", "Hub")

    assert TrackingEvent.objects.filter(shipment=shipment).count() == 2


def test_an_unknown_number_is_parked_and_the_answer_says_so(staff, english):
    response = scan(
        page_for(staff["warehouse"]), "YT9999999999", "delivered", "", Accept="application/json"
    )

    answer = json.loads(response.content)
    assert response.status_code == 200
    assert (answer["number"], answer["outcome"], answer["scan_type"]) == (
        "YT9999999999",
        "parked",
        "Delivered",
    )
    assert answer["message"] == "No parcel with this number yet: parked until its shipment exists."
    assert list(UnmatchedEvent.objects.values_list("tracking_number", "status", "carrier")) == [
        ("YT9999999999", T.DELIVERED, "")
    ]


def test_a_scan_that_is_not_a_tracking_number_stores_nothing(staff, english):
    client = page_for(staff["warehouse"])

    as_page = scan(client, "12-34")
    as_json = scan(client, "x", Accept="application/json")

    assert as_page.status_code == 422
    assert error_after(text(as_page), "number") == [
        "A tracking number has 6 to 40 letters and digits."
    ]
    assert as_json.status_code == 422
    assert json.loads(as_json.content) == {
        "errors": [
            {"field": "number", "message": "A tracking number has 6 to 40 letters and digits."}
        ]
    }
    assert TrackingEvent.objects.count() == UnmatchedEvent.objects.count() == 0


def test_only_roles_that_ship_may_scan(staff, english):
    assert page_for(staff["logistics_staff"]).get("/tracking/scan/").status_code == 200
    assert page_for(staff["analyst"]).get("/tracking/scan/").status_code == 403
    assert scan(page_for(staff["cs_agent"]), NUMBER).status_code == 403
    assert page_for(None).get("/tracking/scan/").status_code == 302  # to the login page
    assert UnmatchedEvent.objects.count() == 0


def test_the_scan_link_shows_for_roles_that_ship(staff, english):
    assert '<a href="/tracking/scan/">Scan</a>' in text(
        page_for(staff["warehouse"]).get("/orders/")
    )
    assert 'href="/tracking/scan/"' not in text(page_for(staff["analyst"]).get("/orders/"))


# --- the inboxes ------------------------------------------------------------------------------------------


def test_the_unmatched_inbox_lists_parked_events_newest_first(staff, english, frozen_now):
    actions.record_tracking_events([carrier_event("JT0000000001", 1, T.IN_TRANSIT)])
    frozen_now.shift(60)
    actions.record_tracking_events([carrier_event("JT0000000002", 2, T.DELIVERED)])

    response = page_for(staff["analyst"]).get("/tracking/unmatched/")

    html = text(response)
    assert response.status_code == 200
    assert re.findall(r'<td class="cell-title"><span class="mono">(\w+)</span>', html) == [
        "JT0000000002",
        "JT0000000001",
    ]
    assert '<span class="count">2</span>' in html


def test_the_unmapped_inbox_groups_codes_with_their_counts(shipment, staff):
    events = [carrier_event(NUMBER, h, "", text=f"代码 {h}") for h in (1, 2, 3)]
    actions.record_tracking_events([*events[:2], carrier_event(NUMBER, 4, T.IN_TRANSIT), events[2]])
    TrackingEvent.objects.filter(raw_text="代码 3").update(raw_code="X9")

    html = text(page_for(staff["leadership"]).get("/tracking/unmapped/"))

    rows = re.findall(
        r'<td class="cell-title">(\w+) <span class="mono">(.*?)</span></td>.*?'
        r'data-label="Events">(\d+)</td>',
        html,
        re.S,
    )
    assert rows == [("batch", "—", "2"), ("batch", "X9", "1")]


def test_the_inboxes_need_the_permission_to_see_orders(make_staff, english):
    nobody = page_for(make_staff("nobody"))

    assert nobody.get("/tracking/unmatched/").status_code == 403
    assert nobody.get("/tracking/unmapped/").status_code == 403
    assert page_for(None).get("/tracking/unmatched/").status_code == 302
