"""manage.py create_api_token: creates a scoped token and prints its key once."""

import pytest
from django.core.management import CommandError, call_command

from network.models import ApiToken
from tests.factories import OrganisationFactory, SiteFactory


def create_token(*args) -> tuple[str, str]:
    from io import StringIO

    out = StringIO()
    call_command("create_api_token", *args, stdout=out)
    output = out.getvalue()
    return output, output.strip().splitlines()[-1]


@pytest.mark.django_db
def test_creates_a_token_by_id_and_prints_the_key_once():
    organisation = OrganisationFactory(name="France Travail Grand Est")

    output, key = create_token(
        "--organisation",
        str(organisation.pk),
        "--name",
        "Entrepôt",
        "--scope",
        "sites:read",
        "--scope",
        "network:read",
    )

    token = ApiToken.objects.get()
    assert token.organisation == organisation
    assert token.name == "Entrepôt"
    assert token.scopes == ["network:read", "sites:read"]
    assert "France Travail Grand Est" in output
    # Only a hash is stored, and the printed key is the one that authenticates.
    assert key not in {token.key_hash, token.prefix} and token.prefix == key[:8]
    assert ApiToken.find(key) == token


@pytest.mark.django_db
def test_printed_key_opens_the_api(client):
    OrganisationFactory(name="Cap emploi Marne", acronym="CAP51")
    site = SiteFactory()
    _output, key = create_token(
        "--organisation", "cap emploi marne", "--name", "Annuaire", "--scope", "sites:read"
    )

    response = client.get("/api/v1/sites/", HTTP_AUTHORIZATION=f"Token {key}")

    assert response.status_code == 200
    assert [row["slug"] for row in response.json()["results"]] == [site.slug]


@pytest.mark.django_db
def test_finds_the_organisation_by_acronym():
    organisation = OrganisationFactory(name="Chambre de métiers et de l'artisanat", acronym="CMA")
    create_token("--organisation", "CMA", "--name", "Agenda", "--scope", "network:read")
    assert ApiToken.objects.get().organisation == organisation


@pytest.mark.django_db
def test_refuses_unknown_or_ambiguous_organisation():
    with pytest.raises(CommandError, match="Aucune organisation"):
        create_token("--organisation", "Inconnue", "--name", "x", "--scope", "sites:read")
    OrganisationFactory(name="Mission locale")
    OrganisationFactory(name="Mission locale")
    with pytest.raises(CommandError, match="Plusieurs organisations"):
        create_token("--organisation", "Mission locale", "--name", "x", "--scope", "sites:read")
    assert not ApiToken.objects.exists()


@pytest.mark.django_db
def test_refuses_unknown_or_missing_scope():
    organisation = OrganisationFactory()
    with pytest.raises(CommandError, match="invalid choice"):
        create_token("--organisation", str(organisation.pk), "--name", "x", "--scope", "everything")
    with pytest.raises(CommandError, match="--scope"):
        create_token("--organisation", str(organisation.pk), "--name", "x")
    assert not ApiToken.objects.exists()
