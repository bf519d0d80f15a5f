"""Reads of the events app filtered by the person's rights, and the programmes' indicators.

Indicators of a set of events:
- taux de réalisation: held events / planned events (every event of the programme; a cancelled or
  postponed-and-not-yet-held event counts as not held);
- taux de fréquentation: present / capacity, over the held events that have both;
- partners involved: distinct co-organising organisations.
"""

import dataclasses

from django.db.models import Count, Min, Prefetch, Q

from sites.models import Site

from .enums import EventStatus
from .models import Event, TerritorialProgramme


@dataclasses.dataclass(frozen=True)
class Indicators:
    planned: int
    held: int
    cancelled: int
    present: int
    capacity: int
    partners: int

    @property
    def realisation_rate(self) -> float | None:
        return self.held / self.planned if self.planned else None

    @property
    def attendance_rate(self) -> float | None:
        return self.present / self.capacity if self.capacity else None


def indicators(events) -> Indicators:
    """The indicators of a queryset of events (a few aggregate queries, whatever its size)."""
    counts = events.aggregate(
        planned=Count("pk", distinct=True),
        held=Count("pk", filter=Q(status=EventStatus.HELD), distinct=True),
        cancelled=Count("pk", filter=Q(status=EventStatus.CANCELLED), distinct=True),
    )
    # Sums over held events with both figures: one row per event (no join that would repeat them).
    measured = Event.objects.filter(
        pk__in=events.values("pk"), status=EventStatus.HELD, present__isnull=False, capacity__isnull=False
    ).values_list("present", "capacity")
    present = capacity = 0
    for event_present, event_capacity in measured:
        present += event_present
        capacity += event_capacity
    partners = (
        Event.partners.through.objects.filter(event__in=events.values("pk"))
        .values("organisation")
        .distinct()
        .count()
    )
    return Indicators(
        planned=counts["planned"],
        held=counts["held"],
        cancelled=counts["cancelled"],
        present=present,
        capacity=capacity,
        partners=partners,
    )


def programme_indicators(programme: TerritorialProgramme) -> Indicators:
    return indicators(Event.objects.filter(programme=programme))


def programme_indicators_by_site(programme: TerritorialProgramme) -> list[tuple[Site, Indicators]]:
    """The programme's indicators for each organising site of its events, by site name."""
    sites = Site.objects.filter(events__programme=programme).distinct().order_by("name")
    return [(site, indicators(Event.objects.filter(programme=programme, sites=site))) for site in sites]


def programme_events(programme: TerritorialProgramme, user):
    """The programme's events the person may see, first date first, ready for a table."""
    return (
        Event.objects.visible_to(user)
        .filter(programme=programme)
        .select_related("kind")
        .prefetch_related(Prefetch("sites", queryset=Site.objects.order_by("name")))
        .annotate(first_start=Min("dates__start"))
        .order_by("first_start", "pk")
    )


def events_for_list(events):
    """What a row of the events list shows, in a fixed number of queries."""
    return (
        events.select_related("kind")
        .prefetch_related(
            Prefetch("sites", queryset=Site.objects.order_by("name").only("pk", "name", "slug"))
        )
        .annotate(first_start=Min("dates__start"), date_count=Count("dates", distinct=True))
        .order_by("-first_start", "-pk")
    )


def event_for_detail(queryset):
    return queryset.select_related(
        "kind", "plan_action__plan__site", "programme__territory", "created_by"
    ).prefetch_related(
        "dates",
        Prefetch("sites", queryset=Site.objects.order_by("name")),
        "partners",
        "themes",
        "publics",
        "attendance_counts__sex",
        "attendance_counts__age_band",
        "attendance_counts__situation",
    )
