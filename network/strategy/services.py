"""Writes of the regional strategy.

Each function validates the object (model constraints included) before saving, inside a
transaction, and returns it. Views call these; they never save strategy objects themselves.
"""

from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ..models import Organisation
from ..models.strategy import (
    Challenge,
    Indicator,
    IndicatorValue,
    Milestone,
    Priority,
    StrategicAction,
    Strategy,
    StrategyReview,
)


def _validated_save(obj):
    obj.full_clean()
    obj.save()
    return obj


@transaction.atomic
def strategy_save(*, strategy: Strategy) -> Strategy:
    return _validated_save(strategy)


@transaction.atomic
def priority_save(*, priority: Priority) -> Priority:
    return _validated_save(priority)


@transaction.atomic
def challenge_save(*, challenge: Challenge) -> Challenge:
    return _validated_save(challenge)


@transaction.atomic
def strategic_action_save(
    *, action: StrategicAction, partners: Iterable[Organisation] | None = None
) -> StrategicAction:
    """Save a fiche-action and, when given, replace its partners."""
    if action.pilot_id and partners is not None and any(p.pk == action.pilot_id for p in partners):
        raise ValidationError({"partners": _("Le pilote ne peut pas être aussi partenaire de l'action.")})
    _validated_save(action)
    if partners is not None:
        action.partners.set(partners)
    return action


@transaction.atomic
def milestone_save(*, milestone: Milestone) -> Milestone:
    return _validated_save(milestone)


@transaction.atomic
def indicator_save(*, indicator: Indicator) -> Indicator:
    return _validated_save(indicator)


@transaction.atomic
def indicator_value_set(
    *, indicator: Indicator, year: int, value: Decimal, comment: str = ""
) -> IndicatorValue:
    """Record the value of an indicator for a year (replacing the one already entered)."""
    strategy = indicator.action.challenge.priority.strategy if indicator.action_id else None
    if strategy and not (strategy.start_year - 1 <= year <= strategy.end_year):
        raise ValidationError(
            {
                "year": _("L'année doit être comprise entre %(start)s et %(end)s.")
                % {"start": strategy.start_year - 1, "end": strategy.end_year}
            }
        )
    # select_for_update: two coordinators typing the same year's value must not both insert.
    existing = IndicatorValue.objects.select_for_update().filter(indicator=indicator, year=year).first()
    row = existing or IndicatorValue(indicator=indicator, year=year)
    row.value = value
    row.comment = comment
    return _validated_save(row)


@transaction.atomic
def review_save(*, review: StrategyReview) -> StrategyReview:
    strategy = review.strategy
    if not (strategy.start_year <= review.year <= strategy.end_year + 1):
        raise ValidationError(
            {"year": _("L'année doit correspondre à la période de la stratégie (ou l'année qui suit).")}
        )
    return _validated_save(review)
