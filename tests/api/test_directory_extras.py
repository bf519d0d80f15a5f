"""The directory in GeoJSON, tokens bound to sites, and the cached answers following every change."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from network.enums import ApiScope
from network.services import api_token_create
from sites.enums import LabelStatus
from tests.factories import OrganisationFactory, SiteFactory, ThemeFactory

pytestmark = pytest.mark.django_db
GEOJSON = "/api/v1/sites.geojson"
SITES = "/api/v1/sites/"


def client_for_token(**binding) -> APIClient:
    _token, key = api_token_create(
        organisation=OrganisationFactory(), name="Carte", scopes=[ApiScope.DIRECTORY_READ], **binding
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def slugs(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["slug"] for row in response.json()["results"]]


@pytest.fixture
def sites():
    reims = SiteFactory(
        slug="reims", name="Reims", latitude=Decimal("49.258329"), longitude=Decimal("4.031696")
    )
    troyes = SiteFactory(
        slug="troyes", name="Troyes", latitude=Decimal("48.297345"), longitude=Decimal("4.074401")
    )
    SiteFactory(slug="sedan", name="Sedan")  # Not located: not on the map.
    SiteFactory(slug="projet", name="Projet", label_status=LabelStatus.PROJECT, latitude=1, longitude=1)
    return reims, troyes


def test_geojson_has_one_point_per_located_public_site(sites):
    response = client_for_token().get(GEOJSON)

    assert response.status_code == 200
    collection = response.json()
    assert collection["type"] == "FeatureCollection"
    features = {feature["id"]: feature for feature in collection["features"]}
    assert set(features) == {"reims", "troyes"}
    assert features["reims"]["geometry"] == {"type": "Point", "coordinates": [4.031696, 49.258329]}
    assert features["reims"]["properties"]["url"].endswith("/sites/reims/")


def test_geojson_takes_the_list_s_filters(sites):
    client = client_for_token()
    assert [f["id"] for f in client.get(GEOJSON, {"q": "troy"}).json()["features"]] == ["troyes"]
    assert client.get(GEOJSON, {"label_status": "nope"}).status_code == 400


def test_a_token_bound_to_a_site_reads_it_alone(sites):
    reims, _troyes = sites
    client = client_for_token(sites=[reims])
    assert slugs(client.get(SITES)) == ["reims"]
    assert [f["id"] for f in client.get(GEOJSON).json()["features"]] == ["reims"]
    assert client.get(f"{SITES}troyes/").status_code == 404


def test_cached_answers_follow_every_change(sites):
    reims, troyes = sites
    client = client_for_token()
    first = client.get(SITES).json()["results"]
    assert {row["slug"]: row["name"] for row in first}["reims"] == "Reims"

    reims.name = "Cité des métiers de Reims"
    reims.save()
    assert {row["slug"]: row["name"] for row in client.get(SITES).json()["results"]}["reims"] == reims.name

    theme = ThemeFactory(code="numerique", label="Numérique")
    troyes.themes.add(theme)
    row = next(r for r in client.get(SITES).json()["results"] if r["slug"] == "troyes")
    assert row["themes"] == [{"code": "numerique", "label": "Numérique"}]

    troyes.label_status = LabelStatus.WITHDRAWN
    troyes.save()
    assert "troyes" not in slugs(client.get(SITES))


def test_answers_are_kept_per_principal(sites, client_for, regional_coordinator):
    # The coordination sees every site, a partner token the public ones: never each other's answer.
    token = client_for_token()
    assert "projet" not in slugs(token.get(SITES))
    assert "projet" in slugs(client_for(regional_coordinator).get(SITES))
    assert "projet" not in slugs(token.get(SITES))
