"""The coordination calendar's events: meetings, coordination visits and professionalisation sessions
a person may see, and the month grid they are laid out on.

The calendar sits above labels (it lists coordination visits) and above governance and strategy
(meetings, sessions): it reads all of them, none of them reads it."""

import calendar as pycalendar
import datetime
import math
from dataclasses import dataclass

import rules
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from network.enums import MeetingStatus
from network.models.governance import Meeting, ProfessionalisationSession
from sites.models import Site
from sites.models.visits import CoordinationVisit


@dataclass
class CalendarEvent:
    kind: str  # "meeting", "visit", "session"
    uid: str
    title: str
    day: datetime.date
    starts_at: datetime.datetime | None = None
    ends_at: datetime.datetime | None = None
    days: int = 1
    place: str = ""
    url: str = ""
    cancelled: bool = False

    @property
    def kind_label(self) -> str:
        return {
            "meeting": _("Réunion d'instance"),
            "visit": _("Visite sur site"),
            "session": _("Professionnalisation"),
        }[self.kind]


def _reverse_or_blank(name: str, **kwargs) -> str:
    """Link to a page only if it exists: some pages are built by other parts of the project."""
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return ""


def events_between(user, start: datetime.date, end: datetime.date) -> list[CalendarEvent]:
    """Events from start to end (inclusive) the user may see, sorted by date.

    Three queries: meetings of visible bodies, visits of sites whose data the user reads, sessions.
    """
    tz = timezone.get_current_timezone()
    start_dt = datetime.datetime.combine(start, datetime.time.min, tzinfo=tz)
    end_dt = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
    events = []
    for meeting in (
        Meeting.objects.visible_to(user)
        .filter(starts_at__gte=start_dt, starts_at__lt=end_dt)
        .select_related("body")
        .order_by("starts_at")
    ):
        local = timezone.localtime(meeting.starts_at)
        events.append(
            CalendarEvent(
                kind="meeting",
                uid=f"meeting-{meeting.pk}",
                title=f"{meeting.body} — {meeting.title}",
                day=local.date(),
                starts_at=meeting.starts_at,
                ends_at=meeting.ends_at or meeting.starts_at + datetime.timedelta(hours=2),
                place=meeting.place,
                url=_reverse_or_blank("governance:meeting_detail", pk=meeting.pk),
                cancelled=meeting.status == MeetingStatus.CANCELLED,
            )
        )
    for visit in (
        CoordinationVisit.objects.filter(
            site__in=Site.objects.data_visible_to(user), visited_on__gte=start, visited_on__lte=end
        )
        .select_related("site")
        .order_by("visited_on")
    ):
        events.append(
            CalendarEvent(
                kind="visit",
                uid=f"visit-{visit.pk}",
                title=f"{_('Visite')} — {visit.site.name} ({visit.get_purpose_display()})",
                day=visit.visited_on,
                place=visit.site.commune,
                url=_reverse_or_blank("sites:detail", slug=visit.site.slug),
            )
        )
    if rules.test_rule("strategy.read_sessions", user):
        for session in ProfessionalisationSession.objects.filter(
            starts_on__gte=start, starts_on__lte=end
        ).order_by("starts_on"):
            events.append(
                CalendarEvent(
                    kind="session",
                    uid=f"session-{session.pk}",
                    title=f"{_('Professionnalisation')} — {session.theme}",
                    day=session.starts_on,
                    days=max(1, math.ceil(session.days)),  # 1.5 day → two calendar days
                    place=session.place,
                    url=reverse("strategy:session_detail", kwargs={"pk": session.pk}),
                )
            )
    events.sort(key=lambda e: (e.day, e.starts_at.timestamp() if e.starts_at else 0))
    return events


def month_grid(year: int, month: int, events: list[CalendarEvent]) -> list[list[dict]]:
    """Weeks (Monday first) of days, each with its events."""
    by_day: dict[datetime.date, list] = {}
    for event in events:
        by_day.setdefault(event.day, []).append(event)
    return [
        [{"date": day, "in_month": day.month == month, "events": by_day.get(day, [])} for day in week]
        for week in pycalendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    ]
