"""The schema.org `Event` markup of an event's public page (JSON-LD), after Google's guidelines for
event structured data: one `Event` per date when an event has several, each with name, start and end
with their UTC offset, location (a Place with its postal address, a VirtualLocation with its URL, both
for a hybrid event), attendance mode, status (cancelled, rescheduled with the former start), organizer,
description, a free offer and the page's URL.
"""

import json

from django.conf import settings
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from ..enums import AttendanceMode, EventStatus
from . import display

SCHEMA = "https://schema.org/"
ATTENDANCE_MODES = {
    AttendanceMode.IN_PERSON: "OfflineEventAttendanceMode",
    AttendanceMode.ONLINE: "OnlineEventAttendanceMode",
    AttendanceMode.HYBRID: "MixedEventAttendanceMode",
}
# Characters that could end the <script> element or open a comment, escaped inside JSON strings.
SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}
STATUSES = {
    EventStatus.CANCELLED: "EventCancelled",
    EventStatus.POSTPONED: "EventRescheduled",
}


def _organizers(event, absolute) -> list[dict]:
    organizers = []
    for site in display.organising_sites(event):
        url = absolute(site.get_absolute_url()) if site.is_public else site.website
        organizers.append({"@type": "Organization", "name": site.name, **({"url": url} if url else {})})
    for partner in event.agenda_partners:
        organizers.append(
            {
                "@type": "Organization",
                "name": partner.name,
                **({"url": partner.website} if partner.website else {}),
            }
        )
    return organizers


def _location(event, page_url: str) -> list[dict]:
    locations = []
    where = display.place(event)
    if where:
        locations.append(
            {
                "@type": "Place",
                "name": where.name or where.commune,
                "address": {
                    "@type": "PostalAddress",
                    "streetAddress": where.street,
                    "postalCode": where.postcode,
                    "addressLocality": where.commune,
                    "addressRegion": settings.SPRO_REGION_NAME,
                    "addressCountry": "FR",
                },
            }
        )
    if event.is_online:
        # Google requires a URL: the connection link, or the page that will give it.
        locations.append({"@type": "VirtualLocation", "url": event.online_url or page_url})
    return locations


def _description(event) -> str:
    if event.description:
        return event.description
    sites = ", ".join(site.name for site in display.organising_sites(event))
    return _("%(kind)s organisé par %(sites)s.") % {"kind": event.kind.label, "sites": sites}


def event_objects(event, dates, *, page_url: str, absolute) -> list[dict]:
    """One schema.org Event per date. `absolute` turns a path into an absolute URL."""
    status = STATUSES.get(event.status, "EventScheduled")
    location = _location(event, page_url)
    common = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": event.title,
        "description": _description(event),
        "eventStatus": SCHEMA + status,
        "eventAttendanceMode": SCHEMA + ATTENDANCE_MODES.get(event.mode, "OfflineEventAttendanceMode"),
        "location": location[0] if len(location) == 1 else location,
        "organizer": _organizers(event, absolute),
        "url": page_url,
    }
    if event.status != EventStatus.CANCELLED:
        # The public service of orientation is free: an offer at 0 €, registration where it happens.
        common["offers"] = {
            "@type": "Offer",
            "price": 0,
            "priceCurrency": "EUR",
            "availability": SCHEMA + "InStock",
            "url": event.registration_url or page_url,
            "validFrom": display.local(event.created_at).isoformat(),
        }
    objects = []
    for index, date in enumerate(dates):
        item = {
            **common,
            "startDate": display.local(date.start).isoformat(),
            "endDate": display.local(date.end).isoformat(),
        }
        if event.status == EventStatus.POSTPONED and event.previous_start and index == 0:
            # The former start of the event, that is of its first date.
            item["previousStartDate"] = display.local(event.previous_start).isoformat()
        objects.append(item)
    return objects


def script_content(objects: list[dict]) -> SafeString:
    """The JSON, safe inside <script type="application/ld+json"> (no "</script>" can close it)."""
    data = objects[0] if len(objects) == 1 else objects
    return mark_safe(json.dumps(data, ensure_ascii=False, indent=1).translate(SCRIPT_ESCAPES))
