"""The organisers' pages of the events (/evenements/): events, attendance, territorial programmes and
the sites' monthly themes.

Every page fetches its event through `Event.objects.data_visible_to(user)`: a stranger (another
site's coordinator, a partner who does not co-organise it) gets a 404 and learns nothing, not even
whether an unpublished event exists. Writes go through events.services, which asks the named rules
(events/rules.py): an observer or a partner gets a 403; a refusal because of the data comes back on
the form in French.
"""

import rules
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from sites.models import Site
from spro.web.access import require, rule_required
from spro.web.forms import attach_service_errors
from spro.web.history import history_entries
from spro.web.views import page_renderer

from . import rules as event_rules
from . import selectors, services
from .enums import EventStatus
from .filters import EventFilter, ProgrammeFilter
from .forms import AttendanceForm, CancelForm, EventForm, MonthlyThemeForm, ProgrammeForm, date_formset
from .models import Event, MonthlyTheme, TerritorialProgramme

PAGE_SIZE = 25
HISTORY_LENGTH = 20
LIST_REFUSAL = gettext_lazy("Votre rôle ne donne pas accès aux événements des sites.")
PROGRAMMES_KEPT_BY_COORDINATION = gettext_lazy(
    "Les programmes territoriaux sont tenus par la coordination régionale."
)
PROGRAMMES_REFUSAL = gettext_lazy("Votre rôle ne donne pas accès aux programmes territoriaux.")
MANAGE_REFUSAL = gettext_lazy(
    "Seuls les organisateurs de l'événement et la coordination régionale le modifient."
)

_render = page_renderer("events", nav="events")


def _event(request, pk: int, queryset=None) -> Event:
    """The event, if the person reads its internal data (404 otherwise)."""
    queryset = queryset if queryset is not None else Event.objects.all()
    return get_object_or_404(queryset.data_visible_to(request.user), pk=pk)


def _managed_event(request, pk: int) -> Event:
    """The event, for its organisers and the coordination: 404 for strangers, 403 for readers."""
    event = _event(request, pk)
    require("events.manage", request.user, event, MANAGE_REFUSAL)
    return event


def _history(instance) -> list[dict]:
    records = instance.history.select_related("history_user")[: HISTORY_LENGTH + 1]
    return history_entries(records, excluded_fields=["updated_at"], limit=HISTORY_LENGTH)


def _public_url(event: Event) -> str | None:
    """The event's page in the public agenda, once that agenda answers (published events only)."""
    if not event.published:
        return None
    try:
        return event.get_public_url()
    except NoReverseMatch:
        return None


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


# --- Events ----------------------------------------------------------------------------------


@require_safe
@rule_required("events.read_list", LIST_REFUSAL)
def event_list(request):
    user = request.user
    sites = Site.objects.filter(events__in=Event.objects.data_visible_to(user)).distinct().order_by("name")
    filterset = EventFilter(request.GET, queryset=Event.objects.data_visible_to(user), sites=sites)
    context = {
        "filterset": filterset,
        "page_obj": _page(request, selectors.events_for_list(filterset.qs)),
        "is_filtered": filterset.is_filtered,
        "can_create": Site.objects.editable_by(user).exists(),
        "theme_sites": user.roles.coordinated_sites,
    }
    return _render(request, "event_list.html", context)


@require_safe
def event_detail(request, pk):
    user = request.user
    event = _event(request, pk, selectors.event_for_detail(Event.objects.all()))
    can_manage = rules.test_rule("events.manage", user, event)
    refusal = event_rules.attendance_refusal(user, event) if can_manage else None
    context = {
        "event": event,
        "can_manage": can_manage,
        "actions": _status_actions(event) if can_manage else [],
        "attendance_form": AttendanceForm(event=event) if can_manage and refusal is None else None,
        "attendance_refusal": refusal,
        "breakdowns": _breakdowns(event),
        "history": _history(event),
        "public_url": _public_url(event),
        "plan_action_visible": bool(event.plan_action_id)
        and Site.objects.data_visible_to(user).filter(pk=event.plan_action.plan.site_id).exists(),
    }
    return _render(request, "event_detail.html", context)


def _status_actions(event: Event) -> list[str]:
    """The status changes offered on the page (the services check them again)."""
    status = event.status
    if status in (EventStatus.CANCELLED, EventStatus.HELD):
        return []
    actions = ["postpone", "cancel"]
    if status == EventStatus.PLANNED:
        actions.insert(0, "confirm")
    if event_rules.has_started(None, event):
        actions.insert(0, "mark_held")
    return actions


def _breakdowns(event: Event) -> list[tuple[str, list]]:
    groups = {"sex": [], "age_band": [], "situation": []}
    for row in event.attendance_counts.all():
        for dimension, rows in groups.items():
            if getattr(row, f"{dimension}_id"):
                rows.append((getattr(row, dimension), row.count))
    legends = {"sex": _("Par sexe"), "age_band": _("Par tranche d'âge"), "situation": _("Par situation")}
    return [
        (legends[d], sorted(rows, key=lambda r: (r[0].order, r[0].label)))
        for d, rows in groups.items()
        if rows
    ]


def _event_form_page(request, event: Event, template="event_form.html"):
    """Create or edit: the event's form, its dates' formset, the duplicate warning."""
    data = request.POST if request.method == "POST" else None
    form = EventForm(data, instance=event, user=request.user)
    dates = date_formset(data, event=event)
    duplicates = []
    if data is not None and form.is_valid() and dates.is_valid():
        saved = _save_event(request, form, dates)
        if isinstance(saved, Event):
            messages.success(
                request, _("L'événement « %(title)s » a été enregistré.") % {"title": saved.title}
            )
            return redirect(saved.get_absolute_url())
        duplicates = saved
    show_confirm = bool(duplicates) or bool(form.data.get("confirm_duplicate"))
    context = {
        "form": form,
        "dates": dates,
        "event": event,
        "duplicates": duplicates,
        "show_confirm": show_confirm,
    }
    return _render(request, template, context)


def _save_event(request, form, dates):
    """The saved event, or the look-alikes the person must confirm ([] after another refusal)."""
    data = form.cleaned_data
    relations = services.EventRelations(
        sites=list(data["sites"]),
        dates=dates.datetimes(),
        partners=list(data["partners"]),
        themes=list(data["themes"]),
        publics=list(data["publics"]),
    )
    save = services.event_update if form.instance.pk else services.event_create
    try:
        return save(
            event=form.instance,
            relations=relations,
            author=request.user,
            confirm_duplicate=data["confirm_duplicate"],
        )
    except services.PossibleDuplicate as warning:
        form.add_error("confirm_duplicate", warning.messages)
        return warning.duplicates
    except (ValidationError, PermissionDenied) as error:
        attach_service_errors(form, error)
        return []


@require_http_methods(["GET", "POST"])
def event_create(request):
    if not Site.objects.editable_by(request.user).exists():
        raise PermissionDenied(
            _("Seules la coordination régionale et la coordination des sites créent des événements.")
        )
    return _event_form_page(request, Event())


@require_http_methods(["GET", "POST"])
def event_edit(request, pk):
    return _event_form_page(request, _managed_event(request, pk))


@require_http_methods(["GET", "POST"])
def event_delete(request, pk):
    event = _managed_event(request, pk)
    error = None
    if request.method == "POST":
        try:
            services.event_delete(event=event, author=request.user)
        except ValidationError as refusal:
            error = " ".join(refusal.messages)
        else:
            messages.success(request, _("L'événement « %(title)s » a été supprimé.") % {"title": event.title})
            return redirect("events:list")
    return _render(request, "event_delete.html", {"event": event, "error": error})


@require_POST
def event_confirm(request, pk):
    event = _managed_event(request, pk)
    try:
        services.event_confirm(event=event, author=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("L'événement est confirmé."))
    return redirect(event.get_absolute_url())


@require_http_methods(["GET", "POST"])
def event_cancel(request, pk):
    event = _managed_event(request, pk)
    form = CancelForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            services.event_cancel(event=event, author=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            attach_service_errors(form, error)
        else:
            messages.success(request, _("L'événement est annulé ; il reste dans l'agenda, marqué annulé."))
            return redirect(event.get_absolute_url())
    return _render(request, "event_cancel.html", {"event": event, "form": form})


@require_http_methods(["GET", "POST"])
def event_postpone(request, pk):
    event = _managed_event(request, pk)
    data = request.POST if request.method == "POST" else None
    dates = date_formset(data, event=event)
    error = None
    if data is not None and dates.is_valid():
        try:
            services.event_postpone(event=event, author=request.user, dates=dates.datetimes())
        except ValidationError as refusal:
            error = " ".join(refusal.messages)
        else:
            messages.success(request, _("L'événement est reporté aux nouvelles dates."))
            return redirect(event.get_absolute_url())
    return _render(request, "event_postpone.html", {"event": event, "dates": dates, "error": error})


@require_http_methods(["GET", "POST"])
def event_mark_held(request, pk):
    event = _managed_event(request, pk)
    if request.method == "POST":
        try:
            services.event_mark_held(event=event, author=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("L'événement est marqué réalisé : saisissez sa fréquentation."))
        return redirect(event.get_absolute_url())
    return _render(request, "event_mark_held.html", {"event": event})


@require_http_methods(["GET", "POST"])
def event_attendance(request, pk):
    event = _event(request, pk, Event.objects.prefetch_related("dates", "sites", "attendance_counts"))
    require("events.manage", request.user, event, MANAGE_REFUSAL)
    refusal = event_rules.attendance_refusal(request.user, event)
    form = AttendanceForm(request.POST if request.method == "POST" and not refusal else None, event=event)
    if form.is_valid():
        data = form.cleaned_data
        attendance = services.Attendance(
            **{
                name: data[name] for name in ("registered", "present", "satisfied", "neutral", "dissatisfied")
            },
            breakdowns=form.breakdowns(),
        )
        try:
            services.attendance_record(event=event, author=request.user, attendance=attendance)
        except (ValidationError, PermissionDenied) as error:
            attach_service_errors(form, error)
        else:
            messages.success(request, _("La fréquentation de l'événement a été enregistrée."))
            return redirect(event.get_absolute_url())
    return _render(request, "attendance_form.html", {"event": event, "form": form, "refusal": refusal})


# --- Territorial programmes ------------------------------------------------------------------


@require_safe
@rule_required("events.read_programmes", PROGRAMMES_REFUSAL)
def programme_list(request):
    programmes = TerritorialProgramme.objects.visible_to(request.user).select_related("territory")
    filterset = ProgrammeFilter(request.GET, queryset=programmes)
    context = {
        "filterset": filterset,
        "page_obj": _page(
            request,
            filterset.qs.annotate(event_count=Count("events")).order_by("-year", "territory__name", "pk"),
        ),
        "is_filtered": filterset.is_filtered,
        "can_manage": rules.test_rule("events.manage_programmes", request.user),
    }
    return _render(request, "programme_list.html", context)


@require_safe
def programme_detail(request, pk):
    user = request.user
    programme = get_object_or_404(
        TerritorialProgramme.objects.visible_to(user).select_related("territory"), pk=pk
    )
    events = list(selectors.programme_events(programme, user))
    readable = set(
        Event.objects.data_visible_to(user).filter(programme=programme).values_list("pk", flat=True)
    )
    context = {
        "programme": programme,
        "events": [(event, event.pk in readable) for event in events],
        "indicators": selectors.programme_indicators(programme),
        "by_site": selectors.programme_indicators_by_site(programme),
        "meetings": programme.meetings.select_related("body").order_by("starts_at"),
        "can_manage": rules.test_rule("events.manage_programmes", user),
        "history": _history(programme),
    }
    return _render(request, "programme_detail.html", context)


def _programme_form_page(request, programme: TerritorialProgramme):
    form = ProgrammeForm(request.POST if request.method == "POST" else None, instance=programme)
    if form.is_valid():
        try:
            saved = services.programme_save(
                programme=form.instance, meetings=form.cleaned_data["meetings"], author=request.user
            )
        except ValidationError as error:
            attach_service_errors(form, error)
        else:
            messages.success(
                request, _("Le programme « %(title)s » a été enregistré.") % {"title": saved.title}
            )
            return redirect(saved.get_absolute_url())
    return _render(request, "programme_form.html", {"form": form, "programme": programme})


@require_http_methods(["GET", "POST"])
@rule_required("events.manage_programmes", PROGRAMMES_KEPT_BY_COORDINATION)
def programme_create(request):
    return _programme_form_page(request, TerritorialProgramme())


@require_http_methods(["GET", "POST"])
def programme_edit(request, pk):
    programme = get_object_or_404(TerritorialProgramme.objects.visible_to(request.user), pk=pk)
    require("events.manage_programmes", request.user, message=PROGRAMMES_KEPT_BY_COORDINATION)
    return _programme_form_page(request, programme)


# --- Monthly themes --------------------------------------------------------------------------


@require_safe
@rule_required("events.read_list", LIST_REFUSAL)
def theme_sites(request):
    """The sites whose monthly themes the person reads, each with its latest theme."""
    sites = Site.objects.data_visible_to(request.user).order_by("name")
    return _render(
        request, "theme_sites.html", {"sites": sites, "editable": Site.objects.editable_by(request.user)}
    )


@require_safe
def site_themes(request, slug):
    site = get_object_or_404(Site.objects.data_visible_to(request.user), slug=slug)
    context = {
        "site": site,
        "themes": site.monthly_themes.select_related("theme").order_by("-month"),
        "can_edit": rules.test_rule("events.set_monthly_theme", request.user, site),
    }
    return _render(request, "site_themes.html", context)


def _theme_form_page(request, theme: MonthlyTheme):
    form = MonthlyThemeForm(request.POST if request.method == "POST" else None, instance=theme)
    if form.is_valid():
        try:
            services.monthly_theme_save(theme=form.instance, author=request.user)
        except ValidationError as error:
            attach_service_errors(form, error)
        else:
            messages.success(request, _("Le thème du mois a été enregistré."))
            return redirect("events:site_themes", slug=theme.site.slug)
    return _render(request, "theme_form.html", {"form": form, "theme": theme, "site": theme.site})


@require_http_methods(["GET", "POST"])
def theme_create(request, slug):
    site = get_object_or_404(Site.objects.data_visible_to(request.user), slug=slug)
    require(
        "events.set_monthly_theme",
        request.user,
        site,
        _("Vous ne pouvez pas choisir le thème du mois de ce site."),
    )
    return _theme_form_page(request, MonthlyTheme(site=site))


@require_http_methods(["GET", "POST"])
def theme_edit(request, pk):
    theme = get_object_or_404(MonthlyTheme.objects.editable_by(request.user).select_related("site"), pk=pk)
    return _theme_form_page(request, theme)


@require_http_methods(["GET", "POST"])
def theme_delete(request, pk):
    theme = get_object_or_404(MonthlyTheme.objects.editable_by(request.user).select_related("site"), pk=pk)
    if request.method == "POST":
        services.monthly_theme_delete(theme=theme, author=request.user)
        messages.success(request, _("Le thème du mois a été supprimé."))
        return redirect(reverse("events:site_themes", kwargs={"slug": theme.site.slug}))
    return _render(request, "theme_delete.html", {"theme": theme, "site": theme.site})
