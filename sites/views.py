"""Pages of the sites app: the public directory and site sheets, and the coordination's writes.

Every write fetches its site through `Site.objects.editable_by(user)`, so a stranger gets a 404
and never learns whether the site exists; the rules of sites/rules.py then decide what the reader
may do (pages reserved to the regional coordination answer 403 to the site's own coordinators).
Writes go through sites.services.
"""

import itertools
from operator import attrgetter

import rules
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, ForeignKey
from django.shortcuts import get_object_or_404, redirect
from django.utils import formats
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from spro.web.access import require, rule_required
from spro.web.forms import attach_service_errors
from spro.web.views import page_renderer

from . import selectors
from .filters import SiteFilter
from .forms import CoordinatorAssignForm, CoordinatorEndForm, LabelStatusForm, SiteForm, SitePracticalForm
from .models import CoordinatorAssignment, Site
from .sections import site_sections
from .services import coordinator_assign, coordinator_unassign, site_change_label_status, site_save

DIRECTORY_PAGE_SIZE = 25
HISTORY_PAGE_SIZE = 25


def _editable_site(request, slug: str) -> Site:
    """The site if the user may edit it; a 404 otherwise, so that strangers learn nothing."""
    return get_object_or_404(Site.objects.editable_by(request.user), slug=slug)


def _managed_site(request, slug: str) -> Site:
    """The site if the user edits it (404 otherwise); identity, label and team belong to the regional
    coordination: a site's own coordinator gets 403."""
    site = _editable_site(request, slug)
    require("sites.manage_site", request.user, site)
    return site


_render = page_renderer("sites", nav="sites")


# Public pages.


@login_not_required
@require_safe
def directory(request):
    """The directory of sites, grouped by département, filtered and paginated."""
    site_filter = SiteFilter(request.GET, queryset=Site.objects.visible_to(request.user), request=request)
    results = site_filter.qs.for_listing().order_by("departement__code", "departement__name", "name", "pk")
    paginator = Paginator(results, DIRECTORY_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    # One GROUP BY over all the results, not just this page: a group split across two pages still
    # announces its full count, and the summary lists every département found.
    departement_counts = list(
        results.order_by("departement__code", "departement__name")
        .values("departement", "departement__code", "departement__name")
        .annotate(count=Count("pk"))
    )
    totals = {row["departement"]: row["count"] for row in departement_counts}
    groups = [
        {"departement": departement, "sites": list(rows), "total": totals.get(departement.pk, 0)}
        for departement, rows in itertools.groupby(page.object_list, key=attrgetter("departement"))
    ]
    return _render(
        request,
        "directory.html",
        {
            "filter": site_filter,
            "page": page,
            "groups": groups,
            "departement_counts": departement_counts,
            "is_filtered": any(site_filter.form.data.get(name) for name in site_filter.filters),
            "can_create": rules.test_rule("sites.create_site", request.user),
        },
    )


@login_not_required
@require_safe
def detail(request, slug):
    """A site's public sheet; coordinators and edit buttons only for those concerned."""
    user = request.user
    visible = Site.objects.visible_to(user)
    site = get_object_or_404(visible.for_listing(), slug=slug)
    coordinators = None
    if rules.test_rule("sites.read_coordinators", user, site):
        coordinators = site.coordinators.current().select_related("user").order_by("start_date", "pk")
    return _render(
        request,
        "detail.html",
        {
            "site": site,
            # The parent is linked only when the reader may open it.
            "parent_visible": site.parent_id is not None and visible.filter(pk=site.parent_id).exists(),
            "children": visible.filter(parent=site).select_related("kind").order_by("name"),
            "themes": site.themes.all(),
            "service_levels": site.service_levels.all(),
            "coordinators": coordinators,
            # What the layers above add (the events: theme of the month, next events).
            "sections": site_sections(request, site),
        },
    )


# Writes.


def _save_site_form(request, form) -> Site | None:
    try:
        return site_save(site=form.instance, author=request.user, m2m=form.m2m_values())
    except ValidationError as error:
        attach_service_errors(form, error)
        return None


@require_http_methods(["GET", "POST"])
@rule_required("sites.create_site")
def create(request):
    form = SiteForm(data=request.POST if request.method == "POST" else None)
    if form.is_valid() and (site := _save_site_form(request, form)):
        messages.success(request, _("Le site « %(name)s » a été créé.") % {"name": site.name})
        return redirect(site)
    return _render(request, "site_form.html", {"form": form, "site": None, "mode": "create"})


@require_http_methods(["GET", "POST"])
def edit(request, slug):
    site = _managed_site(request, slug)
    # The form writes what was typed onto the instance: keep the saved name for titles and links.
    site_name = site.name
    form = SiteForm(data=request.POST if request.method == "POST" else None, instance=site)
    if form.is_valid() and (site := _save_site_form(request, form)):
        messages.success(request, _("La fiche du site « %(name)s » a été enregistrée.") % {"name": site.name})
        return redirect(site)
    return _render(
        request, "site_form.html", {"form": form, "site": site, "site_name": site_name, "mode": "edit"}
    )


@require_http_methods(["GET", "POST"])
def edit_practical(request, slug):
    site = _editable_site(request, slug)
    require("sites.edit_practical_info", request.user, site)
    site_name = site.name
    form = SitePracticalForm(data=request.POST if request.method == "POST" else None, instance=site)
    if form.is_valid() and (site := _save_site_form(request, form)):
        messages.success(
            request,
            _("Les informations pratiques de « %(name)s » ont été enregistrées.") % {"name": site.name},
        )
        return redirect(site)
    return _render(
        request, "site_form.html", {"form": form, "site": site, "site_name": site_name, "mode": "practical"}
    )


@require_http_methods(["GET", "POST"])
def label_status(request, slug):
    site = _managed_site(request, slug)
    form = LabelStatusForm(data=request.POST if request.method == "POST" else None, site=site)
    if form.is_valid():
        data = form.cleaned_data
        try:
            site = site_change_label_status(
                site=site,
                status=data["status"],
                effective_on=data["effective_on"],
                renewal_due_on=data["renewal_due_on"],
                comment=data["comment"],
                author=request.user,
            )
        except ValidationError as error:
            attach_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Le label de « %(name)s » est désormais au statut « %(status)s ».")
                % {"name": site.name, "status": site.get_label_status_display()},
            )
            return redirect(site)
    return _render(request, "label_status_form.html", {"form": form, "site": site})


@require_http_methods(["GET", "POST"])
def coordinator_add(request, slug):
    site = _managed_site(request, slug)
    # Opened from a person's page (?user=<pk>), the form has that person chosen already.
    initial = {"user": request.GET["user"]} if request.GET.get("user", "").isdigit() else {}
    form = CoordinatorAssignForm(data=request.POST if request.method == "POST" else None, initial=initial)
    if form.is_valid():
        data = form.cleaned_data
        try:
            assignment = coordinator_assign(
                site=site,
                user=data["user"],
                position=data["position"],
                start_date=data["start_date"],
                end_date=data["end_date"],
                author=request.user,
            )
        except ValidationError as error:
            attach_service_errors(form, error)
        else:
            messages.success(
                request,
                _("%(person)s coordonne « %(site)s » à partir du %(date)s.")
                % {
                    "person": assignment.user,
                    "site": site.name,
                    "date": formats.date_format(assignment.start_date, "SHORT_DATE_FORMAT"),
                },
            )
            return redirect(site)
    return _render(request, "coordinator_form.html", {"form": form, "site": site})


@require_http_methods(["GET", "POST"])
def coordinator_end(request, pk):
    assignment = get_object_or_404(
        CoordinatorAssignment.objects.select_related("site", "user").filter(
            site__in=Site.objects.editable_by(request.user)
        ),
        pk=pk,
    )
    site = assignment.site
    require("sites.manage_site", request.user, site)
    form = CoordinatorEndForm(data=request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            assignment = coordinator_unassign(
                assignment=assignment, end_date=form.cleaned_data["end_date"], author=request.user
            )
        except ValidationError as error:
            attach_service_errors(form, error)
        else:
            messages.success(
                request,
                _("La coordination de « %(site)s » par %(person)s prend fin le %(date)s.")
                % {
                    "site": site.name,
                    "person": assignment.user,
                    "date": formats.date_format(assignment.end_date, "SHORT_DATE_FORMAT"),
                },
            )
            return redirect(site)
    return _render(request, "coordinator_end.html", {"form": form, "site": site, "assignment": assignment})


# History.


def _format_changes(records_with_previous) -> dict:
    """Human-readable field changes between consecutive history records.

    Foreign keys are stored as ids in the history: they are resolved with one query per related
    model for the whole page, rather than one per change.
    """
    deltas = {
        record.pk: record.diff_against(previous).changes
        for record, previous in records_with_previous
        if previous is not None
    }
    names = selectors.history_related_objects(deltas.values())
    return {record_pk: _change_rows(changes, names) for record_pk, changes in deltas.items()}


def _change_rows(changes, names: dict) -> list[dict]:
    """The changes of one history record, by field label: the label, the old and the new value."""
    rows = []
    for change in changes:
        field = Site._meta.get_field(change.field)
        rows.append(
            {
                "label": field.verbose_name,
                "old": _display_value(field, change.old, names),
                "new": _display_value(field, change.new, names),
            }
        )
    return sorted(rows, key=lambda row: str(row["label"]))


def _display_value(field, value, names: dict):
    """A value of the history as the page shows it (a related object's name, a choice's label…)."""
    if value in (None, ""):
        return None
    if isinstance(field, ForeignKey):
        obj = names[field].get(value)
        return str(obj) if obj is not None else _("élément supprimé (n° %(id)s)") % {"id": value}
    if field.choices:
        return dict(field.flatchoices).get(value, value)
    if isinstance(value, bool):
        return _("oui") if value else _("non")
    return value


@require_safe
def history(request, slug):
    """Changes of the site's sheet, steps of its label and its coordinators over time."""
    # The sites whose data the user reads: all for whole-network readers, else their own.
    site = get_object_or_404(Site.objects.data_visible_to(request.user), slug=slug)
    require("sites.read_history", request.user, site)
    records = site.history.select_related("history_user").order_by("-history_date", "-history_id")
    paginator = Paginator(records, HISTORY_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    offset = (page.number - 1) * HISTORY_PAGE_SIZE
    # One record more than the page holds: the last change of the page is diffed against it.
    rows = list(records[offset : offset + HISTORY_PAGE_SIZE + 1])
    pairs = list(itertools.zip_longest(rows[:HISTORY_PAGE_SIZE], rows[1:]))
    changes = _format_changes(pairs)
    entries = [
        {"record": record, "changes": changes.get(record.pk), "has_previous": previous is not None}
        for record, previous in pairs
    ]
    return _render(
        request,
        "history.html",
        {
            "site": site,
            "page": page,
            "entries": entries,
            "label_changes": site.label_changes.select_related("author"),
            "assignments": site.coordinators.select_related("user").order_by("-start_date", "-pk"),
        },
    )
