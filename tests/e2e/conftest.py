"""Browser journeys: Playwright's sync API driving Debian's Chromium against pytest-django's live server."""

from pathlib import Path

import pytest
from django.db import connections

from tests.conftest import require

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def allow_orm_beside_playwright(monkeypatch):
    # Playwright's sync API runs an event loop in the test thread; Django would then refuse every ORM
    # call from the test as "async unsafe", although the test itself is plain synchronous code.
    # Set per browser test only, so that no other test runs with the safety off.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def browser(allow_orm_beside_playwright):
    require(CHROMIUM.exists(), f"Chromium est introuvable ({CHROMIUM}) : apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser tab (own cookies) pointed at the live server."""
    context = browser.new_context(base_url=live_server.url, locale="fr-FR", timezone_id="Europe/Paris")
    context.set_default_timeout(15_000)
    page = context.new_page()
    # Every journey also checks the Content-Security-Policy: a blocked script, style or handler is
    # a feature silently broken for users, so it fails the test.
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    yield page
    context.close()
    assert not violations, "Content-Security-Policy violations:\n" + "\n".join(violations)
    # While Playwright's loop runs, the test's ORM calls get their own connection (Django keys
    # connections by async context); close it here, or PostgreSQL can't drop the test database.
    connections.close_all()
