"""Reads of governance that span several models (bodies, their meetings, attendance, decisions).

Callers pass a body already fetched through `Body.objects.visible_to(user)`.
"""

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.dates import MONTHS

from network.enums import AttendanceStatus, DecisionKind, MeetingStatus
from network.models.governance import Attendance, Body, Decision, Meeting

from . import services

# The decisions that count as the avis of a body in its indicators.
OPINION_KINDS = (DecisionKind.FAVOURABLE, DecisionKind.UNFAVOURABLE, DecisionKind.POSTPONED)


def meetings_by_year(body: Body) -> dict[int, list[Meeting]]:
    """The meetings of a body with their minutes, newest first, grouped by their local year."""
    by_year: dict[int, list] = {}
    for meeting in body.meetings.order_by("-starts_at").select_related("minutes"):
        by_year.setdefault(timezone.localtime(meeting.starts_at).year, []).append(meeting)
    return by_year


def body_rhythm(body: Body, meetings: list[Meeting], year: int) -> dict:
    """The meeting rhythm of a body in a year: meetings held against its rules, minutes, avis, attendance."""
    held = [m for m in meetings if m.status == MeetingStatus.HELD]
    held_months = {timezone.localtime(m.starts_at).month for m in held}
    # Body-level indicators of the year: two grouped queries, whatever the number of meetings.
    attendance = Attendance.objects.filter(meeting__body=body, meeting__starts_at__year=year).aggregate(
        convened=Count("pk", filter=~Q(status=AttendanceStatus.INVITED)),
        attended=Count("pk", filter=Q(status__in=services.ATTENDED)),
    )
    opinions = Decision.objects.filter(
        meeting__body=body, meeting__starts_at__year=year, kind__in=OPINION_KINDS
    ).count()
    return {
        "held_count": len(held),
        "required_months": [
            {"name": MONTHS[month], "held": month in held_months} for month in body.required_months
        ],
        "minutes_count": sum(1 for m in meetings if getattr(m, "minutes", None) is not None),
        "opinion_count": opinions,
        "attendance_rate": (
            round(100 * attendance["attended"] / attendance["convened"]) if attendance["convened"] else None
        ),
        "rhythm_met": len(held) >= body.min_meetings_per_year
        and all(month in held_months for month in body.required_months),
    }
