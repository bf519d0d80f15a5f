"""/api/v1/territories/ and /api/v1/organisations/ (scope read:directory)."""

import datetime

import pytest
from django.utils import timezone

from network.enums import ApiScope
from tests.api.utils import assert_error
from tests.factories import (
    OrganisationFactory,
    OrganisationKindFactory,
    TerritoryFactory,
    TerritoryKindFactory,
)

TERRITORIES = "/api/v1/territories/"
ORGANISATIONS = "/api/v1/organisations/"


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


@pytest.fixture
def grand_est(db):
    region = TerritoryFactory(kind=TerritoryKindFactory(code="region", label="Région", order=1), code="44")
    marne = TerritoryFactory(code="51", name="Marne", parent=region)
    aube = TerritoryFactory(code="10", name="Aube", parent=region)
    return region, marne, aube


# Access


@pytest.mark.django_db
@pytest.mark.parametrize("url", [TERRITORIES, ORGANISATIONS])
def test_anonymous_gets_401(anonymous_client, url):
    assert_error(anonymous_client.get(url), 401)


@pytest.mark.django_db
@pytest.mark.parametrize("url", [TERRITORIES, ORGANISATIONS])
def test_token_without_the_directory_scope_gets_403(token_client, url):
    error = assert_error(token_client(ApiScope.STATS_READ).get(url), 403)
    assert "read:directory" in error["detail"]


@pytest.mark.django_db
@pytest.mark.parametrize("url", [TERRITORIES, ORGANISATIONS])
def test_revoked_token_gets_401(token_client, url):
    assert_error(token_client(ApiScope.DIRECTORY_READ, revoked=True).get(url), 401)


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["regional_coordinator", "coordinator_a", "partner", "observer"])
def test_any_logged_in_person_reads_the_network(client_for, request, persona, grand_est):
    client = client_for(request.getfixturevalue(persona))
    assert client.get(TERRITORIES).status_code == 200
    assert client.get(ORGANISATIONS).status_code == 200


@pytest.mark.django_db
def test_unknown_organisation_is_404_in_the_error_shape(token_client):
    error = assert_error(token_client(ApiScope.DIRECTORY_READ).get(f"{ORGANISATIONS}999999/"), 404)
    assert error["code"] == "not_found"


# Territories


@pytest.mark.django_db
def test_territories_list_and_filters(token_client, grand_est, django_assert_num_queries):
    region, marne, aube = grand_est
    client = token_client(ApiScope.DIRECTORY_READ)

    response = client.get(f"{TERRITORIES}{marne.pk}/")
    assert response.json() == {
        "id": marne.pk,
        "kind": "departement",
        "code": "51",
        "name": "Marne",
        "parent": region.pk,
    }
    assert ids(client.get(TERRITORIES, {"kind": "departement"})) == {marne.pk, aube.pk}
    assert ids(client.get(TERRITORIES, {"kind": "region"})) == {region.pk}
    assert ids(client.get(TERRITORIES, {"parent": region.pk})) == {marne.pk, aube.pk}
    # The token comes from the cache (read once by the calls above); 1. COUNT(*); 2. the page of
    # territories joined to their kind (parent is an id).
    with django_assert_num_queries(2):
        assert ids(client.get(TERRITORIES)) == {region.pk, marne.pk, aube.pk}


# Organisations


@pytest.mark.django_db
def test_organisation_shows_no_personal_data(token_client, grand_est):
    _region, marne, _aube = grand_est
    organisation = OrganisationFactory(
        name="Mission locale de Reims",
        acronym="MLR",
        departement=marne,
        address="1 place d'Erlon",
        postcode="51100",
        website="https://ml-reims.example",
        phone="03 26 11 22 33",
        email="direction@ml-reims.example",
        contact_name="Dominique Lefèvre",
        notes="Directeur joignable le matin.",
        is_spro_member=True,
        spro_recognised_on=datetime.date(2015, 1, 1),
    )

    data = token_client(ApiScope.DIRECTORY_READ).get(f"{ORGANISATIONS}{organisation.pk}/").json()

    assert data == {
        "id": organisation.pk,
        "name": "Mission locale de Reims",
        "acronym": "MLR",
        "kind": {"code": "maison-emploi", "label": "Maison de l'emploi"},
        "is_spro_member": True,
        "spro_recognised_on": "2015-01-01",
        "spro_recognition_ends_on": None,
        "address": "1 place d'Erlon",
        "postcode": "51100",
        "commune": "Reims",
        "departement": "51",
        "website": "https://ml-reims.example",
    }


@pytest.mark.django_db
def test_organisation_filters(token_client, grand_est, django_assert_num_queries):
    _region, marne, aube = grand_est
    today = timezone.localdate()
    mission_locale = OrganisationKindFactory(code="mission-locale", label="Mission locale")
    member = OrganisationFactory(name="Mission locale de Reims", kind=mission_locale, departement=marne)
    member.is_spro_member, member.spro_recognised_on = True, today - datetime.timedelta(days=10)
    member.save()
    former = OrganisationFactory(
        name="CIO de Troyes",
        departement=aube,
        commune="Troyes",
        is_spro_member=True,
        spro_recognised_on=today - datetime.timedelta(days=900),
        spro_recognition_ends_on=today - datetime.timedelta(days=1),
    )
    other = OrganisationFactory(name="Chambre de métiers de l'Aube", acronym="CMA10", departement=aube)
    no_departement = OrganisationFactory(name="Fongecif", departement=None, commune="Paris")
    client = token_client(ApiScope.DIRECTORY_READ)
    partner_id = client.token.organisation_id
    everyone = {member.pk, former.pk, other.pk, no_departement.pk, partner_id}

    assert ids(client.get(ORGANISATIONS)) == everyone
    assert ids(client.get(ORGANISATIONS, {"kind": "mission-locale"})) == {member.pk}
    assert ids(client.get(ORGANISATIONS, {"departement": "10"})) == {former.pk, other.pk}
    # Membership is the one rule of Organisation.objects.spro_members(): flag and dates, today.
    assert ids(client.get(ORGANISATIONS, {"is_spro_member": "true"})) == {member.pk}
    assert ids(client.get(ORGANISATIONS, {"is_spro_member": "false"})) == everyone - {member.pk}
    assert ids(client.get(ORGANISATIONS, {"q": "cma10"})) == {other.pk}
    assert ids(client.get(ORGANISATIONS, {"q": "troyes"})) == {former.pk}
    assert client.get(f"{ORGANISATIONS}{no_departement.pk}/").json()["departement"] is None
    # 1. the token; 2. COUNT(*); 3. the page joined to kind and département.
    # The token comes from the cache.
    with django_assert_num_queries(2):
        client.get(ORGANISATIONS)
