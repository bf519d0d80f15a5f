"""Open data pages and files, no login: the list of datasets with their data dictionaries, and the
yearly CSV of the public visitor statistics (stats/opendata.py).

The page sits here, at the top of the layers, because it lists the sites' datasets
(sites/opendata/) beside the statistics'.
"""

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from sites.opendata import dictionary as sites_dictionary
from sites.opendata.files import csv_response, csv_text, dictionary_csv_text, text_response
from spro.api import ApiQueryForm

from . import opendata


class YearForm(ApiQueryForm):
    """`?annee=AAAA`, given once: malformed is a 400; a year outside the platform's a 404."""

    annee = forms.IntegerField()


def _available(years: list[int]) -> str:
    if not years:
        return _("Aucune année n'est encore publiée.")
    return _("Années publiées : %(years)s.") % {"years": ", ".join(str(year) for year in years)}


@login_not_required
@require_safe
def index(request):
    """Every dataset, its download links and its data dictionary."""
    first, last = opendata.year_bounds()
    years = [year for year in opendata.published_years() if first <= year <= last]
    return render(
        request,
        "stats/opendata/index.html",
        {
            "nav": "opendata",
            "region_name": settings.SPRO_REGION_NAME,
            "years": sorted(years, reverse=True),
            "threshold": settings.SPRO_SMALL_CELL_THRESHOLD,
            "structure_columns": sites_dictionary.structure_columns(),
            "service_columns": sites_dictionary.service_columns(),
            "stats_columns": opendata.dictionary(),
        },
    )


@login_not_required
@require_safe
def visits_csv(request):
    """The public aggregates of one year, `?annee=AAAA`: never an empty file."""
    form = YearForm(request.GET)
    if not form.is_valid() or form.cleaned_data["annee"] is None:
        message = _("Précisez l'année une seule fois, en chiffres : ?annee=AAAA.")
        return text_response(f"{message} {_available(opendata.published_years())}\n", status=400)
    year = form.cleaned_data["annee"]
    first, last = opendata.year_bounds()
    if not first <= year <= last:
        message = _("Aucun fichier pour l'année %(year)s : les années vont de %(first)s à %(last)s.") % {
            "year": year,
            "first": first,
            "last": last,
        }
        return text_response(f"{message} {_available(opendata.published_years())}\n", status=404)
    text = csv_text(opendata.HEADER, opendata.year_rows(year))
    return csv_response(text, f"passages-{year}.csv")


@login_not_required
@require_safe
def visits_dictionary_csv(request):
    return csv_response(dictionary_csv_text(opendata.dictionary()), "dictionnaire-passages.csv")
