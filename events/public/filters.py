"""The public agenda's filters, kept in the URL: `?territoire=12&type=forum&du=2026-06-01&format=en-ligne`.

They filter event dates (one row per occurrence of an event), so that the list, the month calendar
and the iCalendar feeds share them. A value that does not parse or names nothing is ignored (the
form reports it), never a server error.
"""

import datetime

import django_filters
import django_filters.fields
from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from network.models import Territory
from sites.models import Site, Theme
from stats.models import Situation

from ..enums import AttendanceMode
from ..models import Event, EventDate, EventKind

# Dates outside these bounds are refused by the form: the agenda has nothing there, and converting
# year 1 or 9999 to an aware datetime would overflow.
FIRST_DAY = datetime.date(2000, 1, 1)
LAST_DAY = datetime.date(2100, 12, 31)
DATE_VALIDATORS = [MinValueValidator(FIRST_DAY), MaxValueValidator(LAST_DAY)]

ONLINE = "en-ligne"
IN_PERSON = "sur-place"
FORMAT_CHOICES = [(IN_PERSON, _("Sur place")), (ONLINE, _("En ligne"))]
FORMAT_MODES = {
    ONLINE: [AttendanceMode.ONLINE, AttendanceMode.HYBRID],
    IN_PERSON: [AttendanceMode.IN_PERSON, AttendanceMode.HYBRID],
}


def day_start(day: datetime.date) -> datetime.datetime:
    """Midnight of `day`, Paris time (the current time zone)."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def agenda_territories():
    """Territories the agenda can be filtered on: the départements and other territories (agences,
    bassins) of the sites that organise published events."""
    organising = Site.objects.filter(events__published=True).values("pk")
    return (
        Territory.objects.filter(Q(sites_in_departement__in=organising) | Q(sites__in=organising))
        .distinct()
        .select_related("kind")
        .order_by("kind__order", "kind__label", "code", "name")
    )


def agenda_sites():
    """Sites that organise published events (their names are public through the events anyway)."""
    return Site.objects.filter(pk__in=Site.objects.filter(events__published=True).values("pk")).order_by(
        "name"
    )


class TerritoryChoiceField(django_filters.fields.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.kind.label.lower()})"


class TerritoryFilter(django_filters.ModelChoiceFilter):
    field_class = TerritoryChoiceField


class AgendaFilter(django_filters.FilterSet):
    territoire = TerritoryFilter(
        queryset=Territory.objects.none(),
        method="filter_territory",
        label=_("Territoire"),
        empty_label=_("Tous les territoires"),
    )
    site = django_filters.ModelChoiceFilter(
        queryset=Site.objects.none(),
        to_field_name="slug",
        method="filter_site",
        label=_("Site organisateur"),
        empty_label=_("Tous les sites"),
    )
    type = django_filters.ModelChoiceFilter(
        queryset=EventKind.objects.order_by("order", "label"),
        to_field_name="code",
        field_name="event__kind",
        label=_("Type d'événement"),
        empty_label=_("Tous les types"),
    )
    theme = django_filters.ModelChoiceFilter(
        queryset=Theme.objects.order_by("order", "label"),
        to_field_name="code",
        method="filter_theme",
        label=_("Thème"),
        empty_label=_("Tous les thèmes"),
    )
    public = django_filters.ModelChoiceFilter(
        queryset=Situation.objects.order_by("order", "label"),
        to_field_name="code",
        method="filter_public",
        label=_("Public"),
        empty_label=_("Tous les publics"),
    )
    format = django_filters.ChoiceFilter(
        choices=FORMAT_CHOICES, method="filter_format", label=_("Format"), empty_label=_("Tous les formats")
    )
    du = django_filters.DateFilter(
        method="filter_from",
        label=_("Du"),
        validators=DATE_VALIDATORS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    au = django_filters.DateFilter(
        method="filter_to",
        label=_("Au"),
        validators=DATE_VALIDATORS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    class Meta:
        model = EventDate
        fields = ["territoire", "site", "type", "theme", "public", "format", "du", "au"]

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None, dates=True):
        super().__init__(data, queryset, request=request, prefix=prefix)
        self.filters["territoire"].queryset = agenda_territories()
        self.filters["site"].queryset = agenda_sites()
        if not dates:  # the month calendar: the month is the range
            del self.filters["du"]
            del self.filters["au"]

    @property
    def is_filtered(self) -> bool:
        return any(self.form.data.get(name) for name in self.filters)

    @property
    def has_dates(self) -> bool:
        """Whether a valid date range was given (otherwise the page or feed applies its own)."""
        cleaned = getattr(self.form, "cleaned_data", {})
        return bool(cleaned.get("du") or cleaned.get("au"))

    def _of_events(self, queryset, events):
        return queryset.filter(event__in=events.values("pk"))

    def filter_territory(self, queryset, name, value):
        return self._of_events(
            queryset, Event.objects.filter(Q(sites__departement=value) | Q(sites__territories=value))
        )

    def filter_site(self, queryset, name, value):
        return self._of_events(queryset, Event.objects.filter(sites=value))

    def filter_theme(self, queryset, name, value):
        return self._of_events(queryset, Event.objects.filter(themes=value))

    def filter_public(self, queryset, name, value):
        return self._of_events(queryset, Event.objects.filter(publics=value))

    def filter_format(self, queryset, name, value):
        return queryset.filter(event__mode__in=FORMAT_MODES[value])

    def filter_from(self, queryset, name, value):
        # Dates still running on that day count: a two-day salon appears on its second day.
        return queryset.filter(end__gt=day_start(value))

    def filter_to(self, queryset, name, value):
        return queryset.filter(start__lt=day_start(value + datetime.timedelta(days=1)))
