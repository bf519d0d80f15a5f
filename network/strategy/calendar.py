"""The coordination calendar: meetings, coordination visits and professionalisation sessions a person
may see, as a month page and as a personal iCalendar feed authenticated by a signed token."""

import calendar as pycalendar
import datetime
import hashlib
import math
from dataclasses import dataclass

import icalendar
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sites.models import Site
from sites.models.visits import CoordinationVisit

from ..enums import MeetingStatus
from ..models.governance import Meeting, ProfessionalisationSession

TOKEN_SALT = "spro.strategy.calendar-feed"
# The feed covers the recent past and the coming year: calendar apps poll it, keep it small.
FEED_DAYS_BEFORE = 183
FEED_DAYS_AFTER = 366


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


def can_read_sessions(user) -> bool:
    roles = user.roles
    return bool(roles.reads_whole_network or roles.is_site_coordinator or roles.is_partner)


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
    if can_read_sessions(user):
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


# The personal feed token


def _password_fingerprint(user) -> str:
    # Mixed into the signing salt: changing the password (or having it reset) revokes every token.
    return hashlib.sha256(f"{user.pk}:{user.password}".encode()).hexdigest()[:20]


def feed_token(user) -> str:
    return signing.Signer(salt=f"{TOKEN_SALT}:{_password_fingerprint(user)}", sep=".").sign(str(user.pk))


def user_for_token(token: str):
    """The active user a feed token belongs to, or None if forged, revoked or malformed."""
    user_id, sep, _signature = token.partition(".")
    if not sep or not user_id.isdigit():
        return None
    user = get_user_model().objects.filter(pk=int(user_id), is_active=True).first()
    if user is None:
        return None
    signer = signing.Signer(salt=f"{TOKEN_SALT}:{_password_fingerprint(user)}", sep=".")
    try:
        signer.unsign(token)
    except signing.BadSignature:
        return None
    return user


def ical_feed(user, events: list[CalendarEvent], base_url: str) -> bytes:
    cal = icalendar.Calendar()
    cal.add("prodid", f"-//{settings.SPRO_PLATFORM_NAME}//Calendrier de coordination//FR")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"{settings.SPRO_PLATFORM_NAME} — {user.get_full_name() or user.username}")
    cal.add("x-wr-timezone", settings.TIME_ZONE)
    stamp = timezone.now()
    for event in events:
        item = icalendar.Event()
        item.add("uid", f"{event.uid}@spro-hub")
        item.add("dtstamp", stamp)
        item.add("summary", event.title)
        if event.starts_at:
            item.add("dtstart", event.starts_at)
            item.add("dtend", event.ends_at)
        else:
            item.add("dtstart", event.day)
            item.add("dtend", event.day + datetime.timedelta(days=event.days))
        if event.place:
            item.add("location", event.place)
        if event.url:
            item.add("url", base_url + event.url)
        item.add("categories", [event.kind_label])
        if event.cancelled:
            item.add("status", "CANCELLED")
        cal.add_component(item)
    return cal.to_ical()
