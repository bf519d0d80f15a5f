"""The public regional agenda (agenda de l'orientation): no login, published events only.

Lists and feeds read `Event.objects.published()` through selectors.public_dates; a single event is
fetched through `Event.objects.visible_to(user).published()`, which is what everyone may read of the
agenda (published events), whoever asks.
"""

import calendar as pycalendar
import datetime
import hashlib

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.formats import date_format
from django.utils.http import quote_etag
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from network.models import Territory
from sites.models import Site

from ..models import Event
from . import display, ical, jsonld, selectors
from .filters import FIRST_DAY, LAST_DAY, AgendaFilter, day_start

PAGE_SIZE = 20
FEED_CACHE = "public, max-age=900"


def _render(request, template: str, context: dict) -> HttpResponse:
    return render(request, f"events/public/{template}", {"nav": "agenda", **context})


def _absolute(request):
    return request.build_absolute_uri


def _feed_links(request, url: str) -> dict:
    absolute = request.build_absolute_uri(url)
    return {"url": url, "absolute": absolute, "webcal": "webcal://" + absolute.split("://", 1)[1]}


def _public_event(request, pk: int) -> Event:
    events = Event.objects.visible_to(request.user).published()
    event = get_object_or_404(events.select_related("kind"), pk=pk)
    selectors.attach_relations([event])
    return event


def _territories(user):
    """Territories with an agenda: those of the sites the reader may see (public ones for everyone)."""
    sites = Site.objects.visible_to(user).values("pk")
    return Territory.objects.filter(Q(sites_in_departement__in=sites) | Q(sites__in=sites)).distinct()


@login_not_required
@require_safe
def agenda_list(request):
    """Upcoming dates first; a date range in the past lists the most recent first."""
    agenda_filter = AgendaFilter(request.GET, queryset=selectors.public_dates(), request=request)
    dates = agenda_filter.qs
    if not agenda_filter.has_dates:
        dates = selectors.upcoming(dates)
    elif (end := agenda_filter.form.cleaned_data.get("au")) and end < timezone.localdate():
        dates = dates.order_by("-start", "-pk")
    else:
        dates = dates.order_by("start", "pk")
    page = Paginator(selectors.detailed(dates), PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = selectors.with_details(page.object_list)
    return _render(
        request,
        "list.html",
        {
            "filter": agenda_filter,
            "page": page,
            "feed": _feed_links(request, reverse("agenda:feed")),
            "filtered_feed": _feed_links(request, reverse("agenda:filtered_feed")),
        },
    )


def _month(request) -> datetime.date:
    today = timezone.localdate()
    try:
        year, month = (int(part) for part in request.GET.get("mois", "").split("-"))
        first = datetime.date(year, month, 1)
    except (TypeError, ValueError):
        return today.replace(day=1)
    # Months next to the bounds would need dates the filters refuse.
    return first if FIRST_DAY < first < LAST_DAY.replace(day=1) else today.replace(day=1)


@login_not_required
@require_safe
def agenda_calendar(request):
    first = _month(request)
    following = (first + datetime.timedelta(days=32)).replace(day=1)
    previous = (first - datetime.timedelta(days=1)).replace(day=1)
    agenda_filter = AgendaFilter(request.GET, queryset=selectors.public_dates(), request=request, dates=False)
    dates = agenda_filter.qs.filter(start__gte=day_start(first), start__lt=day_start(following))
    dates = selectors.with_details(selectors.detailed(dates.order_by("start", "pk")))
    by_day: dict[datetime.date, list] = {}
    for date in dates:
        by_day.setdefault(timezone.localdate(date.start), []).append(date)
    weeks = [
        [{"date": day, "in_month": day.month == first.month, "dates": by_day.get(day, [])} for day in week]
        for week in pycalendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    ]
    return _render(
        request,
        "calendar.html",
        {
            "filter": agenda_filter,
            "month_label": date_format(first, "F Y"),
            "month": f"{first:%Y-%m}",
            "previous": f"{previous:%Y-%m}",
            "next": f"{following:%Y-%m}",
            "weeks": weeks,
            "days": sorted(by_day.items()),
            "count": len(dates),
            "feed": _feed_links(request, reverse("agenda:feed")),
            "filtered_feed": _feed_links(request, reverse("agenda:filtered_feed")),
        },
    )


@login_not_required
@require_safe
def event_page(request, pk):
    event = _public_event(request, pk)
    dates = list(event.dates.order_by("start", "pk"))
    page_url = request.build_absolute_uri(event.get_public_url())
    now = timezone.now()
    return _render(
        request,
        "event.html",
        {
            "event": event,
            "dates": [
                {
                    "date": date,
                    "is_past": date.end <= now,
                    "google_url": display.google_calendar_url(event, date, page_url),
                }
                for date in dates
            ],
            "place": display.place(event),
            "status_notes": display.status_notes(event),
            "themes": event.agenda_themes,
            "publics": event.agenda_publics,
            "json_ld": jsonld.script_content(
                jsonld.event_objects(event, dates, page_url=page_url, absolute=_absolute(request))
            ),
            "has_upcoming": any(date.end > now for date in dates),
        },
    )


def _calendar_response(request, dates, *, name: str, filename: str, attachment: bool = False):
    rows = selectors.with_details(selectors.detailed(dates))
    body = ical.build_calendar(rows, name=name, absolute=_absolute(request))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    disposition = "attachment" if attachment else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response["Cache-Control"] = FEED_CACHE
    # Calendar apps poll: an unchanged feed answers 304 Not Modified to If-None-Match.
    etag = quote_etag(hashlib.sha256(body).hexdigest()[:32])
    response["ETag"] = etag
    return get_conditional_response(request, etag=etag, response=response)


def _agenda_name(detail: str | None = None) -> str:
    name = _("Agenda de l'orientation — %(region)s") % {"region": settings.SPRO_REGION_NAME}
    return f"{name} — {detail}" if detail else name


@login_not_required
@require_safe
def event_ics(request, pk):
    """One event, to add to one's calendar (its dates, with the same UIDs as in the feeds)."""
    event = _public_event(request, pk)
    dates = selectors.public_dates().filter(event=event).order_by("start", "pk")
    return _calendar_response(
        request, dates, name=event.title, filename=f"evenement-{event.pk}.ics", attachment=True
    )


@login_not_required
@require_safe
def feed(request):
    dates = selectors.feed_window(selectors.public_dates())
    return _calendar_response(request, dates, name=_agenda_name(), filename="agenda.ics")


@login_not_required
@require_safe
def site_feed(request, slug):
    site = get_object_or_404(Site.objects.visible_to(request.user), slug=slug)
    dates = selectors.public_dates().filter(event__in=Event.objects.filter(sites=site).values("pk"))
    return _calendar_response(
        request,
        selectors.feed_window(dates),
        name=_agenda_name(site.name),
        filename=f"agenda-{site.slug}.ics",
    )


@login_not_required
@require_safe
def territory_feed(request, pk):
    territories = _territories(request.user)
    territory = get_object_or_404(territories, pk=pk)
    events = Event.objects.filter(Q(sites__departement=territory) | Q(sites__territories=territory))
    dates = selectors.public_dates().filter(event__in=events.values("pk"))
    return _calendar_response(
        request,
        selectors.feed_window(dates),
        name=_agenda_name(territory.name),
        filename=f"agenda-territoire-{territory.pk}.ics",
    )


@login_not_required
@require_safe
def filtered_feed(request):
    """The list page's current filters (same query string), as a feed, within the feeds' window."""
    agenda_filter = AgendaFilter(request.GET, queryset=selectors.public_dates(), request=request)
    dates = selectors.feed_window(agenda_filter.qs)
    return _calendar_response(
        request, dates, name=_agenda_name(_("sélection")), filename="agenda-selection.ics"
    )
