"""A site coordinator records visits at the desk, keyboard first from the first key, without a page
reload (the same entry pressed twice is asked about, not recorded twice), then finds them counted
on the site's statistics dashboard."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from stats.models import Visit
from tests.factories import CoordinatorAssignmentFactory, SiteFactory, UserFactory
from tests.stats.conftest import Refs

PASSWORD = "accueil-de-reims-2026"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def focused_field(page) -> tuple[str, str]:
    return tuple(page.evaluate("[document.activeElement.name, document.activeElement.value]"))


def test_site_coordinator_records_three_visits_without_reloading(page, live_server):
    refs = Refs()
    site = SiteFactory(name="Espace métiers de Reims", slug="reims")
    coordinator = UserFactory(
        username="ctem-reims", first_name="Alice", last_name="Durand", password=PASSWORD
    )
    CoordinatorAssignmentFactory(user=coordinator, site=site)

    page.goto(reverse("login"))
    page.locator("input[name=username]").fill("ctem-reims")
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()

    page.goto(reverse("stats:visit_desk", kwargs={"slug": site.slug}))
    expect(page.get_by_text("Aucune donnée personnelle : ne saisissez ni nom")).to_be_visible()
    count = page.locator("#desk-count")
    expect(count).to_have_text("0")
    # A marker that only survives if the page is never reloaded.
    page.evaluate("window.__deskMarker = 'même page'")

    # First visit, keyboard only from the first key: the page opens with the focus on the first
    # field; Space picks the option, Tab moves to the next list, Enter records.
    expect(page.get_by_role("radio", name="Visite")).to_be_focused()
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    assert focused_field(page) == ("sex", str(refs.sexes[0].pk))
    page.keyboard.press("Space")
    page.keyboard.press("Enter")
    expect(count).to_have_text("1")
    expect(page.locator("#desk-announce")).to_contain_text("Passage enregistré")

    # The focus is back on the first field, with the previous visit's choices offered again.
    # htmx moves the focus once the swapped form has settled: wait for it rather than race it.
    expect(page.locator(f'input[name="contact_kind"][value="{refs.contact_kinds[0].pk}"]')).to_be_focused()
    expect(page.get_by_role("radio", name="Femme")).to_be_checked()

    # Second visit: a man this time (arrow keys move within a list of options).
    page.keyboard.press("Tab")
    page.keyboard.press("ArrowRight")
    expect(page.get_by_role("radio", name="Homme")).to_be_checked()
    page.evaluate("window.__deskForm = document.getElementById('visit-form')")
    page.keyboard.press("Enter")
    expect(count).to_have_text("2")
    # The answer is the new row only: it tops the list, the announcement follows the count, and the
    # focus is back on the first field for the next visit.
    rows = page.locator("#desk-rows tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Homme")
    expect(page.locator("#desk-announce")).to_have_text("Passage enregistré : 2 passages ce jour.")
    expect(page.locator(f'input[name="contact_kind"][value="{refs.contact_kinds[0].pk}"]')).to_be_focused()
    expect(page.get_by_role("radio", name="Homme")).to_be_checked()
    # The form was left in place, not drawn again.
    assert page.evaluate("document.getElementById('visit-form') === window.__deskForm")

    # A slip: a date in the future is refused, with the form drawn again and the field in error.
    today = timezone.localdate()
    date = page.locator('input[name="visited_on"]')
    date.fill((today + datetime.timedelta(days=1)).isoformat())
    page.get_by_role("button", name="Enregistrer le passage").click()
    expect(page.locator(".form-errors")).to_be_visible()
    expect(date).to_have_attribute("aria-invalid", "true")
    expect(count).to_have_text("2")
    date.fill(today.isoformat())
    page.evaluate("window.__deskForm = document.getElementById('visit-form')")

    # Third visit, with a finger or a mouse: phone call about training, then the big button.
    page.get_by_text("Telephone", exact=True).click()
    page.get_by_role("checkbox", name="Formation").click()
    page.get_by_role("button", name="Enregistrer le passage").click()
    expect(count).to_have_text("3")
    expect(page.locator(".desk-table tbody tr")).to_have_count(3)
    # The slip's error messages went away with the entry that succeeded, the form left in place.
    assert page.evaluate("document.getElementById('visit-form') === window.__deskForm")
    expect(
        page.locator("#visit-form .form-errors, #visit-form .errors, #visit-form .field-error")
    ).to_have_count(0)
    expect(page.locator("#visit-form [aria-invalid]")).to_have_count(0)
    expect(page.locator(f'input[name="contact_kind"][value="{refs.contact_kinds[1].pk}"]')).to_be_focused()

    # Enter pressed once more on the same form: the desk asks instead of recording a duplicate,
    # keeps what was typed, and puts the focus on its confirmation.
    page.keyboard.press("Enter")
    question = page.locator(".desk-duplicate")
    expect(question).to_contain_text("identique à celui que vous avez enregistré")
    expect(page.locator("#desk-announce")).to_contain_text("Rien n'a été enregistré")
    expect(count).to_have_text("3")
    expect(page.get_by_role("radio", name="Telephone")).to_be_checked()
    expect(page.get_by_role("checkbox", name="Formation")).to_be_checked()
    confirm = page.get_by_role("button", name="Enregistrer quand même")
    expect(confirm).to_be_focused()
    # A second person with the same answers: Enter confirms, and the desk is ready for the next one.
    page.keyboard.press("Enter")
    expect(count).to_have_text("4")
    expect(question).to_have_count(0)
    expect(page.locator(f'input[name="contact_kind"][value="{refs.contact_kinds[1].pk}"]')).to_be_focused()

    # Never reloaded: the marker is still there and the page was navigated to once.
    assert page.evaluate("window.__deskMarker") == "même page"
    assert page.evaluate("performance.getEntriesByType('navigation').length") == 1
    assert page.evaluate("performance.getEntriesByType('navigation')[0].type") == "navigate"

    visits = Visit.objects.filter(site=site)
    assert visits.count() == 4
    # The third visit kept the second one's sex: choices carry over from one visit to the next.
    assert sorted(v.sex.code for v in visits) == ["femme", "homme", "homme", "homme"]
    for visit in visits.filter(contact_kind__code="telephone"):
        assert [t.code for t in visit.themes.all()] == ["formation"]

    # The four visits are counted on the site's statistics dashboard.
    page.goto(reverse("stats:site_dashboard", kwargs={"slug": site.slug}))
    expect(page.locator("[data-figure=total]")).to_have_text(re.compile(r"^\s*4\s*$"))
