"""Events dashboards (region, territory, site) and their CSV / XLSX exports.

Who sees what is decided once, in filters.py (the scope), as for the visit statistics: the region
and territory pages are for the people who read the whole network (403 for others), a site's page
for them and the site's own coordinators (404 for anyone else). The export reuses the same scope.
"""

from django.conf import settings
from django.http import HttpResponseBadRequest
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from stats.exports import FORMATS

from . import exports
from . import figures as texts
from .figures import build_figures
from .filters import EventScope, export_scope, region_scope, site_scope, territory_scope

PERIOD_FIELDS = ("period", "start", "end")
PLAIN_TEXT = "text/plain; charset=utf-8"


def _export_url(file_format: str, scope: EventScope) -> str:
    return f"{reverse('event_stats:export')}?{urlencode([('format', file_format), *scope.query_items()])}"


def _render(request, scope: EventScope):
    # Links to other dashboards keep the period, not the filters that only make sense here.
    period_items = [(name, value) for name, value in scope.form.query_items() if name in PERIOD_FIELDS]
    departements = {site.departement_id: site.departement for site in scope.sites}
    context = {
        "nav": "events",
        "scope": scope,
        "form": scope.form,
        "figures": build_figures(scope),
        "definitions": {
            "realisation": texts.REALISATION_DEFINITION,
            "frequentation": texts.FREQUENTATION_DEFINITION,
            "partners": texts.PARTNERS_DEFINITION,
            "counting": texts.COUNTING_RULE,
            "small_cells": texts.SMALL_CELLS_NOTE % {"threshold": settings.SPRO_SMALL_CELL_THRESHOLD},
        },
        "export_csv_url": _export_url("csv", scope),
        "export_xlsx_url": _export_url("xlsx", scope),
        "period_query": urlencode(period_items),
        "is_filtered": bool(scope.form.query_items()),
        "departements": sorted(departements.values(), key=lambda t: (t.code, t.name))
        if scope.page == "region"
        else [],
    }
    return render(request, "events/dashboards/dashboard.html", context)


@require_safe
def region_dashboard(request):
    """The events of the whole network, with the départements to open and each site's line."""
    return _render(request, region_scope(request))


@require_safe
def territory_dashboard(request, pk):
    """The events of a territory's sites (a département, a bassin d'emploi…)."""
    return _render(request, territory_scope(request, pk))


@require_safe
def site_dashboard(request, slug):
    """One site's events, for its coordinators and the whole-network readers."""
    return _render(request, site_scope(request, slug))


@require_safe
def export(request):
    """The figures of the dashboard the person comes from, as CSV or XLSX, led by its filters."""
    file_format = request.GET.get("format", "csv")
    if file_format not in FORMATS:
        return HttpResponseBadRequest(
            _("Format d'export inconnu : choisissez csv ou xlsx."), content_type=PLAIN_TEXT
        )
    scope = export_scope(request)
    if scope.form.is_bound and scope.form.errors:
        # A file has nowhere to show an error: rather than export something else than asked, refuse.
        return HttpResponseBadRequest(
            _("Filtres invalides : %(errors)s") % {"errors": scope.form.errors.as_text()},
            content_type=PLAIN_TEXT,
        )
    return exports.response(scope, build_figures(scope, with_charts=False), file_format)
