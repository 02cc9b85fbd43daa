"""Logistics staff work the tracking inboxes in a real browser, at 1366 px and on a phone
(390 px): the pages fit without sideways scrolling, and mapping a code and attaching an
event work from them. Screenshots go to the test's directory, or to
$PARCELOPS_SCREENSHOTS when set (to look at them)."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from parcelops.orders.models import Order
from parcelops.tracking import actions
from parcelops.tracking.models import Shipment, UnmatchedEvent
from parcelops.tracking.status import TrackingStatus as T
from parcelops.tracking.tests.conftest import (
    carrier_event,
    forget_learned_carrier_codes,  # noqa: F401 (a fixture, used by name)
    packed_order,
)
from tests.browser.test_review_flow import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("forget_learned_carrier_codes"),
]

NUMBER = "75123456789012"
TYPO = "75123456789021"
WIDTHS = {"desktop": (1366, 900), "phone": (390, 844)}


@pytest.fixture
def inbox_data(staff, channel):
    """A parcel, an event parked under a mistyped number, an unmapped code stored on the
    parcel, and events parked for a carrier code no carrier has."""
    shipment = actions.create_shipment(packed_order(), "zto", NUMBER, staff["warehouse"])
    unmapped = carrier_event(NUMBER, 3, "", text="快件已放入丰巢智能柜，请凭取件码取件")
    unmapped.raw_code = "QX9"
    unknown = carrier_event("JT0000000001", 2, T.IN_TRANSIT, carrier="", text="快件已揽收")
    unknown.provider, unknown.provider_carrier = "kuaidi100", "xyzexpress"
    actions.record_tracking_events(
        [
            carrier_event(NUMBER, 1, T.IN_TRANSIT, "picked_up", text="已揽收 杭州"),
            unmapped,
            carrier_event(TYPO, 2, T.IN_TRANSIT, "arrived_facility", text="到达【上海转运中心】"),
            unknown,
        ]
    )
    return shipment


def shots_dir(tmp_path: Path) -> Path:
    target = Path(os.environ.get("PARCELOPS_SCREENSHOTS") or tmp_path)
    target.mkdir(parents=True, exist_ok=True)
    return target


def fits_the_width(page) -> bool:
    return page.evaluate(
        "document.scrollingElement.scrollWidth <= document.scrollingElement.clientWidth"
    )


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("width", list(WIDTHS))
def test_the_inbox_pages_fit_the_screen(
    browser, live_server, inbox_data, tmp_path, width, language
):
    columns, rows = WIDTHS[width]
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": columns, "height": rows},
        is_mobile=width == "phone",
        has_touch=width == "phone",
        locale="en-US" if language == "en" else "zh-CN",
    )
    context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    order = Order.objects.get(pk=inbox_data.order_id)
    sign_in(page, "logistics_staff")  # in English, then the pages in the language tested
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    pages = {
        "unmatched": "/tracking/unmatched/",
        "attach": f"/tracking/unmatched/{TYPO}/attach/",
        "unmapped": "/tracking/unmapped/",
        "order": f"/orders/{order.number}/",
    }
    wide = []
    for name, url in pages.items():
        page.goto(url)
        page.screenshot(
            path=str(shots_dir(tmp_path) / f"inbox-{name}-{columns}-{language}.png"), full_page=True
        )
        if not fits_the_width(page):
            wide.append(name)
    context.close()

    assert wide == []


def test_a_code_is_mapped_and_an_event_attached_on_a_phone(phone_page, live_server, inbox_data):
    page = phone_page
    order = Order.objects.get(pk=inbox_data.order_id)
    sign_in(page, "logistics_staff")

    page.goto("/tracking/unmapped/")
    page.get_by_label("Status").select_option("available_for_pickup:in_locker")
    page.get_by_role("button", name="Map", exact=True).click()
    expect(page.locator(".message-success")).to_have_text(
        "Code QX9 is mapped. Parcels updated: 1; waiting events: 0."
    )
    page.get_by_label("Carrier", exact=True).select_option("yto")
    page.get_by_role("button", name="Map carrier").click()
    expect(page.locator(".message-success")).to_contain_text("now names YTO Express")

    page.goto("/tracking/unmatched/")
    page.locator(f'a[href^="/tracking/unmatched/{TYPO}/attach/"]').click()
    page.get_by_label("Order number").fill(order.number)
    page.get_by_label("Its parcel's carrier").select_option("zto")
    page.get_by_role("button", name="Attach to the parcel").click()
    expect(page.locator(".message-success")).to_have_text(
        f"1 event attached to parcel {NUMBER} of order {order.number}."
    )

    shipment = Shipment.objects.get(pk=inbox_data.pk)
    assert (shipment.status, shipment.substatus) == (T.AVAILABLE_FOR_PICKUP, "in_locker")
    assert shipment.events.count() == 3
    assert list(UnmatchedEvent.objects.values_list("tracking_number", "carrier")) == [
        ("JT0000000001", "yto")
    ]
