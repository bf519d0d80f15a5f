"""What the public agenda reads: published events only, one row per date, with what a row shows
fetched in a constant number of queries (the date and its event, then the sites, partners, themes
and publics of all the rows at once)."""

import datetime
from collections import defaultdict

from django.db.models import OuterRef, Subquery
from django.utils import timezone

from network.models import Organisation
from sites.models import Site, Theme
from stats.models import Situation

from ..models import Event, EventDate, MonthlyTheme

# The events' many-to-many relations a public row shows: (attribute set on each event, through
# table's column, related model, order). Read as (event id, item id) pairs, then each item once.
RELATIONS = (
    ("agenda_sites", Event.sites.through, "site_id", Site, ("name", "pk")),
    ("agenda_partners", Event.partners.through, "organisation_id", Organisation, ("name", "pk")),
    ("agenda_themes", Event.themes.through, "theme_id", Theme, ("order", "label", "pk")),
    ("agenda_publics", Event.publics.through, "situation_id", Situation, ("order", "label", "pk")),
)

# The feeds cover the past year and everything ahead: calendar apps poll them, keep them bounded.
FEED_DAYS_BEFORE = 366


def public_dates():
    """Dates of published events (cancelled ones included: pages and feeds mark them so)."""
    return EventDate.objects.filter(event__in=Event.objects.published().values("pk"))


def attach_relations(events) -> None:
    """Sets agenda_sites, agenda_partners, agenda_themes and agenda_publics (lists) on each event.

    Eight queries whatever the number of events. Django's prefetch_related would do it in four, but
    builds a queryset per event and relation: 2 s for a feed of 2,000 dates, against 0.1 s here.
    """
    by_pk = {event.pk: event for event in events}
    for attribute, through, column, model, order in RELATIONS:
        pairs = list(through.objects.filter(event_id__in=by_pk).values_list("event_id", column))
        items = model.objects.in_bulk({item_id for _event_id, item_id in pairs})
        rank = {item.pk: n for n, item in enumerate(sorted(items.values(), key=_sort_key(order)))}
        grouped = defaultdict(list)
        for event_id, item_id in sorted(pairs, key=lambda pair: rank[pair[1]]):
            grouped[event_id].append(items[item_id])
        for pk, event in by_pk.items():
            setattr(event, attribute, grouped.get(pk, []))


def _sort_key(fields):
    return lambda item: tuple(getattr(item, field) for field in fields)


def detailed(dates):
    """The date rows with their event and its kind (one query), to pass through `with_details`.

    `first_date_pk` is the pk of the event's oldest date row: that date carries the event's own
    iCalendar UID, the others the UID followed by their pk (see ical.uid_of).
    """
    first_date = EventDate.objects.filter(event=OuterRef("event")).order_by("pk").values("pk")[:1]
    return dates.select_related("event__kind").annotate(first_date_pk=Subquery(first_date))


def with_details(dates) -> list:
    """The rows as pages and feeds show them, as a list (rows of `detailed`, or any date rows):
    rows of the same event share one Event instance, which carries its sites, partners, themes and
    publics (attach_relations)."""
    rows = list(dates)
    events = {}
    for row in rows:
        row.event = events.setdefault(row.event_id, row.event)
    attach_relations(list(events.values()))
    return rows


def upcoming(dates, now: datetime.datetime | None = None):
    """Dates not over yet, soonest first."""
    now = now or timezone.now()
    return dates.filter(end__gt=now).order_by("start", "pk")


def feed_window(dates, now: datetime.datetime | None = None):
    """What a feed carries when no date range is asked for: the past year and the future."""
    now = now or timezone.now()
    return dates.filter(end__gt=now - datetime.timedelta(days=FEED_DAYS_BEFORE)).order_by("start", "pk")


def site_programme(site, *, limit: int, today: datetime.date | None = None):
    """A site's theme of the month (or None) and its next published event dates."""
    today = today or timezone.localdate()
    theme = MonthlyTheme.objects.filter(site=site, month=today.replace(day=1)).select_related("theme").first()
    dates = public_dates().filter(event__in=Event.objects.filter(sites=site).values("pk"))
    dates = list(upcoming(dates).select_related("event__kind")[:limit])
    return theme, dates
