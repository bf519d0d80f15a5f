"""Steering bodies: list, detail, creation and members, as each persona sees them."""

import pytest
from django.urls import reverse

from network.enums import BodyScope, MeetingStatus
from network.models.governance import Body, BodyMember
from tests.factories import OrganisationFactory
from tests.helpers import PERSONAS, links, text, texts

from .conftest import TODAY, make_meeting, make_member

# Expected status per persona; "anonymous" is always redirected to the login page.
READ_ALL = {
    "regional_coordinator": 200,
    "coordinator_a": 200,
    "coordinator_b": 200,
    "partner": 200,
    "observer": 200,
}
COORDINATION_ONLY = {
    "regional_coordinator": 200,
    "coordinator_a": 403,
    "coordinator_b": 403,
    "partner": 403,
    "observer": 403,
}
COPIL_A_READ = {
    "regional_coordinator": 200,
    "coordinator_a": 200,
    "coordinator_b": 404,
    "partner": 404,
    "observer": 200,
}
COPIL_A_MANAGE = {
    "regional_coordinator": 200,
    "coordinator_a": 200,
    "coordinator_b": 404,
    "partner": 404,
    "observer": 403,
}
REGIONAL_READ = READ_ALL
REGIONAL_MANAGE = COORDINATION_ONLY

PAGES = [
    ("body_list", lambda o: reverse("governance:body_list"), READ_ALL),
    ("body_create", lambda o: reverse("governance:body_create"), COORDINATION_ONLY),
    (
        "commission_detail",
        lambda o: reverse("governance:body_detail", args=[o["commission"].pk]),
        REGIONAL_READ,
    ),
    (
        "commission_edit",
        lambda o: reverse("governance:body_edit", args=[o["commission"].pk]),
        COORDINATION_ONLY,
    ),
    ("copil_a_detail", lambda o: reverse("governance:body_detail", args=[o["copil_a"].pk]), COPIL_A_READ),
    ("copil_a_edit", lambda o: reverse("governance:body_edit", args=[o["copil_a"].pk]), COORDINATION_ONLY),
    (
        "copil_a_member_add",
        lambda o: reverse("governance:member_add", args=[o["copil_a"].pk]),
        COPIL_A_MANAGE,
    ),
    (
        "copil_a_member_edit",
        lambda o: reverse("governance:member_edit", args=[o["copil_a"].members.first().pk]),
        COPIL_A_MANAGE,
    ),
    (
        "copil_a_member_end",
        lambda o: reverse("governance:member_end", args=[o["copil_a"].members.first().pk]),
        COPIL_A_MANAGE,
    ),
    (
        "commission_member_add",
        lambda o: reverse("governance:member_add", args=[o["commission"].pk]),
        REGIONAL_MANAGE,
    ),
]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(("name", "url_for", "expected"), PAGES, ids=[page[0] for page in PAGES])
def test_every_body_page_answers_each_persona(as_persona, bodies, persona, name, url_for, expected):
    client = as_persona(persona)
    url = url_for(bodies)

    response = client.get(url)

    if persona == "anonymous":
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('login')}?next={url}"
    else:
        assert response.status_code == expected[persona], name


def test_site_b_bodies_are_hidden_from_coordinator_a(client_for, coordinator_a, bodies):
    response = client_for(coordinator_a).get(reverse("governance:body_list"))

    assert sorted(texts(response, "main table tbody th[scope=row]")) == [
        "Comité de pilotage de Reims",
        "Commission régionale des Espaces métiers",
    ]


def test_partner_sees_only_the_bodies_their_organisation_sits_in(client_for, partner, bodies):
    response = client_for(partner).get(reverse("governance:body_list"))

    assert [body.name for body in response.context["page_obj"]] == [
        "Commission régionale des Espaces métiers"
    ]
    detail = client_for(partner).get(reverse("governance:body_detail", args=[bodies["commission"].pk]))
    assert detail.status_code == 200
    targets = links(detail, "main")
    commission = bodies["commission"]
    assert reverse("governance:meeting_create", kwargs={"body_pk": commission.pk}) not in targets
    assert reverse("governance:member_add", kwargs={"body_pk": commission.pk}) not in targets


def test_list_filters_by_kind_scope_and_activity(client_for, regional_coordinator, bodies, kinds):
    bodies["copil_b"].is_active = False
    bodies["copil_b"].save()
    client = client_for(regional_coordinator)

    by_scope = client.get(reverse("governance:body_list"), {"scope": BodyScope.SITE})
    by_kind = client.get(reverse("governance:body_list"), {"kind": kinds["commission"].pk})
    inactive = client.get(reverse("governance:body_list"), {"is_active": "false"})

    assert {b.name for b in by_scope.context["page_obj"]} == {
        "Comité de pilotage de Reims",
        "Comité de pilotage de Troyes",
    }
    assert [b.name for b in by_kind.context["page_obj"]] == ["Commission régionale des Espaces métiers"]
    assert [b.name for b in inactive.context["page_obj"]] == ["Comité de pilotage de Troyes"]


def test_body_list_query_count(client_for, regional_coordinator, bodies, django_assert_num_queries):
    client = client_for(regional_coordinator)
    client.get(reverse("governance:body_list"))  # warms the session and the content types

    # session + user + roles (2: role assignments, site assignments), the filter form's kinds,
    # the count, and one page of bodies with kind, site and territory joined and meetings counted.
    with django_assert_num_queries(7):
        response = client.get(reverse("governance:body_list"))
    assert response.status_code == 200


def test_detail_shows_rhythm_and_current_members(client_for, observer, commission):
    make_meeting(commission, days=-1, status=MeetingStatus.HELD)
    make_member(commission, "Ancien Membre", mandate_end=TODAY.replace(year=TODAY.year - 1))

    response = client_for(observer).get(reverse("governance:body_detail", args=[commission.pk]))

    page = text(response)
    # The meeting held yesterday, 14 June 2026, counts for this year (it would not on 1 January).
    assert response.context["held_count"] == 1
    assert "Sophie Renard" in page
    assert [m.full_name for m in response.context["members"]].count("Ancien Membre") == 0
    assert "juin" in page
    assert reverse("governance:body_edit", kwargs={"pk": commission.pk}) not in links(response, "main")


def test_coordination_creates_a_body(client_for, regional_coordinator, kinds, site_a):
    client = client_for(regional_coordinator)

    refused = client.post(
        reverse("governance:body_create"),
        {
            "name": "Copil sans site",
            "kind": kinds["copil"].pk,
            "scope": BodyScope.SITE,
            "min_meetings_per_year": 1,
            "quorum": 0,
        },
    )
    response = client.post(
        reverse("governance:body_create"),
        {
            "name": "Comité de pilotage bis",
            "kind": kinds["copil"].pk,
            "scope": BodyScope.SITE,
            "site": site_a.pk,
            "min_meetings_per_year": 2,
            "required_months": ["6", "11"],
            "quorum": 3,
            "is_active": "on",
        },
    )

    assert refused.status_code == 200
    assert "rattachée à un site" in text(refused)
    body = Body.objects.get(name="Comité de pilotage bis")
    assert response.status_code == 302
    assert body.required_months == [6, 11]


@pytest.mark.parametrize("persona", ["coordinator_a", "partner", "observer"])
def test_body_creation_posts_are_refused(as_persona, kinds, persona):
    client = as_persona(persona)

    response = client.post(
        reverse("governance:body_create"),
        {
            "name": "Intruse",
            "kind": kinds["copil"].pk,
            "scope": BodyScope.REGION,
            "min_meetings_per_year": 1,
            "quorum": 0,
        },
    )

    assert response.status_code == 403
    assert not Body.objects.filter(name="Intruse").exists()


def test_coordinator_a_manages_the_members_of_their_committee(client_for, coordinator_a, copil_a):
    client = client_for(coordinator_a)
    organisation = OrganisationFactory(name="CIO de Reims")

    added = client.post(
        reverse("governance:member_add", args=[copil_a.pk]),
        {
            "full_name": "Sandrine Faure",
            "email": "s.faure@exemple.fr",
            "organisation": organisation.pk,
            "is_voting": "on",
        },
    )
    member = BodyMember.objects.get(full_name="Sandrine Faure")
    ended = client.post(reverse("governance:member_end", args=[member.pk]), {"end_date": TODAY.isoformat()})

    assert added.status_code == 302
    assert ended.status_code == 302
    member.refresh_from_db()
    assert member.mandate_end == TODAY


def test_observer_cannot_post_members(client_for, observer, copil_a):
    member = copil_a.members.first()

    response = client_for(observer).post(
        reverse("governance:member_end", args=[member.pk]), {"end_date": TODAY.isoformat()}
    )

    assert response.status_code == 403
    member.refresh_from_db()
    assert member.mandate_end is None


def test_detail_shows_the_year_indicators(client_for, regional_coordinator, commission):
    from network.enums import AttendanceStatus, DecisionKind
    from network.governance import services

    meeting = make_meeting(commission, days=0)
    renard, benali = commission.members.filter(full_name__in=["Sophie Renard", "Karim Benali"]).order_by(
        "full_name"
    )
    services.attendance_record(
        meeting=meeting,
        lines=[(renard, AttendanceStatus.PRESENT, ""), (benali, AttendanceStatus.EXCUSED, "")],
    )
    meeting.decisions.create(kind=DecisionKind.FAVOURABLE, summary="Avis favorable.")
    services.minutes_save(meeting=meeting, text="Compte rendu.")

    response = client_for(regional_coordinator).get(reverse("governance:body_detail", args=[commission.pk]))

    assert response.context["attendance_rate"] == 50
    assert response.context["opinion_count"] == 1
    assert response.context["minutes_count"] == 1
    assert response.context["held_count"] == 1
