"""manage.py create_api_token: creates a scoped token and prints only its key."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from network.models import ApiToken
from tests.factories import OrganisationFactory, SiteFactory


def create_token(*args) -> tuple[str, str]:
    """(what went to standard output, what went to standard error)."""
    out, err = StringIO(), StringIO()
    call_command("create_api_token", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_prints_only_the_key_and_stores_its_hash():
    organisation = OrganisationFactory(name="France Travail Grand Est")

    output, message = create_token(
        "--organisation",
        str(organisation.pk),
        "--name",
        "Entrepôt",
        "--scopes",
        "read:directory",
        "read:stats",
    )

    key = output.strip()
    assert output == f"{key}\n" and " " not in key
    token = ApiToken.objects.get()
    assert token.organisation == organisation
    assert token.name == "Entrepôt"
    assert token.scopes == ["read:directory", "read:stats"]
    assert "France Travail Grand Est" in message
    assert key not in {token.key_hash, token.prefix} and token.prefix == key[:8]
    assert ApiToken.find(key) == token


@pytest.mark.django_db
def test_printed_key_opens_the_api(client):
    OrganisationFactory(name="Cap emploi Marne", acronym="CAP51")
    site = SiteFactory()
    key, _ = create_token("--organisation", "cap emploi marne", "--scopes", "read:directory")

    response = client.get("/api/v1/sites/", HTTP_AUTHORIZATION=f"Bearer {key.strip()}")

    assert response.status_code == 200
    assert [row["slug"] for row in response.json()["results"]] == [site.slug]


@pytest.mark.django_db
def test_binds_the_token_to_a_site():
    organisation = OrganisationFactory(acronym="LOG")
    site = SiteFactory(slug="reims")
    create_token("--organisation", "LOG", "--scopes", "write:visits", "--site", "reims")
    token = ApiToken.objects.get()
    assert list(token.sites.all()) == [site] and token.is_bound
    assert token.organisation == organisation
    with pytest.raises(CommandError, match="Site inconnu"):
        create_token("--organisation", "LOG", "--scopes", "write:visits", "--site", "nulle-part")


@pytest.mark.django_db
def test_finds_the_organisation_by_acronym():
    organisation = OrganisationFactory(name="Chambre de métiers et de l'artisanat", acronym="CMA")
    create_token("--organisation", "CMA", "--name", "Agenda", "--scope", "read:events")
    assert ApiToken.objects.get().organisation == organisation


@pytest.mark.django_db
def test_refuses_unknown_or_ambiguous_organisation():
    with pytest.raises(CommandError, match="Aucune organisation"):
        create_token("--organisation", "Inconnue", "--scopes", "read:directory")
    OrganisationFactory(name="Mission locale")
    OrganisationFactory(name="Mission locale")
    with pytest.raises(CommandError, match="Plusieurs organisations"):
        create_token("--organisation", "Mission locale", "--scopes", "read:directory")
    assert not ApiToken.objects.exists()


@pytest.mark.django_db
def test_refuses_unknown_or_missing_scope_and_bad_dates():
    organisation = OrganisationFactory()
    with pytest.raises(CommandError, match="invalid choice"):
        create_token("--organisation", str(organisation.pk), "--scopes", "everything")
    with pytest.raises(CommandError, match="--scopes"):
        create_token("--organisation", str(organisation.pk))
    with pytest.raises(CommandError, match="expiration"):
        create_token("--organisation", str(organisation.pk), "--scopes", "read:stats", "--expires", "demain")
    assert not ApiToken.objects.exists()
