"""The scan page's recent list shows times in the shop's zone, like every other page, even
when the browser sits in another zone (issue 13)."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.pages import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_scan_is_listed_at_the_shops_time_not_the_browsers(browser, live_server, staff):
    context = browser.new_context(
        base_url=live_server.url, timezone_id="America/New_York", locale="en-US"
    )
    context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    page = context.new_page()
    sign_in(page, "warehouse")
    page.goto("/tracking/scan/")

    page.get_by_label("Tracking number").fill("SF1234567890123")
    page.get_by_role("button", name="Record").click()

    time = page.locator("[data-scan-list] time").first
    expect(time).to_have_text(re.compile(r"^\d\d:\d\d:\d\d$"))
    shop_time = time.get_attribute("datetime") or ""
    assert shop_time.endswith("+08:00")  # the shop's zone (settings.TIME_ZONE)
    assert time.inner_text() == shop_time[11:19]
    context.close()
