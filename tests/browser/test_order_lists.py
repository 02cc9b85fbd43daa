"""The order lists in a real browser, at 1366 px and 390 px, in English and Chinese: nothing
scrolls sideways, the total is on screen, an order takes two lines on a phone, and the
order pages' touch targets are at least 40 px high there.

Set PARCELOPS_SCREENSHOTS to a directory to keep a screenshot of each page.
"""

import os
import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from parcelops.accounts.models import StaffProfile
from parcelops.orders import actions
from parcelops.orders.models import Order
from parcelops.orders.states import OrderState, ReviewState

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"desktop": (1366, 800), "phone": (390, 844)}
LANGUAGES = {"en": "en-US", "zh-hans": "zh-CN"}
SHOTS = os.environ.get("PARCELOPS_SCREENSHOTS", "")


def some_orders(staff, order_payload) -> list[Order]:
    """Orders in several states, placed now (the live server runs on the real clock)."""
    StaffProfile.objects.filter(user=staff["order_processor"]).update(display_name="王芳")
    order_payload["placed_at"] = timezone.localtime().isoformat()
    orders = []
    for index, (state, tier) in enumerate(
        [
            (OrderState.PAID, "regular"),
            (OrderState.APPROVED, "regular"),
            (OrderState.APPROVED, "gold"),
            (OrderState.PICKING, "regular"),
            (OrderState.AWAITING_PAYMENT, "regular"),
        ]
    ):
        payload = {**order_payload, "customer": {**order_payload["customer"], "tier": tier}}
        order = actions.intake_order({**payload, "external_id": f"W-{index}"}, None).order
        if state != OrderState.PAID:
            Order.objects.filter(pk=order.pk).update(state=state, review_state=ReviewState.APPROVED)
        orders.append(order)
    vip = {**order_payload, "customer": {**order_payload["customer"], "tier": "vip"}}
    in_review = actions.intake_order({**vip, "external_id": "W-VIP"}, None).order
    actions.submit_for_review(in_review, staff["order_processor"], "VIP discount checked.")
    rejected = actions.intake_order({**vip, "external_id": "W-VIP-2"}, None).order
    actions.submit_for_review(rejected, staff["order_processor"])
    actions.reject_order(rejected, staff["order_reviewer"], "The shipping fee is missing.")
    return orders


def open_as(browser, live_server, username: str, size: str, language: str):
    width, height = WIDTHS[size]
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": width, "height": height},
        is_mobile=size == "phone",
        has_touch=size == "phone",
        locale=LANGUAGES[language],
    )
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto("/accounts/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill("correct-horse-battery")
    page.locator("form button.btn-primary[type=submit]").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))
    return context, page


def scrolls_sideways(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1")


def keep(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


PAGES = [
    ("order_processor", "/orders/", "list"),
    ("order_processor", "/orders/mine/", "mine"),
    ("order_reviewer", "/orders/review/", "review"),
    ("warehouse", "/orders/?state=approved", "warehouse"),
    ("order_processor", "/orders/new/", "new"),
]


@pytest.mark.parametrize("language", list(LANGUAGES))
@pytest.mark.parametrize("size", list(WIDTHS))
def test_the_order_lists_fit_the_screen(
    browser, live_server, staff, channel, order_payload, size, language
):
    some_orders(staff, order_payload)

    for username, path, name in PAGES:
        context, page = open_as(browser, live_server, username, size, language)
        page.goto(path)
        keep(page, f"{name}-{size}-{language}")

        assert not scrolls_sideways(page), f"{path} scrolls sideways at {size} in {language}"
        totals = page.locator(".order-table .col-total")
        for index in range(totals.count()):
            box = totals.nth(index).bounding_box()
            assert box is not None
            assert box["x"] + box["width"] <= WIDTHS[size][0], f"{path}: the total is cut off"
        if size == "phone" and name in ("list", "warehouse", "mine"):
            # An order with one status badge; a rejected one may wrap its second badge.
            row = page.locator(".order-table tr.order-row").last.bounding_box()
            assert row is not None
            assert row["height"] <= 80, f"{path}: an order takes two lines"
            small = page.evaluate(
                """() => [...document.querySelectorAll(
                    '.orders-page .btn, .orders-page .state-chip, .orders-page select,'
                    + ' .orders-page input:not([type=checkbox]):not([type=hidden])'
                ) ].filter(e => e.offsetParent && e.getBoundingClientRect().height < 40)
                  .map(e => e.outerHTML.slice(0, 80))"""
            )
            assert small == [], f"{path}: touch targets under 40 px"
        context.close()
