"""Filters of the organisers' lists (django-filter): events and territorial programmes."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from network.models import Territory
from sites.models import Site

from .enums import EventStatus
from .models import Event, EventDate, EventKind, TerritorialProgramme

YES, NO = "oui", "non"
MONTHS = [
    (1, _("janvier")),
    (2, _("février")),
    (3, _("mars")),
    (4, _("avril")),
    (5, _("mai")),
    (6, _("juin")),
    (7, _("juillet")),
    (8, _("août")),
    (9, _("septembre")),
    (10, _("octobre")),
    (11, _("novembre")),
    (12, _("décembre")),
]


def _search_input(placeholder):
    return forms.TextInput(attrs={"type": "search", "placeholder": placeholder})


class EventFilter(django_filters.FilterSet):
    """Search on the title; site, kind, status, year, month and published. Sites and kinds by code."""

    q = django_filters.CharFilter(
        label=_("Rechercher"), method="filter_search", widget=_search_input(_("Intitulé de l'événement"))
    )
    site = django_filters.ModelChoiceFilter(
        label=_("Site"),
        queryset=Site.objects.none(),
        to_field_name="slug",
        field_name="sites",
        empty_label=_("Tous les sites"),
        method="filter_site",
    )
    kind = django_filters.ModelChoiceFilter(
        label=_("Type"),
        queryset=EventKind.objects.all(),
        to_field_name="code",
        empty_label=_("Tous les types"),
    )
    status = django_filters.ChoiceFilter(label=_("État"), choices=EventStatus.choices, empty_label=_("Tous"))
    year = django_filters.NumberFilter(label=_("Année"), method="filter_year", min_value=2000, max_value=2100)
    month = django_filters.ChoiceFilter(
        label=_("Mois"), choices=MONTHS, empty_label=_("Tous les mois"), method="filter_month"
    )
    published = django_filters.ChoiceFilter(
        label=_("Publié dans l'agenda"),
        choices=[(YES, _("Oui")), (NO, _("Non"))],
        empty_label=_("Indifférent"),
        method="filter_published",
    )

    class Meta:
        model = Event
        fields = ["q", "site", "kind", "status", "year", "month", "published"]

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None, sites=None):
        super().__init__(data, queryset, request=request, prefix=prefix)
        self.filters["site"].queryset = sites if sites is not None else Site.objects.none()

    def filter_search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(title__icontains=value) if value else queryset

    def filter_site(self, queryset, name, value):
        return queryset.filter(pk__in=queryset.model.objects.filter(sites=value).values("pk"))

    def _dated(self, queryset, **lookups):
        return queryset.filter(pk__in=EventDate.objects.filter(**lookups).values("event"))

    def filter_year(self, queryset, name, value):
        return self._dated(queryset, start__year=int(value)) if value else queryset

    def filter_month(self, queryset, name, value):
        if not value:
            return queryset
        year = self.form.cleaned_data.get("year")
        if year:
            return self._dated(queryset, start__year=int(year), start__month=int(value))
        return self._dated(queryset, start__month=int(value))

    def filter_published(self, queryset, name, value):
        return queryset.filter(published=value == YES)

    @property
    def is_filtered(self) -> bool:
        return any(self.data.get(name) for name in self.form.fields)


class ProgrammeFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Rechercher"), method="filter_search", widget=_search_input(_("Intitulé ou territoire"))
    )
    territory = django_filters.ModelChoiceFilter(
        label=_("Territoire"),
        queryset=Territory.objects.filter(kind__code__in=("agence-territoriale", "departement")).order_by(
            "kind__order", "code"
        ),
        empty_label=_("Tous les territoires"),
    )
    year = django_filters.NumberFilter(label=_("Année"), min_value=2000, max_value=2100)

    class Meta:
        model = TerritorialProgramme
        fields = ["q", "territory", "year"]

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(title__icontains=value) | Q(territory__name__icontains=value))

    @property
    def is_filtered(self) -> bool:
        return any(self.data.get(name) for name in self.form.fields)
