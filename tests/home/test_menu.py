"""The menu: no entry answers 403 or 404 for anyone; the coordination's fits a few subjects."""

import pytest
from django.urls import reverse

from tests.helpers import PERSONAS, soup

from .conftest import NOW

pytestmark = pytest.mark.time_machine(NOW, tick=False)


def menu(response):
    return soup(response).select_one("nav.main-nav")


@pytest.mark.parametrize("persona", PERSONAS)
def test_no_menu_entry_answers_403_or_404(as_persona, work, persona):
    client = as_persona(persona)
    start = reverse("home") if persona != "anonymous" else reverse("sites:directory")
    links = [a["href"] for a in menu(client.get(start)).select("a[href]")]
    assert links

    for href in links:
        response = client.get(href)
        assert response.status_code not in (403, 404), (persona, href, response.status_code)
        if persona != "anonymous":
            assert response.status_code == 200, (persona, href, response.status_code)


def test_the_coordinations_menu_has_a_few_subjects(as_persona, work):
    nav = menu(as_persona("regional_coordinator").get(reverse("home")))
    top = nav.select("ul.nav-top > li")
    subjects = [" ".join(li.select_one("a, summary").get_text(" ").split()) for li in top]

    assert subjects == ["Accueil", "Réseau", "Gouvernance", "Labels et plans", "Statistiques", "Événements"]


def test_a_site_coordinator_reaches_the_desk_from_the_menu(as_persona, work):
    nav = menu(as_persona("coordinator_a").get(reverse("home")))
    top = nav.select("ul.nav-top > li > a")

    assert reverse("stats:visit_desk", kwargs={"slug": "reims"}) in [a["href"] for a in top]


def test_the_partner_has_no_statistics_and_no_plans_in_the_menu(as_persona, work):
    nav = menu(as_persona("partner").get(reverse("home")))
    summaries = [s.get_text(strip=True) for s in nav.select("summary")]
    hrefs = [a["href"] for a in nav.select("a[href]")]

    assert "Statistiques" not in summaries
    assert "Labels et plans" not in summaries
    assert reverse("stats:region_dashboard") not in hrefs
    assert reverse("network:person_list") not in hrefs


def test_the_current_subject_is_marked(as_persona, work):
    nav = menu(as_persona("regional_coordinator").get(reverse("stats:period_list")))

    assert nav.select_one("summary.nav-current").get_text(strip=True) == "Statistiques"
    assert nav.select_one("a[aria-current=page]")["href"] == reverse("stats:period_list")
