"""The events' cards of the home page (registered with sites.home_cards in EventsConfig.ready): the
next events of a site coordinator's sites or a partner's co-organised ones, the past events whose
attendance is still to enter, and the agenda's pages for those who read them."""

import rules
from django.db.models import Min
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from sites.home_cards import READ, HomeCard, HomeLine

from .enums import EventStatus
from .models import Event

# How many events the card lists one by one.
LISTED = 5


def event_cards(request) -> list[HomeCard]:
    user = request.user
    roles = user.roles
    cards = []
    if roles.is_site_coordinator or roles.is_partner:
        cards.append(_upcoming_card(user))
    read = []
    if rules.test_rule("events.read_list", user):
        read.append(HomeLine(_("Événements du réseau"), reverse("events:list")))
    if rules.test_rule("events.read_programmes", user):
        read.append(HomeLine(_("Programmes territoriaux"), reverse("events:programme_list")))
    if rules.test_rule("events.read_region_stats", user):
        read.append(HomeLine(_("Fréquentation des événements"), reverse("event_stats:region")))
    read.append(HomeLine(_("Agenda public"), reverse("agenda:list")))
    cards.append(HomeCard(_("Événements"), read, kind=READ))
    return cards


def _upcoming_card(user) -> HomeCard:
    """The person's own events (their sites', their organisation's) to come, soonest first."""
    now = timezone.now()
    own = Event.objects.data_visible_to(user).exclude(status=EventStatus.CANCELLED)
    upcoming = list(
        own.filter(dates__start__gte=now)
        .annotate(next_start=Min("dates__start"))
        .order_by("next_start", "pk")[:LISTED]
    )
    lines = [
        HomeLine(
            event.title,
            reverse("events:detail", kwargs={"pk": event.pk}),
            detail=date_format(timezone.localtime(event.next_start), "l j F Y à H:i"),
        )
        for event in upcoming
    ]
    if user.roles.is_site_coordinator:
        # Past events still marked as planned or confirmed: their attendance is to enter.
        to_close = (
            Event.objects.managed_by(user)
            .filter(status__in=[EventStatus.PLANNED, EventStatus.CONFIRMED])
            .annotate(last_start=Min("dates__start"))
            .filter(last_start__lt=now)
            .count()
        )
        if to_close:
            lines.append(
                HomeLine(
                    _("événements passés à clore (réalisé, fréquentation)"),
                    reverse("events:list"),
                    to_close,
                    tone="warning",
                )
            )
    return HomeCard(
        _("Mes prochains événements"),
        lines,
        order=70,
        slug="evenements",
        empty=_("Aucun événement à venir."),
        more_url=reverse("events:list"),
        more_label=_("Tous mes événements"),
    )
