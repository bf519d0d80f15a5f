"""Coordination visits: list and counts per site, create and edit with follow-ups, personas."""

import datetime

import pytest
from django.urls import reverse

from sites.enums import VisitPurpose
from sites.models.visits import CoordinationVisit, CoordinationVisitFollowUp
from tests.helpers import element_text, links

pytestmark = pytest.mark.django_db


def _visit(site, day=datetime.date(2025, 3, 4), **kwargs):
    return CoordinationVisit.objects.create(
        site=site, visited_on=day, purpose=VisitPurpose.YEARLY_REVIEW, **kwargs
    )


def _form_data(site, **overrides):
    data = {
        "site": site.pk,
        "visited_on": "2025-05-20",
        "purpose": VisitPurpose.PROGRAMME_REVIEW,
        "notes": "Point sur le programme.",
        "suites-TOTAL_FORMS": "2",
        "suites-INITIAL_FORMS": "0",
        "suites-MIN_NUM_FORMS": "0",
        "suites-MAX_NUM_FORMS": "1000",
        "suites-0-action": "Envoyer le programme révisé",
        "suites-0-owner": "CTEM",
        "suites-0-due_on": "2025-06-15",
        "suites-0-done_on": "",
        "suites-1-action": "",
    }
    data.update(overrides)
    return data


def test_coordination_creates_a_visit_with_follow_ups(client_for, regional_coordinator, site_a):
    response = client_for(regional_coordinator).post(reverse("labels:visit_create"), _form_data(site_a))
    assert response.status_code == 302
    visit = CoordinationVisit.objects.get()
    assert visit.visitor == regional_coordinator
    assert visit.follow_ups.get().owner == "CTEM"


def test_coordination_edits_a_visit_and_its_follow_ups(client_for, regional_coordinator, site_a):
    visit = _visit(site_a)
    follow_up = CoordinationVisitFollowUp.objects.create(visit=visit, action="Ancienne action")
    data = _form_data(
        site_a,
        **{
            "suites-INITIAL_FORMS": "1",
            "suites-0-id": str(follow_up.pk),
            "suites-0-visit": str(visit.pk),
            "suites-0-done_on": "2025-06-01",
        },
    )
    response = client_for(regional_coordinator).post(
        reverse("labels:visit_edit", kwargs={"pk": visit.pk}), data
    )
    assert response.status_code == 302
    follow_up.refresh_from_db()
    assert follow_up.done_on == datetime.date(2025, 6, 1)
    assert follow_up.action == "Envoyer le programme révisé"


def test_site_coordinators_read_their_visits_only(client_for, coordinator_a, coordinator_b, site_a, site_b):
    visit_a, visit_b = _visit(site_a, notes="Notes A"), _visit(site_b, notes="Notes B")
    response = client_for(coordinator_a).get(reverse("labels:visit_list"), {"annee": 2025})
    listed = links(response)
    assert reverse("labels:visit_detail", kwargs={"pk": visit_a.pk}) in listed
    assert reverse("labels:visit_detail", kwargs={"pk": visit_b.pk}) not in listed
    content = element_text(response, "main")
    assert "Espace métiers de Reims" in content
    assert "Espace métiers de Troyes" not in content
    assert (
        client_for(coordinator_a).get(reverse("labels:visit_detail", kwargs={"pk": visit_a.pk})).status_code
        == 200
    )
    assert (
        client_for(coordinator_b).get(reverse("labels:visit_detail", kwargs={"pk": visit_a.pk})).status_code
        == 404
    )
    assert client_for(coordinator_b).get(reverse("labels:visit_list"), {"site": "reims"}).status_code == 404


def test_writes_are_for_the_coordination_only(
    client_for, coordinator_a, coordinator_b, observer, partner, site_a
):
    visit = _visit(site_a, notes="Avant")
    for user in (coordinator_a, observer, partner, coordinator_b):
        client = client_for(user)
        assert client.post(reverse("labels:visit_create"), _form_data(site_a)).status_code == 403
        expected = 404 if user in (partner, coordinator_b) else 403
        response = client.post(reverse("labels:visit_edit", kwargs={"pk": visit.pk}), _form_data(site_a))
        assert response.status_code == expected
    visit.refresh_from_db()
    assert visit.notes == "Avant"
    assert CoordinationVisit.objects.count() == 1
    assert client_for(None).get(reverse("labels:visit_list")).status_code == 302


def test_counts_per_site_and_year(client_for, regional_coordinator, site_a, site_b):
    for month in (1, 3, 5):
        _visit(site_a, day=datetime.date(2025, month, 10))
    _visit(site_a, day=datetime.date(2024, 6, 1))
    response = client_for(regional_coordinator).get(reverse("labels:visit_list"), {"annee": 2025})
    counts = {row["slug"]: row["visit_count"] for row in response.context["counts"]}
    assert counts == {"reims": 3, "troyes": 0}
    assert "3 sur 5" in response.content.decode()


def test_visit_list_query_count(client_for, regional_coordinator, site_a, django_assert_num_queries):
    for month in range(1, 4):
        _visit(site_a, day=datetime.date(2025, month, 10))
    client = client_for(regional_coordinator)
    # session, user, roles (2), site choices, count of visits, page of visits with site, visitor and
    # follow-up counts, counts per site.
    with django_assert_num_queries(8):
        client.get(reverse("labels:visit_list"), {"annee": 2025})
    for month in range(4, 9):
        _visit(site_a, day=datetime.date(2025, month, 10))
    with django_assert_num_queries(8):
        client.get(reverse("labels:visit_list"), {"annee": 2025})
