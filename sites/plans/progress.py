"""How far a plan has got, by the rule the coordination chose for it (ActionPlan.progress_rule).

Each rule takes the plan's actions (indicators prefetched) and returns a percentage between 0 and
100, or None when there is nothing to measure: an empty plan has no progress, not a division by zero.
Rejected actions never count: the steering committee struck them out of the plan.
"""

from decimal import Decimal

from ..enums import ActionStatus, Arbitration, ProgressRule

HUNDRED = Decimal(100)


def kept_actions(actions) -> list:
    """Actions still in the plan: every action but those the steering committee rejected."""
    return [action for action in actions if action.arbitration != Arbitration.REJECTED]


def _percent(part, whole) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * HUNDRED / Decimal(whole)).quantize(Decimal("0.1"))


def _indicators(actions) -> list:
    return [indicator for action in kept_actions(actions) for indicator in action.indicators.all()]


def actions_done(actions) -> Decimal | None:
    """Share of the kept actions that are done."""
    kept = kept_actions(actions)
    return _percent(sum(1 for action in kept if action.status == ActionStatus.DONE), len(kept))


def _achievement(indicator) -> Decimal:
    """How much of its target an indicator reached, between 0 and 1; a zero target is met by any result."""
    if indicator.result is None:
        return Decimal(0)
    if indicator.target <= 0:
        return Decimal(1)
    return min(Decimal(indicator.result) / Decimal(indicator.target), Decimal(1))


def indicators_met(actions) -> Decimal | None:
    """Share of the kept actions' indicators whose result reached the target."""
    indicators = _indicators(actions)
    return _percent(sum(1 for indicator in indicators if _achievement(indicator) >= 1), len(indicators))


def indicators_average(actions) -> Decimal | None:
    """Average achievement of the kept actions' indicators, each capped at 100 %."""
    indicators = _indicators(actions)
    if not indicators:
        return None
    return _percent(sum(_achievement(indicator) for indicator in indicators), len(indicators))


def budget_weighted(actions) -> Decimal | None:
    """Done actions weighted by their budget granted: the share of the granted money already spent well."""
    kept = kept_actions(actions)
    total = sum((action.budget_granted or 0) for action in kept)
    done = sum((action.budget_granted or 0) for action in kept if action.status == ActionStatus.DONE)
    return _percent(done, total)


RULES = {
    ProgressRule.ACTIONS_DONE: actions_done,
    ProgressRule.INDICATORS_MET: indicators_met,
    ProgressRule.INDICATORS_AVERAGE: indicators_average,
    ProgressRule.BUDGET_WEIGHTED: budget_weighted,
}


def plan_progress(plan, actions=None) -> Decimal | None:
    """The plan's progress by its own rule; pass the actions already fetched to save queries."""
    if actions is None:
        actions = plan.actions.prefetch_related("indicators")
    return RULES[ProgressRule(plan.progress_rule)](list(actions))
