"""The governance indicators: per body, meetings held against the minimum, required months, minutes
adopted, decisions open or overdue, attendance; per labelled site, the action plan of the year.

Every figure comes from grouped queries (one per table), combined in Python: the number of
queries does not grow with the number of bodies, sites or plans.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q
from django.utils import timezone

from sites.enums import ActionStatus, Arbitration, PlanStatus
from sites.models import Site

from ..enums import AttendanceStatus, MeetingStatus, MinutesStatus
from ..models.governance import Attendance, Body, Decision, Meeting
from ..strategy.indicators import percent


def held_meetings_q(now: datetime.datetime | None = None, prefix: str = "") -> Q:
    """A meeting counts as held when marked so, or when past and not cancelled (a past meeting still
    "prévue" is counted, and shown « à confirmer » until its organiser says it was held or cancelled)."""
    now = now or timezone.now()
    return Q(**{f"{prefix}status": MeetingStatus.HELD}) | (
        Q(**{f"{prefix}starts_at__lt": now}) & ~Q(**{f"{prefix}status": MeetingStatus.CANCELLED})
    )


@dataclass
class BodyIndicators:
    body: Body
    held: int = 0
    # Among the held ones, past meetings still "prévue": counted as held, to be confirmed.
    to_confirm: int = 0
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
            to_confirm=Count("pk", filter=Q(status=MeetingStatus.PLANNED)),
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
                to_confirm=meetings.get(body.pk, {}).get("to_confirm", 0),
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
    plan: object | None = None  # the site's ActionPlan of the year, with its action counts

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

    Two queries: the labelled sites, the plans of the year with their action counts. The plans sit in
    the layer above: they are read through the sites' reverse relation (Site.action_plans).
    """
    kept = ~Q(actions__arbitration=Arbitration.REJECTED) & ~Q(actions__status=ActionStatus.CANCELLED)
    plans_of_year = (
        Site.action_plans.rel.related_model.objects.filter(year=year)
        .annotate(
            actions_kept=Count("actions", filter=kept),
            actions_done=Count("actions", filter=kept & Q(actions__status=ActionStatus.DONE)),
        )
        .order_by("pk")
    )
    sites = list(
        Site.objects.labelled()
        .select_related("kind")
        .prefetch_related(Prefetch("action_plans", queryset=plans_of_year, to_attr="plans_of_year"))
        .order_by("name")
    )
    rows = [
        SitePlanIndicators(site=site, plan=site.plans_of_year[0] if site.plans_of_year else None)
        for site in sites
    ]
    approved = sum(1 for row in rows if row.approved)
    return {
        "rows": rows,
        "expected": len(rows),
        "approved": approved,
        "approved_percent": percent(approved, len(rows)),
    }
