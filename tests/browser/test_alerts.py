"""The unread alerts in the top bar, on a computer and on a phone: read them, mark them
read, and the outbox page, all within the Content-Security-Policy."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from parcelops.accounts import roles
from parcelops.outbox import actions
from parcelops.outbox.models import OutboxMessage
from tests.browser.pages import sign_in
from tests.browser.test_content_security_policy import RECORD_VIOLATIONS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Set to a folder to keep the screenshots for a person to look at.
SHOTS = os.environ.get("PARCELOPS_SCREENSHOTS", "")


def shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def alerts_for(user) -> None:
    for number in (12, 13):
        actions.alert(
            user,
            key=f"case:{number}:breached",
            kind="case.breached",
            text=f"Case #{number} (Lost, order PO-{number}) is past its deadline of 2026-11-25 18:00.",
            link="/orders/",
            email=False,
        )


def test_the_top_bar_counts_unread_alerts_until_they_are_read(page, staff):
    head = staff[roles.LOGISTICS_HEAD]
    alerts_for(head)
    OutboxMessage.objects.create(
        idempotency_key="k", kind="customer.case_opened", to_address="a@b.example",
        subject="Order PO-12: your parcel may be lost", body="b", state="failed", attempts=5,
        last_error="SMTPRecipientsRefused: 550 mailbox unavailable",
        created_at="2026-11-25T02:00:00Z",
    )  # fmt: skip
    page.add_init_script(RECORD_VIOLATIONS)
    sign_in(page, roles.LOGISTICS_HEAD)

    badge = page.locator(".topbar .alert-badge")
    expect(badge.locator(".alert-badge-count")).to_have_text("2")
    shot(page, "topbar-desktop")
    badge.click()
    expect(page.locator(".alert-item.is-unread")).to_have_count(2)
    shot(page, "alerts-desktop")
    page.get_by_role("button", name="Mark all read").click()
    expect(page.locator(".alert-item.is-unread")).to_have_count(0)
    expect(badge.locator(".alert-badge-count")).to_have_count(0)
    page.get_by_role("link", name="Outbox").click()
    expect(page.get_by_text("SMTPRecipientsRefused: 550 mailbox unavailable")).to_be_visible()
    shot(page, "outbox-desktop")

    assert page.evaluate("window.__violations") == []


def test_on_a_phone_the_count_is_in_the_menu(phone_page, staff):
    alerts_for(staff[roles.LOGISTICS_STAFF])
    sign_in_on_phone(phone_page, roles.LOGISTICS_STAFF)

    phone_page.get_by_role("button", name="Menu").click()
    badge = phone_page.locator(".topbar .alert-badge")
    expect(badge.locator(".alert-badge-count")).to_have_text("2")
    shot(phone_page, "menu-phone")
    badge.click()
    expect(phone_page.locator(".alert-item")).to_have_count(2)
    shot(phone_page, "alerts-phone")
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390  # nothing pushes the page sideways


def sign_in_on_phone(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/orders/")
