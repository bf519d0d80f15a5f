"""The public agenda's iCalendar feeds (RFC 5545, with the RFC 7986 calendar properties).

One VEVENT per event date. Its UID never changes: the event's oldest date row carries the event's
own UID (so an event with one date keeps it whatever happens to that date), any other date the UID
followed by its row's id. SEQUENCE is the event's, raised by the organisers' service at every
significant change; DTSTAMP and LAST-MODIFIED are the event's last change, so that two builds of an
unchanged agenda are identical. Times are given in Europe/Paris, with its VTIMEZONE. Cancelled events
stay, with STATUS:CANCELLED, so that calendars that copied them learn it.

Serialising is the costly part (about 2 ms an entry with the icalendar library): each VEVENT is
kept in the cache under a key made of everything it is written from, so that a changed event gets a
new key and the feed never serves a stale entry; only the calendar's frame is written at each call.
"""

import datetime
import hashlib
from collections.abc import Callable, Iterable

import icalendar
from django.conf import settings
from django.core.cache import cache
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from ..enums import EventStatus
from . import display

# Fixed, so that the UIDs do not depend on the host name a request came through.
UID_DOMAIN = "agenda.spro-hub"
REFRESH = datetime.timedelta(hours=6)
ENTRY_CACHE_SECONDS = 24 * 3600
END = b"END:VCALENDAR\r\n"
STATUSES = {
    EventStatus.PLANNED: "TENTATIVE",
    EventStatus.CANCELLED: "CANCELLED",
}


def uid_of(date) -> str:
    """The VEVENT UID of an event date (`first_date_pk` annotated by selectors.with_details)."""
    event = date.event
    first_pk = getattr(date, "first_date_pk", date.pk)
    if date.pk == first_pk:
        return f"{event.uid}@{UID_DOMAIN}"
    return f"{event.uid}-{date.pk}@{UID_DOMAIN}"


def _vevent(date, page_url: str) -> icalendar.Event:
    event = date.event
    item = icalendar.Event()
    item.add("uid", uid_of(date))
    item.add("dtstamp", event.updated_at)
    item.add("created", event.created_at)
    item.add("last-modified", event.updated_at)
    item.add("sequence", event.sequence)
    item.add("dtstart", display.local(date.start))
    item.add("dtend", display.local(date.end))
    summary = event.title
    if event.status == EventStatus.CANCELLED:
        summary = _("Annulé : %(title)s") % {"title": event.title}
    item.add("summary", summary)
    item.add("description", display.plain_description(event, page_url))
    location = display.location_text(event)
    if location:
        item.add("location", location)
    item.add("url", page_url)
    item.add("status", STATUSES.get(event.status, "CONFIRMED"))
    item.add("categories", [event.kind.label, *(theme.label for theme in event.agenda_themes)])
    return item


def _entry_key(date, page_url: str) -> str:
    """A cache key covering every input of the entry (the event's own fields through updated_at)."""
    event = date.event
    parts = [
        event.pk,
        event.updated_at.isoformat(),
        event.sequence,
        date.pk,
        date.start.isoformat(),
        date.end.isoformat(),
        uid_of(date),
        page_url,
        event.kind.label,
        *(theme.label for theme in event.agenda_themes),
        display.location_text(event),
        get_language(),
    ]
    digest = hashlib.sha256("\x1f".join(str(part) for part in parts).encode()).hexdigest()
    return f"agenda-vevent:1:{digest}"


def _entries(dates: list, absolute: Callable[[str], str]) -> bytes:
    """The VEVENTs, serialised: the whole run from the cache when no entry changed, else each entry
    from the cache or written anew."""
    keyed = [(date, absolute(date.event.get_public_url())) for date in dates]
    keys = [_entry_key(date, page_url) for date, page_url in keyed]
    run_key = "agenda-vevents:1:" + hashlib.sha256("".join(keys).encode()).hexdigest()
    run = cache.get(run_key)
    if run is not None:
        return run
    cached = cache.get_many(keys)
    built = {}
    for (date, page_url), key in zip(keyed, keys, strict=True):
        if key not in cached:
            built[key] = _vevent(date, page_url).to_ical()
    if built:
        cache.set_many(built, ENTRY_CACHE_SECONDS)
    run = b"".join(cached.get(key) or built[key] for key in keys)
    cache.set(run_key, run, ENTRY_CACHE_SECONDS)
    return run


def build_calendar(dates: Iterable, *, name: str, absolute: Callable[[str], str]) -> bytes:
    """The calendar of these event dates (rows of selectors.with_details).

    `absolute` turns a path into an absolute URL (request.build_absolute_uri).
    """
    dates = list(dates)
    cal = icalendar.Calendar()
    cal.add("prodid", f"-//{settings.SPRO_PLATFORM_NAME}//Agenda de l'orientation//FR")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("name", name)
    cal.add("x-wr-calname", name)
    cal.add(
        "x-wr-caldesc",
        _("Forums, salons, ateliers et rencontres du service public régional de l'orientation — %(region)s.")
        % {"region": settings.SPRO_REGION_NAME},
    )
    cal.add("x-wr-timezone", settings.TIME_ZONE)
    cal.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", icalendar.vDuration(REFRESH).to_ical().decode())
    if dates:
        # Only the years the entries span: a VTIMEZONE since 1970 would weigh more than the agenda.
        first = min(date.start for date in dates) - datetime.timedelta(days=1)
        last = max(date.end for date in dates) + datetime.timedelta(days=1)
        cal.add_component(
            icalendar.Timezone.from_tzid(settings.TIME_ZONE, first_date=first.date(), last_date=last.date())
        )
    frame = cal.to_ical()
    assert frame.endswith(END)
    return frame[: -len(END)] + _entries(dates, absolute) + END
