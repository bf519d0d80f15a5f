"""Filters and scope of the events' dashboards and exports, mirroring the visit statistics'.

The period, département, kind of site and site filters are the visit dashboards' own
(stats.filters.DashboardFilterForm); the events add their kind (`type`) and a theme (`theme`).
The sites always come from `Site.objects.data_visible_to(user)`, and each page asks its named rule
(events/rules.py, "Dashboards and exports"): the dashboard and its export share this code, so a
crafted query string cannot widen what a person reads.
"""

import unicodedata
from dataclasses import dataclass

from django import forms
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from network.models import Territory
from sites.models import Site, Theme
from spro.web.access import require
from stats.filters import DashboardFilterForm, StatsScope, sites_in_territory

from ..models import EventKind

# Beyond any primary key: a number past it answers 404 rather than reaching the database.
MAX_PK = 2**63 - 1


class EventFilterForm(DashboardFilterForm):
    """The visit dashboards' filters plus the event's kind and one of its themes."""

    type = forms.ModelChoiceField(
        label=gettext_lazy("Type d'événement"),
        queryset=EventKind.objects.all(),
        to_field_name="code",
        required=False,
        empty_label=gettext_lazy("Tous les types d'événement"),
    )
    theme = forms.ModelChoiceField(
        label=gettext_lazy("Thème"),
        queryset=Theme.objects.all(),
        to_field_name="code",
        required=False,
        empty_label=gettext_lazy("Tous les thèmes"),
    )

    FIELDS_BY_PAGE = {
        page: (*fields, "type", "theme") for page, fields in DashboardFilterForm.FIELDS_BY_PAGE.items()
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "kind" in self.fields:
            # Two kinds on one form: say which is which.
            self.fields["kind"].label = gettext_lazy("Type de site")


@dataclass
class EventScope(StatsScope):
    """A visit statistics scope (page, period, sites) narrowed to a kind of event and a theme."""

    event_kind: EventKind | None = None
    theme: Theme | None = None

    def filter_summary(self, max_sites: int | None = None) -> list[tuple[str, str]]:
        summary = super().filter_summary(max_sites)
        extra = [
            (_("Type d'événement"), str(self.event_kind) if self.event_kind else _("Tous les types")),
            (_("Thème"), str(self.theme) if self.theme else _("Tous les thèmes")),
        ]
        # Before the generation date, which closes the list.
        return summary[:-1] + extra + summary[-1:]


def _sort_key(site: Site):
    """Alphabetical order as French readers expect it: "Épernay" before "Reims"."""
    name = unicodedata.normalize("NFKD", site.name)
    return ("".join(c for c in name if not unicodedata.combining(c)).casefold(), site.pk)


def _form(request, page: str) -> EventFilterForm:
    return EventFilterForm(request.GET or None, user=request.user, page=page)


def _scope(form: EventFilterForm, page: str, queryset, **fields) -> EventScope:
    if form.value("kind"):
        queryset = queryset.filter(kind=form.value("kind"))
    start, end, preset = form.date_range
    return EventScope(
        page=page,
        form=form,
        sites=sorted(queryset.select_related("departement", "kind"), key=_sort_key),
        start=start,
        end=end,
        preset=preset,
        kind=form.value("kind"),
        event_kind=form.value("type"),
        theme=form.value("theme"),
        **fields,
    )


def region_scope(request) -> EventScope:
    """Every site, for the people who read the whole network (403 otherwise); filters narrow it."""
    require("events.read_region_stats", request.user)
    form = _form(request, "region")
    queryset = Site.objects.data_visible_to(request.user)
    departement, site = form.value("departement"), form.value("site")
    if departement:
        queryset = queryset.filter(departement=departement)
    if site:
        queryset = queryset.filter(pk=site.pk)
    return _scope(form, "region", queryset, departement=departement, filtered_site=site)


def territory_scope(request, pk: int) -> EventScope:
    """A territory's sites, for the people who read the whole network; 403 otherwise, 404 if unknown."""
    require("events.read_region_stats", request.user)
    if not 0 < pk <= MAX_PK:
        pk = 0
    territory = get_object_or_404(Territory.objects.select_related("kind"), pk=pk)
    queryset = sites_in_territory(Site.objects.data_visible_to(request.user), territory)
    return _scope(_form(request, "territory"), "territory", queryset, territory=territory)


def site_scope(request, slug: str) -> EventScope:
    """One site, for the whole-network readers and the site's own coordinators; 404 for anyone else."""
    site = get_object_or_404(
        Site.objects.data_visible_to(request.user).select_related("departement", "kind"), slug=slug
    )
    require("events.read_site_stats", request.user, site)
    queryset = Site.objects.data_visible_to(request.user).filter(pk=site.pk)
    return _scope(_form(request, "site"), "site", queryset, site=site)


def export_scope(request) -> EventScope:
    """The scope of the dashboard an export comes from, told by its query string.

    `territory=<id>` is a territory dashboard, `site=<slug>` a site dashboard for a site
    coordinator (404 unless it is one of theirs), anything else the region dashboard (403 for
    those who do not read the whole network), where `site` is the region's site filter.
    """
    slug, territory = request.GET.get("site"), request.GET.get("territory")
    if territory:
        try:
            territory_pk = int(territory)
        except ValueError:
            territory_pk = 0
        return territory_scope(request, territory_pk)
    if slug and not request.user.roles.reads_whole_network:
        return site_scope(request, slug)
    return region_scope(request)
