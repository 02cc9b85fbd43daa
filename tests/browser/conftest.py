"""Playwright driving Debian's chromium against pytest-django's live server.

Never a browser that Playwright downloads: the tests use /usr/bin/chromium, which CI
installs with apt.
"""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the test's thread; the ORM calls that the
# tests make between browser steps are still plain synchronous calls.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser() -> Iterator:
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        pytest.fail(
            f"The browser tests need Debian's chromium at {CHROMIUM} (apt-get install chromium)."
        )
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server) -> Iterator:
    """A fresh browser tab on the live server, with pages in English."""
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 800}, locale="en-US"
    )
    context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    yield tab
    context.close()


@pytest.fixture
def phone_page(browser, live_server) -> Iterator:
    """The same on a phone-sized screen."""
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        locale="en-US",
    )
    context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    yield tab
    context.close()
