"""Decisions: recorded in a meeting, followed until done; the list and its filters; the demo."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from network.enums import DecisionKind, DecisionStatus
from network.governance import services
from network.governance.demo import load_governance_demo
from network.models.governance import Body, BodyKind, Decision, Meeting, Minutes
from sites.labels.demo_governance import load_commission_avis_demo
from sites.plans.demo import load_plan_arbitrations_demo
from tests.factories import SiteFactory, UserFactory
from tests.helpers import PERSONAS, text

from .conftest import TODAY, held_meeting


def url(name, obj):
    return reverse(f"governance:{name}", args=[obj.pk])


def make_decision(meeting, summary, **extra):
    values = {"kind": DecisionKind.DECISION}
    values.update(extra)
    return Decision.objects.create(meeting=meeting, summary=summary, **values)


@pytest.fixture
def decisions(meetings, regional_coordinator):
    return {
        "commission": make_decision(
            meetings["commission"],
            "Transmettre la feuille de route",
            owner=regional_coordinator,
            due_date=TODAY - datetime.timedelta(days=3),
        ),
        "copil_a": make_decision(
            meetings["copil_a"], "Revoir l'action forum", due_date=TODAY + datetime.timedelta(days=30)
        ),
        "copil_b": make_decision(meetings["copil_b"], "Décision de Troyes", status=DecisionStatus.DONE),
    }


DECISION_PAGES = {
    "decision_list": lambda m, d: reverse("governance:decision_list"),
    "create_commission": lambda m, d: url("decision_create", m["commission"]),
    "create_copil_a": lambda m, d: url("decision_create", m["copil_a"]),
    "status_commission": lambda m, d: url("decision_status", d["commission"]),
    "status_copil_a": lambda m, d: url("decision_status", d["copil_a"]),
    "edit_copil_a": lambda m, d: url("decision_edit", d["copil_a"]),
}
EXPECTED = {
    "decision_list": {
        "regional_coordinator": 200,
        "coordinator_a": 200,
        "coordinator_b": 200,
        "partner": 200,
        "observer": 200,
    },
    "create_commission": {
        "regional_coordinator": 200,
        "coordinator_a": 403,
        "coordinator_b": 403,
        "partner": 403,
        "observer": 403,
    },
    "create_copil_a": {
        "regional_coordinator": 200,
        "coordinator_a": 200,
        "coordinator_b": 404,
        "partner": 404,
        "observer": 403,
    },
    "status_commission": {
        "regional_coordinator": 200,
        "coordinator_a": 403,
        "coordinator_b": 403,
        "partner": 403,
        "observer": 403,
    },
    "status_copil_a": {
        "regional_coordinator": 200,
        "coordinator_a": 200,
        "coordinator_b": 404,
        "partner": 404,
        "observer": 403,
    },
    "edit_copil_a": {
        "regional_coordinator": 200,
        "coordinator_a": 200,
        "coordinator_b": 404,
        "partner": 404,
        "observer": 403,
    },
}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", list(DECISION_PAGES))
def test_every_decision_page_answers_each_persona(as_persona, meetings, decisions, persona, name):
    client = as_persona(persona)
    target = DECISION_PAGES[name](meetings, decisions)

    response = client.get(target)

    if persona == "anonymous":
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('login')}?next={target}"
    else:
        assert response.status_code == EXPECTED[name][persona]


def test_list_shows_only_visible_decisions(client_for, coordinator_a, partner, decisions):
    mine = client_for(coordinator_a).get(reverse("governance:decision_list"))
    theirs = client_for(partner).get(reverse("governance:decision_list"))

    assert {d.summary for d in mine.context["page_obj"]} == {
        "Transmettre la feuille de route",
        "Revoir l'action forum",
    }
    assert {d.summary for d in theirs.context["page_obj"]} == {"Transmettre la feuille de route"}


def test_list_filters(client_for, regional_coordinator, decisions, bodies):
    client = client_for(regional_coordinator)

    def summaries(**params):
        return {
            d.summary for d in client.get(reverse("governance:decision_list"), params).context["page_obj"]
        }

    assert summaries(overdue="oui") == {"Transmettre la feuille de route"}
    assert summaries(status=DecisionStatus.DONE) == {"Décision de Troyes"}
    assert summaries(body=bodies["copil_a"].pk) == {"Revoir l'action forum"}
    assert summaries(owner=regional_coordinator.pk) == {"Transmettre la feuille de route"}
    assert "en retard" in text(client.get(reverse("governance:decision_list")))


def test_list_is_paginated_with_a_fixed_number_of_queries(
    client_for, regional_coordinator, meetings, django_assert_num_queries
):
    for index in range(30):
        make_decision(meetings["commission"], f"Décision n° {index}", owner=regional_coordinator)
    client = client_for(regional_coordinator)
    client.get(reverse("governance:decision_list"))

    # session + user + roles (2), the filter form's bodies and owners, the count and one page of
    # decisions with meeting, body and owner joined: no query per row.
    with django_assert_num_queries(8):
        response = client.get(reverse("governance:decision_list"), {"page": 2})
    assert len(response.context["page_obj"]) == 5


def test_decision_recorded_with_a_subject(client_for, regional_coordinator, meetings, application_a):
    from django.contrib.contenttypes.models import ContentType

    application_type = ContentType.objects.get_for_model(application_a)
    response = client_for(regional_coordinator).post(
        url("decision_create", meetings["commission"]),
        {
            "kind": DecisionKind.FAVOURABLE,
            "summary": "Avis favorable à la candidature de Reims.",
            "subject": f"{application_type.pk}:{application_a.pk}",
            "owner": regional_coordinator.pk,
            "due_date": (TODAY + datetime.timedelta(days=15)).isoformat(),
        },
    )

    assert response.status_code == 302
    decision = Decision.objects.get()
    assert decision.subject == application_a
    assert list(Decision.objects.about(application_a)) == [decision]


def test_an_owner_who_cannot_read_the_meeting_gets_404(client_for, meetings, decisions):
    meeting = meetings["copil_a"]
    owner = UserFactory(username="responsable")
    decision = decisions["copil_a"]
    decision.owner = owner
    decision.save()
    held_meeting(meeting)
    minutes = services.minutes_save(meeting=meeting, text="Compte rendu.")
    services.minutes_adopt(minutes=minutes)

    # The owner does not read site A's committee: the scoped queryset hides it first.
    assert client_for(owner).get(url("decision_status", decision)).status_code == 404


def test_follow_up_stays_open_after_adoption_but_content_does_not(
    client_for, coordinator_a, meetings, decisions
):
    meeting = meetings["copil_a"]
    decision = decisions["copil_a"]
    held_meeting(meeting)
    minutes = services.minutes_save(meeting=meeting, text="Compte rendu.")
    services.minutes_adopt(minutes=minutes)
    client = client_for(coordinator_a)

    followed = client.post(url("decision_status", decision), {"status": DecisionStatus.DONE})
    edited = client.post(url("decision_edit", decision), {"kind": "decision", "summary": "Autre énoncé"})

    decision.refresh_from_db()
    assert followed.status_code == 302
    assert decision.status == DecisionStatus.DONE
    assert decision.done_on == TODAY
    assert edited.status_code == 403
    assert decision.summary == "Revoir l'action forum"


def test_partner_owner_follows_up_their_decision(client_for, partner, meetings):
    decision = make_decision(meetings["commission"], "Relayer l'agenda", owner=partner)

    response = client_for(partner).post(
        url("decision_status", decision), {"status": DecisionStatus.IN_PROGRESS}
    )

    assert response.status_code == 302
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.IN_PROGRESS


@pytest.mark.parametrize("persona", ["observer", "coordinator_a"])
def test_readers_cannot_follow_up_commission_decisions(as_persona, decisions, persona):
    client = as_persona(persona)

    response = client.post(url("decision_status", decisions["commission"]), {"status": DecisionStatus.DONE})

    assert response.status_code == 403
    decisions["commission"].refresh_from_db()
    assert decisions["commission"].status == DecisionStatus.OPEN


# Demo


def test_governance_demo_is_idempotent(db, partner):
    from network.models import Organisation
    from sites.models.labels import LabelApplication

    for name in ("Région Grand Est", "GIP Arifor", "France Travail Grand Est", "CIO de Reims"):
        Organisation.objects.get_or_create(name=name, defaults={"kind": partner.organisation.kind})
    reims = SiteFactory(slug="reims", name="Espace métiers de Reims")
    SiteFactory(slug="troyes", name="Espace métiers de Troyes")
    LabelApplication.objects.create(site=reims)
    today = datetime.date(2026, 11, 23)

    first = load_governance_demo(today=today)
    # The commission's avis on the application is the labels' demo, loaded next by seed_demo.
    assert load_commission_avis_demo(today=today) == {"décisions": 1}
    counts = (Body.objects.count(), Meeting.objects.count(), Decision.objects.count())
    second = load_governance_demo(today=today)
    assert load_commission_avis_demo(today=today) == {}

    assert BodyKind.objects.count() == 6
    # The commission and the two steering committees (technical committees exist only for the
    # départements the test's sites happen to be in).
    assert Body.objects.filter(kind__code__in=["commission-regionale", "comite-pilotage"]).count() == 3
    assert first["instances"] == Body.objects.count()
    assert second == {}
    assert (Body.objects.count(), Meeting.objects.count(), Decision.objects.count()) == counts
    meeting = Meeting.objects.get(body__name="Commission régionale des Espaces métiers")
    assert timezone.localtime(meeting.starts_at).date() == datetime.date(2026, 6, 18)
    assert Minutes.objects.get(meeting=meeting).is_adopted
    assert meeting.agenda.count() == 5
    assert meeting.attendances.count() == 3
    assert Decision.objects.about(LabelApplication.objects.get()).get().kind == DecisionKind.FAVOURABLE
    assert Body.objects.filter(site=reims).count() == 1


def test_governance_demo_holds_a_full_yearly_cycle(db, partner):
    from network.models import Organisation, Territory
    from sites.models.plans import ActionPlan
    from tests.factories import TerritoryFactory

    for name in ("Région Grand Est", "GIP Arifor", "France Travail Grand Est"):
        Organisation.objects.get_or_create(name=name, defaults={"kind": partner.organisation.kind})
    marne = TerritoryFactory(code="51", name="Marne")
    reims = SiteFactory(slug="reims", name="Espace métiers de Reims", departement=marne)
    plan = ActionPlan.objects.create(site=reims, year=2027)
    today = datetime.date(2026, 11, 23)

    load_governance_demo(today=today)
    # The steering committees' arbitration of the plans is the plans' demo, loaded next by seed_demo.
    load_plan_arbitrations_demo(today=today)

    technical = Meeting.objects.get(body__territory=marne, starts_at__year=2026)
    assert timezone.localtime(technical.starts_at).month == 10
    assert technical.status == "tenue" and Minutes.objects.get(meeting=technical).is_adopted
    # This year's steering committee is still to come; last year's arbitrated its plan.
    this_year = Meeting.objects.get(body__site=reims, starts_at__year=2026)
    assert this_year.status == "prevue" and not Minutes.objects.filter(meeting=this_year).exists()
    assert Meeting.objects.get(body__site=reims, starts_at__year=2025).status == "tenue"
    assert Territory.objects.filter(code="51").count() == 1
    assert not Decision.objects.about(plan).exists()  # decided at this December's meeting, not yet held
