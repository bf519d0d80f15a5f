"""The reports' pages, under /statistiques/bilans/: the stored reports and their versions, the
download, starting a run and watching its progress (htmx polling, no page reload), and the
narrative each site writes for its report. Who may do what: stats/reports/rules.py."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from sites.models import Site
from spro.files import file_response
from spro.web.access import require, rule_required
from spro.web.forms import attach_service_errors
from spro.web.views import page_renderer

from . import services
from .enums import kind_label
from .forms import NarrativeForm, ReportFilterForm, StartRunForm
from .models import Narrative, ReportFile, ReportRun

PAGE_SIZE = 50

READERS_ONLY = gettext_lazy(
    "Les bilans sont réservés à la coordination régionale, aux observateurs et aux coordinations de site."
)
COORDINATION_ONLY = gettext_lazy("Seule la coordination régionale génère les bilans.")

_render = page_renderer("stats/reports", nav="reports")


# --- The stored reports ----------------------------------------------------------------------------


@require_safe
@rule_required("reports.read_list", READERS_ONLY)
def report_list(request):
    """The current version of each report the reader may see, filtered and paginated."""
    visible = ReportFile.objects.visible_to(request.user)
    years = sorted(set(visible.values_list("year", flat=True)), reverse=True)
    order = services.available_kinds()
    kinds = sorted(
        set(visible.values_list("kind", flat=True)),
        key=lambda k: (k not in order, order.index(k) if k in order else k),
    )
    sites = (
        Site.objects.data_visible_to(request.user)
        .filter(report_files__isnull=False)
        .distinct()
        .order_by("name")
    )
    form = ReportFilterForm(request.GET or None, sites=sites, years=years, kinds=kinds)
    files = visible.current()
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        if data["year"]:
            files = files.filter(year=data["year"])
        if data["site"]:
            files = files.filter(site=data["site"])
        if data["kind"]:
            files = files.filter(kind=data["kind"])
        if data["provisional"]:
            files = files.filter(provisional=data["provisional"] == "oui")
    files = files.select_related("site").order_by("-year", "kind", "site__name", "provisional", "pk")
    page = Paginator(files, PAGE_SIZE).get_page(request.GET.get("page"))
    narrative_year = years[0] if years else timezone.localdate().year - 1
    return _render(
        request,
        "list.html",
        {
            "form": form,
            "page": page,
            "files": list(page.object_list),
            "is_filtered": form.is_bound and any(form.data.get(name) for name in form.fields),
            "narrative_year": narrative_year,
        },
    )


@require_safe
def report_detail(request, pk: int):
    """One report: every version, final and provisional, with checksums and fingerprints."""
    report_file = get_object_or_404(ReportFile.objects.visible_to(request.user).select_related("site"), pk=pk)
    require("reports.read_file", request.user, report_file)
    versions = ReportFile.objects.visible_to(request.user).versions_of(report_file).select_related("run")
    return _render(request, "detail.html", {"report": report_file, "versions": list(versions)})


@require_safe
def report_download(request, pk: int):
    """The PDF, as an attachment, with its SHA-256 checksum in the headers."""
    report_file = get_object_or_404(ReportFile.objects.visible_to(request.user).select_related("site"), pk=pk)
    require("reports.read_file", request.user, report_file)
    response = file_response(report_file.file, filename=report_file.download_name)
    response["X-Checksum-SHA256"] = report_file.sha256
    response["X-Report-Fingerprint"] = report_file.fingerprint
    return response


# --- Runs ------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@rule_required("reports.start_run", COORDINATION_ONLY)
def run_start(request):
    """The form (year, kinds, provisional); its POST shows a confirmation; the confirmed POST starts."""
    kinds = services.available_kinds()
    form = StartRunForm(request.POST or None, kinds=kinds)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            if request.POST.get("confirmed") == "1":
                try:
                    run = services.report_run_start(
                        data["year"], data["kinds"], data["provisional"], request.user
                    )
                except (ValidationError, PermissionDenied) as error:
                    attach_service_errors(form, error)
                else:
                    messages.success(
                        request, _("La génération des bilans %(year)d a commencé.") % {"year": run.year}
                    )
                    return redirect("stats:report_run", pk=run.pk)
            else:
                return _render(
                    request,
                    "run_confirm.html",
                    {
                        "form": form,
                        "data": data,
                        "kind_labels": [kind_label(kind) for kind in data["kinds"]],
                        "site_count": Site.objects.labelled().count(),
                        "builds_sites": "site" in data["kinds"],
                    },
                )
        status = 400
    runs = ReportRun.objects.visible_to(request.user).select_related("requested_by")[:10]
    return _render(request, "run_start.html", {"form": form, "runs": runs}, status=status)


def _run_context(request, pk: int) -> dict:
    run = get_object_or_404(ReportRun.objects.visible_to(request.user).select_related("requested_by"), pk=pk)
    require("reports.read_run", request.user, run)
    steps = []
    names = dict(Site.objects.filter(pk__in=run.site_ids).values_list("pk", "name"))
    keys = [services.site_key(site_id) for site_id in run.site_ids] if run.builds_sites else []
    keys += [kind for kind in run.kinds if kind != "site"]
    for key in keys:
        label = names.get(int(key[5:]), key) if key.startswith("site:") else kind_label(key)
        steps.append({"key": key, "label": label, "state": run.step_state(key), "error": run.errors.get(key)})
    files = (
        run.files.select_related("site").order_by("kind", "site__name") if run.is_finished or run.done else []
    )
    return {"run": run, "steps": steps, "files": files, "errors": [s for s in steps if s["error"]]}


@require_safe
def run_detail(request, pk: int):
    """A run's progress, updated in place every two seconds until it is over."""
    return _render(request, "run_detail.html", _run_context(request, pk))


@require_safe
def run_progress(request, pk: int):
    """The progress block alone, for htmx's polling."""
    return _render(request, "_run_progress.html", _run_context(request, pk))


# --- Narratives ------------------------------------------------------------------------------------


@require_safe
@rule_required("reports.read_list", READERS_ONLY)
def narrative_list(request, year: int):
    """The year's narrative of each site the reader sees, with its state."""
    sites = Site.objects.data_visible_to(request.user)
    if request.user.roles.reads_whole_network:
        sites = sites.labelled()
    narratives = {n.site_id: n for n in Narrative.objects.visible_to(request.user).filter(year=year)}
    rows = [{"site": site, "narrative": narratives.get(site.pk)} for site in sites.order_by("name")]
    return _render(request, "narrative_list.html", {"year": year, "rows": rows})


@require_http_methods(["GET", "POST"])
def narrative_edit(request, year: int, slug: str):
    """The narrative and perspectives of a site's report: saved as a draft, or as final."""
    site = get_object_or_404(Site.objects.data_visible_to(request.user), slug=slug)
    narrative = services.narrative_for(site, year)
    require("reports.read_narrative", request.user, narrative)
    form = NarrativeForm(
        request.POST or None,
        initial={"narrative": narrative.narrative, "perspectives": narrative.perspectives},
    )
    status = 200
    if request.method == "POST":
        if _narrative_saved(request, site, year, narrative, form):
            return redirect("stats:report_narrative", year=year, slug=slug)
        status = 400
    history = list(narrative.history.select_related("history_user")[:10]) if narrative.pk else []
    return _render(
        request,
        "narrative_form.html",
        {"site": site, "year": year, "narrative": narrative, "form": form, "history": history},
        status=status,
    )


def _narrative_saved(request, site, year: int, narrative, form) -> bool:
    """Save the posted texts (the rule reports.edit_narrative first); False with the form's errors."""
    locked = _("Ce texte est verrouillé : le bilan définitif du site a été produit.")
    require(
        "reports.edit_narrative", request.user, narrative, message=locked if narrative.is_locked else None
    )
    if not form.is_valid():
        return False
    final = request.POST.get("action") == "final"
    try:
        services.narrative_save(
            site=site,
            year=year,
            author=request.user,
            narrative=form.cleaned_data["narrative"],
            perspectives=form.cleaned_data["perspectives"],
            final=final,
        )
    except (ValidationError, PermissionDenied) as error:
        attach_service_errors(form, error)
        return False
    messages.success(
        request, _("Le texte est enregistré comme définitif.") if final else _("Le brouillon est enregistré.")
    )
    return True


@require_POST
def narrative_reopen(request, year: int, slug: str):
    site = get_object_or_404(Site.objects.data_visible_to(request.user), slug=slug)
    narrative = get_object_or_404(Narrative.objects.editable_by(request.user), site=site, year=year)
    services.narrative_reopen(narrative=narrative, author=request.user)
    messages.success(request, _("Le texte est rouvert : le site peut de nouveau le modifier."))
    return redirect(reverse("stats:report_narrative", kwargs={"year": year, "slug": slug}))
