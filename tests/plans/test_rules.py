"""The rules of sites/plans/rules.py, per persona and per state of the plan: what the plan's page
shows (buttons, workflow steps) and what the views and services accept."""

import datetime

import pytest
import rules
from django.contrib.auth.models import AnonymousUser

from sites.enums import ActionStatus, PlanStatus
from sites.plans import services
from sites.plans.rules import STEP_RULES, judged_on
from tests.factories import UserFactory
from tests.helpers import PERSONAS
from tests.plans.factories import ActionPlanFactory, PlanActionFactory

pytestmark = pytest.mark.django_db

EDITORS = {"regional_coordinator", "coordinator_a"}
COORDINATION = {"regional_coordinator"}
NOBODY: set[str] = set()
# Inside the plan's year: the bilan waits for every kept action to be closed.
DURING_THE_YEAR = datetime.date(2026, 6, 15)
AFTER_THE_YEAR = datetime.date(2027, 1, 15)


@pytest.fixture
def allowed(personas):
    """allowed(rule, obj): the personas the rule lets act on obj."""

    def check(rule, obj=None) -> set[str]:
        return {name for name in PERSONAS if rules.test_rule(rule, personas[name] or AnonymousUser(), obj)}

    return check


# (rule, the statuses it accepts, who may act then); the bilan is tested below, with its dates.
PLAN_RULES = [
    ("plans.edit_plan", {PlanStatus.DRAFT}, EDITORS),
    ("plans.edit_actions", {PlanStatus.DRAFT}, EDITORS),
    ("plans.enter_results", {PlanStatus.VALIDATED, PlanStatus.REVIEWED}, EDITORS),
    ("plans.propose_plan", {PlanStatus.DRAFT}, EDITORS),
    ("plans.arbitrate_plan", {PlanStatus.PROPOSED}, COORDINATION),
    ("plans.send_back_plan", {PlanStatus.PROPOSED}, COORDINATION),
    ("plans.transmit_plan", {PlanStatus.ARBITRATED}, COORDINATION),
    ("plans.validate_plan", {PlanStatus.SENT_TO_REGION}, COORDINATION),
    # The coordination chooses how progress is computed, at any stage.
    ("plans.set_rule", set(PlanStatus.values), COORDINATION),
]


@pytest.mark.parametrize("status", PlanStatus.values)
@pytest.mark.parametrize(("rule", "statuses", "who"), PLAN_RULES, ids=[r[0] for r in PLAN_RULES])
def test_plan_rules_per_status_and_persona(allowed, site_a, rule, statuses, who, status):
    plan = ActionPlanFactory(site=site_a, status=status)
    assert allowed(rule, plan) == (who if status in statuses else NOBODY)


def test_the_role_rules(allowed, site_a, site_b):
    assert allowed("plans.read") == {"regional_coordinator", "observer", "coordinator_a", "coordinator_b"}
    assert allowed("plans.create_plan") == {"regional_coordinator", "coordinator_a", "coordinator_b"}
    assert allowed("plans.create_plan", site_a) == EDITORS
    assert allowed("plans.create_plan", site_b) == {"regional_coordinator", "coordinator_b"}
    assert allowed("plans.write", ActionPlanFactory(site=site_b)) == {"regional_coordinator", "coordinator_b"}
    assert allowed("plans.coordinate") == COORDINATION


@pytest.mark.parametrize("status", [s for s in PlanStatus.values if s != PlanStatus.VALIDATED])
def test_only_a_validated_plan_is_reviewed(allowed, site_a, status):
    plan = ActionPlanFactory(site=site_a, status=status)
    with judged_on(AFTER_THE_YEAR):
        assert allowed("plans.review_plan", plan) == NOBODY


def test_review_waits_for_the_end_of_the_year_or_every_action_closed(allowed, site_a):
    plan = ActionPlanFactory(site=site_a, status=PlanStatus.VALIDATED, year=2026)
    action = PlanActionFactory(plan=plan)
    with judged_on(DURING_THE_YEAR):
        assert allowed("plans.review_plan", plan) == NOBODY
    with judged_on(AFTER_THE_YEAR):
        assert allowed("plans.review_plan", plan) == EDITORS
    action.status = ActionStatus.DONE
    action.save()
    with judged_on(DURING_THE_YEAR):
        assert allowed("plans.review_plan", plan) == EDITORS


def test_the_steps_offered_are_the_rules(personas, site_a):
    """`allowed_steps` (the page's step buttons) is the list of the step rules that say yes."""
    for year, status in enumerate(PlanStatus.values, start=2020):
        plan = ActionPlanFactory(site=site_a, year=year, status=status)
        for name in PERSONAS:
            user = personas[name] or AnonymousUser()
            with judged_on(AFTER_THE_YEAR):
                expected = [step for step, rule in STEP_RULES.items() if rules.test_rule(rule, user, plan)]
            assert services.allowed_steps(plan, user, today=AFTER_THE_YEAR) == expected, (status, name)


def test_a_superuser_gets_no_button_the_state_forbids(site_a):
    admin = UserFactory(username="admin", is_superuser=True, is_staff=True)
    validated = ActionPlanFactory(site=site_a, status=PlanStatus.VALIDATED)
    assert admin.has_perm("plans.edit_plan", validated)
    assert not rules.test_rule("plans.edit_plan", admin, validated)
    assert rules.test_rule("plans.enter_results", admin, validated)
