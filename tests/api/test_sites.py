"""/api/v1/sites/: who sees which site, in which shape, with how many queries."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from network.enums import ApiScope
from sites.enums import LabelStatus
from tests.api.utils import assert_error
from tests.factories import (
    ServiceLevelFactory,
    SiteFactory,
    SiteKindFactory,
    TerritoryFactory,
    ThemeFactory,
)

LIST_URL = "/api/v1/sites/"


def detail_url(slug: str) -> str:
    return f"/api/v1/sites/{slug}/"


def slugs(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["slug"] for row in response.json()["results"]}


@pytest.fixture
def hidden_site(db):
    """A site still in the label process: not in the public directory."""
    return SiteFactory(
        name="Espace métiers de Sedan", slug="sedan", label_status=LabelStatus.PROJECT, labelled_on=None
    )


@pytest.fixture
def suspended_site(db):
    """A suspended label stays in the public directory."""
    return SiteFactory(name="Espace métiers de Chaumont", slug="chaumont", label_status=LabelStatus.SUSPENDED)


# Authentication and scopes


@pytest.mark.django_db
def test_anonymous_gets_401_in_the_error_shape(anonymous_client, site_a):
    for url in (LIST_URL, detail_url(site_a.slug)):
        response = anonymous_client.get(url)
        error = assert_error(response, 401)
        assert error["code"] == "not_authenticated"
        # The client is told which scheme to use (Bearer; the older Token is still accepted).
        assert response["WWW-Authenticate"] == "Bearer"


@pytest.mark.django_db
def test_token_without_the_scope_gets_403(token_client, site_a):
    client = token_client(ApiScope.STATS_READ)
    error = assert_error(client.get(LIST_URL), 403)
    assert error["code"] == "permission_denied"
    assert "read:directory" in error["detail"]
    assert_error(client.get(detail_url(site_a.slug)), 403)


@pytest.mark.django_db
def test_revoked_token_gets_401(token_client, site_a):
    client = token_client(ApiScope.DIRECTORY_READ, revoked=True)
    error = assert_error(client.get(LIST_URL), 401)
    assert error["code"] == "authentication_failed"


@pytest.mark.django_db
def test_unknown_or_malformed_token_gets_401(anonymous_client, site_a):
    anonymous_client.credentials(HTTP_AUTHORIZATION="Token not-a-key")
    assert_error(anonymous_client.get(LIST_URL), 401)
    anonymous_client.credentials(HTTP_AUTHORIZATION="Token two parts")
    assert_error(anonymous_client.get(LIST_URL), 401)


@pytest.mark.django_db
def test_token_with_scope_sees_only_public_sites(token_client, site_a, site_b, hidden_site, suspended_site):
    client = token_client(ApiScope.DIRECTORY_READ)
    assert slugs(client.get(LIST_URL)) == {site_a.slug, site_b.slug, suspended_site.slug}
    assert client.get(detail_url(site_a.slug)).status_code == 200
    # A site outside the partner's view does not exist for them.
    error = assert_error(client.get(detail_url(hidden_site.slug)), 404)
    assert error["code"] == "not_found"
    # Use of the token is recorded, for the administrators' audit.
    client.token.refresh_from_db()
    assert client.token.last_used_at is not None


@pytest.mark.django_db
def test_token_with_several_scopes_reads_sites(token_client, site_a):
    client = token_client(ApiScope.DIRECTORY_READ, ApiScope.DIRECTORY_READ)
    assert slugs(client.get(LIST_URL)) == {site_a.slug}


# Sessions: what each persona sees


@pytest.mark.django_db
def test_regional_coordinator_session_sees_every_site(client_for, regional_coordinator, site_a, hidden_site):
    client = client_for(regional_coordinator)
    assert slugs(client.get(LIST_URL)) == {site_a.slug, hidden_site.slug}
    assert client.get(detail_url(hidden_site.slug)).status_code == 200


@pytest.mark.django_db
def test_observer_session_sees_every_site(client_for, observer, site_a, hidden_site):
    assert slugs(client_for(observer).get(LIST_URL)) == {site_a.slug, hidden_site.slug}


@pytest.mark.django_db
def test_partner_session_sees_public_sites_only(client_for, partner, site_a, hidden_site):
    client = client_for(partner)
    assert slugs(client.get(LIST_URL)) == {site_a.slug}
    assert_error(client.get(detail_url(hidden_site.slug)), 404)


@pytest.mark.django_db
def test_site_coordinators_see_public_sites_and_their_own(
    client_for, coordinator_a, coordinator_b, site_a, site_b
):
    site_a.label_status = LabelStatus.APPLICATION
    site_a.save()

    # Coordinator A still sees their own site, now out of the public directory.
    client_a = client_for(coordinator_a)
    assert slugs(client_a.get(LIST_URL)) == {site_a.slug, site_b.slug}
    assert client_a.get(detail_url(site_a.slug)).status_code == 200

    # Coordinator B, an outsider to site A, no longer sees it at all.
    client_b = client_for(coordinator_b)
    assert slugs(client_b.get(LIST_URL)) == {site_b.slug}
    error = assert_error(client_b.get(detail_url(site_a.slug)), 404)
    assert error["code"] == "not_found"


@pytest.mark.django_db
def test_read_only(client_for, regional_coordinator, token_client, site_a):
    # Even the regional coordination cannot write through this API.
    response = client_for(regional_coordinator).delete(detail_url(site_a.slug))
    assert response.status_code in {403, 405}  # 403 when the session's CSRF check refuses first.
    response = token_client(ApiScope.DIRECTORY_READ).post(LIST_URL, {"name": "Nouveau"}, format="json")
    assert_error(response, 405)


# Content


@pytest.mark.django_db
def test_detail_shows_public_information(token_client):
    main_site = SiteFactory(name="Cité des métiers de Reims", slug="cdm-reims")
    marne = TerritoryFactory(code="51", name="Marne")
    site = SiteFactory(
        name="Point relais d'Épernay",
        slug="epernay",
        kind=SiteKindFactory(code="point-relais", label="Point relais"),
        parent=main_site,
        departement=marne,
        address="2 rue de la Gare",
        commune="Épernay",
        postcode="51200",
        latitude=Decimal("49.043900"),
        longitude=Decimal("3.956100"),
        phone="03 26 00 00 00",
        email="accueil@em-epernay.example",
        labelled_on=datetime.date(2024, 1, 15),
        label_renewal_due_on=datetime.date(2027, 1, 15),
    )
    site.themes.set([ThemeFactory(code="metiers", label="Métiers", order=1)])
    site.service_levels.set([ServiceLevelFactory(code="accueil", label="Accueil et information", order=1)])

    response = token_client(ApiScope.DIRECTORY_READ).get(detail_url("epernay"))

    assert response.status_code == 200
    data = response.json()
    assert data["slug"] == "epernay"
    assert data["name"] == "Point relais d'Épernay"
    assert data["kind"] == {"code": "point-relais", "label": "Point relais"}
    assert data["host"] == {"id": site.host_id, "name": site.host.name}
    assert data["parent"] == "cdm-reims"
    assert data["departement"] == "51"
    assert (data["address"], data["postcode"], data["commune"]) == ("2 rue de la Gare", "51200", "Épernay")
    assert data["latitude"] == pytest.approx(49.0439)
    assert data["longitude"] == pytest.approx(3.9561)
    assert data["opening_hours"] == site.opening_hours
    assert (data["phone"], data["email"]) == ("03 26 00 00 00", "accueil@em-epernay.example")
    assert data["themes"] == [{"code": "metiers", "label": "Métiers"}]
    assert data["service_levels"] == [{"code": "accueil", "label": "Accueil et information"}]
    assert data["label_status"] == "labellise"
    assert data["label_status_label"] == "Labellisé"
    assert data["labelled_on"] == "2024-01-15"
    assert data["label_renewal_due_on"] == "2027-01-15"
    # Nothing internal leaks: no ids of people, no history.
    assert "coordinators" not in data and "id" not in data


# Filters and pagination


@pytest.mark.django_db
def test_filters(token_client, client_for, regional_coordinator):
    aube = TerritoryFactory(code="10", name="Aube")
    marne = TerritoryFactory(code="51", name="Marne")
    cdm = SiteKindFactory(code="cite-des-metiers", label="Cité des métiers")
    troyes = SiteFactory(name="Espace métiers de Troyes", slug="troyes", departement=aube, commune="Troyes")
    reims = SiteFactory(name="Cité des métiers de Reims", slug="reims", departement=marne, kind=cdm)
    epernay = SiteFactory(
        name="Espace métiers d'Épernay",
        slug="epernay",
        departement=marne,
        commune="Épernay",
        label_status=LabelStatus.SUSPENDED,
    )
    client = token_client(ApiScope.DIRECTORY_READ)

    assert slugs(client.get(LIST_URL, {"departement": "51"})) == {reims.slug, epernay.slug}
    assert slugs(client.get(LIST_URL, {"kind": "cite-des-metiers"})) == {reims.slug}
    assert slugs(client.get(LIST_URL, {"label_status": "suspendu"})) == {epernay.slug}
    assert slugs(client.get(LIST_URL, {"q": "troyes"})) == {troyes.slug}
    assert slugs(client.get(LIST_URL, {"q": reims.host.name})) == {reims.slug}
    assert slugs(client.get(LIST_URL, {"departement": "51", "kind": "espace-metiers"})) == {epernay.slug}
    # Filters never widen what a client may see.
    SiteFactory(slug="vitry", departement=marne, label_status=LabelStatus.PROJECT)
    assert slugs(client.get(LIST_URL, {"label_status": "projet"})) == set()
    assert slugs(client_for(regional_coordinator).get(LIST_URL, {"label_status": "projet"})) == {"vitry"}
    # An unknown status is a 400 in the one error shape, naming the field.
    error = assert_error(client.get(LIST_URL, {"label_status": "inconnu"}), 400)
    assert "label_status" in error["fields"]


@pytest.mark.django_db
def test_pagination(token_client):
    SiteFactory.create_batch(5)
    client = token_client(ApiScope.DIRECTORY_READ)
    data = client.get(LIST_URL, {"page_size": 2}).json()
    assert data["count"] == 5
    assert len(data["results"]) == 2
    assert data["next"] and data["previous"] is None
    assert len(client.get(LIST_URL, {"page_size": 2, "page": 3}).json()["results"]) == 1
    assert_error(client.get(LIST_URL, {"page": 99}), 404)


@pytest.mark.django_db
def test_list_query_count_does_not_grow_with_sites(token_client, django_assert_num_queries):
    themes = ThemeFactory.create_batch(3)
    levels = ServiceLevelFactory.create_batch(2)
    client = token_client(ApiScope.DIRECTORY_READ)
    # Seen a minute ago: the authentication does not write last_used_at again.
    client.token.last_used_at = timezone.now()
    client.token.save(update_fields=["last_used_at"])
    # Once: the token is then read from the cache.
    assert client.get(LIST_URL).status_code == 200

    def list_in_four_queries() -> int:
        # The token (with its organisation) comes from the cache, read once by an earlier call; a
        # token's visibility rule needs no query;
        # 1. COUNT(*) of the visible sites, for the pagination;
        # 2. the page of sites, joined to kind, host, département and parent site;
        # 3. the themes of the sites of the page (one prefetch query);
        # 4. their service levels (one prefetch query).
        with django_assert_num_queries(4):
            response = client.get(LIST_URL)
        assert response.status_code == 200
        return response.json()["count"]

    def add_sites(number: int):
        for _ in range(number):
            site = SiteFactory(parent=SiteFactory())
            site.themes.set(themes)
            site.service_levels.set(levels)

    add_sites(3)
    assert list_in_four_queries() == 6  # 3 sites and their 3 parent sites.
    add_sites(10)
    assert list_in_four_queries() == 26


@pytest.mark.django_db
def test_list_query_count_for_a_session(client_for, regional_coordinator, django_assert_num_queries):
    SiteFactory.create_batch(4)
    client = client_for(regional_coordinator)
    # 1. the session; 2. the user; 3.-4. their role and site assignments in force (roles, once);
    # 5. COUNT(*); 6. the page of sites with their foreign keys; 7. themes; 8. service levels.
    with django_assert_num_queries(8):
        response = client.get(LIST_URL)
    assert response.json()["count"] == 4
