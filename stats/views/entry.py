"""Data entry pages: the visit desk, corrections and deletions, and a month's totals.

Every page fetches its site through `Site.objects.editable_by(user)` (and a visit through
`Visit.objects.editable_by(user)`), so a stranger gets a 404 and never learns whether the site
exists. Writes go through stats.services, which ask the rules (stats.enter_data, stats.write_period);
the pages only explain them before anyone types (stats.edit_visit, services.period_write_refusal).
"""

import datetime
import json

import rules
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from sites.models import Site
from spro.web.forms import attach_service_errors
from spro.web.views import page_renderer

from .. import selectors, services
from ..enums import PeriodMode
from ..forms import AggregateForm, VisitForm, half_day_now, parse_day, visit_initial
from ..models import Period, Visit, first_of_month

# Session key of the choices of the last visit recorded at a site's desk.
MEMORY_KEY = "stats.desk.{site_id}"
# The desk lists the day's latest entries only: a busy site records 70 visits a day, and a full
# render of the desk costs 1 ms a row. The whole day is one link away.
DESK_RECENT_ENTRIES = 15
# Sent by visit-desk.js with each entry: the count the page shows, so that the desk answers with
# the new row only when the page holds the day's list as the server knew it before this entry.
DESK_SHOWN_COUNT_HEADER = "X-Desk-Count"
DESK_ROW_ACTIONS_HEADER = "X-Desk-Row-Actions"
# The value of the "action" button that records an entry identical to the previous one.
CONFIRM_DUPLICATE = "confirm-duplicate"


def _editable_site(request, slug: str) -> Site:
    """The site if the user may enter its data; a 404 otherwise, so that strangers learn nothing."""
    return get_object_or_404(Site.objects.editable_by(request.user), slug=slug)


def _editable_visit(request, pk: int) -> Visit:
    """A visit of a site the user may enter data for; a 404 for any other visit."""
    return get_object_or_404(Visit.objects.editable_by(request.user).select_related("site", "period"), pk=pk)


def _visit_refusal(user, visit: Visit) -> str | None:
    """Why the visit cannot be corrected or deleted now (stats.edit_visit), or None when it can."""
    if rules.test_rule("stats.edit_visit", user, visit):
        return None
    return services.period_write_refusal(period=visit.period, user=user, mode=PeriodMode.DETAILED) or _(
        "Ce passage ne peut plus être modifié."
    )


def period_of(site: Site, day: datetime.date) -> Period:
    """The period of a site's month; an unsaved open one when nothing was entered yet (no write on GET)."""
    month = first_of_month(day)
    period = Period.objects.filter(site=site, month=month).first()
    if period is None:
        period = Period(site=site, month=month)
    period.site = site  # already fetched: spares a query wherever the template shows it
    return period


_render = page_renderer("stats/entry", nav="desk")


# --- Visit desk -----------------------------------------------------------------------------------


def _desk_url(site: Site, day: datetime.date) -> str:
    url = reverse("stats:visit_desk", kwargs={"slug": site.slug})
    if day != timezone.localdate():
        url += "?" + urlencode({"jour": day.isoformat()})
    return url


def _all_entries_url(site: Site, day: datetime.date) -> str:
    return _desk_url(site, day) + ("&" if day != timezone.localdate() else "?") + "tous=1"


def _memory(request, site: Site) -> dict:
    return request.session.get(MEMORY_KEY.format(site_id=site.pk)) or {}


def _blank_form(day: datetime.date, memory: dict) -> VisitForm:
    """The desk's form: the previous visit's choices offered again, the day shown, the half-day now."""
    initial = {name: value for name, value in memory.items() if name != "half_day"}
    initial["visited_on"] = day
    initial["half_day"] = half_day_now() if day == timezone.localdate() else memory.get("half_day", "")
    return VisitForm(initial=initial, day=day, autofocus=True)


def _desk_context(request, site: Site, day: datetime.date, form: VisitForm, **extra) -> dict:
    period = period_of(site, day)
    refusal = services.period_write_refusal(period=period, user=request.user, mode=PeriodMode.DETAILED)
    day_visits = (
        Visit.objects.editable_by(request.user)
        .filter(site=site, visited_on=day)
        .order_by("-created_at", "-pk")
    )
    show_all = request.GET.get("tous") == "1"
    if show_all:
        visits = list(day_visits.with_choices())
        visit_count = len(visits)
    else:
        visits = list(day_visits.with_choices()[:DESK_RECENT_ENTRIES])
        visit_count = len(visits) if len(visits) < DESK_RECENT_ENTRIES else day_visits.count()
    return {
        "visit_count": visit_count,
        "show_all": show_all,
        "all_entries_url": _all_entries_url(site, day),
        "site": site,
        "day": day,
        "today": timezone.localdate(),
        "is_today": day == timezone.localdate(),
        "form": form,
        "period": period,
        "refusal": refusal,
        "visits": visits,
        "desk_url": reverse("stats:visit_desk", kwargs={"slug": site.slug}),
        **extra,
    }


def _shown_day(request) -> datetime.date:
    """The day whose entries are shown: ?jour=, never in the future, today by default."""
    today = timezone.localdate()
    day = parse_day(request.GET.get("jour")) or today
    return min(day, today)


@require_http_methods(["GET", "POST"])
def visit_desk(request, slug):
    """The reception desk: record a visit in a few keystrokes, and see the day's entries.

    With htmx the desk is swapped in place (no page reload): after a save, usually the new row
    only (_desk_recorded_response), else the form and the day's list; without JavaScript the
    same form posts and redirects (progressive enhancement).
    """
    site = _editable_site(request, slug)
    day = _shown_day(request)
    if request.method == "GET":
        form = _blank_form(day, _memory(request, site))
        return _render(request, "desk.html", _desk_context(request, site, day, form))
    if request.POST.get("action") == "reset":
        return _desk_reset(request, site, day)
    form = VisitForm(data=request.POST, day=day, autofocus=True)
    confirmed = request.POST.get("action") == CONFIRM_DUPLICATE
    if not confirmed and form.is_valid():
        duplicate = services.visit_recent_duplicate(site=site, author=request.user, **form.service_values())
        if duplicate is not None:
            return _desk_duplicate(request, site, day, form, duplicate)
    visit = _record_visit(request, site, form)
    if visit is None:
        return _desk_refused(request, site, day, form)
    return _desk_recorded(request, site, day, form, visit, light=not confirmed)


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _desk_reset(request, site: Site, day: datetime.date):
    """Forget the previous visit's choices and draw a blank desk for the day posted."""
    request.session.pop(MEMORY_KEY.format(site_id=site.pk), None)
    day = parse_day(request.POST.get("visited_on")) or day
    day = min(day, timezone.localdate())
    if not _is_htmx(request):
        messages.info(request, _("Le formulaire a été réinitialisé."))
        return redirect(_desk_url(site, day))
    form = _blank_form(day, {})
    context = _desk_context(
        request, site, day, form, announce=_("Le formulaire a été réinitialisé."), focus_first=True
    )
    return _desk_response(request, site, day, context)


def _record_visit(request, site: Site, form: VisitForm) -> Visit | None:
    """The visit recorded from the posted form; None leaves the errors on the form."""
    if not form.is_valid():
        return None
    values = form.service_values()
    try:
        return services.visit_record(site=site, author=request.user, **values)
    except (ValidationError, PermissionDenied) as error:
        attach_service_errors(form, error)
        return None


def _desk_refused(request, site: Site, day: datetime.date, form: VisitForm):
    """The desk again with the refused entry and its errors."""
    # Typed choices are kept (bound form); the banner follows the day typed when it is a day.
    shown = min(parse_day(request.POST.get("visited_on")) or day, timezone.localdate())
    # The form stays even when the day typed is closed: what was typed is not lost.
    context = _desk_context(request, site, shown, form, focus_first=True, keep_form=True)
    if _is_htmx(request):
        return _desk_response(request, site, shown, context)
    return _render(request, "desk.html", context)


def _desk_duplicate(request, site: Site, day: datetime.date, form: VisitForm, duplicate: Visit):
    """The same entry again within seconds: ask before recording it, keeping what was typed.

    The confirmation button takes the focus (autofocus), so Enter confirms a second visit that
    really is identical; changing any choice and recording goes through as usual.
    """
    form.fields["contact_kind"].widget.autofocus = False
    shown = min(form.cleaned_data["visited_on"], timezone.localdate())
    seconds = max(0, int((timezone.now() - duplicate.created_at).total_seconds()))
    question = ngettext(
        "Ce passage est identique à celui que vous avez enregistré il y a %(seconds)s seconde.",
        "Ce passage est identique à celui que vous avez enregistré il y a %(seconds)s secondes.",
        seconds,
    ) % {"seconds": seconds}
    context = _desk_context(
        request,
        site,
        shown,
        form,
        keep_form=True,
        duplicate=duplicate,
        duplicate_question=question,
        confirm_duplicate=CONFIRM_DUPLICATE,
        announce=question + " " + _("Rien n'a été enregistré : confirmez s'il s'agit d'une autre personne."),
    )
    if _is_htmx(request):
        return _desk_response(request, site, shown, context)
    return _render(request, "desk.html", context)


def _desk_recorded(
    request, site: Site, day: datetime.date, form: VisitForm, visit: Visit, light: bool = True
):
    """After an entry: its choices remembered for the next one, and the desk of its day."""
    memory = form.memory()
    request.session[MEMORY_KEY.format(site_id=site.pk)] = memory
    if not _is_htmx(request):
        messages.success(request, _("Passage enregistré."))
        return redirect(_desk_url(site, visit.visited_on))
    if light and visit.visited_on == day:
        # After a confirmed duplicate, the whole desk: its question goes away with the new form.
        response = _desk_recorded_response(request, site, day, form, visit, memory)
        if response is not None:
            return response
    day = visit.visited_on
    form = _blank_form(day, memory)
    context = _desk_context(request, site, day, form, focus_first=True)
    context["announce"] = _recorded_announce(context["visit_count"])
    return _desk_response(request, site, day, context)


def _recorded_announce(count: int) -> str:
    return ngettext(
        "Passage enregistré : %(count)s passage ce jour.",
        "Passage enregistré : %(count)s passages ce jour.",
        count,
    ) % {"count": count}


def _desk_recorded_response(request, site, day, form, visit, memory):
    """After an htmx entry on the day shown: the new row, the count and the announcement only.

    The form stays as the user left it (the previous visit's choices offered again, which is what
    a blank desk form would offer); visit-desk.js clears the errors of a failed attempt, sets the
    half-day and moves the focus back on the "visit-recorded" event. None when the whole desk must
    be drawn again: first visit of the day (no list yet; the period may have just been created
    or switched to detailed, which its status block shows), or a page that does not show the
    day's list as it was before this entry (another desk recorded meanwhile).
    """
    count = Visit.objects.filter(site=site, visited_on=day).count()
    if not _desk_list_is_current(request, count):
        return None
    limit = None if request.GET.get("tous") == "1" else DESK_RECENT_ENTRIES
    is_today = day == timezone.localdate()
    context = _recorded_row_context(site, day, form, visit, count, limit)
    response = render(request, "stats/entry/_desk_recorded.html", context)
    response["HX-Replace-Url"] = _desk_url(site, day)  # as the whole desk would (drops ?tous=1)
    response["HX-Retarget"] = "#desk-rows"
    response["HX-Reswap"] = "afterbegin"
    # After the settle, so that the new row is in the table when the script trims the list.
    half_day = half_day_now() if is_today else memory.get("half_day", "")
    response["HX-Trigger-After-Settle"] = json.dumps(
        {"visit-recorded": {"halfDay": half_day, "limit": limit}}
    )
    return response


def _desk_list_is_current(request, count: int) -> bool:
    """Whether the page shows the day's list as it was before this entry, so that one row suffices."""
    if count < 2:
        return False
    # Two entries on the day mean the period existed and was detailed before this one, so its
    # status block is unchanged. A page that says what it shows must show the day before this entry.
    shown = request.headers.get(DESK_SHOWN_COUNT_HEADER)
    if shown is not None and shown.strip() != str(count - 1):
        return False
    # A list drawn while the period was closed to this person has no "Actions" column: the new row,
    # which has one, would not match it (the period was reopened between two attempts).
    return request.headers.get(DESK_ROW_ACTIONS_HEADER, "").strip() != "non"


def _recorded_row_context(site, day, form, visit, count: int, limit: int | None) -> dict:
    """The context of the new row, the day's count and the announcement."""
    data = form.cleaned_data
    return {
        "visit": visit,
        # The form's choices, already fetched: the row needs no query (same order as the list's).
        "themes": data.get("themes") or [],
        "referrals": data.get("referrals") or [],
        "refusal": None,  # the service took the entry: the period is open to this user
        "visit_count": count,
        "announce": _recorded_announce(count),
        "more": limit is not None and count > limit,
        "shown": limit,
        "all_entries_url": _all_entries_url(site, day),
    }


def _desk_response(request, site, day, context):
    """The swapped part of the desk, with the address bar following the day shown."""
    response = _render(request, "_desk.html", context)
    response["HX-Replace-Url"] = _desk_url(site, day)
    return response


# --- Corrections and deletions ------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def visit_edit(request, pk):
    visit = _editable_visit(request, pk)
    site = visit.site
    refusal = _visit_refusal(request.user, visit)
    initial = visit_initial(visit)
    form = VisitForm(
        data=request.POST if request.method == "POST" else None,
        initial=initial,
        day=visit.visited_on,
        selected=initial,
    )
    if request.method == "POST" and form.is_valid():
        try:
            visit = services.visit_update(visit=visit, author=request.user, **form.service_values())
        except (ValidationError, PermissionDenied) as error:
            attach_service_errors(form, error)
        else:
            messages.success(request, _("Le passage a été corrigé."))
            return redirect(_desk_url(site, visit.visited_on))
    return _render(
        request,
        "visit_form.html",
        {
            "site": site,
            "visit": visit,
            "form": form,
            "period": visit.period,
            "refusal": refusal,
            "back_url": _desk_url(site, visit.visited_on),
        },
    )


@require_http_methods(["GET", "POST"])
def visit_delete(request, pk):
    visit = _editable_visit(request, pk)
    site, day = visit.site, visit.visited_on
    refusal = _visit_refusal(request.user, visit)
    error = None
    if request.method == "POST":
        try:
            services.visit_delete(visit=visit, author=request.user)
        except (ValidationError, PermissionDenied) as exc:
            error = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        else:
            messages.success(request, _("Le passage a été supprimé."))
            return redirect(_desk_url(site, day))
    return _render(
        request,
        "visit_confirm_delete.html",
        {
            "site": site,
            "visit": Visit.objects.editable_by(request.user).with_choices().get(pk=visit.pk),
            "period": visit.period,
            "refusal": refusal,
            "error": error,
            "back_url": _desk_url(site, day),
        },
    )


# --- Aggregate entry ----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def aggregate_entry(request, slug, year, month):
    """A month's totals, for a site that counts its visits in its own tool."""
    site = _editable_site(request, slug)
    try:
        month_start = datetime.date(year, month, 1)
    except ValueError as error:
        raise Http404(_("Ce mois n'existe pas.")) from error
    period = period_of(site, month_start)
    context = {"site": site, "period": period, "month": month_start}
    closed = _aggregate_closed(period, month_start)
    if closed:
        context.update(closed)
        return _render(request, "aggregate.html", context)
    refusal = services.period_write_refusal(period=period, user=request.user, mode=PeriodMode.AGGREGATE)
    form = AggregateForm(
        data=request.POST if request.method == "POST" and not refusal else None,
        month=month_start,
        existing=selectors.period_aggregate_counts(period),
    )
    if refusal:
        for field in form.fields.values():
            field.disabled = True
    elif request.method == "POST" and form.is_valid() and _save_aggregate(request, site, month_start, form):
        return redirect(request.path)
    context.update(
        form=form,
        grids=form.bound_grids(),
        refusal=refusal,
    )
    return _render(request, "aggregate.html", context)


def _aggregate_closed(period: Period, month_start: datetime.date) -> dict | None:
    """Why a month's totals cannot be typed at all (a month to come, a detailed period), or None."""
    if month_start > first_of_month(timezone.localdate()):
        return {
            "refusal": _(
                "Ce mois n'a pas encore commencé : ses totaux se saisissent une fois le mois écoulé."
            )
        }
    if period.mode == PeriodMode.DETAILED:
        # The period counts visit by visit: totals typed here would count them twice.
        return {
            "detailed": True,
            "refusal": _(
                "Les passages de ce mois sont saisis un par un : ses totaux se calculent tout seuls. "
                "Une période est détaillée ou agrégée, jamais les deux."
            ),
        }
    return None


def _save_aggregate(request, site: Site, month_start: datetime.date, form: AggregateForm) -> bool:
    """Save the posted totals and say so, with their warnings; False leaves the errors on the form."""
    try:
        saved = services.aggregate_set(
            site=site, month=month_start, author=request.user, counts=form.counts()
        )
    except (ValidationError, PermissionDenied) as error:
        attach_service_errors(form, error)
        return False
    messages.success(request, _("Les totaux du mois ont été enregistrés."))
    for warning in [*form.warnings, services.period_unusual_warning(period=saved)]:
        if warning:
            messages.warning(request, warning)
    return True


urlpatterns = [
    path("sites/<slug:slug>/passages/", visit_desk, name="visit_desk"),
    path("passages/<int:pk>/modifier/", visit_edit, name="visit_edit"),
    path("passages/<int:pk>/supprimer/", visit_delete, name="visit_delete"),
    path("sites/<slug:slug>/totaux/<year:year>/<month:month>/", aggregate_entry, name="aggregate_entry"),
]
