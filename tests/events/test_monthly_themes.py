"""A site's monthly themes: listed per site under /evenements/, kept by the site's coordinators and
the coordination."""

import datetime

import pytest
from django.urls import reverse

from events.models import MonthlyTheme
from tests.events.conftest import FROZEN
from tests.events.factories import MonthlyThemeFactory
from tests.helpers import PERSONAS, assert_status, links, text

pytestmark = [pytest.mark.django_db, FROZEN]

READ = {
    "anonymous": "login",
    "regional_coordinator": 200,
    "coordinator_a": 200,
    "coordinator_b": 404,
    "partner": 404,
    "observer": 200,
}
EDIT = {
    "anonymous": "login",
    "regional_coordinator": 200,
    "coordinator_a": 200,
    "coordinator_b": 404,
    "partner": 404,
    "observer": 404,
}


@pytest.fixture
def theme(site_a):
    return MonthlyThemeFactory(site=site_a, month=datetime.date(2026, 6, 1), title="Le mois de l'industrie")


@pytest.mark.parametrize("persona", PERSONAS)
def test_pages_by_persona(persona, personas, as_persona, site_a, theme):
    client = as_persona(persona)
    assert_status(client.get(reverse("events:site_themes", kwargs={"slug": site_a.slug})), READ[persona])
    create = client.get(reverse("events:theme_create", kwargs={"slug": site_a.slug}))
    assert_status(create, {**EDIT, "observer": 403}[persona])
    assert_status(client.get(reverse("events:theme_edit", kwargs={"pk": theme.pk})), EDIT[persona])
    assert_status(client.get(reverse("events:theme_delete", kwargs={"pk": theme.pk})), EDIT[persona])


def test_index_lists_the_sites_followed(personas, as_persona, site_a, site_b):
    page = text(as_persona("coordinator_a").get(reverse("events:theme_sites")))
    assert "Espace métiers de Reims" in page and "Espace métiers de Troyes" not in page


def test_coordinator_adds_edits_and_deletes_a_theme(personas, as_persona, site_a, theme):
    client = as_persona("coordinator_a")
    url = reverse("events:theme_create", kwargs={"slug": site_a.slug})
    response = client.post(url, {"month": "2026-07", "title": "Le mois de l'alternance"})
    assert response.status_code == 302
    added = MonthlyTheme.objects.get(month=datetime.date(2026, 7, 1))
    assert added.site == site_a
    # One theme per site and month.
    response = client.post(url, {"month": "2026-06", "title": "Doublon"})
    assert "Le site a déjà un thème pour 06/2026." in text(response)
    response = client.post(url, {"month": "juin", "title": "Mauvais mois"})
    assert "Indiquez un mois" in text(response)
    edit = reverse("events:theme_edit", kwargs={"pk": added.pk})
    assert client.post(edit, {"month": "2026-07", "title": "Le mois de l'apprentissage"}).status_code == 302
    added.refresh_from_db()
    assert added.title == "Le mois de l'apprentissage"
    page = client.get(reverse("events:site_themes", kwargs={"slug": site_a.slug}))
    assert "juillet 2026" in text(page)
    assert reverse("events:theme_delete", kwargs={"pk": added.pk}) in links(page)
    delete = reverse("events:theme_delete", kwargs={"pk": added.pk})
    assert "Supprimer le thème" in text(client.get(delete))
    assert MonthlyTheme.objects.filter(pk=added.pk).exists()
    assert client.post(delete).status_code == 302
    assert not MonthlyTheme.objects.filter(pk=added.pk).exists()


def test_strangers_cannot_change_a_theme(personas, as_persona, site_a, theme):
    for persona in ("coordinator_b", "observer", "partner"):
        client = as_persona(persona)
        client.post(reverse("events:theme_edit", kwargs={"pk": theme.pk}), {"month": "2026-06", "title": "X"})
        client.post(reverse("events:theme_delete", kwargs={"pk": theme.pk}))
        client.post(
            reverse("events:theme_create", kwargs={"slug": site_a.slug}), {"month": "2026-09", "title": "X"}
        )
    assert list(MonthlyTheme.objects.values_list("title", flat=True)) == ["Le mois de l'industrie"]
