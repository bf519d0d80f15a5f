"""iCalendar invitations (RFC 5545, method REQUEST) for the meetings of steering bodies."""

import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress, vText

from network.enums import MeetingStatus

DEFAULT_LENGTH = datetime.timedelta(hours=2)


def meeting_uid(meeting) -> str:
    """Stable per meeting: a re-sent invitation updates the event already in the calendars."""
    host = urlsplit(settings.SPRO_BASE_URL).hostname or "spro.invalid"
    return f"reunion-{meeting.pk}@{host}"


def sequence_at(meeting, moment: datetime.datetime) -> int:
    """A SEQUENCE that grows with each sending, so that calendars accept the newer version."""
    return max(0, int((moment - meeting.created_at).total_seconds()))


def meeting_invitation(meeting, members, *, agenda=(), sequence: int = 0) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", f"-//{settings.SPRO_PLATFORM_NAME}//Instances//FR")
    calendar.add("version", "2.0")
    calendar.add("method", "REQUEST")

    event = Event()
    event.add("uid", meeting_uid(meeting))
    event.add("sequence", sequence)
    event.add("dtstamp", timezone.now())
    event.add("dtstart", meeting.starts_at)
    event.add("dtend", meeting.ends_at or meeting.starts_at + DEFAULT_LENGTH)
    event.add("summary", f"{meeting.body.name} — {meeting.title}")
    location = meeting.place or meeting.video_link
    if location:
        event.add("location", location)
    if meeting.video_link:
        event.add("url", meeting.video_link)
    lines = [f"{item.order}. {item.title}" for item in agenda]
    if lines:
        event.add("description", "Ordre du jour :\n" + "\n".join(lines))
    event.add("status", "CANCELLED" if meeting.status == MeetingStatus.CANCELLED else "CONFIRMED")
    organizer = vCalAddress(f"mailto:{_sender_address()}")
    organizer.params["cn"] = vText(settings.SPRO_PLATFORM_NAME)
    event["organizer"] = organizer
    for member in members:
        attendee = vCalAddress(f"mailto:{member.email}")
        attendee.params["cn"] = vText(member.full_name)
        attendee.params["role"] = vText("REQ-PARTICIPANT")
        attendee.params["partstat"] = vText("NEEDS-ACTION")
        attendee.params["rsvp"] = vText("TRUE")
        event.add("attendee", attendee, encode=0)
    calendar.add_component(event)
    return calendar.to_ical()


def _sender_address() -> str:
    # DEFAULT_FROM_EMAIL may read "Name <address>": the calendar wants the bare address.
    sender = settings.DEFAULT_FROM_EMAIL
    if "<" in sender:
        sender = sender.split("<", 1)[1].rstrip(">")
    return sender.strip()
