"""The workflow services: who may take each step, in which state, and what gets logged."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from sites.enums import ActionStatus, Arbitration, PlanStatus
from sites.models.plans import ActionPlan, PlanAction
from sites.plans import services
from tests.plans.factories import ActionIndicatorFactory, ActionPlanFactory, PlanActionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(site_a):
    return ActionPlanFactory(site=site_a, year=2026)


def _arbitrate_all(plan, author, arbitration=Arbitration.KEPT):
    decisions = {
        action.pk: {"arbitration": arbitration, "comment": "Vu en comité", "budget_granted": None}
        for action in plan.actions.all()
    }
    return services.plan_arbitrate(plan=plan, author=author, decisions=decisions)


def test_plan_create_one_per_site_and_year(site_a, coordinator_a):
    services.plan_create(site=site_a, year=2027, author=coordinator_a)
    with pytest.raises(ValidationError):
        services.plan_create(site=site_a, year=2027, author=coordinator_a)


@pytest.mark.parametrize("persona", ["coordinator_b", "observer", "partner"])
def test_plan_create_refused_to_others(request, site_a, persona):
    with pytest.raises(PermissionDenied):
        services.plan_create(site=site_a, year=2027, author=request.getfixturevalue(persona))
    assert not ActionPlan.objects.exists()


def test_propose_needs_an_action(plan, coordinator_a):
    with pytest.raises(ValidationError, match="au moins une action"):
        services.plan_propose(plan=plan, author=coordinator_a)
    PlanActionFactory(plan=plan)
    services.plan_propose(plan=plan, author=coordinator_a, comment="Pour le comité technique")
    plan.refresh_from_db()
    assert plan.status == PlanStatus.PROPOSED
    transition = plan.transitions.get()
    assert (transition.from_status, transition.to_status, transition.author, transition.comment) == (
        PlanStatus.DRAFT,
        PlanStatus.PROPOSED,
        coordinator_a,
        "Pour le comité technique",
    )


def test_full_workflow(plan, coordinator_a, regional_coordinator):
    kept = PlanActionFactory(plan=plan, budget_requested=1000)
    modified = PlanActionFactory(plan=plan, budget_requested=2000)
    rejected = PlanActionFactory(plan=plan, budget_requested=500)
    services.plan_propose(plan=plan, author=coordinator_a)
    with pytest.raises(PermissionDenied):
        _arbitrate_all(plan, coordinator_a)
    decisions = {
        kept.pk: {"arbitration": Arbitration.KEPT, "comment": "", "budget_granted": Decimal(5)},
        modified.pk: {
            "arbitration": Arbitration.MODIFIED,
            "comment": "Un seul forum",
            "budget_granted": Decimal(1500),
        },
        rejected.pk: {
            "arbitration": Arbitration.REJECTED,
            "comment": "Hors feuille de route",
            "budget_granted": None,
        },
    }
    services.plan_arbitrate(plan=plan, author=regional_coordinator, decisions=decisions, comment="COPIL")
    kept.refresh_from_db(), modified.refresh_from_db(), rejected.refresh_from_db()
    assert kept.budget_granted == 1000  # a kept action gets what it asked for
    assert modified.budget_granted == 1500
    assert rejected.budget_granted == 0
    assert modified.arbitration_comment == "Un seul forum"
    with pytest.raises(PermissionDenied):
        services.plan_transmit(plan=plan, author=coordinator_a)
    services.plan_transmit(plan=plan, author=regional_coordinator)
    services.plan_validate(plan=plan, author=regional_coordinator, comment="Délibération du 12 mars")
    plan.refresh_from_db()
    assert plan.status == PlanStatus.VALIDATED
    assert list(plan.transitions.values_list("to_status", flat=True)) == [
        PlanStatus.PROPOSED,
        PlanStatus.ARBITRATED,
        PlanStatus.SENT_TO_REGION,
        PlanStatus.VALIDATED,
    ]
    # The bilan waits for the end of the year or for every kept action to be closed.
    with pytest.raises(ValidationError):
        services.plan_review(plan=plan, author=coordinator_a, today=datetime.date(2026, 6, 1))
    services.results_record(
        plan=plan,
        author=coordinator_a,
        action_statuses={kept.pk: ActionStatus.DONE, modified.pk: ActionStatus.CANCELLED},
        indicator_results={},
    )
    assert services.allowed_steps(plan, coordinator_a, today=datetime.date(2026, 6, 1)) == ["review"]
    services.plan_review(plan=plan, author=coordinator_a, today=datetime.date(2026, 6, 1))
    plan.refresh_from_db()
    assert plan.status == PlanStatus.REVIEWED


def test_review_after_the_year_has_ended(plan, coordinator_a):
    plan.status = PlanStatus.VALIDATED
    plan.save()
    PlanActionFactory(plan=plan)
    services.plan_review(plan=plan, author=coordinator_a, today=datetime.date(2027, 1, 15))
    plan.refresh_from_db()
    assert plan.status == PlanStatus.REVIEWED


def test_every_action_must_be_arbitrated(plan, coordinator_a, regional_coordinator):
    first = PlanActionFactory(plan=plan)
    second = PlanActionFactory(plan=plan)
    services.plan_propose(plan=plan, author=coordinator_a)
    with pytest.raises(ValidationError, match="Chaque action"):
        services.plan_arbitrate(
            plan=plan,
            author=regional_coordinator,
            decisions={first.pk: {"arbitration": Arbitration.KEPT}},
        )
    with pytest.raises(ValidationError, match="Expliquez"):
        services.plan_arbitrate(
            plan=plan,
            author=regional_coordinator,
            decisions={
                first.pk: {"arbitration": Arbitration.KEPT},
                second.pk: {"arbitration": Arbitration.MODIFIED, "comment": " "},
            },
        )
    plan.refresh_from_db()
    assert plan.status == PlanStatus.PROPOSED
    assert not PlanAction.objects.exclude(arbitration="").exists()


def test_back_to_draft_only_from_proposed_by_coordination_with_a_comment(
    plan, coordinator_a, regional_coordinator
):
    PlanActionFactory(plan=plan)
    services.plan_propose(plan=plan, author=coordinator_a)
    with pytest.raises(PermissionDenied):
        services.plan_back_to_draft(plan=plan, author=coordinator_a, comment="Oups")
    with pytest.raises(ValidationError):
        services.plan_back_to_draft(plan=plan, author=regional_coordinator, comment="")
    services.plan_back_to_draft(plan=plan, author=regional_coordinator, comment="Budget à revoir")
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFT
    # No going back from later steps.
    services.plan_propose(plan=plan, author=coordinator_a)
    _arbitrate_all(plan, regional_coordinator)
    with pytest.raises(ValidationError, match="ne peut pas passer"):
        services.plan_back_to_draft(plan=plan, author=regional_coordinator, comment="Trop tard")


def test_observer_cannot_take_any_step(plan, observer, coordinator_a):
    PlanActionFactory(plan=plan)
    with pytest.raises(PermissionDenied):
        services.plan_propose(plan=plan, author=observer)
    services.plan_propose(plan=plan, author=coordinator_a)
    for step in (services.plan_transmit, services.plan_validate):
        with pytest.raises(PermissionDenied):
            step(plan=plan, author=observer)
    with pytest.raises(PermissionDenied):
        services.plan_back_to_draft(plan=plan, author=observer, comment="Non")
    assert services.allowed_steps(plan, observer) == []


def test_actions_frozen_once_proposed(plan, coordinator_a, regional_coordinator):
    action = PlanActionFactory(plan=plan, title="Forum")
    services.plan_propose(plan=plan, author=coordinator_a)
    action.title = "Autre"
    for author in (coordinator_a, regional_coordinator):
        with pytest.raises(ValidationError, match="ne se modifient plus"):
            services.plan_action_save(action=action, author=author)
        with pytest.raises(ValidationError):
            services.plan_action_delete(action=action, author=author)
    action.refresh_from_db()
    assert action.title == "Forum"


def test_plan_action_save_refused_to_another_site(plan, coordinator_b):
    with pytest.raises(PermissionDenied):
        services.plan_action_save(action=PlanAction(plan=plan, title="Intrus"), author=coordinator_b)
    assert not PlanAction.objects.exists()


def test_results_only_once_validated_and_not_on_rejected_actions(plan, coordinator_a):
    action = PlanActionFactory(plan=plan)
    indicator = ActionIndicatorFactory(action=action)
    with pytest.raises(ValidationError, match="validé"):
        services.results_record(
            plan=plan,
            author=coordinator_a,
            action_statuses={action.pk: ActionStatus.DONE},
            indicator_results={},
        )
    plan.status = PlanStatus.VALIDATED
    plan.save()
    services.results_record(
        plan=plan,
        author=coordinator_a,
        action_statuses={action.pk: ActionStatus.DONE},
        indicator_results={indicator.pk: Decimal(42)},
    )
    indicator.refresh_from_db()
    assert indicator.result == 42
    rejected = PlanActionFactory(plan=plan, arbitration=Arbitration.REJECTED)
    with pytest.raises(ValidationError):
        services.results_record(
            plan=plan,
            author=coordinator_a,
            action_statuses={rejected.pk: ActionStatus.DONE},
            indicator_results={},
        )
    foreign = ActionIndicatorFactory()
    with pytest.raises(ValidationError):
        services.results_record(
            plan=plan, author=coordinator_a, action_statuses={}, indicator_results={foreign.pk: Decimal(1)}
        )


def test_progress_rule_is_the_coordinations_choice(plan, coordinator_a, regional_coordinator):
    with pytest.raises(PermissionDenied):
        services.plan_set_progress_rule(plan=plan, progress_rule="taux_moyen", author=coordinator_a)
    services.plan_set_progress_rule(plan=plan, progress_rule="taux_moyen", author=regional_coordinator)
    plan.refresh_from_db()
    assert plan.progress_rule == "taux_moyen"
