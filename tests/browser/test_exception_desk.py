"""The exception desk in a real browser, at 1366 px and 390 px, in English and Chinese: the
queue, a case and the wallboard fit the screen, the deadlines count down live, and on a
phone each case is a card and the two timelines stack.

Set PARCELOPS_SCREENSHOTS to a directory to keep a screenshot of each page.
"""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from parcelops.accounts.models import StaffProfile
from parcelops.core.clock import now
from parcelops.exceptions.kinds import CaseState, OwnerTier
from parcelops.exceptions.models import Case, CaseEvent, CaseEvidence
from parcelops.exceptions.tests.queue_cases import a_parcel, an_order
from parcelops.orders.models import Order
from parcelops.orders.states import OrderState
from parcelops.tracking.models import TrackingEvent
from tests.browser.test_order_lists import LANGUAGES, WIDTHS, keep, open_as, scrolls_sideways

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def a_busy_desk(staff, channel) -> Case:
    """Cases of every severity on the real clock (the live server's), one of them with a
    parcel's events, evidence, a timeline and a past case like it. Returns that one."""
    StaffProfile.objects.filter(user=staff["logistics_staff"]).update(display_name="李娜")
    StaffProfile.objects.filter(user=staff["logistics_head"]).update(display_name="陈刚")
    moment = now()
    rows = [
        ("damaged", "major", OwnerTier.LEADERSHIP, None, 9, -1, "sf-express"),
        ("stalled", "minor", OwnerTier.STAFF, "logistics_staff", 1.5, 0.5, "zto"),
        ("failed_delivery", "moderate", OwnerTier.HEAD, "logistics_head", 3, 1, "yto"),
        ("customs_hold", "moderate", OwnerTier.HEAD, None, 5, 26, "ems"),
        ("not_shipped", "minor", OwnerTier.STAFF, "logistics_staff", 0.2, 1.8, ""),
    ]
    cases = []
    for index, (kind, severity, tier, owner, opened, due, carrier) in enumerate(rows):
        order = an_order(f"W-D{index}")
        parcel = (
            a_parcel(order, f"{carrier[:2].upper()}77000000{index}", carrier) if carrier else None
        )
        cases.append(
            Case.objects.create(
                type=kind,
                severity=severity,
                source="detected",
                order=order,
                shipment=parcel,
                carrier=carrier,
                owner_tier=tier,
                owner=staff[owner] if owner else None,
                opened_at=moment - timedelta(hours=opened),
                due_at=moment + timedelta(hours=due),
                breached_at=moment - timedelta(hours=1) if due < 0 else None,
                is_breached=due < 0,
                warned_at=moment - timedelta(minutes=10) if kind == "failed_delivery" else None,
                escalation_level=1 if due < 0 else 0,
                description="外箱压坏，客户来电 13812345678" if kind == "damaged" else "",
            )
        )
    damaged = cases[0]
    for hours, status, substatus, text, location in [
        (30, "in_transit", "picked_up", "【杭州市】快件已揽收", "杭州"),
        (20, "in_transit", "arrived_facility", "【上海转运中心】已到达", "上海"),
        (10, "exception", "damaged", "【上海转运中心】外包装破损，已拍照留存", "上海"),
    ]:
        event = TrackingEvent.objects.create(
            shipment=damaged.shipment,
            occurred_at=moment - timedelta(hours=hours),
            local_time="2026-11-25 10:00:00",
            offset_source="payload",
            received_at=moment - timedelta(hours=hours),
            provider="kuaidi100",
            raw_code=status,
            raw_text=text,
            location=location,
            status=status,
            substatus=substatus,
            dedupe_key=f"k{hours}",
        )
        if substatus == "damaged":
            CaseEvidence.objects.create(
                case=damaged,
                at=event.occurred_at,
                kind="event",
                event_key=event.dedupe_key,
                status=status,
                substatus=substatus,
                location=location,
                text=text,
            )
    CaseEvent.objects.create(case=damaged, kind="opened", at=damaged.opened_at)
    CaseEvent.objects.create(
        case=damaged, kind="breached", at=moment - timedelta(hours=1), data={"due_at": ""}
    )
    CaseEvent.objects.create(
        case=damaged,
        kind="escalated",
        at=moment - timedelta(hours=1),
        data={"tier": "leadership", "owner": None},
    )
    CaseEvent.objects.create(
        case=damaged,
        kind="carrier_contacted",
        at=moment - timedelta(minutes=30),
        actor=staff["logistics_staff"],
        text="顺丰客服确认外包装破损，已登记理赔",
        data={"channel": "phone", "reference": "SF-CLAIM-8812"},
    )
    past = an_order("W-PAST")
    Case.objects.create(
        type="damaged",
        severity="major",
        source="detected",
        order=past,
        shipment=a_parcel(past, "SF7700000099", "sf-express"),
        carrier="sf-express",
        owner_tier=OwnerTier.LEADERSHIP,
        opened_at=moment - timedelta(days=20),
        due_at=moment - timedelta(days=19),
        state=CaseState.CLOSED,
        closed_at=moment - timedelta(days=18),
        resolution="reshipped",
        cause="上海转运中心分拣时挤压",
        action_taken="补发新品，向顺丰索赔",
        lesson="易碎品加泡沫箱",
    )
    return damaged


@pytest.mark.parametrize("language", list(LANGUAGES))
@pytest.mark.parametrize("size", list(WIDTHS))
def test_the_desk_pages_fit_the_screen(browser, live_server, staff, channel, size, language):
    damaged = a_busy_desk(staff, channel)
    context, page = open_as(browser, live_server, "logistics_head", size, language)

    page.goto("/exceptions/")
    countdown = page.locator(".case-row .countdown").nth(1)
    first = countdown.inner_text()
    expect(countdown).not_to_have_text(first)  # countdown.js ticks every second
    keep(page, f"queue-{size}-{language}")
    assert not scrolls_sideways(page), f"the queue scrolls sideways at {size} in {language}"
    rows = page.locator(".case-table tr.case-row")
    assert rows.count() == 5
    if size == "phone":  # a case without flags takes three short lines
        card = rows.nth(1).bounding_box()
        assert card is not None
        assert card["height"] <= 115, "a case is a short card on a phone"

    page.goto(f"/exceptions/{damaged.pk}/")
    keep(page, f"case-{size}-{language}")
    assert not scrolls_sideways(page), f"the case page scrolls sideways at {size} in {language}"
    tracking = page.locator(".case-tracking").bounding_box()
    history = page.locator(".case-history").bounding_box()
    assert tracking is not None
    assert history is not None
    if size == "desktop":
        assert tracking["y"] == history["y"], "the two timelines stand side by side"
    else:
        assert history["y"] > tracking["y"] + tracking["height"] - 1, "they stack on a phone"

    page.goto("/exceptions/wallboard/")
    keep(page, f"wallboard-{size}-{language}")
    assert not scrolls_sideways(page), f"the wallboard scrolls sideways at {size} in {language}"
    assert page.locator(".wall-number").all_inner_texts() == ["5", "1", "1", "2"]
    context.close()


def test_the_case_page_opens_a_refused_form_with_its_errors(browser, live_server, staff, channel):
    damaged = a_busy_desk(staff, channel)
    context, page = open_as(browser, live_server, "logistics_staff", "desktop", "en")
    page.goto(f"/exceptions/{damaged.pk}/")
    page.locator("#action-note summary").click()
    page.locator("#action-note button[type=submit]").click()
    expect(page.locator("#action-note")).to_have_attribute("open", re.compile(".*"))
    expect(page.locator("#action-note .errorlist")).to_be_visible()
    page.locator("#action-close summary").click()
    keep(page, "case-forms-desktop-en")
    context.close()


def test_a_case_goes_from_the_queue_through_contact_reship_and_close(
    browser, live_server, staff, channel
):
    damaged = a_busy_desk(staff, channel)
    Order.objects.filter(pk=damaged.order_id).update(state=OrderState.IN_TRANSIT)
    context, page = open_as(browser, live_server, "logistics_staff", "desktop", "en")
    page.goto("/exceptions/")
    page.locator(".case-table .case-link").first.click()
    expect(page).to_have_url(re.compile(rf"/exceptions/{damaged.pk}/$"))

    page.locator("#action-contact-carrier summary").click()
    contact = page.locator("#action-contact-carrier")
    contact.get_by_label("How").select_option("phone")
    contact.get_by_label("What was said").fill("SF will collect the broken parcel tomorrow")
    contact.get_by_label("Carrier’s reference (optional)").fill("SF-5531")
    contact.get_by_role("button", name="Contact the carrier").click()
    expect(page.locator(".message-success")).to_have_text(
        f"The contact with the carrier is recorded on case {damaged.pk}."
    )

    page.locator("#action-reship summary").click()
    reship = page.locator("#action-reship")
    reship.get_by_label("Carrier").select_option("sf-express")
    reship.get_by_label("Tracking number").fill("SF2000000001")
    reship.get_by_role("button", name="Reship").click()
    expect(page.locator(".message-success")).to_have_text(
        f"A replacement parcel is on its way for case {damaged.pk}."
    )
    expect(page.locator(".case-summary")).to_contain_text("SF2000000001")

    page.locator("#action-close summary").click()
    closing = page.locator("#action-close")
    closing.get_by_label("Resolution").select_option("reshipped")
    closing.get_by_label("Cause").fill("Crushed at the Shanghai hub")
    closing.get_by_label("Action taken").fill("Reshipped with SF")
    closing.get_by_label("Lesson").fill("Pack glass in foam")
    closing.get_by_role("button", name="Close the case").click()
    expect(page.locator(".message-success")).to_have_text(f"Case {damaged.pk} is closed.")
    expect(page.locator(".case-closing")).to_contain_text("Pack glass in foam")
    assert Case.objects.get(pk=damaged.pk).state == CaseState.CLOSED
    page.locator(".page-sub a").first.click()  # the order, with its cases
    expect(page.locator(".detail-cases .order-case")).to_have_count(1)
    keep(page, "order-cases-desktop-en")
    page.locator(".detail-cases").get_by_role("link", name="Report a case").click()
    keep(page, "report-desktop-en")
    expect(page.get_by_label("Order number")).to_have_value(damaged.order.number)
    context.close()
