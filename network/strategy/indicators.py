"""Read-side computations of the regional strategy: its tree and its progress dashboard.

Every figure comes from grouped queries (one per table), combined in Python: the number of
queries does not grow with the number of priorities, challenges or actions.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Prefetch, Q
from django.utils import timezone

from sites.enums import Arbitration
from sites.models import Site

from ..models.strategy import (
    Challenge,
    Indicator,
    IndicatorValue,
    Milestone,
    Priority,
    StrategicAction,
    Strategy,
)


def percent(part, whole) -> int | None:
    if not whole:
        return None
    return round(Decimal(part) * 100 / Decimal(whole))


# The strategy tree


def current_strategy(day: datetime.date | None = None) -> Strategy | None:
    """The strategy covering the year of the day, else the most recent one."""
    year = (day or timezone.localdate()).year
    return (
        Strategy.objects.filter(start_year__lte=year, end_year__gte=year).order_by("-start_year").first()
        or Strategy.objects.order_by("-start_year", "-pk").first()
    )


def strategy_tree(strategy: Strategy):
    """Priorities → challenges → actions with pilot, partners, milestones, indicators and values.

    Seven queries whatever the size of the strategy: one per level and relation (prefetches).
    """
    actions = StrategicAction.objects.select_related("pilot").prefetch_related(
        "partners",
        "milestones",
        Prefetch(
            "indicators",
            queryset=Indicator.objects.order_by("code").prefetch_related(
                Prefetch("values", queryset=IndicatorValue.objects.order_by("year"))
            ),
        ),
    )
    return strategy.priorities.prefetch_related(
        Prefetch(
            "challenges",
            queryset=Challenge.objects.order_by("order", "code").prefetch_related(
                Prefetch("actions", queryset=actions.order_by("code"))
            ),
        )
    ).order_by("order", "code")


def indicator_status(indicator: Indicator, year: int | None = None) -> dict:
    """The latest value (up to the year) against the target, from the prefetched values."""
    values = [v for v in indicator.values.all() if year is None or v.year <= year]
    latest = values[-1] if values else None
    return {
        "indicator": indicator,
        "latest": latest,
        "percent": percent(latest.value, indicator.target) if latest and indicator.target else None,
    }


# The progress dashboard


@dataclass
class ChallengeProgress:
    challenge: Challenge
    milestones_due: int = 0
    milestones_done: int = 0
    milestones_late: int = 0
    site_actions: int = 0
    indicators: list = field(default_factory=list)

    @property
    def milestones_percent(self):
        return percent(self.milestones_done, self.milestones_due)


@dataclass
class PriorityProgress:
    priority: Priority
    challenges: list = field(default_factory=list)

    def _sum(self, name):
        return sum(getattr(c, name) for c in self.challenges)

    @property
    def milestones_due(self):
        return self._sum("milestones_due")

    @property
    def milestones_done(self):
        return self._sum("milestones_done")

    @property
    def milestones_late(self):
        return self._sum("milestones_late")

    @property
    def site_actions(self):
        return self._sum("site_actions")

    @property
    def milestones_percent(self):
        return percent(self.milestones_done, self.milestones_due)


def strategy_progress(strategy: Strategy, year: int, user, today: datetime.date | None = None) -> list:
    """Per priority and challenge: milestones due in the year (done / late), indicators' latest value
    against target, and the number of site plan actions of the year linked to the challenge, counted
    only in the plans the user may read (those of Site.objects.data_visible_to): a count never tells a reader
    about a plan the plans list would hide from them.

    Queries: priorities, challenges (prefetch), milestones grouped by challenge, indicators with
    their values (2), site actions grouped by challenge: 6 in all.
    """
    today = today or timezone.localdate()
    priorities = list(
        strategy.priorities.order_by("order", "code").prefetch_related(
            Prefetch("challenges", queryset=Challenge.objects.order_by("order", "code"))
        )
    )
    milestones = {
        row["action__challenge_id"]: row
        for row in Milestone.objects.filter(action__challenge__priority__strategy=strategy, due_on__year=year)
        .values("action__challenge_id")
        .annotate(
            due=Count("pk"),
            done=Count("pk", filter=Q(done_on__isnull=False)),
            late=Count("pk", filter=Q(done_on__isnull=True, due_on__lt=today)),
        )
        .order_by()
    }
    indicators_by_challenge: dict[int, list] = {}
    for indicator in (
        Indicator.objects.filter(action__challenge__priority__strategy=strategy, is_active=True)
        .select_related("action")
        .prefetch_related(Prefetch("values", queryset=IndicatorValue.objects.order_by("year")))
        .order_by("code")
    ):
        indicators_by_challenge.setdefault(indicator.action.challenge_id, []).append(
            indicator_status(indicator, year)
        )
    # Counted through the reverse relation Challenge.site_actions: the strategy reads the plans
    # without importing them (they sit in the layer above). Only the plans of the sites whose data
    # the user reads (what ActionPlan.objects.visible_to returns) count; rejected actions were not
    # kept in the plan: they do not count as the challenge's work.
    counted = Q(
        site_actions__plan__site__in=Site.objects.data_visible_to(user),
        site_actions__plan__year=year,
    ) & ~Q(site_actions__arbitration=Arbitration.REJECTED)
    site_actions = dict(
        Challenge.objects.filter(priority__strategy=strategy)
        .annotate(n=Count("site_actions", filter=counted))
        .values_list("pk", "n")
        .order_by()
    )
    rows = []
    for priority in priorities:
        row = PriorityProgress(priority=priority)
        for challenge in priority.challenges.all():
            counts = milestones.get(challenge.pk, {})
            row.challenges.append(
                ChallengeProgress(
                    challenge=challenge,
                    milestones_due=counts.get("due", 0),
                    milestones_done=counts.get("done", 0),
                    milestones_late=counts.get("late", 0),
                    site_actions=site_actions.get(challenge.pk, 0),
                    indicators=indicators_by_challenge.get(challenge.pk, []),
                )
            )
        rows.append(row)
    return rows
