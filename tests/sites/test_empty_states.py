"""The lists of the sites, labels and plans say why they are empty (the shared empty state): nothing
matches the filters (with a way back to the whole list), or nothing exists yet."""

import pytest
from django.urls import reverse

from tests.helpers import element_text, links

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("url_name", "filters", "filtered", "empty"),
    [
        (
            "labels:application_list",
            {"status": "retiree"},
            "Aucune candidature ne correspond à ces critères.",
            "Aucune candidature.",
        ),
        (
            "plans:list",
            {"year": "2031"},
            "Aucun plan d'actions ne correspond à ces critères.",
            "Aucun plan d'actions à afficher.",
        ),
    ],
)
def test_filtered_lists(client_for, regional_coordinator, url_name, filters, filtered, empty):
    client = client_for(regional_coordinator)
    url = reverse(url_name)
    assert element_text(client.get(url), "main .empty") == empty
    response = client.get(url, filters)
    assert element_text(response, "main .empty").startswith(filtered)
    assert url in links(response, "main .empty")


def test_visit_list(client_for, regional_coordinator, site_a):
    client = client_for(regional_coordinator)
    url = reverse("labels:visit_list")
    assert element_text(client.get(url, {"annee": "2026"}), "main .empty") == "Aucune visite cette année."
    response = client.get(url, {"annee": "2026", "site": site_a.slug})
    assert element_text(response, "main .empty").startswith("Aucune visite de ce site cette année.")
    assert url in links(response, "main .empty")


def test_directory(client_for, site_a):
    response = client_for(None).get(reverse("sites:directory"), {"q": "Nulle part"})
    assert element_text(response, "main .empty").startswith("Aucun site ne correspond à votre recherche.")
    assert reverse("sites:directory") in links(response, "main .empty")
