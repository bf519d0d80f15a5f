"""API clients: partner tokens with chosen scopes, on top of the personas of tests/conftest.py."""

import pytest
from rest_framework.test import APIClient

from network.services import api_token_create, api_token_revoke
from tests.factories import OrganisationFactory


@pytest.fixture
def partner_organisation(db):
    # A regional partner: no département, so it adds no territory to the lists under test.
    return OrganisationFactory(name="AGEFIPH Grand Est", acronym="AGEFIPH", departement=None)


@pytest.fixture
def token_client(partner_organisation):
    """An API client authenticated by a fresh token of the partner organisation with the given scopes."""

    def make(*scopes: str, revoked: bool = False) -> APIClient:
        token, key = api_token_create(
            organisation=partner_organisation, name="Entrepôt de données", scopes=list(scopes)
        )
        if revoked:
            api_token_revoke(token=token)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        client.token = token
        return client

    return make


@pytest.fixture
def anonymous_client():
    return APIClient()
