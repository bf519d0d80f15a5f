"""The personal iCalendar feed of the coordination calendar, authenticated by a signed token."""

import datetime
import hashlib

import icalendar
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.utils import timezone

from .events import CalendarEvent

# Unchanged since the calendar lived in network.strategy: changing it would revoke every token.
TOKEN_SALT = "spro.strategy.calendar-feed"
# The feed covers the recent past and the coming year: calendar apps poll it, keep it small.
FEED_DAYS_BEFORE = 183
FEED_DAYS_AFTER = 366


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
