"""The plan pages for every persona: anonymous, coordination, site A, site B, observer, partner."""

import pytest
from django.urls import reverse

from sites.enums import ActionStatus, Arbitration, PlanStatus
from sites.models.plans import ActionIndicator, ActionPlan, PlanAction
from tests.factories import SiteFactory
from tests.helpers import element_text, links
from tests.plans.factories import ActionIndicatorFactory, ActionPlanFactory, PlanActionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(site_a):
    return ActionPlanFactory(site=site_a, year=2026)


@pytest.fixture
def action(plan):
    return PlanActionFactory(plan=plan, title="Forum des métiers", budget_requested=1200)


def _action_post(**overrides):
    data = {
        "title": "Atelier CV",
        "regional_axis": "",
        "description": "",
        "target_publics": "Demandeurs d'emploi",
        "start_date": "2026-03-01",
        "end_date": "2026-03-31",
        "budget_requested": "800",
        "indicators-TOTAL_FORMS": "2",
        "indicators-INITIAL_FORMS": "0",
        "indicators-MIN_NUM_FORMS": "0",
        "indicators-MAX_NUM_FORMS": "1000",
        "indicators-0-label": "Participants",
        "indicators-0-unit": "personnes",
        "indicators-0-target": "40",
        "indicators-1-label": "",
        "indicators-1-unit": "",
        "indicators-1-target": "",
    }
    data.update(overrides)
    return data


def _all_urls(plan, action):
    return [
        reverse("plans:detail", kwargs={"pk": plan.pk}),
        reverse("plans:edit", kwargs={"pk": plan.pk}),
        reverse("plans:arbitrate", kwargs={"pk": plan.pk}),
        reverse("plans:results", kwargs={"pk": plan.pk}),
        reverse("plans:action_create", kwargs={"pk": plan.pk}),
        reverse("plans:action_edit", kwargs={"pk": action.pk}),
        reverse("plans:action_delete", kwargs={"pk": action.pk}),
    ]


def test_anonymous_is_sent_to_login(client_for, plan, action):
    client = client_for(None)
    for url in [reverse("plans:list"), reverse("plans:create"), *_all_urls(plan, action)]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("login")), url


def test_list_shows_visible_plans_only(
    client_for, plan, site_b, coordinator_a, coordinator_b, observer, partner
):
    ActionPlanFactory(site=site_b, year=2026)
    listed = element_text(client_for(coordinator_a).get(reverse("plans:list")), "main table")
    assert "Espace métiers de Reims — 2026" in listed
    assert "Espace métiers de Troyes — 2026" not in listed
    response = client_for(observer).get(reverse("plans:list"))
    page = response.content.decode()
    assert "Espace métiers de Reims — 2026" in page and "Espace métiers de Troyes — 2026" in page
    assert reverse("plans:create") not in links(response)  # observers read only
    response = client_for(partner).get(reverse("plans:list"))
    assert response.status_code == 200
    assert "Aucun plan d" in response.content.decode()


def test_list_filters(client_for, regional_coordinator, site_a, site_b):
    ActionPlanFactory(site=site_a, year=2025, status=PlanStatus.REVIEWED)
    ActionPlanFactory(site=site_a, year=2026)
    ActionPlanFactory(site=site_b, year=2026, status=PlanStatus.PROPOSED)
    client = client_for(regional_coordinator)

    def rows(**params):
        return [str(plan) for plan in client.get(reverse("plans:list"), params).context["page"].object_list]

    assert len(rows()) == 3
    assert len(rows(site="reims")) == 2
    assert len(rows(year=2026)) == 2
    assert rows(status="propose") == [str(ActionPlan.objects.get(site=site_b))]


def test_list_query_count(client_for, regional_coordinator, django_assert_num_queries):
    for n in range(30):
        ActionPlanFactory(site=SiteFactory(), year=2020 + n % 5)
    client = client_for(regional_coordinator)
    # session + user, the user's role rows and site assignments, the site filter's options, the
    # page's count and the page's rows (annotated); "may the user create a plan" reads the roles.
    with django_assert_num_queries(7):
        response = client.get(reverse("plans:list"))
    assert len(response.context["page"].object_list) == 25


def test_detail_shows_everything(client_for, plan, action, observer):
    ActionIndicatorFactory(action=action, label="Visiteurs", target=300, result=None)
    response = client_for(observer).get(reverse("plans:detail", kwargs={"pk": plan.pk}))
    page = response.content.decode()
    assert "Forum des métiers" in page and "Visiteurs" in page and "Brouillon" in page
    targets = links(response)
    assert reverse("plans:action_create", kwargs={"pk": plan.pk}) not in targets
    assert reverse("plans:step", kwargs={"pk": plan.pk, "step": "propose"}) not in targets


def test_strangers_get_404_and_change_nothing(client_for, plan, action, coordinator_b, partner):
    for user in (coordinator_b, partner):
        client = client_for(user)
        for url in _all_urls(plan, action):
            assert client.get(url).status_code == 404, url
        assert (
            client.post(reverse("plans:action_edit", kwargs={"pk": action.pk}), _action_post()).status_code
            == 404
        )
        assert (
            client.post(reverse("plans:action_create", kwargs={"pk": plan.pk}), _action_post()).status_code
            == 404
        )
        assert client.post(reverse("plans:action_delete", kwargs={"pk": action.pk})).status_code == 404
        assert (
            client.post(reverse("plans:step", kwargs={"pk": plan.pk, "step": "propose"})).status_code == 404
        )
        assert (
            client.post(
                reverse("plans:progress_rule", kwargs={"pk": plan.pk}), {"progress_rule": "taux_moyen"}
            ).status_code
            == 404
        )
    plan.refresh_from_db(), action.refresh_from_db()
    assert plan.status == PlanStatus.DRAFT and plan.progress_rule == "actions_realisees"
    assert action.title == "Forum des métiers"
    assert PlanAction.objects.count() == 1
    # Nor can they create a plan for site A.
    response = client_for(coordinator_b).post(reverse("plans:create"), {"site": "reims", "year": 2027})
    assert response.status_code == 200
    assert not ActionPlan.objects.filter(year=2027).exists()


def test_observer_reads_but_gets_403_on_writes(client_for, plan, action, observer):
    client = client_for(observer)
    assert client.get(reverse("plans:detail", kwargs={"pk": plan.pk})).status_code == 200
    assert client.get(reverse("plans:create")).status_code == 403
    for url in _all_urls(plan, action)[1:]:
        assert client.get(url).status_code == 403, url
    assert (
        client.post(reverse("plans:action_edit", kwargs={"pk": action.pk}), _action_post()).status_code == 403
    )
    assert client.post(reverse("plans:step", kwargs={"pk": plan.pk, "step": "propose"})).status_code == 403
    assert (
        client.post(
            reverse("plans:progress_rule", kwargs={"pk": plan.pk}), {"progress_rule": "taux_moyen"}
        ).status_code
        == 403
    )
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFT


def test_site_coordinator_creates_a_plan_and_adds_an_action(client_for, site_a, coordinator_a):
    client = client_for(coordinator_a)
    response = client.post(
        reverse("plans:create"), {"site": "reims", "year": 2027, "summary": "Cap sur l'industrie"}
    )
    plan = ActionPlan.objects.get(site=site_a, year=2027)
    assert response.status_code == 302 and response.url == reverse("plans:detail", kwargs={"pk": plan.pk})
    response = client.post(reverse("plans:create"), {"site": "reims", "year": 2027})
    assert "déjà un plan" in response.content.decode()

    response = client.post(reverse("plans:action_create", kwargs={"pk": plan.pk}), _action_post())
    assert response.status_code == 302
    action = plan.actions.get()
    assert action.title == "Atelier CV" and action.budget_granted is None
    assert list(action.indicators.values_list("label", "target")) == [("Participants", 40)]
    # Edit it: drop the indicator, add another.
    indicator = action.indicators.get()
    data = _action_post(title="Atelier CV et lettre de motivation")
    data.update(
        {
            "indicators-INITIAL_FORMS": "1",
            "indicators-0-id": str(indicator.pk),
            "indicators-0-action": str(action.pk),
            "indicators-0-DELETE": "on",
            "indicators-1-label": "Ateliers tenus",
            "indicators-1-target": "10",
        }
    )
    response = client.post(reverse("plans:action_edit", kwargs={"pk": action.pk}), data)
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.title == "Atelier CV et lettre de motivation"
    assert list(action.indicators.values_list("label", flat=True)) == ["Ateliers tenus"]
    # A site coordinator cannot choose the progress rule.
    assert (
        client.post(
            reverse("plans:progress_rule", kwargs={"pk": plan.pk}), {"progress_rule": "taux_moyen"}
        ).status_code
        == 403
    )


def test_workflow_through_the_pages(client_for, plan, action, coordinator_a, regional_coordinator):
    other = PlanActionFactory(plan=plan, title="Job dating", budget_requested=2000)
    site_client, coordination = client_for(coordinator_a), client_for(regional_coordinator)
    detail = reverse("plans:detail", kwargs={"pk": plan.pk})
    assert "Proposer le plan" in site_client.get(detail).content.decode()
    site_client.post(
        reverse("plans:step", kwargs={"pk": plan.pk, "step": "propose"}), {"comment": "CTLP du 3 juin"}
    )
    plan.refresh_from_db()
    assert plan.status == PlanStatus.PROPOSED
    # The site coordinator can neither arbitrate nor transmit.
    assert site_client.get(reverse("plans:arbitrate", kwargs={"pk": plan.pk})).status_code == 403
    assert (
        site_client.post(reverse("plans:step", kwargs={"pk": plan.pk, "step": "transmit"})).status_code == 403
    )

    arbitrate = reverse("plans:arbitrate", kwargs={"pk": plan.pk})
    response = coordination.post(
        arbitrate, {f"arbitration_{action.pk}": "retenue", f"arbitration_{other.pk}": "modifiee"}
    )
    assert response.status_code == 200 and "Expliquez cet arbitrage" in response.content.decode()
    response = coordination.post(
        arbitrate,
        {
            f"arbitration_{action.pk}": "retenue",
            f"arbitration_{other.pk}": "modifiee",
            f"comment_{other.pk}": "Une seule session",
            f"budget_{other.pk}": "1500",
            "comment": "COPIL du 10 décembre",
        },
    )
    assert response.status_code == 302
    other.refresh_from_db()
    assert (other.arbitration, other.budget_granted) == (Arbitration.MODIFIED, 1500)
    # A step out of order gets a French message, not a change.
    response = coordination.post(
        reverse("plans:step", kwargs={"pk": plan.pk, "step": "validate"}), follow=True
    )
    assert "ne peut pas passer" in response.content.decode()
    coordination.post(reverse("plans:step", kwargs={"pk": plan.pk, "step": "transmit"}))
    coordination.post(
        reverse("plans:step", kwargs={"pk": plan.pk, "step": "validate"}), {"comment": "Délibération"}
    )
    plan.refresh_from_db()
    assert plan.status == PlanStatus.VALIDATED
    response = site_client.get(detail)
    page = response.content.decode()
    assert "Validé par la Région" in page and "Saisir les résultats" in page
    assert reverse("plans:action_create", kwargs={"pk": plan.pk}) not in links(response)
    assert "COPIL du 10 décembre" in page and "Une seule session" in page


def test_validated_plan_only_takes_results(client_for, plan, action, coordinator_a, regional_coordinator):
    indicator = ActionIndicatorFactory(action=action, target=100)
    rejected = PlanActionFactory(plan=plan, title="Salon rejeté", arbitration=Arbitration.REJECTED)
    plan.status = PlanStatus.VALIDATED
    plan.save()
    action.budget_granted = 1000
    action.arbitration = Arbitration.KEPT
    action.save()
    for user in (coordinator_a, regional_coordinator):
        client = client_for(user)
        # Crafted POSTs on the edit, create and delete pages are refused and change nothing.
        response = client.post(
            reverse("plans:action_edit", kwargs={"pk": action.pk}),
            _action_post(title="Piraté", budget_requested="99999"),
        )
        assert response.status_code == 403
        assert (
            client.post(reverse("plans:action_create", kwargs={"pk": plan.pk}), _action_post()).status_code
            == 403
        )
        assert client.post(reverse("plans:action_delete", kwargs={"pk": action.pk})).status_code == 403
    action.refresh_from_db()
    assert (action.title, action.budget_requested, action.budget_granted) == ("Forum des métiers", 1200, 1000)
    assert PlanAction.objects.count() == 2

    client = client_for(coordinator_a)
    results = reverse("plans:results", kwargs={"pk": plan.pk})
    form = element_text(client.get(results), "main form")
    assert "Forum des métiers" in form
    assert "Salon rejeté" not in form
    # Extra fields in the POST (title, budget, another action's status) are ignored.
    response = client.post(
        results,
        {
            f"status_{action.pk}": ActionStatus.DONE,
            f"result_{indicator.pk}": "120",
            f"status_{rejected.pk}": ActionStatus.DONE,
            "title": "Piraté",
            "budget_granted": "99999",
        },
    )
    assert response.status_code == 302
    action.refresh_from_db(), rejected.refresh_from_db()
    assert (
        action.status == ActionStatus.DONE
        and action.title == "Forum des métiers"
        and action.budget_granted == 1000
    )
    assert rejected.status == ActionStatus.PLANNED
    assert ActionIndicator.objects.get(pk=indicator.pk).result == 120
    page = client.get(reverse("plans:detail", kwargs={"pk": plan.pk})).content.decode()
    assert "100,0 %" in page  # one kept action, done
    assert "Clore par le bilan" in page


def test_draft_pages_refuse_results(client_for, plan, action, coordinator_a):
    response = client_for(coordinator_a).post(
        reverse("plans:results", kwargs={"pk": plan.pk}), {f"status_{action.pk}": ActionStatus.DONE}
    )
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.status == ActionStatus.PLANNED


def test_coordination_sends_back_to_draft_and_sets_the_rule(client_for, plan, action, regional_coordinator):
    plan.status = PlanStatus.PROPOSED
    plan.save()
    client = client_for(regional_coordinator)
    response = client.post(
        reverse("plans:step", kwargs={"pk": plan.pk, "step": "back_to_draft"}), follow=True
    )
    assert "Expliquez pourquoi" in response.content.decode()
    client.post(
        reverse("plans:step", kwargs={"pk": plan.pk, "step": "back_to_draft"}), {"comment": "Budget à revoir"}
    )
    client.post(reverse("plans:progress_rule", kwargs={"pk": plan.pk}), {"progress_rule": "pondere_budget"})
    plan.refresh_from_db()
    assert (plan.status, plan.progress_rule) == (PlanStatus.DRAFT, "pondere_budget")
    assert plan.transitions.get().comment == "Budget à revoir"
    assert client.post(reverse("plans:step", kwargs={"pk": plan.pk, "step": "unknown"})).status_code == 403


def test_detail_query_count_does_not_grow_with_actions(
    client_for, plan, regional_coordinator, django_assert_num_queries
):
    for _ in range(5):
        action = PlanActionFactory(plan=plan)
        ActionIndicatorFactory(action=action)
        ActionIndicatorFactory(action=action)
    client = client_for(regional_coordinator)
    # session + user, the user's role rows and site assignments, the plan (with its site), the
    # actions (with their axis), their partners, their indicators, and the transitions (with authors).
    with django_assert_num_queries(9):
        response = client.get(reverse("plans:detail", kwargs={"pk": plan.pk}))
    assert len(response.context["actions"]) == 5


def test_create_page_preselects_the_site(client_for, site_a, coordinator_a):
    page = client_for(coordinator_a).get(reverse("plans:create"), {"site": "reims"}).content.decode()
    assert '<option value="reims" selected>' in page
