"""Who may do what with the sites' annual action plans.

- the site's coordinators and the regional coordination draft the plan while it is a draft;
- they propose it; only the coordination arbitrates, transmits, records the Région's validation
  and sends a proposed plan back to draft;
- once validated, only results change (action realisation, indicator results);
- the site's coordinators or the coordination close the year with the bilan.
Observers read everything and write nothing.

Each rule states who and in which state of the plan (object: the `ActionPlan`; for creation the
`Site`, or none). `plans.write` and `plans.coordinate` say who alone: the services refuse with
PermissionDenied when they refuse, and with a French ValidationError when the person may act but
the plan's state forbids the step.
"""

import contextvars
import datetime
from contextlib import contextmanager

import rules
from django.utils import timezone

from network.rules import is_regional_coordinator, is_site_coordinator, reads_whole_network

from ..enums import ActionStatus, Arbitration, PlanStatus
from ..rules import coordinates_site_if_given, edits_site

# Statuses in which results (realisation, indicator results) may be entered.
RESULTS_STATUSES = (PlanStatus.VALIDATED, PlanStatus.REVIEWED)
CLOSED_ACTION_STATUSES = (ActionStatus.DONE, ActionStatus.CANCELLED)


# The day the rules judge a plan on: today, unless a caller (a test, a service given a day) says.
_judged_on: contextvars.ContextVar[datetime.date | None] = contextvars.ContextVar("judged_on", default=None)


@contextmanager
def judged_on(day: datetime.date | None):
    """Within the block, the rules judge plans as on `day` (None: today)."""
    token = _judged_on.set(day)
    try:
        yield
    finally:
        _judged_on.reset(token)


def year_has_ended(plan, today: datetime.date | None = None) -> bool:
    return (today or _judged_on.get() or timezone.localdate()).year > plan.year


def all_actions_closed(plan) -> bool:
    """Every kept action is done or cancelled (and there is at least one)."""
    kept = plan.actions.exclude(arbitration=Arbitration.REJECTED)
    return kept.exists() and not kept.exclude(status__in=CLOSED_ACTION_STATUSES).exists()


def can_be_reviewed(plan, today: datetime.date | None = None) -> bool:
    """The year is over, or every kept action is done or cancelled: the bilan may close the plan."""
    return year_has_ended(plan, today) or all_actions_closed(plan)


# The states of a plan.


def in_state(predicate, plan) -> bool:
    """Whether a state predicate of this module (one that reads the plan only) holds for `plan`."""
    return predicate.test(None, plan)


def _status_in(*statuses):
    def check(_user, plan) -> bool:
        return plan is not None and plan.status in statuses

    return check


is_draft = rules.predicate(_status_in(PlanStatus.DRAFT), name="is_draft")
is_proposed = rules.predicate(_status_in(PlanStatus.PROPOSED), name="is_proposed")
is_arbitrated = rules.predicate(_status_in(PlanStatus.ARBITRATED), name="is_arbitrated")
is_sent_to_region = rules.predicate(_status_in(PlanStatus.SENT_TO_REGION), name="is_sent_to_region")
is_validated = rules.predicate(_status_in(PlanStatus.VALIDATED), name="is_validated")
takes_results = rules.predicate(_status_in(*RESULTS_STATUSES), name="takes_results")


@rules.predicate
def is_reviewable(_user, plan) -> bool:
    """Validated, and its year over or every kept action closed (on the day of `judged_on`)."""
    return plan is not None and plan.status == PlanStatus.VALIDATED and can_be_reviewed(plan)


# Who: the plan's site's editors (its coordinators and the regional coordination); without an
# object, whoever edits some site.
writes = is_regional_coordinator | coordinates_site_if_given

rules.add_rule("plans.read", reads_whole_network | is_site_coordinator)
rules.add_rule("plans.write", writes)
# The steps that belong to the regional coordination, whatever the plan's state.
rules.add_rule("plans.coordinate", is_regional_coordinator)

rules.add_rule("plans.create_plan", writes)
# The year's orientations and the actions change while the plan is a draft.
rules.add_rule("plans.edit_plan", edits_site & is_draft)
rules.add_rule("plans.edit_actions", edits_site & is_draft)
# Once validated by the Région, only the results are entered.
rules.add_rule("plans.enter_results", edits_site & takes_results)
# How the progress is computed: the coordination's choice, at any stage.
rules.add_rule("plans.set_rule", is_regional_coordinator)

# The workflow, one rule per step (see STEP_RULES).
rules.add_rule("plans.propose_plan", edits_site & is_draft)
rules.add_rule("plans.send_back_plan", is_regional_coordinator & is_proposed)
rules.add_rule("plans.arbitrate_plan", is_regional_coordinator & is_proposed)
rules.add_rule("plans.transmit_plan", is_regional_coordinator & is_arbitrated)
rules.add_rule("plans.validate_plan", is_regional_coordinator & is_sent_to_region)
rules.add_rule("plans.review_plan", edits_site & is_reviewable)

# The workflow steps of the plan's page, in the order they are offered, with their rule.
STEP_RULES = {
    "propose": "plans.propose_plan",
    "arbitrate": "plans.arbitrate_plan",
    "back_to_draft": "plans.send_back_plan",
    "transmit": "plans.transmit_plan",
    "validate": "plans.validate_plan",
    "review": "plans.review_plan",
}
