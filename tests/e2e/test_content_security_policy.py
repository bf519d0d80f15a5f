"""The main pages of each area work under the strict Content-Security-Policy: the `page` fixture fails
the test on any violation that Chromium reports (blocked script, style or handler)."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from network.enums import Role
from tests.factories import RoleAssignmentFactory, SiteFactory, UserFactory

PASSWORD = "politique-de-securite-2026"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_main_pages_of_the_coordination_raise_no_policy_violation(page, live_server):
    site = SiteFactory(name="Espace métiers de Reims", slug="reims")
    user = UserFactory(username="coordination", password=PASSWORD, is_staff=True, is_superuser=True)
    RoleAssignmentFactory(user=user, role=Role.REGIONAL_COORDINATOR)

    page.goto(reverse("login"))
    page.locator("input[name=username]").fill("coordination")
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()

    for url in [
        reverse("home"),
        reverse("sites:directory"),
        site.get_absolute_url(),
        reverse("strategy:calendar"),
        reverse("plans:list"),
        reverse("labels:application_list"),
        reverse("stats:region_dashboard"),
        reverse("stats:visit_desk", kwargs={"slug": site.slug}),
        reverse("stats:satisfaction_poster", kwargs={"slug": site.slug}),
        reverse("admin:index"),
    ]:
        response = page.goto(url)
        assert response is not None and response.status == 200, url
        page.wait_for_load_state("load")

    # The calendar's feed field selects itself on focus (a handler bound from static/js/spro.js).
    page.goto(reverse("strategy:calendar"))
    field = page.locator("#feed-url")
    if field.count():
        field.focus()
        expect(field).to_have_js_property("selectionStart", 0)


def test_the_interactive_api_docs_load_under_the_policy(page, live_server):
    page.goto(reverse("api-docs"))
    # Swagger UI draws the operations from the schema: its scripts ran.
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible()
