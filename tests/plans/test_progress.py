"""Each progress rule, including empty plans (no division by zero) and rejected actions (excluded)."""

from decimal import Decimal

import pytest

from sites.enums import ActionStatus, Arbitration, ProgressRule
from sites.plans import progress
from tests.plans.factories import ActionIndicatorFactory, ActionPlanFactory, PlanActionFactory

pytestmark = pytest.mark.django_db


def _actions(plan):
    return list(plan.actions.prefetch_related("indicators"))


@pytest.mark.parametrize("rule", list(ProgressRule))
def test_empty_plan_has_no_progress(rule):
    plan = ActionPlanFactory(progress_rule=rule)
    assert progress.plan_progress(plan) is None
    assert progress.RULES[rule]([]) is None


def test_actions_done_counts_kept_actions_only():
    plan = ActionPlanFactory()
    PlanActionFactory(plan=plan, status=ActionStatus.DONE, arbitration=Arbitration.KEPT)
    PlanActionFactory(plan=plan, status=ActionStatus.IN_PROGRESS, arbitration=Arbitration.MODIFIED)
    PlanActionFactory(plan=plan, status=ActionStatus.CANCELLED)
    PlanActionFactory(plan=plan, status=ActionStatus.DONE, arbitration=Arbitration.REJECTED)
    assert progress.actions_done(_actions(plan)) == Decimal("33.3")


def test_actions_done_with_only_rejected_actions():
    plan = ActionPlanFactory()
    PlanActionFactory(plan=plan, status=ActionStatus.DONE, arbitration=Arbitration.REJECTED)
    assert progress.actions_done(_actions(plan)) is None


def test_indicators_met():
    plan = ActionPlanFactory(progress_rule=ProgressRule.INDICATORS_MET)
    action = PlanActionFactory(plan=plan)
    ActionIndicatorFactory(action=action, target=100, result=120)
    ActionIndicatorFactory(action=action, target=100, result=99)
    ActionIndicatorFactory(action=action, target=10, result=None)
    ActionIndicatorFactory(action=action, target=0, result=0)
    rejected = PlanActionFactory(plan=plan, arbitration=Arbitration.REJECTED)
    ActionIndicatorFactory(action=rejected, target=1, result=5)
    assert progress.plan_progress(plan) == Decimal("50.0")


def test_indicators_met_without_indicators():
    plan = ActionPlanFactory(progress_rule=ProgressRule.INDICATORS_MET)
    PlanActionFactory(plan=plan)
    assert progress.plan_progress(plan) is None


def test_indicators_average_is_capped_at_100():
    plan = ActionPlanFactory(progress_rule=ProgressRule.INDICATORS_AVERAGE)
    action = PlanActionFactory(plan=plan)
    ActionIndicatorFactory(action=action, target=100, result=300)  # capped: 1
    ActionIndicatorFactory(action=action, target=100, result=50)  # 0.5
    ActionIndicatorFactory(action=action, target=100, result=None)  # 0
    assert progress.plan_progress(plan) == Decimal("50.0")


def test_budget_weighted():
    plan = ActionPlanFactory(progress_rule=ProgressRule.BUDGET_WEIGHTED)
    PlanActionFactory(plan=plan, budget_granted=3000, status=ActionStatus.DONE)
    PlanActionFactory(plan=plan, budget_granted=1000, status=ActionStatus.IN_PROGRESS)
    PlanActionFactory(plan=plan, budget_granted=None, status=ActionStatus.DONE)
    PlanActionFactory(
        plan=plan, budget_granted=5000, status=ActionStatus.DONE, arbitration=Arbitration.REJECTED
    )
    assert progress.plan_progress(plan) == Decimal("75.0")


def test_budget_weighted_without_any_budget():
    plan = ActionPlanFactory(progress_rule=ProgressRule.BUDGET_WEIGHTED)
    PlanActionFactory(plan=plan, budget_granted=None, status=ActionStatus.DONE)
    PlanActionFactory(plan=plan, budget_granted=0)
    assert progress.plan_progress(plan) is None
