"""The homes in a real browser, on 15 June 2026: the coordination goes from its count of periods to
validate to the list of them and finds its way in a one-line menu; a site coordinator opens the
visit desk in one click and finds the month sent back with its reason."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.home.conftest import NOW, build_work

PASSWORD = "mot-de-passe-de-test"  # tests.factories.UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.time_machine(NOW, tick=True),
]


def log_in(page, username):
    page.goto(reverse("login"))
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()


def test_the_coordination_goes_from_its_home_to_the_periods_to_validate(page, personas, site_a, site_b):
    build_work(personas, site_a, site_b)
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, "coordination")

    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", name="Votre travail à faire")).to_be_visible()
    periods = page.locator("#carte-periodes")
    line = periods.locator("li.work-line", has=page.get_by_role("link", name="en attente de validation"))
    expect(line.locator(".work-count")).to_have_text("1")
    expect(page.locator("#carte-gouvernance li.work-line", has_text="décisions en retard")).to_contain_text(
        "1"
    )

    # The menu: six subjects on one line.
    top = page.locator("nav.main-nav ul.nav-top > li")
    expect(top).to_have_count(6)
    tops = {round(top.nth(i).bounding_box()["y"]) for i in range(6)}
    assert len(tops) == 1, tops

    line.get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"/statistiques/periodes/\?status=soumise$"))
    expect(page.locator("main table tbody tr")).to_have_count(1)
    expect(page.locator("main table tbody")).to_contain_text("Troyes")

    # A sub-menu opens with a click, and its entries lead where they say.
    menu = page.get_by_role("navigation", name="Menu principal")
    expect(menu.get_by_role("link", name="Candidatures au label")).to_be_hidden()
    menu.locator("summary", has_text="Labels et plans").click()
    menu.get_by_role("link", name="Candidatures au label").click()
    expect(page).to_have_url(re.compile(re.escape(reverse("labels:application_list")) + "$"))
    expect(menu.locator("summary.nav-current")).to_have_text("Labels et plans")


def test_a_site_coordinator_opens_the_desk_and_the_month_sent_back(page, personas, site_a, site_b):
    work = build_work(personas, site_a, site_b)
    log_in(page, "ctem-a")

    card = page.locator("#carte-passages-reims")
    expect(card.get_by_role("heading")).to_have_text("Passages — Espace métiers de Reims")
    expect(card).to_contain_text("échéance dépassée le 10 juin 2026")
    expect(card).to_contain_text("motif : Totaux d'avril incohérents")
    expect(page.locator("#carte-reunions")).to_contain_text("Comité de pilotage de Reims")
    expect(page.locator("#carte-evenements")).to_contain_text("Forum des métiers")
    expect(page.locator("#carte-plans-sites")).to_contain_text("brouillon")

    # The desk in one click.
    card.get_by_role("link", name="Saisir les passages du jour").click()
    expect(page).to_have_url(
        re.compile(re.escape(reverse("stats:visit_desk", kwargs={"slug": "reims"})) + "$")
    )

    # Back home, the month sent back.
    page.goto(reverse("home"))
    page.locator("#carte-passages-reims").get_by_role(
        "link", name="avril 2026 renvoyée par la coordination"
    ).click()
    expect(page).to_have_url(
        re.compile(re.escape(reverse("stats:period_detail", kwargs={"pk": work["april"].pk})) + "$")
    )
