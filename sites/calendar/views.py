"""Pages of the coordination calendar: the month page and the personal iCalendar feed."""

import datetime

from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.views.decorators.http import require_GET

from . import feed
from .events import events_between, month_grid


def _month_param(request, today: datetime.date) -> datetime.date:
    try:
        year, month = (int(part) for part in request.GET.get("mois", "").split("-"))
        return datetime.date(year, month, 1)
    except (TypeError, ValueError):
        return today.replace(day=1)


def calendar_page(request):
    today = timezone.localdate()
    first = _month_param(request, today)
    next_first = (first + datetime.timedelta(days=32)).replace(day=1)
    previous_first = (first - datetime.timedelta(days=1)).replace(day=1)
    events = events_between(request.user, first, next_first - datetime.timedelta(days=1))
    token = feed.feed_token(request.user)
    return render(
        request,
        "sites/calendar/month.html",
        {
            "nav": "calendar",
            "month_label": date_format(first, "F Y"),
            "first": first,
            "previous": f"{previous_first:%Y-%m}",
            "next": f"{next_first:%Y-%m}",
            "weeks": month_grid(first.year, first.month, events),
            "events": events,
            "today": today,
            "feed_url": request.build_absolute_uri(reverse("strategy:ical_feed", kwargs={"token": token})),
        },
    )


@login_not_required
@require_GET
def ical_feed(request, token):
    """The personal feed: no session, the token alone says whose events these are."""
    user = feed.user_for_token(token)
    if user is None:
        raise Http404
    today = timezone.localdate()
    events = events_between(
        user,
        today - datetime.timedelta(days=feed.FEED_DAYS_BEFORE),
        today + datetime.timedelta(days=feed.FEED_DAYS_AFTER),
    )
    body = feed.ical_feed(user, events, base_url=request.build_absolute_uri("/")[:-1])
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="calendrier-spro.ics"'
    response["Cache-Control"] = "private, max-age=900"
    return response
