"""Territorial programmes: read by the network's members, kept by the coordination; their events and
indicators (taux de réalisation, taux de fréquentation, partners involved), per programme and site."""

import datetime

import pytest
from django.urls import reverse

from events import selectors
from events.enums import EventStatus
from events.models import TerritorialProgramme
from network.enums import BodyScope
from network.models.governance import Body, BodyKind, Meeting
from tests.events.conftest import FROZEN, NOW
from tests.events.factories import EventFactory, TerritorialProgrammeFactory
from tests.factories import OrganisationFactory, TerritoryFactory, TerritoryKindFactory
from tests.helpers import PERSONAS, assert_status, links, text

pytestmark = [pytest.mark.django_db, FROZEN]

READ = {
    "anonymous": "login",
    "regional_coordinator": 200,
    "coordinator_a": 200,
    "coordinator_b": 200,
    "partner": 200,
    "observer": 200,
}
MANAGE = {
    "anonymous": "login",
    "regional_coordinator": 200,
    "coordinator_a": 403,
    "coordinator_b": 403,
    "partner": 403,
    "observer": 403,
}


@pytest.fixture
def marne(db):
    return TerritoryFactory(code="51", name="Marne")


@pytest.fixture
def programme(marne):
    return TerritorialProgrammeFactory(territory=marne, year=2026, title="Programme territorial Marne 2026")


@pytest.fixture
def concertation(marne):
    kind = BodyKind.objects.create(code="concertation-territoriale", label="Concertation territoriale")
    body = Body.objects.create(
        name="Concertation Marne", kind=kind, scope=BodyScope.TERRITORY, territory=marne
    )
    return Meeting.objects.create(
        body=body, title="Concertation 2026", starts_at=NOW - datetime.timedelta(days=120)
    )


@pytest.mark.parametrize("persona", PERSONAS)
def test_programme_pages_by_persona(persona, personas, as_persona, programme):
    client = as_persona(persona)
    assert_status(client.get(reverse("events:programme_list")), READ[persona])
    assert_status(client.get(reverse("events:programme_detail", kwargs={"pk": programme.pk})), READ[persona])
    assert_status(client.get(reverse("events:programme_create")), MANAGE[persona])
    assert_status(client.get(reverse("events:programme_edit", kwargs={"pk": programme.pk})), MANAGE[persona])


def test_coordination_creates_a_programme_from_the_concertation(personas, as_persona, marne, concertation):
    other_kind = BodyKind.objects.create(code="comite-pilotage", label="Comité de pilotage")
    other = Body.objects.create(name="Copil", kind=other_kind, scope=BodyScope.REGION)
    steering = Meeting.objects.create(body=other, title="Copil", starts_at=NOW)
    client = as_persona("regional_coordinator")
    form = client.get(reverse("events:programme_create")).context["form"]
    assert list(form.fields["meetings"].queryset) == [concertation]
    assert steering not in form.fields["meetings"].queryset
    data = {
        "territory": marne.pk,
        "year": 2026,
        "title": "Programme Marne 2026",
        "meetings": [concertation.pk],
    }
    response = client.post(reverse("events:programme_create"), data)
    programme = TerritorialProgramme.objects.get()
    assert response.status_code == 302 and response.url == programme.get_absolute_url()
    assert list(programme.meetings.all()) == [concertation]
    # One programme per territory and year.
    response = client.post(reverse("events:programme_create"), {**data, "title": "Bis"})
    assert "Ce territoire a déjà un programme pour l'année 2026." in text(response)
    assert TerritorialProgramme.objects.count() == 1
    # Edit, with the change kept in the history.
    url = reverse("events:programme_edit", kwargs={"pk": programme.pk})
    assert client.post(url, {**data, "title": "Programme Marne 2026 (révisé)"}).status_code == 302
    page = text(client.get(programme.get_absolute_url()))
    assert "Programme Marne 2026 (révisé)" in page and "Concertation 2026" in page and "intitulé" in page


def test_territory_must_be_an_agency_or_a_departement(personas, as_persona):
    basin = TerritoryFactory(kind=TerritoryKindFactory(code="bassin-emploi", label="Bassin"), code="be1")
    client = as_persona("regional_coordinator")
    response = client.post(
        reverse("events:programme_create"), {"territory": basin.pk, "year": 2026, "title": "X"}
    )
    assert "territory" in response.context["form"].errors
    assert not TerritorialProgramme.objects.exists()


def test_site_coordinator_cannot_post_a_programme(personas, as_persona, marne):
    data = {"territory": marne.pk, "year": 2026, "title": "Programme"}
    assert as_persona("coordinator_a").post(reverse("events:programme_create"), data).status_code == 403
    assert not TerritorialProgramme.objects.exists()


@pytest.fixture
def programme_events(programme, site_a, site_b, kind):
    """Site A: 3 planned (2 held: 40/50 and 30/?; 1 cancelled); site B: 1 held 20/40, 1 to come."""
    p1, p2 = OrganisationFactory(name="France Travail"), OrganisationFactory(name="Mission locale")
    day = datetime.date(2026, 5, 4)
    held = {"status": EventStatus.HELD, "programme": programme, "kind": kind, "day": day}
    e1 = EventFactory(title="A1", sites=[site_a], capacity=50, present=40, **held)
    e1.partners.add(p1, p2)
    e2 = EventFactory(title="A2", sites=[site_a], capacity=None, present=30, **held)
    e2.partners.add(p1)
    EventFactory(title="A3", sites=[site_a], status=EventStatus.CANCELLED, programme=programme, kind=kind)
    EventFactory(title="B1", sites=[site_b], capacity=40, present=20, published=False, **held)
    EventFactory(title="B2", sites=[site_b], programme=programme, kind=kind, published=False)
    EventFactory(title="Hors programme", sites=[site_a], status=EventStatus.HELD, present=5, kind=kind)


def test_indicators(programme, programme_events, site_a, site_b):
    indicators = selectors.programme_indicators(programme)
    assert (indicators.planned, indicators.held, indicators.cancelled) == (5, 3, 1)
    assert indicators.realisation_rate == pytest.approx(3 / 5)
    # Held events with both figures: A1 (40/50) and B1 (20/40).
    assert indicators.attendance_rate == pytest.approx(60 / 90)
    assert indicators.partners == 2
    by_site = dict(selectors.programme_indicators_by_site(programme))
    assert by_site[site_a].realisation_rate == pytest.approx(2 / 3)
    assert by_site[site_a].attendance_rate == pytest.approx(40 / 50)
    assert by_site[site_b].realisation_rate == pytest.approx(1 / 2)
    assert by_site[site_b].partners == 0


def test_indicators_of_an_empty_programme(programme):
    indicators = selectors.programme_indicators(programme)
    assert indicators.realisation_rate is None and indicators.attendance_rate is None


def test_detail_shows_indicators_and_only_the_events_the_person_may_see(
    personas, as_persona, programme, programme_events
):
    response = as_persona("coordinator_a").get(
        reverse("events:programme_detail", kwargs={"pk": programme.pk})
    )
    page = text(response)
    assert "60 %" in page and "67 %" in page  # 3/5 held; 60/90 present per place
    assert "A1" in page and "B2" not in page  # site B's unpublished events stay hidden
    assert "Espace métiers de Troyes" in page  # but its aggregated indicators are shown
    response = as_persona("observer").get(reverse("events:programme_detail", kwargs={"pk": programme.pk}))
    assert "B2" in text(response)
    assert reverse("events:programme_edit", kwargs={"pk": programme.pk}) not in links(response)


def test_list_filters(personas, as_persona, programme, marne):
    TerritorialProgrammeFactory(territory=marne, year=2025, title="Programme territorial Marne 2025")
    client = as_persona("partner")

    def titles(**params):
        return [p.title for p in client.get(reverse("events:programme_list"), params).context["page_obj"]]

    assert len(titles()) == 2
    assert titles(year=2025) == ["Programme territorial Marne 2025"]
    assert len(titles(q="marne")) == 2
    assert titles(q="aube") == []
