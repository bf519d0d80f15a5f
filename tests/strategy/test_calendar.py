import datetime

import icalendar
import pytest
from django.urls import reverse
from django.utils import timezone

from network.enums import BodyScope
from network.models.governance import Body, BodyKind, Meeting, ProfessionalisationSession
from sites.calendar.feed import feed_token
from sites.models.visits import CoordinationVisit

pytestmark = pytest.mark.django_db


@pytest.fixture
def events(site_a, site_b, regional_coordinator):
    """A regional commission meeting, site A's steering committee, a visit to each site, a session."""
    now = timezone.localtime()
    kind = BodyKind.objects.create(code="copil", label="Comité de pilotage")
    region = Body.objects.create(name="Commission régionale", kind=kind, scope=BodyScope.REGION)
    copil_a = Body.objects.create(
        name="Comité de pilotage de Reims", kind=kind, scope=BodyScope.SITE, site=site_a
    )
    start = now.replace(hour=14, minute=0, second=0, microsecond=0) + datetime.timedelta(days=3)
    Meeting.objects.create(body=region, title="Commission de juin", starts_at=start)
    Meeting.objects.create(body=copil_a, title="Copil Reims", starts_at=start + datetime.timedelta(hours=1))
    CoordinationVisit.objects.create(
        site=site_a, visited_on=now.date(), purpose="programme", visitor=regional_coordinator
    )
    CoordinationVisit.objects.create(
        site=site_b, visited_on=now.date(), purpose="bilan_annuel", visitor=regional_coordinator
    )
    ProfessionalisationSession.objects.create(
        theme="Conseil en évolution professionnelle", starts_on=now.date()
    )


def _feed(client, user):
    response = client.get(reverse("strategy:ical_feed", kwargs={"token": feed_token(user)}))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    return icalendar.Calendar.from_ical(response.content)


def _summaries(calendar) -> set[str]:
    return {str(event["summary"]) for event in calendar.walk("VEVENT")}


def test_feed_lists_only_the_owners_visible_events(client_for, events, coordinator_a, coordinator_b):
    anonymous = client_for(None)
    summaries_b = _summaries(_feed(anonymous, coordinator_b))
    assert "Commission régionale — Commission de juin" in summaries_b
    assert not any("Copil Reims" in s for s in summaries_b)  # site A's steering committee
    assert any("Espace métiers de Troyes" in s for s in summaries_b)
    assert not any("Espace métiers de Reims" in s for s in summaries_b)
    assert "Professionnalisation — Conseil en évolution professionnelle" in summaries_b

    summaries_a = _summaries(_feed(anonymous, coordinator_a))
    assert "Comité de pilotage de Reims — Copil Reims" in summaries_a
    assert not any("Espace métiers de Troyes" in s for s in summaries_a)


def test_feed_of_the_coordination_has_everything(client_for, events, regional_coordinator):
    calendar = _feed(client_for(None), regional_coordinator)
    assert len(calendar.walk("VEVENT")) == 5
    meeting = next(e for e in calendar.walk("VEVENT") if "Copil" in str(e["summary"]))
    assert meeting["uid"].startswith("meeting-")
    assert meeting.decoded("dtstart").tzinfo is not None


def test_forged_or_revoked_tokens_get_404(client_for, events, coordinator_b):
    client = client_for(None)
    token = feed_token(coordinator_b)
    user_id, _, signature = token.partition(".")
    for bad in [
        "nimportequoi",
        f"{user_id}.{signature[:-2]}xx",
        f"{int(user_id) + 1}.{signature}",  # another person's id with this signature
        f"{user_id}",
    ]:
        assert client.get(reverse("strategy:ical_feed", kwargs={"token": bad})).status_code == 404, bad
    coordinator_b.set_password("un-nouveau-mot-de-passe")
    coordinator_b.save()
    assert client.get(reverse("strategy:ical_feed", kwargs={"token": token})).status_code == 404
    assert (
        client.get(reverse("strategy:ical_feed", kwargs={"token": feed_token(coordinator_b)})).status_code
        == 200
    )


def test_inactive_user_feed_is_gone(client_for, events, coordinator_b):
    token = feed_token(coordinator_b)
    coordinator_b.is_active = False
    coordinator_b.save()
    assert client_for(None).get(reverse("strategy:ical_feed", kwargs={"token": token})).status_code == 404


@pytest.mark.parametrize(
    "persona", ["regional_coordinator", "observer", "coordinator_a", "coordinator_b", "partner"]
)
def test_calendar_page(request, client_for, events, persona):
    user = request.getfixturevalue(persona)
    response = client_for(user).get(reverse("strategy:calendar"))
    assert response.status_code == 200
    html = response.content.decode()
    assert feed_token(user) in html
    assert ("Copil Reims" in html) is (persona in {"regional_coordinator", "observer", "coordinator_a"})
    # Next month's meetings are not in this month's grid; navigation links are.
    assert "?mois=" in html


def test_calendar_month_navigation(client_for, events, observer):
    client = client_for(observer)
    response = client.get(reverse("strategy:calendar") + "?mois=2001-02")
    assert response.status_code == 200
    assert response.context["previous"] == "2001-01" and response.context["next"] == "2001-03"
    assert response.context["events"] == []
    assert client.get(reverse("strategy:calendar") + "?mois=bad").status_code == 200


def test_meeting_link_only_when_the_page_exists(client_for, events, observer):
    from django.urls import NoReverseMatch

    response = client_for(observer).get(reverse("strategy:calendar"))
    meeting = Meeting.objects.get(title="Copil Reims")
    try:
        expected = reverse("governance:meeting_detail", kwargs={"pk": meeting.pk})
    except NoReverseMatch:
        expected = ""
    event = next(e for e in response.context["events"] if e.uid == f"meeting-{meeting.pk}")
    assert event.url == expected
