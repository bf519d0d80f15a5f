"""/api/v1/events/ and /api/v1/events/programmes/: public reads, and more with read:events."""

import pytest
from rest_framework.test import APIClient

from events.enums import EventStatus
from network.enums import ApiScope
from network.services import api_token_create
from tests.api.utils import assert_error
from tests.events.conftest import FROZEN
from tests.events.factories import EventFactory, TerritorialProgrammeFactory
from tests.factories import OrganisationFactory

pytestmark = [pytest.mark.django_db, FROZEN]
EVENTS = "/api/v1/events/"
PROGRAMMES = "/api/v1/events/programmes/"


def token(organisation, *scopes, **binding) -> APIClient:
    _token, key = api_token_create(organisation=organisation, name="Agenda", scopes=list(scopes), **binding)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def titles(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["title"] for row in response.json()["results"]}


@pytest.fixture
def agenda(site_a, site_b, kind):
    partner = OrganisationFactory(name="Mission locale de Reims")
    published = EventFactory(title="Forum public", sites=[site_a], kind=kind, registered=40, present=35)
    co_organised = EventFactory(title="Atelier interne", sites=[site_a], kind=kind, published=False)
    co_organised.partners.set([partner])
    EventFactory(title="Atelier de Troyes", sites=[site_b], kind=kind, published=False)
    EventFactory(title="Salon annulé", sites=[site_b], kind=kind, status=EventStatus.CANCELLED)
    return {"partner": partner, "published": published}


def test_anyone_reads_the_published_events_without_their_attendance(agenda):
    response = APIClient().get(EVENTS)
    assert titles(response) == {"Forum public", "Salon annulé"}
    row = next(r for r in response.json()["results"] if r["title"] == "Forum public")
    assert row["attendance"] is None
    assert row["sites"] == ["reims"] and row["dates"][0]["start"].startswith("2026-06-20T")


def test_read_events_adds_the_co_organised_events_and_their_attendance(agenda):
    client = token(agenda["partner"], ApiScope.EVENTS_READ)
    response = client.get(EVENTS)
    assert titles(response) == {"Forum public", "Atelier interne", "Salon annulé"}
    row = next(r for r in response.json()["results"] if r["title"] == "Forum public")
    assert row["attendance"]["present"] == 35


def test_a_token_without_the_scope_reads_like_anyone(agenda):
    client = token(agenda["partner"], ApiScope.STATS_READ)
    assert titles(client.get(EVENTS)) == {"Forum public", "Salon annulé"}


def test_a_bound_token_reads_its_sites_events_only(agenda, site_a):
    client = token(agenda["partner"], ApiScope.EVENTS_READ, sites=[site_a])
    assert titles(client.get(EVENTS)) == {"Forum public", "Atelier interne"}


def test_site_coordinators_read_their_unpublished_events_not_others(agenda, client_for, coordinator_a):
    assert titles(client_for(coordinator_a).get(EVENTS)) == {
        "Forum public",
        "Atelier interne",
        "Salon annulé",
    }


def test_an_unpublished_event_is_a_404_for_the_public(agenda, site_b, kind):
    hidden = EventFactory(title="Caché", sites=[site_b], kind=kind, published=False)
    assert_error(APIClient().get(f"{EVENTS}{hidden.pk}/"), 404)


def test_filters(agenda, site_a):
    client = APIClient()
    assert titles(client.get(EVENTS, {"site": "reims"})) == {"Forum public"}
    assert titles(client.get(EVENTS, {"status": EventStatus.CANCELLED})) == {"Salon annulé"}
    assert titles(client.get(EVENTS, {"start": "2026-06-21"})) == set()
    assert_error(client.get(EVENTS, {"start": "demain"}), 400)
    assert_error(client.get(EVENTS, {"site": "pas un slug !"}), 400)


def test_programmes_list_their_visible_events_and_indicators(agenda, site_a):
    programme = TerritorialProgrammeFactory(territory=site_a.departement, year=2026)
    agenda["published"].programme = programme
    agenda["published"].save()
    rows = APIClient().get(PROGRAMMES).json()["results"]
    assert [row["events"] for row in rows] == [[agenda["published"].pk]]
    assert rows[0]["indicators"]["planned"] == 1
