"""Steps the browser tests share."""

from playwright.sync_api import expect

PASSWORD = "correct-horse-battery"  # conftest.make_staff's


def sign_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".userbox-name")).to_have_text(username)
