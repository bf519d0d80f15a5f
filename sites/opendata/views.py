"""The public directory in the data·inclusion schema: structures and services, as JSON and CSV.

No login: the records describe the public sites only (selectors.published_sites, the public
directory's scope), the same for everyone. Whole lists, not pages: a region has a few hundred sites
at most, and a data·inclusion consumer reads one list of records.
"""

from django.contrib.auth.decorators import login_not_required
from django.views.decorators.http import require_safe

from . import datainclusion, dictionary
from .files import csv_response, csv_text, dictionary_csv_text, json_response
from .selectors import published_sites


def _base_url(request) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def _structures(request) -> list[dict]:
    return datainclusion.structures(published_sites(), base_url=_base_url(request))


def _services(request) -> list[dict]:
    return datainclusion.services(published_sites(), base_url=_base_url(request))


def _rows(records: list[dict], fields: list[str]):
    return ([record.get(name) for name in fields] for record in records)


@login_not_required
@require_safe
def structures_json(request):
    """Structures (data·inclusion schema v1), one per public site."""
    return json_response(_structures(request))


@login_not_required
@require_safe
def structures_csv(request):
    fields = datainclusion.STRUCTURE_FIELDS
    return csv_response(csv_text(fields, _rows(_structures(request), fields)), "structures.csv")


@login_not_required
@require_safe
def services_json(request):
    """Services (data·inclusion schema v1) of the public sites."""
    return json_response(_services(request))


@login_not_required
@require_safe
def services_csv(request):
    fields = datainclusion.SERVICE_FIELDS
    return csv_response(csv_text(fields, _rows(_services(request), fields)), "services.csv")


@login_not_required
@require_safe
def structures_dictionary_csv(request):
    text = dictionary_csv_text(dictionary.structure_columns())
    return csv_response(text, "dictionnaire-structures.csv")


@login_not_required
@require_safe
def services_dictionary_csv(request):
    return csv_response(dictionary_csv_text(dictionary.service_columns()), "dictionnaire-services.csv")
