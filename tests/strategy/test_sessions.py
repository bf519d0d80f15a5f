import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from network.models.governance import ProfessionalisationSession, SessionParticipation
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sessions(db):
    france_travail = OrganisationFactory(name="France Travail")
    cio = OrganisationFactory(name="CIO de Troyes")
    first = ProfessionalisationSession.objects.create(
        theme="Accueil des publics", starts_on=datetime.date(2025, 3, 4), days=2
    )
    second = ProfessionalisationSession.objects.create(
        theme="Outils numériques", starts_on=datetime.date(2025, 10, 1), days="0.5"
    )
    SessionParticipation.objects.create(session=first, organisation=france_travail, participants=6)
    SessionParticipation.objects.create(session=first, organisation=cio, participants=4)
    SessionParticipation.objects.create(session=second, organisation=cio, participants=8)
    return first, second, france_travail, cio


@pytest.mark.parametrize("persona", ["regional_coordinator", "observer", "coordinator_a", "partner"])
def test_session_list_and_totals(request, client_for, sessions, persona):
    client = client_for(request.getfixturevalue(persona))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("strategy:session_list") + "?year=2025")
    assert response.status_code == 200
    # session + user + roles (2) + sessions of the year + totals by year + participants by year.
    assert len(queries) <= 8
    totals = response.context["totals"]
    assert totals == [
        {"y": 2025, "sessions": 2, "days": pytest.approx(2.5), "participants": 18, "participant_days": 24}
    ]  # 10 × 2 days + 8 × 0.5 day
    html = response.content.decode()
    assert "Accueil des publics" in html
    assert ("Nouvelle session" in html) is (persona == "regional_coordinator")
    detail = client.get(reverse("strategy:session_detail", kwargs={"pk": sessions[0].pk}))
    assert detail.status_code == 200 and "France Travail" in detail.content.decode()


@pytest.mark.parametrize("persona", ["observer", "coordinator_a", "partner"])
def test_only_the_coordination_records_sessions(request, client_for, sessions, persona):
    client = client_for(request.getfixturevalue(persona))
    assert client.get(reverse("strategy:session_create")).status_code == 403
    assert client.post(reverse("strategy:session_edit", kwargs={"pk": sessions[0].pk})).status_code == 403


def _post(client, url, theme, lines):
    data = {
        "theme": theme,
        "starts_on": "2026-01-15",
        "days": "1",
        "place": "Châlons-en-Champagne",
        "trainer": "",
        "notes": "",
        "participants-TOTAL_FORMS": str(len(lines)),
        "participants-INITIAL_FORMS": "0",
        "participants-MIN_NUM_FORMS": "0",
        "participants-MAX_NUM_FORMS": "1000",
    }
    for i, (organisation, count) in enumerate(lines):
        data[f"participants-{i}-organisation"] = organisation.pk if organisation else ""
        data[f"participants-{i}-participants"] = count
    return client.post(url, data)


def test_coordinator_records_a_session_with_participants(client_for, regional_coordinator, sessions):
    client = client_for(regional_coordinator)
    _first, _second, france_travail, cio = sessions
    url = reverse("strategy:session_create")
    response = _post(client, url, "Égalité femmes-hommes", [(france_travail, 3), (france_travail, 2)])
    assert response.status_code == 200 and "figure deux fois" in response.content.decode()
    response = _post(client, url, "Égalité femmes-hommes", [(france_travail, 3), (cio, 2), (None, "")])
    assert response.status_code == 302
    session = ProfessionalisationSession.objects.get(theme="Égalité femmes-hommes")
    assert sorted(session.participations.values_list("participants", flat=True)) == [2, 3]
    edit = reverse("strategy:session_edit", kwargs={"pk": session.pk})
    assert client.get(edit).status_code == 200
    response = _post(client, edit, "Égalité femmes-hommes", [(cio, 5)])
    assert response.status_code == 302
    assert list(session.participations.values_list("organisation__name", "participants")) == [
        ("CIO de Troyes", 5)
    ]
