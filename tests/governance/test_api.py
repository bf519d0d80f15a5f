"""The governance API (scope read:governance): bodies, meetings, decisions and action plans."""

import pytest
from rest_framework.test import APIClient

from network.enums import ApiScope, DecisionKind
from network.models.governance import Decision
from network.services import api_token_create
from sites.enums import PlanStatus
from sites.models.plans import ActionIndicator, ActionPlan, PlanAction
from tests.api.utils import assert_error

from .conftest import THIS_YEAR, make_member

pytestmark = pytest.mark.django_db
BODIES = "/api/v1/governance/bodies/"
MEETINGS = "/api/v1/governance/meetings/"
DECISIONS = "/api/v1/governance/decisions/"
PLANS = "/api/v1/governance/action-plans/"


def token_of(organisation, *scopes, **binding) -> APIClient:
    _token, key = api_token_create(organisation=organisation, name="Entrepôt", scopes=list(scopes), **binding)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def names(response, field="name") -> set:
    assert response.status_code == 200, response.content
    return {row[field] for row in response.json()["results"]}


@pytest.mark.parametrize("url", [BODIES, MEETINGS, DECISIONS, PLANS])
def test_the_scope_is_required(partner, url):
    assert_error(token_of(partner.organisation, ApiScope.STATS_READ).get(url), 403)
    assert_error(APIClient().get(url), 401)


def test_a_partner_token_reads_the_bodies_its_organisation_sits_in(partner, bodies, meetings):
    client = token_of(partner.organisation, ApiScope.GOVERNANCE_READ)
    assert names(client.get(BODIES)) == {"Commission régionale des Espaces métiers"}
    assert names(client.get(MEETINGS), "body") == {bodies["commission"].pk}


def test_people_read_what_they_read_in_the_interface(client_for, coordinator_a, regional_coordinator, bodies):
    mine = names(client_for(coordinator_a).get(BODIES))
    assert "Comité de pilotage de Reims" in mine and "Comité de pilotage de Troyes" not in mine
    assert len(names(client_for(regional_coordinator).get(BODIES))) == 3


def test_a_token_bound_to_a_site_reads_that_site_s_bodies_only(partner, bodies, site_a, meetings):
    # The partner sits in the commission and in Reims's and Troyes's comités de pilotage.
    make_member(bodies["copil_a"], "Sophie Renard", organisation=partner.organisation)
    make_member(bodies["copil_b"], "Sophie Renard", organisation=partner.organisation)
    unbound = token_of(partner.organisation, ApiScope.GOVERNANCE_READ)
    bound = token_of(partner.organisation, ApiScope.GOVERNANCE_READ, sites=[site_a])

    assert len(names(unbound.get(BODIES))) == 3
    assert names(bound.get(BODIES)) == {"Comité de pilotage de Reims"}
    assert names(bound.get(MEETINGS), "body") == {bodies["copil_a"].pk}


def test_decisions_carry_their_subject(partner, meetings, plan_a):
    decision = Decision.objects.create(
        meeting=meetings["commission"], kind=DecisionKind.FAVOURABLE, summary="Avis favorable", subject=plan_a
    )
    Decision.objects.create(meeting=meetings["copil_b"], kind=DecisionKind.DECISION, summary="Hors champ")

    rows = token_of(partner.organisation, ApiScope.GOVERNANCE_READ).get(DECISIONS).json()["results"]

    assert [row["id"] for row in rows] == [decision.pk]
    assert rows[0]["subject"] == {"type": "sites.actionplan", "id": plan_a.pk}


def test_partners_read_plans_sent_to_the_region_with_their_results(partner, site_a, site_b):
    sent = ActionPlan.objects.create(site=site_a, year=THIS_YEAR, status=PlanStatus.VALIDATED)
    action = PlanAction.objects.create(plan=sent, title="Forum des métiers de l'industrie")
    ActionIndicator.objects.create(action=action, label="Participants", target=200, result=180)
    ActionPlan.objects.create(site=site_b, year=THIS_YEAR, status=PlanStatus.DRAFT)

    rows = token_of(partner.organisation, ApiScope.GOVERNANCE_READ).get(PLANS).json()["results"]

    assert [(row["site"], row["status"]) for row in rows] == [("reims", "valide")]
    indicator = rows[0]["actions"][0]["indicators"][0]
    assert (indicator["target"], indicator["result"]) == ("200.00", "180.00")


def test_filters_are_validated(partner):
    client = token_of(partner.organisation, ApiScope.GOVERNANCE_READ)
    assert_error(client.get(MEETINGS, {"body": "x"}), 400)
    assert_error(client.get(PLANS, {"year": "99999"}), 400)
    assert_error(client.get(DECISIONS, {"status": "nope"}), 400)
