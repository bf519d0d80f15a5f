"""A site coordinator updates their site's opening hours in a real browser, and cannot touch another site."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.factories import CoordinatorAssignmentFactory, SiteFactory, UserFactory

PASSWORD = "horaires-de-reims-2026"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_site_coordinator_updates_opening_hours_and_cannot_reach_another_site(page, live_server):
    own_site = SiteFactory(name="Espace métiers de Reims", slug="reims")
    other_site = SiteFactory(
        name="Espace métiers de Troyes", slug="troyes", commune="Troyes", opening_hours="Mardi, 9 h – 17 h"
    )
    coordinator = UserFactory(
        username="ctem-reims", first_name="Alice", last_name="Durand", password=PASSWORD
    )
    CoordinatorAssignmentFactory(user=coordinator, site=own_site)

    # Log in through the login form.
    page.goto(reverse("login"))
    page.locator("input[name=username]").fill("ctem-reims")
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()

    # From the directory to the site, then to its practical information.
    page.goto(reverse("sites:directory"))
    page.get_by_role("link", name="Espace métiers de Reims").click()
    expect(page).to_have_url(re.compile(re.escape(own_site.get_absolute_url()) + "$"))
    page.get_by_role("link", name="Modifier les informations pratiques").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Informations pratiques de Espace métiers de Reims"
    )

    new_hours = "Lundi au jeudi, 9 h – 12 h et 14 h – 17 h 30"
    page.get_by_label("Horaires d'ouverture").fill(new_hours)
    page.get_by_role("button", name="Enregistrer").click()

    # Back on the site's sheet, with the new hours.
    expect(page).to_have_url(re.compile(re.escape(own_site.get_absolute_url()) + "$"))
    expect(page.get_by_role("status")).to_contain_text("ont été enregistrées")
    expect(page.locator(".opening-hours")).to_have_text(new_hours)
    own_site.refresh_from_db()
    assert own_site.opening_hours == new_hours

    # Another site's edit page does not exist for them.
    response = page.goto(reverse("sites:edit_practical", kwargs={"slug": other_site.slug}))
    assert response is not None
    assert response.status == 404
    other_site.refresh_from_db()
    assert other_site.opening_hours == "Mardi, 9 h – 17 h"
