"""What the public sees of an event, written once for the pages, the schema.org markup and the
iCalendar feeds: its place, its status notes, its "add to my calendar" link.

Only public fields are read here: never the attendance counts, the author, the action plan or the
programme.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.utils import formats, timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from ..enums import EventStatus

GOOGLE_CALENDAR_URL = "https://calendar.google.com/calendar/render"


@dataclass(frozen=True)
class Place:
    name: str
    street: str
    postcode: str
    commune: str

    def __str__(self) -> str:
        town = " ".join(part for part in (self.postcode, self.commune) if part)
        return ", ".join(part for part in (self.name, self.street, town) if part)


def organising_sites(event) -> list:
    return event.agenda_sites  # set by selectors.attach_relations


def place(event) -> Place | None:
    """Where an in-person event takes place: its own address, else its first organising site's."""
    if not event.is_in_person:
        return None
    if event.address or event.commune:
        return Place(event.place_name, event.address, event.postcode, event.commune)
    sites = organising_sites(event)
    if not sites:
        return Place(event.place_name, "", "", "") if event.place_name else None
    site = sites[0]
    return Place(event.place_name or site.name, site.address, site.postcode, site.commune)


def local(moment: datetime.datetime) -> datetime.datetime:
    """The moment in Europe/Paris (the platform's time zone), offset included."""
    return timezone.localtime(moment)


def format_moment(moment: datetime.datetime) -> str:
    return formats.date_format(local(moment), "l j F Y à H\\hi")


def status_notes(event) -> list[str]:
    """Sentences telling the public that an event is cancelled or postponed (never held)."""
    notes = []
    if event.status == EventStatus.CANCELLED:
        notes.append(_("Événement annulé."))
        if event.cancellation_reason:
            notes.append(_("Motif : %(reason)s") % {"reason": event.cancellation_reason})
    elif event.status == EventStatus.POSTPONED:
        if event.previous_start:
            notes.append(
                _("Événement reporté : initialement prévu le %(date)s.")
                % {"date": format_moment(event.previous_start)}
            )
        else:
            notes.append(_("Événement reporté."))
    return notes


def location_text(event) -> str:
    """The LOCATION of an iCalendar entry, the `location` of a calendar link."""
    parts = []
    where = place(event)
    if where:
        parts.append(str(where))
    if event.is_online:
        parts.append(
            _("En ligne : %(url)s") % {"url": event.online_url} if event.online_url else _("En ligne")
        )
    return " — ".join(parts)


def plain_description(event, page_url: str) -> str:
    """The DESCRIPTION of an iCalendar entry: status, description, registration, link to the page."""
    parts = [*status_notes(event)]
    if event.description:
        parts.append(event.description)
    parts.append(str(event.get_registration_display()))
    if event.registration_url:
        parts.append(_("Inscription : %(url)s") % {"url": event.registration_url})
    parts.append(_("Plus d'informations : %(url)s") % {"url": page_url})
    return "\n\n".join(parts)


def _utc_stamp(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")


def google_calendar_url(event, date, page_url: str) -> str:
    """A Google Calendar "create event" link, pre-filled for one of the event's dates."""
    query = {
        "action": "TEMPLATE",
        "text": event.title,
        "dates": f"{_utc_stamp(date.start)}/{_utc_stamp(date.end)}",
        "details": plain_description(event, page_url),
        "location": location_text(event),
        "ctz": settings.TIME_ZONE,
    }
    return f"{GOOGLE_CALENDAR_URL}?{urlencode(query)}"
