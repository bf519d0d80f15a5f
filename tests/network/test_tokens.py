"""Partner API tokens in the interface: created, listed and revoked by the coordination, the key
shown once, bindings and expiry, every call logged, the rate limit per token."""

import datetime
import re

import pytest
import time_machine
from django.urls import reverse
from rest_framework.test import APIClient

from network import calllog
from network.enums import ApiScope
from network.models import ApiCall, ApiToken
from network.services import api_token_create
from tests.factories import OrganisationFactory, TerritoryFactory
from tests.helpers import PERSONAS, assert_status, element_text, texts

pytestmark = pytest.mark.django_db
FROZEN = datetime.datetime(2026, 6, 15, 10, 0, tzinfo=datetime.UTC)
TERRITORIES = "/api/v1/territories/"


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(FROZEN, tick=False):
        yield


@pytest.fixture
def organisation():
    return OrganisationFactory(name="France Travail Grand Est", acronym="FT")


@pytest.fixture
def token(organisation):
    token, _key = api_token_create(
        organisation=organisation, name="Entrepôt", scopes=[ApiScope.DIRECTORY_READ]
    )
    return token


def _api(key: str, keyword: str = "Bearer") -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"{keyword} {key}")
    return client


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(
    ("name", "needs_token"),
    [("token_list", False), ("token_create", False), ("token_detail", True), ("token_revoke", True)],
)
def test_only_the_coordination_reaches_the_token_pages(as_persona, persona, name, needs_token, token):
    url = reverse(f"network:{name}", kwargs={"pk": token.pk} if needs_token else {})
    expected = {"anonymous": "login", "regional_coordinator": 200}.get(persona, 403)
    assert_status(as_persona(persona).get(url), expected)


def test_the_menu_offers_the_tokens_to_the_coordination_only(as_persona):
    url = reverse("network:token_list")
    assert url in {a["href"] for a in _menu_links(as_persona("regional_coordinator"))}
    assert url not in {a["href"] for a in _menu_links(as_persona("coordinator_a"))}


def _menu_links(client):
    from tests.helpers import soup

    return soup(client.get(reverse("home"))).select("nav.main-nav a[href]")


def test_creating_a_token_shows_the_key_once_and_stores_its_hash(as_persona, organisation, site_a):
    client = as_persona("regional_coordinator")
    territory = TerritoryFactory(name="Marne", code="51")
    response = client.post(
        reverse("network:token_create"),
        {
            "organisation": organisation.pk,
            "name": "Logiciel d'accueil",
            "scopes": [ApiScope.VISITS_WRITE, ApiScope.STATS_READ],
            "sites": [site_a.pk],
            "territories": [territory.pk],
            "expires_on": "2026-12-31",
        },
    )

    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0") or "no-store" in response["Cache-Control"]
    key = element_text(response, "code.token-key")
    token = ApiToken.objects.get()
    assert ApiToken.find(key) == token
    assert key not in token.key_hash
    assert list(token.sites.all()) == [site_a]
    assert list(token.territories.all()) == [territory]
    assert token.expires_on == datetime.date(2026, 12, 31)
    detail = client.get(reverse("network:token_detail", kwargs={"pk": token.pk})).content.decode()
    assert key not in detail and token.prefix in detail
    listing = client.get(reverse("network:token_list")).content.decode()
    assert key not in listing


def test_a_token_that_writes_visits_must_be_bound_to_a_site(as_persona, organisation):
    response = as_persona("regional_coordinator").post(
        reverse("network:token_create"),
        {"organisation": organisation.pk, "name": "Accueil", "scopes": [ApiScope.VISITS_WRITE]},
    )

    assert response.status_code == 400
    assert "doit être lié à un site" in element_text(response, "form")
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("expires_on", ["2026-06-15", "2020-01-01"])
def test_an_expiry_date_must_be_in_the_future(as_persona, organisation, expires_on):
    response = as_persona("regional_coordinator").post(
        reverse("network:token_create"),
        {
            "organisation": organisation.pk,
            "name": "X",
            "scopes": [ApiScope.DIRECTORY_READ],
            "expires_on": expires_on,
        },
    )

    assert response.status_code == 400
    assert "postérieure à aujourd'hui" in element_text(response, "form")
    assert response.context["form"]["name"].value() == "X"


def test_an_expired_token_is_refused(organisation):
    token, key = api_token_create(
        organisation=organisation,
        name="X",
        scopes=[ApiScope.DIRECTORY_READ],
        expires_on=datetime.date(2026, 6, 30),
    )
    assert _api(key).get(TERRITORIES).status_code == 200
    with time_machine.travel(datetime.datetime(2026, 7, 1, 8, 0, tzinfo=datetime.UTC), tick=False):
        response = _api(key).get(TERRITORIES)
    assert response.status_code == 401
    assert "expiré" in response.json()["error"]["detail"]


def test_revoking_asks_for_confirmation_then_refuses_the_key(as_persona, organisation):
    token, key = api_token_create(
        organisation=organisation, name="Entrepôt", scopes=[ApiScope.DIRECTORY_READ]
    )
    client = as_persona("regional_coordinator")
    url = reverse("network:token_revoke", kwargs={"pk": token.pk})

    confirm = client.get(url)
    assert "Révoquer le jeton" in element_text(confirm, "main form")
    token.refresh_from_db()
    assert token.revoked_at is None

    response = client.post(url)
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert _api(key).get(TERRITORIES).status_code == 401


def test_both_keywords_authenticate(organisation):
    _token, key = api_token_create(organisation=organisation, name="X", scopes=[ApiScope.DIRECTORY_READ])
    assert _api(key, "Bearer").get(TERRITORIES).status_code == 200
    assert _api(key, "Token").get(TERRITORIES).status_code == 200
    assert _api(key, "Basic").get(TERRITORIES).status_code == 401


def test_every_call_is_logged_without_its_query_string(as_persona, organisation):
    token, key = api_token_create(organisation=organisation, name="X", scopes=[ApiScope.DIRECTORY_READ])
    _api(key).get(TERRITORIES, {"kind": "departement"})
    _api(key).get("/api/v1/organisations/999999/")

    response = as_persona("regional_coordinator").get(
        reverse("network:token_detail", kwargs={"pk": token.pk})
    )

    rows = texts(response, "main table tbody tr")
    assert len(rows) == 2
    assert any(TERRITORIES in row and "200" in row for row in rows)
    assert any("/api/v1/organisations/999999/" in row and "404" in row for row in rows)
    assert not ApiCall.objects.filter(path__contains="departement").exists()


def test_calls_with_a_session_are_not_logged(client_for, regional_coordinator):
    client_for(regional_coordinator).get(TERRITORIES)
    calllog.flush()
    assert not ApiCall.objects.exists()


def test_the_rate_limit_is_per_token_and_announced(settings, organisation):
    settings.SPRO_API_RATE_LIMIT = 2
    _token, key = api_token_create(organisation=organisation, name="X", scopes=[ApiScope.DIRECTORY_READ])
    _other, other_key = api_token_create(
        organisation=organisation, name="Y", scopes=[ApiScope.DIRECTORY_READ]
    )
    client = _api(key)

    first = client.get(TERRITORIES)
    assert first.status_code == 200
    assert first["RateLimit-Policy"] == '"jeton";q=2;w=60'
    assert re.fullmatch(r'"jeton";r=1;t=\d+', first["RateLimit"])
    assert client.get(TERRITORIES).status_code == 200
    refused = client.get(TERRITORIES)

    assert refused.status_code == 429
    assert int(refused["Retry-After"]) >= 1
    assert refused.json()["error"]["code"] == "throttled"
    assert _api(other_key).get(TERRITORIES).status_code == 200


def test_the_token_list_filters_by_state_and_text(as_persona, organisation):
    api_token_create(organisation=organisation, name="Entrepôt", scopes=[ApiScope.DIRECTORY_READ])
    revoked, _ = api_token_create(organisation=organisation, name="Ancien", scopes=[ApiScope.DIRECTORY_READ])
    revoked.revoked_at = FROZEN
    revoked.save()
    client = as_persona("regional_coordinator")

    active = texts(client.get(reverse("network:token_list"), {"etat": "actifs"}), "main tbody th")
    inactive = texts(client.get(reverse("network:token_list"), {"etat": "inactifs"}), "main tbody th")
    searched = texts(client.get(reverse("network:token_list"), {"q": "entre"}), "main tbody th")

    assert [row.split()[0] for row in active] == ["Entrepôt"]
    assert [row.split()[0] for row in inactive] == ["Ancien"]
    assert [row.split()[0] for row in searched] == ["Entrepôt"]
    empty = client.get(reverse("network:token_list"), {"q": "zzz"})
    assert "Aucun jeton ne correspond" in element_text(empty, "main .empty")
