"""Reads of the events' dashboards and exports: the figures of the events in a scope.

Which events count
    An event counts for a site when the site is one of its organisers, and for a period when its
    first date (Europe/Paris) falls in it: a postponed event counts at its new date. A page about
    several sites (a territory, the region) counts each event once, however many of its sites
    organise it together. Callers pass site ids already filtered through
    `Site.objects.data_visible_to(user)` (events/dashboards/filters.py).

Attendance
    Registered, present, the present broken down (sex, age band, situation) and the satisfaction
    counts are read from the *held* events only: they are entered after the event.

Rates (their exact definitions, also printed on the page and in the exports)
    - Taux de réalisation = held events / events whose outcome is known, both among the events of
      the period. An event's outcome is known when it is held, cancelled, or when its last date
      has ended (whatever its status: a past event still "prévu", "confirmé" or "reporté" was not
      recorded as held and counts as not held). Cancelled events count as not held. Events yet to
      come are left out of both sides (they are shown beside the rate), so that a period reaching
      into the future does not lower the rate. No event is a draft: every recorded event was planned.
    - Taux de fréquentation = present / capacity, both summed over the held events of the period
      whose present number and capacity (above zero) are both known.
    - Partenaires impliqués = distinct co-organising organisations of the period's events, cancelled
      events left out.

Small cells
    The breakdowns of the present by sex, age band and situation hide every cell under
    `settings.SPRO_SMALL_CELL_THRESHOLD` (stats.selectors.suppress_small_cells, as the visit
    statistics publish them). So that a hidden cell can't be worked out as the total minus the
    others, a breakdown with a single hidden cell hides its next smallest cell too, and a
    breakdown of fewer present than the threshold hides every cell.
"""

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Max, Min
from django.utils import timezone
from django.utils.translation import gettext as _

from network.models import Organisation
from sites.models import Theme
from stats import charts
from stats.models import AgeBand, Sex, Situation, first_of_month
from stats.selectors import months_between, suppress_small_cells

from ..enums import EventStatus
from ..models import AttendanceCount, Event, EventDate, EventKind

# The outcome of these is known whatever their date.
OUTCOME_KNOWN = (EventStatus.HELD, EventStatus.CANCELLED)
# The attendance dimensions (AttendanceCount's fields), by key: their reference list.
ATTENDANCE_DIMENSIONS = {"sex": Sex, "age_band": AgeBand, "situation": Situation}


@dataclass
class EventRow:
    """What the figures need of one event, read in one query for the whole scope."""

    pk: int
    status: str
    kind_id: int
    capacity: int | None
    registered: int | None
    present: int | None
    satisfied: int | None
    neutral: int | None
    dissatisfied: int | None
    first_start: datetime.datetime
    last_end: datetime.datetime

    @property
    def is_held(self) -> bool:
        return self.status == EventStatus.HELD

    def outcome_known(self, now: datetime.datetime) -> bool:
        return self.status in OUTCOME_KNOWN or self.last_end <= now

    @property
    def month(self) -> datetime.date:
        return first_of_month(timezone.localtime(self.first_start).date())


def _bounds(start: datetime.date, end: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """The period as aware datetimes [start 00:00, day after end 00:00), Paris time."""
    zone = timezone.get_current_timezone()
    low = datetime.datetime.combine(start, datetime.time.min, tzinfo=zone)
    high = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone)
    return low, high


def scoped_events(site_ids, start: datetime.date, end: datetime.date, event_kind=None, theme=None):
    """The events organised by one of the sites, first date in the period, once each (a queryset)."""
    low, high = _bounds(start, end)
    firsts = (
        EventDate.objects.order_by()
        .values("event")
        .annotate(first=Min("start"))
        .filter(first__gte=low, first__lt=high)
        .values("event")
    )
    events = Event.objects.filter(pk__in=firsts).filter(
        pk__in=Event.sites.through.objects.filter(site_id__in=list(site_ids)).values("event_id")
    )
    if event_kind is not None:
        events = events.filter(kind=event_kind)
    if theme is not None:
        events = events.filter(pk__in=Event.themes.through.objects.filter(theme=theme).values("event_id"))
    return events


def event_rows(events) -> list[EventRow]:
    fields = ("pk", "status", "kind_id", "capacity", "registered", "present")
    fields += ("satisfied", "neutral", "dissatisfied")
    rows = (
        events.order_by()
        .annotate(first_start=Min("dates__start"), last_end=Max("dates__end"))
        .values_list(*fields, "first_start", "last_end")
    )
    return [EventRow(*row) for row in rows]


@dataclass
class Rates:
    held: int
    outcome_known: int
    upcoming: int
    present_counted: int  # present of the held events with capacity and present known
    capacity_counted: int
    events_with_capacity: int

    @property
    def realisation(self) -> float | None:
        return self.held / self.outcome_known if self.outcome_known else None

    @property
    def frequentation(self) -> float | None:
        return self.present_counted / self.capacity_counted if self.capacity_counted else None


def rates(rows: list[EventRow], now: datetime.datetime | None = None) -> Rates:
    """Taux de réalisation and taux de fréquentation, as the module's docstring defines them."""
    now = now or timezone.now()
    known = [row for row in rows if row.outcome_known(now)]
    attended = [row for row in rows if row.is_held and row.present is not None and row.capacity]
    return Rates(
        held=sum(1 for row in rows if row.is_held),
        outcome_known=len(known),
        upcoming=len(rows) - len(known),
        present_counted=sum(row.present for row in attended),
        capacity_counted=sum(row.capacity for row in attended),
        events_with_capacity=len(attended),
    )


@dataclass
class CountRow:
    """A line of events: how many, how many held, their present."""

    label: str
    events: int = 0
    held: int = 0
    present: int = 0
    cancelled: int = 0

    def add(self, row: EventRow) -> None:
        self.events += 1
        self.held += row.is_held
        self.cancelled += row.status == EventStatus.CANCELLED
        self.present += (row.present or 0) if row.is_held else 0


def by_status(rows: list[EventRow]) -> list[tuple[str, int]]:
    counts = Counter(row.status for row in rows)
    return [(str(status.label), counts.get(status.value, 0)) for status in EventStatus]


def by_kind(rows: list[EventRow]) -> list[CountRow]:
    lines = {}
    kinds = {kind.pk: kind for kind in EventKind.objects.filter(pk__in={row.kind_id for row in rows})}
    for row in rows:
        lines.setdefault(row.kind_id, CountRow(label=str(kinds[row.kind_id]))).add(row)
    order = {pk: (kind.order, kind.label) for pk, kind in kinds.items()}
    return [lines[pk] for pk in sorted(lines, key=order.get)]


def by_theme(events, rows: list[EventRow]) -> list[CountRow]:
    """Events per theme (several per event: lines add up to more than the events), then those without."""
    themes_of = defaultdict(set)
    for event_id, theme_id in Event.themes.through.objects.filter(
        event_id__in=events.values("pk")
    ).values_list("event_id", "theme_id"):
        themes_of[event_id].add(theme_id)
    themes = Theme.objects.filter(pk__in={t for ids in themes_of.values() for t in ids})
    lines = {theme.pk: CountRow(label=theme.label) for theme in themes.order_by("order", "label")}
    without = CountRow(label=_("Sans thème"))
    for row in rows:
        for theme_id in themes_of.get(row.pk) or ():
            lines[theme_id].add(row)
        if not themes_of.get(row.pk):
            without.add(row)
    return [*lines.values(), *([without] if without.events else [])]


def by_month(rows: list[EventRow], start: datetime.date, end: datetime.date) -> dict[datetime.date, CountRow]:
    lines = {month: CountRow(label="") for month in months_between(start, end)}
    for row in rows:
        lines.setdefault(row.month, CountRow(label="")).add(row)
    return lines


def by_site(events, rows: list[EventRow], sites) -> list[tuple[object, CountRow]]:
    """Per site of the scope, the events it organises (shared events count for each organiser)."""
    by_pk = {row.pk: row for row in rows}
    lines = {site.pk: CountRow(label=site.name) for site in sites}
    pairs = Event.sites.through.objects.filter(event_id__in=events.values("pk"), site_id__in=list(lines))
    for event_id, site_id in pairs.values_list("event_id", "site_id"):
        lines[site_id].add(by_pk[event_id])
    return [(site, lines[site.pk]) for site in sites]


@dataclass
class Partner:
    name: str
    events: int


def partners(events) -> list[Partner]:
    """The co-organising organisations of the events, cancelled ones left out, most involved first."""
    counts = Counter(
        Event.partners.through.objects.filter(
            event_id__in=events.exclude(status=EventStatus.CANCELLED).values("pk")
        ).values_list("organisation_id", flat=True)
    )
    names = dict(Organisation.objects.filter(pk__in=list(counts)).values_list("pk", "name"))
    return sorted(
        (Partner(name=names[pk], events=n) for pk, n in counts.items()), key=lambda p: (-p.events, p.name)
    )


@dataclass
class Cell:
    label: str
    count: int | None  # None: hidden (small cell)
    share: float | None = None

    @property
    def share_display(self) -> str:
        return charts.format_percent(self.share)


@dataclass
class AttendanceBreakdown:
    key: str
    cells: list[Cell] = field(default_factory=list)
    total: int = 0
    hidden: int = 0  # how many cells are hidden


def protect(counts: list[int], total: int) -> list[int | None]:
    """Hide small cells so that none can be worked out again (see the module's docstring)."""
    threshold = settings.SPRO_SMALL_CELL_THRESHOLD
    if 0 < total < threshold:
        return [None if count else 0 for count in counts]
    shown = [suppress_small_cells(count) for count in counts]
    if sum(1 for value in shown if value is None) == 1:
        others = [n for n, value in enumerate(shown) if value]
        if others:
            shown[min(others, key=lambda n: counts[n])] = None
    return shown


def attendance(events, rows: list[EventRow]) -> dict[str, AttendanceBreakdown]:
    """The present of the held events by sex, age band and situation, small cells hidden.

    The present not broken down (an event whose breakdown is missing or partial) make a line of
    their own, so that the lines add up to the present.
    """
    present = sum(row.present or 0 for row in rows if row.is_held)
    held = events.filter(status=EventStatus.HELD).values("pk")
    sums = defaultdict(Counter)
    counts = AttendanceCount.objects.filter(event_id__in=held).values_list(
        "sex_id", "age_band_id", "situation_id", "count"
    )
    for sex_id, age_band_id, situation_id, count in counts:
        for key, item_id in (("sex", sex_id), ("age_band", age_band_id), ("situation", situation_id)):
            if item_id is not None:
                sums[key][item_id] += count
    result = {}
    for key, model in ATTENDANCE_DIMENSIONS.items():
        items = [(item.label, sums[key][item.pk]) for item in model.objects.filter(pk__in=list(sums[key]))]
        items = [(label, count) for label, count in items if count]
        rest = present - sum(count for _label, count in items)
        if rest > 0:
            items.append((_("Non ventilé"), rest))
        total = sum(count for _label, count in items)
        shown = protect([count for _label, count in items], total)
        cells = [
            Cell(label=label, count=value, share=(value / total) if value is not None and total else None)
            for (label, _count), value in zip(items, shown, strict=True)
        ]
        result[key] = AttendanceBreakdown(
            key=key, cells=cells, total=total, hidden=sum(1 for c in cells if c.count is None)
        )
    return result


@dataclass
class Satisfaction:
    satisfied: int
    neutral: int
    dissatisfied: int

    @property
    def answers(self) -> int:
        return self.satisfied + self.neutral + self.dissatisfied


def satisfaction(rows: list[EventRow]) -> Satisfaction:
    held = [row for row in rows if row.is_held]
    return Satisfaction(
        satisfied=sum(row.satisfied or 0 for row in held),
        neutral=sum(row.neutral or 0 for row in held),
        dissatisfied=sum(row.dissatisfied or 0 for row in held),
    )
