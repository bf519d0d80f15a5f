"""Read-side computations: the strategy progress dashboard and the governance indicators.

Every figure comes from grouped queries (one per table), combined in Python: the number of
queries does not grow with the number of bodies, sites or actions.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Prefetch, Q
from django.utils import timezone

from sites.enums import ActionStatus, Arbitration, PlanStatus
from sites.models import Site
from sites.models.plans import ActionPlan, PlanAction

from ..enums import AttendanceStatus, MeetingStatus, MinutesStatus
from ..models.governance import Attendance, Body, Decision, Meeting
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
    only in the plans the user may read (ActionPlan.objects.visible_to): a count never tells a reader
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
    # Rejected actions were not kept in the plan: they do not count as the challenge's work.
    site_actions = dict(
        PlanAction.objects.filter(
            plan__in=ActionPlan.objects.visible_to(user),
            plan__year=year,
            regional_axis__priority__strategy=strategy,
        )
        .exclude(arbitration=Arbitration.REJECTED)
        .values_list("regional_axis_id")
        .annotate(n=Count("pk"))
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


# Governance indicators


def held_meetings_q(now: datetime.datetime | None = None, prefix: str = "") -> Q:
    """A meeting counts as held when marked so, or when past and not cancelled."""
    now = now or timezone.now()
    return Q(**{f"{prefix}status": MeetingStatus.HELD}) | (
        Q(**{f"{prefix}starts_at__lt": now}) & ~Q(**{f"{prefix}status": MeetingStatus.CANCELLED})
    )


@dataclass
class BodyIndicators:
    body: Body
    held: int = 0
    required: int = 0
    months_held: list = field(default_factory=list)
    months_missing: list = field(default_factory=list)
    minutes_adopted: int = 0
    decisions_open: int = 0
    decisions_overdue: int = 0
    invited: int = 0
    present: int = 0

    @property
    def meets_minimum(self) -> bool:
        return self.held >= self.required

    @property
    def months_respected(self) -> bool:
        return not self.months_missing

    @property
    def attendance_percent(self):
        return percent(self.present, self.invited)


def body_indicators(year: int, *, now: datetime.datetime | None = None) -> list[BodyIndicators]:
    """Per body, for a year: meetings held vs required, required months, minutes adopted, decisions
    still open or overdue, attendance rate.

    Five queries: bodies, meetings grouped by body, held months per body, decisions grouped by
    body, attendance grouped by body.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    held = held_meetings_q(now)
    bodies = list(
        Body.objects.filter(Q(is_active=True) | Q(meetings__starts_at__year=year))
        .distinct()
        .select_related("kind", "site", "territory")
        .order_by("kind__order", "name")
    )
    meetings = {
        row["body_id"]: row
        for row in Meeting.objects.in_year(year)
        .filter(held)
        .values("body_id")
        .annotate(
            held=Count("pk"),
            # Minutes is a one-to-one: the join does not multiply the meeting rows.
            adopted=Count("pk", filter=Q(minutes__status=MinutesStatus.ADOPTED)),
        )
        .order_by()
    }
    months: dict[int, set] = {}
    for body_id, month in (
        Meeting.objects.in_year(year).filter(held).values_list("body_id", "starts_at__month").distinct()
    ):
        months.setdefault(body_id, set()).add(month)
    decisions = {
        row["meeting__body_id"]: row
        for row in Decision.objects.open()
        .filter(meeting__starts_at__year=year)
        .values("meeting__body_id")
        .annotate(open=Count("pk"), overdue=Count("pk", filter=Q(due_date__lt=today)))
        .order_by()
    }
    attendance = {
        row["meeting__body_id"]: row
        for row in Attendance.objects.filter(meeting__in=Meeting.objects.in_year(year).filter(held))
        .values("meeting__body_id")
        .annotate(
            invited=Count("pk"),
            present=Count(
                "pk", filter=Q(status__in=[AttendanceStatus.PRESENT, AttendanceStatus.REPRESENTED])
            ),
        )
        .order_by()
    }
    rows = []
    for body in bodies:
        body_months = months.get(body.pk, set())
        required_months = sorted({int(m) for m in body.required_months or []})
        rows.append(
            BodyIndicators(
                body=body,
                held=meetings.get(body.pk, {}).get("held", 0),
                required=body.min_meetings_per_year,
                months_held=sorted(body_months),
                months_missing=[m for m in required_months if m not in body_months],
                minutes_adopted=meetings.get(body.pk, {}).get("adopted", 0),
                decisions_open=decisions.get(body.pk, {}).get("open", 0),
                decisions_overdue=decisions.get(body.pk, {}).get("overdue", 0),
                invited=attendance.get(body.pk, {}).get("invited", 0),
                present=attendance.get(body.pk, {}).get("present", 0),
            )
        )
    return rows


@dataclass
class SitePlanIndicators:
    site: Site
    plan: ActionPlan | None = None

    @property
    def approved(self) -> bool:
        return self.plan is not None and self.plan.status in APPROVED_PLAN_STATUSES

    @property
    def done_percent(self):
        return percent(self.plan.actions_done, self.plan.actions_kept) if self.plan else None


APPROVED_PLAN_STATUSES = (PlanStatus.VALIDATED, PlanStatus.REVIEWED)


def plan_indicators(year: int) -> dict:
    """Plans of the year for the labelled sites: approved (validé or bilan) vs expected, and the share
    of the kept actions (not rejected, not cancelled) that were carried out.

    Two queries: the labelled sites, the plans of the year with their action counts.
    """
    sites = list(Site.objects.labelled().select_related("kind").order_by("name"))
    kept = ~Q(actions__arbitration=Arbitration.REJECTED) & ~Q(actions__status=ActionStatus.CANCELLED)
    plans = {
        plan.site_id: plan
        for plan in ActionPlan.objects.filter(year=year, site__in=[s.pk for s in sites]).annotate(
            actions_kept=Count("actions", filter=kept),
            actions_done=Count("actions", filter=kept & Q(actions__status=ActionStatus.DONE)),
        )
    }
    rows = [SitePlanIndicators(site=site, plan=plans.get(site.pk)) for site in sites]
    approved = sum(1 for row in rows if row.approved)
    return {
        "rows": rows,
        "expected": len(rows),
        "approved": approved,
        "approved_percent": percent(approved, len(rows)),
    }
