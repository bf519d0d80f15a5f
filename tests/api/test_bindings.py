"""Tokens bound to sites or territories read only what lies there."""

import pytest
from rest_framework.test import APIClient

from network.enums import ApiScope
from network.services import api_token_create
from tests.factories import (
    OrganisationFactory,
    SiteFactory,
    TerritoryFactory,
    TerritoryKindFactory,
)

pytestmark = pytest.mark.django_db
TERRITORIES = "/api/v1/territories/"
ORGANISATIONS = "/api/v1/organisations/"


@pytest.fixture
def grand_est():
    region = TerritoryFactory(kind=TerritoryKindFactory(code="region", label="Région", order=1), code="44")
    marne = TerritoryFactory(code="51", name="Marne", parent=region)
    aube = TerritoryFactory(code="10", name="Aube", parent=region)
    agency = TerritoryFactory(
        kind=TerritoryKindFactory(code="agence", label="Agence", order=3), code="A-REIMS", parent=marne
    )
    return region, marne, aube, agency


def client_with(**binding) -> APIClient:
    _token, key = api_token_create(
        organisation=OrganisationFactory(name="Région Grand Est", departement=None),
        name="Entrepôt",
        scopes=[ApiScope.DIRECTORY_READ],
        **binding,
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def names(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["name"] for row in response.json()["results"]}


def test_a_token_bound_to_a_territory_reads_it_and_what_lies_under_it(grand_est):
    region, marne, aube, agency = grand_est
    client = client_with(territories=[marne])
    assert names(client.get(TERRITORIES)) == {marne.name, agency.name}


def test_a_token_bound_to_a_site_reads_its_departement_and_its_host(grand_est):
    _region, marne, aube, _agency = grand_est
    host = OrganisationFactory(name="CIO de Troyes", departement=aube)
    OrganisationFactory(name="Mission locale de Reims", departement=marne)
    site = SiteFactory(name="Espace métiers de Troyes", departement=aube, host=host)
    client = client_with(sites=[site])

    assert names(client.get(TERRITORIES)) == {aube.name}
    assert names(client.get(ORGANISATIONS)) == {"CIO de Troyes"}


def test_an_unbound_token_reads_the_whole_directory(grand_est):
    assert len(names(client_with().get(TERRITORIES))) == 4
