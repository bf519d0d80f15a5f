"""Filters of the statistics dashboards and exports, and the scope of sites they apply to.

A scope is resolved once per request from the page it serves (region, territory or site) and the
query string. The sites always come from `Site.objects.data_visible_to(user)`: the export and the
dashboard share this code, so a crafted query string cannot widen what a person reads. Who may
open which dashboard is asked of the rules (stats.read_region, stats.read_territory, stats.read_site).
"""

import datetime
import unicodedata
from dataclasses import dataclass, field

import rules
from django import forms
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from network.models import Territory
from sites.models import Site, SiteKind
from spro.web.access import require

from .enums import Dimension
from .models import first_of_month

WHOLE_NETWORK_ONLY = gettext_lazy(
    "Ces statistiques comparent les sites du réseau : elles sont réservées à la coordination régionale "
    "et aux observateurs."
)

# How far back a dashboard may look in one go (the yearly trend covers ten years anyway).
MAX_RANGE_YEARS = 10


class PeriodPreset(models.TextChoices):
    CURRENT_YEAR = "annee", gettext_lazy("Année en cours")
    PREVIOUS_YEAR = "annee-precedente", gettext_lazy("Année précédente")
    LAST_12_MONTHS = "12-mois", gettext_lazy("12 derniers mois")
    DATES = "dates", gettext_lazy("Dates choisies ci-dessous")


def preset_range(preset: str, today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The dates a preset stands for, on a given day."""
    if preset == PeriodPreset.PREVIOUS_YEAR:
        return datetime.date(today.year - 1, 1, 1), datetime.date(today.year - 1, 12, 31)
    if preset == PeriodPreset.LAST_12_MONTHS:
        # The current month and the eleven before it: the latest figures are always in view.
        month = first_of_month(today)
        year, month_number = divmod(month.year * 12 + month.month - 1 - 11, 12)
        return datetime.date(year, month_number + 1, 1), today
    return datetime.date(today.year, 1, 1), today


# The cross-tabulations offered, by key: (row dimension, column dimension). "sex" as a column
# reads the ordinary roll-up, which keeps every count by sex.
SEX = "sex"
CROSS_TABS = {
    "theme-age_band": (Dimension.THEME, Dimension.AGE_BAND),
    "situation-sex": (Dimension.SITUATION, SEX),
    "theme-situation": (Dimension.THEME, Dimension.SITUATION),
    "situation-age_band": (Dimension.SITUATION, Dimension.AGE_BAND),
    "channel-age_band": (Dimension.CHANNEL, Dimension.AGE_BAND),
    "referral-situation": (Dimension.REFERRAL, Dimension.SITUATION),
    "service_level-situation": (Dimension.SERVICE_LEVEL, Dimension.SITUATION),
}
DEFAULT_CROSS_TAB = "theme-age_band"


def dimension_label(dimension: str) -> str:
    return _("Sexe") if dimension == SEX else str(Dimension(dimension).label)


def cross_tab_label(key: str) -> str:
    row, col = CROSS_TABS[key]
    return f"{dimension_label(row)} × {dimension_label(col)}"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        # The browser's date picker sends and expects ISO dates; French dates are accepted too.
        super().__init__(attrs, format="%Y-%m-%d")


class DashboardFilterForm(forms.Form):
    """Period, département, kind of site and (on the region dashboard) one site.

    Choices are matched on codes and slugs, so that links such as `?departement=51` stay readable.
    """

    period = forms.ChoiceField(
        label=gettext_lazy("Période"),
        choices=PeriodPreset.choices,
        required=False,
        initial=PeriodPreset.CURRENT_YEAR,
    )
    start = forms.DateField(label=gettext_lazy("Du"), required=False, widget=DateInput)
    end = forms.DateField(label=gettext_lazy("Au"), required=False, widget=DateInput)
    departement = forms.ModelChoiceField(
        label=gettext_lazy("Département"),
        queryset=Territory.objects.of_kind("departement").order_by("code", "name"),
        to_field_name="code",
        required=False,
        empty_label=gettext_lazy("Tous les départements"),
    )
    kind = forms.ModelChoiceField(
        label=gettext_lazy("Type de site"),
        queryset=SiteKind.objects.all(),
        to_field_name="code",
        required=False,
        empty_label=gettext_lazy("Tous les types"),
    )
    site = forms.ModelChoiceField(
        label=gettext_lazy("Site"),
        queryset=Site.objects.none(),
        to_field_name="slug",
        required=False,
        empty_label=gettext_lazy("Tous les sites"),
    )

    # Which filters each dashboard offers: a territory page is already territorial, a site page
    # is already one site.
    FIELDS_BY_PAGE = {
        "region": ("period", "start", "end", "departement", "kind", "site"),
        "territory": ("period", "start", "end", "kind"),
        "site": ("period", "start", "end"),
    }

    def __init__(self, data=None, *, user, page: str, today: datetime.date | None = None):
        super().__init__(data)
        self.today = today or timezone.localdate()
        for name in list(self.fields):
            if name not in self.FIELDS_BY_PAGE[page]:
                del self.fields[name]
        if "site" in self.fields:
            # Only sites whose data the person may read can be chosen, whatever the query string says.
            self.fields["site"].queryset = Site.objects.data_visible_to(user).order_by("name")

    def clean(self):
        data = super().clean()
        start, end, preset = self._range(data)
        if start > end:
            raise forms.ValidationError(_("La date de début doit précéder la date de fin."))
        if end.year - start.year > MAX_RANGE_YEARS:
            raise forms.ValidationError(
                _("Choisissez une période de %(years)s ans au plus.") % {"years": MAX_RANGE_YEARS}
            )
        data["range"] = (start, end, preset)
        return data

    def _range(self, data) -> tuple[datetime.date, datetime.date, str]:
        preset = data.get("period") or ""
        start, end = data.get("start"), data.get("end")
        # Dates count when asked for, or when a link carries dates without a preset.
        if preset == PeriodPreset.DATES or (not preset and (start or end)):
            end = end or self.today
            start = start or datetime.date(end.year, 1, 1)
            return start, end, PeriodPreset.DATES
        preset = preset or PeriodPreset.CURRENT_YEAR
        return (*preset_range(preset, self.today), preset)

    @property
    def date_range(self) -> tuple[datetime.date, datetime.date, str]:
        """The period asked for, or the default (current year to date) when the form is invalid."""
        if self.is_bound and self.is_valid():
            return self.cleaned_data["range"]
        return (*preset_range(PeriodPreset.CURRENT_YEAR, self.today), PeriodPreset.CURRENT_YEAR)

    def value(self, name: str):
        """A cleaned filter value, or None when the field is absent, empty or invalid."""
        if name not in self.fields or not self.is_bound or name in self.errors:
            return None
        return self.cleaned_data.get(name)

    def query_items(self) -> list[tuple[str, str]]:
        """The filters as submitted (valid ones only), to carry them over to exports and other forms."""
        items = []
        for name in self.fields:
            value = self.data.get(name)
            if value and not self.has_error(name):
                items.append((name, value))
        return items


def sites_in_territory(queryset, territory: Territory):
    """Sites of a territory: in the département, attached to the territory, or in one of its départements."""
    return queryset.filter(
        pk__in=Site.objects.filter(
            Q(departement=territory) | Q(territories=territory) | Q(departement__parent=territory)
        ).values("pk")
    )


def format_date(day: datetime.date) -> str:
    return formats.date_format(day, "DATE_FORMAT")


@dataclass
class StatsScope:
    """What a dashboard or an export covers: a page, its filters, and the sites they leave."""

    page: str  # "region", "territory" or "site"
    form: DashboardFilterForm
    sites: list[Site]
    start: datetime.date
    end: datetime.date
    preset: str
    territory: Territory | None = None
    site: Site | None = None
    departement: Territory | None = None
    kind: SiteKind | None = None
    filtered_site: Site | None = None
    # Every site of the platform, unfiltered: the figures may then come from the roll-ups summed
    # over the whole network (stats.models.RegionYearlyCount).
    every_site: bool = False
    generated_at: datetime.datetime = field(default_factory=timezone.now)

    @property
    def site_ids(self) -> list[int]:
        return [site.pk for site in self.sites]

    @property
    def title(self) -> str:
        # The region narrowed to one site is that site's page, seen from the region.
        if self.page == "site" or self.filtered_site:
            return str(self.site or self.filtered_site)
        if self.page == "territory":
            return str(self.territory)
        return _("Région %(region)s") % {"region": settings.SPRO_REGION_NAME}

    @property
    def period_label(self) -> str:
        dates = _("du %(start)s au %(end)s") % {
            "start": format_date(self.start),
            "end": format_date(self.end),
        }
        if self.preset and self.preset != PeriodPreset.DATES:
            return f"{PeriodPreset(self.preset).label} ({dates})"
        return dates

    def page_summary(self) -> list[tuple[str, str]]:
        """The filters in words for the page, naming ten sites at most (the page lists them below)."""
        return self.filter_summary(max_sites=10)

    def filter_summary(self, max_sites: int | None = None) -> list[tuple[str, str]]:
        """The filters in words, so that a printed page or an export explains itself."""
        if self.page == "site":
            territory = str(self.site.departement) if self.site else "—"
        elif self.page == "territory":
            territory = str(self.territory)
        elif self.departement or self.filtered_site:
            territory = str(self.departement or self.filtered_site.departement)
        else:
            territory = _("Toute la région (%(region)s)") % {"region": settings.SPRO_REGION_NAME}
        if self.page == "site":
            kind = str(self.site.kind) if self.site else "—"
        else:
            kind = str(self.kind) if self.kind else _("Tous les types")
        shown = self.sites if max_sites is None else self.sites[:max_sites]
        names = ", ".join(site.name for site in shown) or _("aucun site")
        if len(shown) < len(self.sites):
            names += " " + _("et %(count)s autres") % {"count": len(self.sites) - len(shown)}
        sites = names if len(self.sites) == 1 else f"{len(self.sites)} : {names}"
        generated = formats.date_format(timezone.localtime(self.generated_at), "DATETIME_FORMAT")
        return [
            (_("Période"), self.period_label),
            (_("Territoire"), territory),
            (_("Type de site"), kind),
            (_("Sites"), sites),
            (_("Généré le"), generated),
        ]

    def query_items(self) -> list[tuple[str, str]]:
        """The query string that rebuilds this scope on the export URL."""
        items = self.form.query_items()
        if self.page == "territory":
            items.append(("territory", str(self.territory.pk)))
        elif self.page == "site":
            items.append(("site", self.site.slug))
        return items


def _sort_key(name: str) -> str:
    """Alphabetical order as French readers expect it: "Épernay" before "Reims"."""
    return "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c)).casefold()


def _sites_list(queryset) -> list[Site]:
    # One query: the sites with what the pages show of them (département, kind). Sorted here,
    # because databases compare accented letters by code point ("É" after "Z").
    sites = queryset.select_related("departement", "kind")
    return sorted(sites, key=lambda site: (_sort_key(site.name), site.pk))


def region_scope(request) -> StatsScope:
    """The whole network, for the people who read it (regional coordination, observers); 403 otherwise."""
    user = request.user
    require("stats.read_region", user, message=WHOLE_NETWORK_ONLY)
    form = DashboardFilterForm(request.GET or None, user=user, page="region")
    queryset = Site.objects.data_visible_to(user)
    departement, kind, site = form.value("departement"), form.value("kind"), form.value("site")
    if departement:
        queryset = queryset.filter(departement=departement)
    if kind:
        queryset = queryset.filter(kind=kind)
    if site:
        queryset = queryset.filter(pk=site.pk)
    start, end, preset = form.date_range
    return StatsScope(
        page="region",
        form=form,
        sites=_sites_list(queryset),
        start=start,
        end=end,
        preset=preset,
        departement=departement,
        kind=kind,
        filtered_site=site,
        # data_visible_to gives a whole-network reader every site: without a filter, that is all.
        every_site=not (departement or kind or site),
    )


def territory_scope(request, pk) -> StatsScope:
    """A territory's sites, for the people who read the whole network; 403 otherwise, 404 if unknown."""
    user = request.user
    # The rule first: whoever may not read territories learns nothing of which ones exist.
    territory = Territory.objects.select_related("kind").filter(pk=pk).first()
    require("stats.read_territory", user, territory, WHOLE_NETWORK_ONLY)
    if territory is None:
        raise Http404(_("Aucun territoire ne correspond."))
    form = DashboardFilterForm(request.GET or None, user=user, page="territory")
    queryset = sites_in_territory(Site.objects.data_visible_to(user), territory)
    kind = form.value("kind")
    if kind:
        queryset = queryset.filter(kind=kind)
    start, end, preset = form.date_range
    return StatsScope(
        page="territory",
        form=form,
        sites=_sites_list(queryset),
        start=start,
        end=end,
        preset=preset,
        territory=territory,
        kind=kind,
    )


def site_scope(request, slug: str) -> StatsScope:
    """One site, for whoever may read its data (its coordinators, the whole-network readers); else 404."""
    user = request.user
    site = get_object_or_404(
        Site.objects.data_visible_to(user).select_related("departement", "kind"), slug=slug
    )
    require("stats.read_site", user, site)
    form = DashboardFilterForm(request.GET or None, user=user, page="site")
    start, end, preset = form.date_range
    return StatsScope(page="site", form=form, sites=[site], start=start, end=end, preset=preset, site=site)


def export_scope(request) -> StatsScope:
    """The scope of the dashboard an export comes from, told by its query string.

    `site=<slug>` is a site dashboard (404 unless the person may read that site's data),
    `territory=<id>` a territory dashboard, neither the region: the same checks as the pages.
    """
    slug = request.GET.get("site")
    territory = request.GET.get("territory")
    if territory:
        try:
            territory_pk = int(territory)
        except ValueError:
            territory_pk = 0
        return territory_scope(request, territory_pk)
    if slug and not rules.test_rule("stats.read_region", request.user):
        return site_scope(request, slug)
    # Whole-network readers exporting with a site chosen get the region dashboard filtered on it.
    return region_scope(request)
