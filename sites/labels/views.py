"""Pages of the label life cycle (applications, pieces, instruction, avis, décision), the yearly
self-evaluation and the coordination visits.

Every object is fetched through a scoped queryset (`visible_to`, `data_visible_to`), so a stranger
gets a 404 and learns nothing; the rules of sites/labels/rules.py then decide what a reader may do:
one who may not write (an observer, or a site coordinator on a step reserved to the regional
coordination) gets a 403. Writes go through sites.labels.services, which refuse a step that the
object's state forbids with a French message.
"""

import rules
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from network.models.governance import Decision
from spro.files import file_response
from spro.http import query_year
from spro.web.access import require, rule_required
from spro.web.forms import attach_service_errors
from spro.web.history import history_entries
from spro.web.views import page_renderer

from ..enums import Judgement
from ..models import Site
from ..models.evaluation import EvaluationGrid, SelfAssessment
from ..models.labels import ApplicationDocument, LabelApplication
from ..models.visits import CoordinationVisit
from . import selectors, services
from .forms import (
    ApplicationCreateForm,
    ApplicationFilterForm,
    AssessmentForm,
    CoordinationVisitForm,
    DocumentForm,
    FollowUpFormSet,
    InstructionForm,
    OpinionChoiceForm,
    OpinionCreateForm,
    RegionDecisionForm,
    commission_meetings,
)
from .rules import holds_label, in_state

LIST_PAGE_SIZE = 25
VISITS_PER_YEAR_TARGET = 5
FIRST_ASSESSMENT_YEAR = 2000


_render = page_renderer("sites/labels", nav="labels")


# Label applications.


def _visible_application(request, pk: int) -> LabelApplication:
    """The application if the user reads its site's data; a 404 otherwise."""
    return get_object_or_404(
        LabelApplication.objects.visible_to(request.user).select_related("site", "opinion__meeting__body"),
        pk=pk,
    )


def _editable_application(request, pk: int) -> LabelApplication:
    """The application if the user edits its site (site coordinators and coordination); 404/403.
    Whether its state allows the step is the service's to say, with a message."""
    application = _visible_application(request, pk)
    require("labels.write", request.user, application)
    return application


def _coordinated_application(request, pk: int) -> LabelApplication:
    """The application, for a step of the regional coordination (instruction, avis, décision)."""
    application = _visible_application(request, pk)
    require("labels.coordinate", request.user, application)
    return application


@require_safe
def application_list(request):
    """Applications of the sites whose data the user reads, filtered and paginated."""
    sites = Site.objects.data_visible_to(request.user).order_by("name")
    filter_form = ApplicationFilterForm(request.GET or None, sites=sites)
    applications = filter_form.filter(
        LabelApplication.objects.visible_to(request.user).select_related("site", "opinion")
    ).order_by("-created_at", "-pk")
    page = Paginator(applications, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    return _render(
        request,
        "application_list.html",
        {
            "filter_form": filter_form,
            "page": page,
            "is_filtered": any(request.GET.get(name) for name in filter_form.fields),
            "can_create": rules.test_rule("labels.create_application", request.user),
        },
    )


@require_http_methods(["GET", "POST"])
@rule_required("labels.create_application")
def application_create(request):
    sites = Site.objects.editable_by(request.user).order_by("name")
    form = ApplicationCreateForm(
        request.POST if request.method == "POST" else None,
        sites=sites,
        initial={"site": request.GET.get("site")},
    )
    if form.is_valid():
        site = form.cleaned_data["site"]
        is_renewal = in_state(holds_label, site)
        try:
            application = services.label_application_create(
                site=site, is_renewal=is_renewal, author=request.user
            )
        except ValidationError as error:
            attach_service_errors(form, error)
        else:
            messages.success(request, _("Le dossier de candidature est ouvert : ajoutez-y les pièces."))
            return redirect("labels:application_detail", pk=application.pk)
    return _render(request, "application_create.html", {"form": form})


@require_safe
def application_detail(request, pk):
    application = _visible_application(request, pk)
    site = application.site
    # The buttons are the template's: {% test_rule "labels.submit_application" user application %}…
    checklist = application.checklist()
    listed = {document.pk for _piece, documents in checklist for document in documents}
    can_edit = rules.test_rule("labels.edit_application", request.user, application)
    return _render(
        request,
        "application_detail.html",
        {
            "application": application,
            "site": site,
            "checklist": checklist,
            "missing_pieces": [piece for piece, documents in checklist if piece.required and not documents],
            # Documents of a piece the kind no longer asks for (the list changed since).
            "other_documents": [
                document
                for document in application.documents.select_related("piece", "uploaded_by")
                if document.pk not in listed
            ],
            "can_edit": can_edit,
            "document_form": DocumentForm(pieces=application.expected_pieces())
            if can_edit and checklist
            else None,
            "renewal_due": site.renewal_is_due,
            "opinions": Decision.objects.about(application).select_related("meeting__body"),
            "history": history_entries(
                application.history.select_related("history_user").order_by("-history_date", "-history_id"),
                excluded_fields=["updated_at", "created_at"],
            ),
        },
    )


@require_POST
def application_submit(request, pk):
    application = _editable_application(request, pk)
    try:
        services.label_application_submit(application=application, author=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("La candidature est déposée auprès de la coordination régionale."))
    return redirect("labels:application_detail", pk=application.pk)


@require_http_methods(["GET", "POST"])
def application_withdraw(request, pk):
    """Withdrawing is asked on its own page and confirmed there: it closes the file for good."""
    application = _editable_application(request, pk)
    if request.method == "GET":
        if not rules.test_rule("labels.withdraw_application", request.user, application):
            messages.info(request, _("Cette candidature est déjà close."))
            return redirect("labels:application_detail", pk=application.pk)
        return _render(request, "application_withdraw.html", {"application": application})
    try:
        services.label_application_withdraw(application=application, author=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("La candidature est retirée."))
    return redirect("labels:application_detail", pk=application.pk)


@require_POST
def application_prepare_renewal(request, slug):
    """Open a renewal file for a labelled site ("préparer le renouvellement")."""
    site = get_object_or_404(Site.objects.data_visible_to(request.user), slug=slug)
    require("labels.write", request.user, site)
    try:
        application = services.label_application_create(site=site, is_renewal=True, author=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(reverse("labels:application_list") + f"?site={site.slug}")
    messages.success(request, _("Le dossier de renouvellement est ouvert."))
    return redirect("labels:application_detail", pk=application.pk)


@require_POST
def document_upload(request, pk):
    application = _editable_application(request, pk)
    form = DocumentForm(request.POST, request.FILES, pieces=application.expected_pieces())
    if form.is_valid():
        try:
            services.application_document_add(
                application=application,
                piece=form.cleaned_data["piece"],
                title=form.cleaned_data["title"],
                file=form.cleaned_data["file"],
                author=request.user,
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("La pièce « %(piece)s » est ajoutée au dossier.") % {"piece": form.cleaned_data["piece"]},
            )
            return redirect("labels:application_detail", pk=application.pk)
    else:
        messages.error(
            request,
            _("La pièce n'a pas été ajoutée : %(errors)s")
            % {"errors": " ".join(str(e) for errors in form.errors.values() for e in errors)},
        )
    return redirect("labels:application_detail", pk=application.pk)


@require_safe
def document_download(request, pk):
    """Pieces are served only here, after checking the reader sees the application: never through
    a public media URL."""
    document = get_object_or_404(
        ApplicationDocument.objects.filter(application__in=LabelApplication.objects.visible_to(request.user)),
        pk=pk,
    )
    return file_response(document.file)


@require_http_methods(["GET", "POST"])
def application_instruct(request, pk):
    application = _coordinated_application(request, pk)
    form = InstructionForm(
        request.POST if request.method == "POST" else None,
        initial={"notes": application.instruction_notes, "instructed_on": application.instructed_on},
    )
    if form.is_valid():
        try:
            services.label_application_instruct(
                application=application,
                notes=form.cleaned_data["notes"],
                instructed_on=form.cleaned_data["instructed_on"],
                author=request.user,
            )
        except ValidationError as error:
            attach_service_errors(form, error)
        else:
            messages.success(request, _("L'instruction est enregistrée."))
            return redirect("labels:application_detail", pk=application.pk)
    return _render(
        request,
        "application_step.html",
        {
            "application": application,
            "form": form,
            "title": _("Instruction de la candidature"),
            "intro": _(
                "L'avis technique de la coordination est présenté à la commission régionale. "
                "Indiquez la date de fin d'instruction quand le dossier est prêt."
            ),
            "submit_label": _("Enregistrer l'instruction"),
        },
    )


def _record_opinion(request, application: LabelApplication, form) -> bool:
    """Record the avis from the posted form (a new decision, or one already taken); False leaves the
    errors on the form."""
    if not form.is_valid():
        return False
    try:
        if isinstance(form, OpinionCreateForm):
            services.label_application_create_opinion(
                application=application, author=request.user, **form.cleaned_data
            )
        else:
            services.label_application_record_opinion(
                application=application, decision=form.cleaned_data["decision"], author=request.user
            )
    except ValidationError as error:
        attach_service_errors(form, error)
        return False
    messages.success(request, _("L'avis de la commission est enregistré."))
    return True


@require_http_methods(["GET", "POST"])
def application_opinion(request, pk):
    """Record the commission's avis: pick a decision already taken about this application in a
    meeting, or create it here in a chosen commission meeting."""
    application = _coordinated_application(request, pk)
    choose_form = OpinionChoiceForm(application=application)
    create_form = OpinionCreateForm()
    if request.method == "POST":
        if request.POST.get("mode") == "create":
            form = create_form = OpinionCreateForm(request.POST)
        else:
            form = choose_form = OpinionChoiceForm(request.POST, application=application)
        if _record_opinion(request, application, form):
            return redirect("labels:application_detail", pk=application.pk)
    return _render(
        request,
        "application_opinion.html",
        {
            "application": application,
            "choose_form": choose_form,
            "create_form": create_form,
            "has_decisions": choose_form.fields["decision"].queryset.exists(),
            "has_meetings": commission_meetings().exists(),
        },
    )


@require_http_methods(["GET", "POST"])
def application_decide(request, pk):
    application = _coordinated_application(request, pk)
    form = RegionDecisionForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            services.label_application_decide(
                application=application,
                decision=form.cleaned_data["decision"],
                decided_on=form.cleaned_data["decided_on"],
                label_start_on=form.cleaned_data["label_start_on"],
                label_renewal_due_on=form.cleaned_data["label_renewal_due_on"],
                author=request.user,
            )
        except ValidationError as error:
            attach_service_errors(form, error)
        else:
            messages.success(request, _("La décision de la Région est enregistrée et appliquée au site."))
            return redirect("labels:application_detail", pk=application.pk)
    return _render(
        request,
        "application_step.html",
        {
            "application": application,
            "form": form,
            "title": _("Décision de la Région"),
            "intro": _(
                "Un label accordé fait passer le site au statut « Labellisé » avec sa date de "
                "renouvellement. Un refus renvoie une première candidature au statut « Projet » ; "
                "un site qui demandait son renouvellement garde son statut actuel."
            ),
            "submit_label": _("Enregistrer la décision"),
        },
    )


# Self-evaluation.


def _grid_items(grid: EvaluationGrid):
    themes = list(grid.themes.prefetch_related("items"))
    return themes, [item for theme in themes for item in theme.items.all()]


@require_safe
def assessment_list(request, slug):
    """The yearly self-evaluations of a site."""
    site = get_object_or_404(Site.objects.data_visible_to(request.user), slug=slug)
    assessments = site.self_assessments.select_related("grid").annotate(answer_count=Count("answers"))
    return _render(
        request,
        "assessment_list.html",
        {
            "site": site,
            "assessments": assessments,
            "this_year": timezone.localdate().year,
            # The grid a new self-evaluation of this site takes: its kind's.
            "current_grid": EvaluationGrid.objects.current_for(site.kind_id),
        },
    )


def _save_assessment(request, form: AssessmentForm, site: Site, year: int, grid: EvaluationGrid) -> bool:
    """Save the posted draft, or submit it when asked and complete; False leaves the errors on the form."""
    submit = request.POST.get("action") == "submit"
    form.check_evidence_has_judgement()
    complete = not submit or form.check_complete()
    if not complete or form.errors:
        return False
    try:
        services.self_assessment_save(
            site=site, year=year, grid=grid, answers=form.answers(), submit=submit, author=request.user
        )
    except ValidationError as error:
        attach_service_errors(form, error)
        return False
    messages.success(
        request,
        _("L'auto-évaluation est transmise à la coordination régionale.")
        if submit
        else _("Le brouillon est enregistré."),
    )
    return True


def _assessment_sections(
    themes, form: AssessmentForm, initial: dict, previous: selectors.PreviousAnswers
) -> list:
    """Per theme, the form's rows beside last year's judgements, and how many items got each judgement."""
    sections = []
    for theme in themes:
        rows = []
        counts = {j: [0, 0] for j in Judgement.values}
        for item in theme.items.all():
            before = previous.judgement(item)
            now = initial.get(f"judgement_{item.pk}", "")
            if now:
                counts[now][0] += 1
            if before:
                counts[before][1] += 1
            rows.append(
                {
                    "item": item,
                    "judgement": form[f"judgement_{item.pk}"],
                    "evidence": form[f"evidence_{item.pk}"],
                    "previous": Judgement(before).label if before else "",
                    "changed": bool(previous.assessment and now and before and now != before),
                }
            )
        counts = [(Judgement(j).label, this, last) for j, (this, last) in counts.items()]
        sections.append({"theme": theme, "rows": rows, "counts": counts})
    return sections


@require_http_methods(["GET", "POST"])
def assessment_edit(request, slug, year):
    """One page with every item of the grid, grouped by theme, and last year's answers beside."""
    site = get_object_or_404(Site.objects.data_visible_to(request.user), slug=slug)
    if not FIRST_ASSESSMENT_YEAR <= year <= timezone.localdate().year + 1:
        raise Http404
    assessment = selectors.site_assessment(site, year)
    grid = selectors.assessment_grid(assessment, site)
    if grid is None:
        raise Http404(_("Aucune grille d'auto-évaluation en vigueur pour ce type de site."))
    # A self-evaluation not started yet is asked about through its site.
    can_write = rules.test_rule("labels.write_assessment", request.user, assessment or site)
    if request.method == "POST":
        require("labels.write_assessment", request.user, assessment or site)
    themes, items = _grid_items(grid)
    initial = selectors.assessment_initial(assessment)
    data = request.POST if request.method == "POST" else None
    form = AssessmentForm(data, items=items, initial=initial, disabled=not can_write)
    if request.method == "POST" and form.is_valid() and _save_assessment(request, form, site, year, grid):
        return redirect("labels:assessment_edit", slug=site.slug, year=year)
    # Comparison with the previous year, matched by item and, across grid versions, by wording.
    previous = selectors.previous_year_answers(site, year)
    return _render(
        request,
        "assessment_form.html",
        {
            "site": site,
            "year": year,
            "grid": grid,
            "assessment": assessment,
            "previous": previous.assessment,
            "sections": _assessment_sections(themes, form, initial, previous),
            "form": form,
            "can_write": can_write,
        },
    )


@require_POST
def assessment_reopen(request, slug, year):
    site = get_object_or_404(Site.objects.data_visible_to(request.user), slug=slug)
    assessment = get_object_or_404(SelfAssessment.objects.visible_to(request.user), site=site, year=year)
    require("labels.coordinate", request.user, assessment)
    if rules.test_rule("labels.reopen_assessment", request.user, assessment):
        services.self_assessment_reopen(assessment=assessment)
        messages.success(request, _("L'auto-évaluation est rendue au site comme brouillon."))
    else:
        messages.info(request, _("L'auto-évaluation est déjà un brouillon."))
    return redirect("labels:assessment_edit", slug=site.slug, year=year)


# Coordination visits.


@require_safe
def visit_list(request):
    """Visits of the sites whose data the user reads, with the count per site for a year."""
    sites = Site.objects.data_visible_to(request.user).order_by("name")
    today = timezone.localdate()
    year = query_year(request, "annee", default=today.year)
    visits = CoordinationVisit.objects.visible_to(request.user).select_related("site", "visitor")
    selected_site = None
    if slug := request.GET.get("site"):
        selected_site = get_object_or_404(sites, slug=slug)
        visits = visits.filter(site=selected_site)
    page = Paginator(selectors.visits_of_year(visits, year), LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    counts = selectors.visit_counts_by_site(
        sites.filter(pk=selected_site.pk) if selected_site else sites, year
    )
    return _render(
        request,
        "visit_list.html",
        {
            "page": page,
            "year": year,
            "years": range(today.year + 1, today.year - 6, -1),
            "sites": sites,
            "selected_site": selected_site,
            "is_filtered": selected_site is not None,
            # The empty state's way back: every site, the same year.
            "reset_url": reverse("labels:visit_list") + f"?annee={year}",
            "counts": counts,
            "target": VISITS_PER_YEAR_TARGET,
            "can_create": rules.test_rule("labels.record_visit", request.user),
        },
    )


@require_safe
def visit_detail(request, pk):
    visit = get_object_or_404(
        CoordinationVisit.objects.visible_to(request.user).select_related("site", "visitor"), pk=pk
    )
    return _render(
        request,
        "visit_detail.html",
        {
            "visit": visit,
            "follow_ups": visit.follow_ups.all(),
            "can_edit": rules.test_rule("labels.record_visit", request.user, visit.site),
        },
    )


def _visit_form(request, visit: CoordinationVisit | None):
    require("labels.record_visit", request.user, visit.site if visit else None)
    sites = Site.objects.editable_by(request.user).order_by("name")
    data = request.POST if request.method == "POST" else None
    initial = {"visited_on": timezone.localdate()}
    if visit is None and (slug := request.GET.get("site")):
        initial["site"] = sites.filter(slug=slug).first()
    form = CoordinationVisitForm(
        data, instance=visit, sites=sites, initial=initial if visit is None else None
    )
    formset = FollowUpFormSet(data, instance=visit or CoordinationVisit(), prefix="suites")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        follow_ups = formset.save(commit=False)
        try:
            saved = services.coordination_visit_save(
                visit=form.instance,
                follow_ups=follow_ups,
                deleted_follow_ups=formset.deleted_objects,
                author=request.user,
            )
        except ValidationError as error:
            attach_service_errors(form, error)
        else:
            messages.success(request, _("La visite est enregistrée."))
            return redirect("labels:visit_detail", pk=saved.pk)
    return _render(request, "visit_form.html", {"form": form, "formset": formset, "visit": visit})


@require_http_methods(["GET", "POST"])
def visit_create(request):
    return _visit_form(request, None)


@require_http_methods(["GET", "POST"])
def visit_edit(request, pk):
    visit = get_object_or_404(CoordinationVisit.objects.visible_to(request.user), pk=pk)
    return _visit_form(request, visit)
