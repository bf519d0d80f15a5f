"""Periods: the months of statistics, their state, deadline and history, and the workflow actions.

Periods are read through `Site.objects.data_visible_to(user)`: a stranger to the site gets a 404.
The actions (submit, validate, lock, reopen) are offered where their rules allow them
(stats.submit_period…, stats/rules.py), each behind a confirmation page; the services ask the same
rules again: a role that never allows the action gets a 403, a refusal of the state
(ValidationError) becomes a message.
"""

import datetime

import rules
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Sum
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_safe

from sites.models import Site
from spro.web.access import require
from spro.web.views import page_renderer

from .. import charts, services
from ..enums import Dimension, PeriodAction, PeriodMode, PeriodStatus
from ..forms import PeriodFilterForm, ReopenForm
from ..models import MonthlyCount, Period, first_of_month, next_month
from ..selectors import expected_months, months_between, period_review

PAGE_SIZE = 25


def _visible_periods(user):
    """Periods of the sites whose data the user may read."""
    return Period.objects.for_sites(Site.objects.data_visible_to(user))


def _visible_period(request, pk: int) -> Period:
    return get_object_or_404(_visible_periods(request.user).select_related("site"), pk=pk)


def visit_totals(keys) -> dict[tuple[int, datetime.date], int]:
    """Visits per (site id, month), from the roll-up's total row: one grouped query for all keys."""
    keys = list(keys)
    if not keys:
        return {}
    site_ids = {site_id for site_id, _month in keys}
    months = {month for _site_id, month in keys}
    rows = (
        MonthlyCount.objects.filter(dimension=Dimension.TOTAL, site_id__in=site_ids, month__in=months)
        .values("site_id", "month")
        .annotate(n=Sum("count"))
        .values_list("site_id", "month", "n")
    )
    return {(site_id, month): n for site_id, month, n in rows}


_render = page_renderer("stats/periods", nav="periods")


# --- Who may do what ---------------------------------------------------------------------------

# The rule of each action on this period now (stats/rules.py); the services ask them again on POST.
ACTION_RULES = {
    PeriodAction.SUBMIT: "stats.submit_period",
    PeriodAction.VALIDATE: "stats.validate_period",
    PeriodAction.LOCK: "stats.lock_period",
    PeriodAction.REOPEN: "stats.reopen_period",
}


def _require_role_for(action: str, period: Period, user) -> None:
    """403 unless the user's role allows the action at all, whatever the period's state."""
    if action == PeriodAction.SUBMIT:
        rule, obj = "stats.enter_data", period.site
    else:
        rule, obj = "stats.manage_periods", period
    require(rule, user, obj, _("Votre rôle ne permet pas cette action sur cette période."))


# --- List ------------------------------------------------------------------------------------


@require_safe
def period_list(request):
    """Periods of the sites the user may see, filtered and paginated, with each month's visits."""
    sites = Site.objects.data_visible_to(request.user)
    periods = Period.objects.for_sites(sites)
    years = [day.year for day in periods.dates("month", "year", order="DESC")]
    form = PeriodFilterForm(request.GET or None, sites=sites.order_by("name"), years=years)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        if data["site"]:
            periods = periods.filter(site=data["site"])
        if data["year"]:
            periods = periods.filter(month__year=data["year"])
        if data["status"]:
            periods = periods.filter(status=data["status"])
        if data["late"]:
            periods = periods.late()
    periods = periods.select_related("site").order_by("-month", "site__name", "pk")
    page = Paginator(periods, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    totals = visit_totals((p.site_id, p.month) for p in rows)
    return _render(
        request,
        "list.html",
        {
            "form": form,
            "page": page,
            "rows": [{"period": p, "visits": totals.get((p.site_id, p.month), 0)} for p in rows],
            "is_filtered": form.is_bound and any(form.data.get(name) for name in form.fields),
        },
    )


# --- Detail ----------------------------------------------------------------------------------

FIELD_LABELS = {
    "visited_on": gettext_lazy("date"),
    "half_day": gettext_lazy("demi-journée"),
    "contact_kind_id": gettext_lazy("type de contact"),
    "sex_id": gettext_lazy("sexe"),
    "age_band_id": gettext_lazy("tranche d'âge"),
    "situation_id": gettext_lazy("situation"),
    "education_level_id": gettext_lazy("niveau de formation"),
    "channel_id": gettext_lazy("canal"),
    "service_level_id": gettext_lazy("niveau de service"),
    "themes": gettext_lazy("thèmes"),
    "referrals": gettext_lazy("orientations"),
}


def describe_details(details: dict) -> str:
    """A sentence for a history entry's details (what changed in a handed-in period)."""
    if not details:
        return ""
    if "visit_added" in details:
        day = details["visit_added"].get("visited_on", "")
        return _("Passage ajouté (%(day)s).") % {"day": _french_day(day)}
    if "visit_deleted" in details:
        day = details["visit_deleted"].get("visited_on", "")
        return _("Passage supprimé (%(day)s).") % {"day": _french_day(day)}
    if "visit_changed" in details:
        before = details["visit_changed"].get("before", {})
        after = details["visit_changed"].get("after", {})
        changed = [str(label) for key, label in FIELD_LABELS.items() if before.get(key) != after.get(key)]
        if not changed:
            return _("Passage enregistré sans changement.")
        return _("Passage corrigé : %(fields)s.") % {"fields": ", ".join(changed)}
    if "after_total" in details:
        return _("Totaux mensuels (%(source)s) : %(before)s → %(after)s passages.") % {
            "source": details.get("source", ""),
            "before": details.get("before_total", 0),
            "after": details.get("after_total", 0),
        }
    return ", ".join(f"{key} : {value}" for key, value in details.items())


def _french_day(value: str) -> str:
    try:
        return datetime.date.fromisoformat(value).strftime("%d/%m/%Y")
    except (TypeError, ValueError):
        return value or "?"


@require_safe
def period_detail(request, pk):
    period = _visible_period(request, pk)
    review = period_review(period)
    events = [
        {"event": event, "summary": describe_details(event.details)}
        for event in period.events.select_related("author")
    ]
    desk_url, totals_url = _entry_urls(request.user, period)
    return _render(
        request,
        "detail.html",
        {
            "period": period,
            "site": period.site,
            "total": review.total,
            "sexes": review.by_sex,
            **_review_context(period, review),
            "events": events,
            "desk_url": desk_url,
            "totals_url": totals_url,
        },
    )


def _review_context(period: Period, review=None) -> dict:
    """What is validated: the month's figures, its comparisons, completeness and unusual-month warning."""
    review = review or period_review(period)
    sexes = [sex for sex, _count in review.by_sex]
    return {
        "review": review,
        "review_sexes": sexes,
        "review_breakdowns": [
            (
                Dimension(dimension).label,
                [(row.label, [row.by_sex.get(sex.pk, 0) for sex in sexes], row.total) for row in rows],
            )
            for dimension, rows in review.breakdowns.items()
            if rows
        ],
        "review_completeness": [
            (row.label, row.given, charts.format_percent(row.share)) for row in review.completeness
        ],
        "unusual_warning": services.period_unusual_warning(period=period) if review.total else None,
    }


def _entry_urls(user, period: Period) -> tuple[str | None, str | None]:
    """The links to enter the period's visits one by one and its totals, where this user may."""
    desk_url = totals_url = None
    if rules.test_rule("stats.enter_data", user, period.site):
        if services.period_write_refusal(period=period, user=user, mode=PeriodMode.DETAILED) is None:
            # The desk opens on the month's last day (or today in the current month).
            day = min(next_month(period.month) - datetime.timedelta(days=1), timezone.localdate())
            desk_url = (
                reverse("stats:visit_desk", kwargs={"slug": period.site.slug}) + f"?jour={day.isoformat()}"
            )
        if services.period_write_refusal(period=period, user=user, mode=PeriodMode.AGGREGATE) is None:
            totals_url = reverse(
                "stats:aggregate_entry",
                kwargs={"slug": period.site.slug, "year": period.month.year, "month": period.month.month},
            )
    return desk_url, totals_url


# --- Actions --------------------------------------------------------------------------------------

ACTIONS = {
    PeriodAction.SUBMIT: {
        "service": services.period_submit,
        "title": gettext_lazy("Soumettre la période"),
        "question": gettext_lazy(
            "Une fois soumise, la période ne pourra plus être modifiée que par la coordination régionale. "
            "Confirmez-vous la soumission des données de ce mois ?"
        ),
        "button": gettext_lazy("Soumettre"),
        "done": gettext_lazy("La période a été soumise à la coordination régionale."),
    },
    PeriodAction.VALIDATE: {
        "service": services.period_validate,
        "title": gettext_lazy("Valider la période"),
        "question": gettext_lazy("Confirmez-vous la validation des données de ce mois ?"),
        "button": gettext_lazy("Valider"),
        "done": gettext_lazy("La période a été validée."),
    },
    PeriodAction.LOCK: {
        "service": services.period_lock,
        "title": gettext_lazy("Verrouiller la période"),
        "question": gettext_lazy(
            "Verrouillée, la période ne change plus : ses chiffres sont ceux publiés aux partenaires et "
            "dans les bilans. Elle ne pourra être modifiée qu'après une réouverture motivée. Confirmez-vous ?"
        ),
        "button": gettext_lazy("Verrouiller"),
        "done": gettext_lazy("La période a été verrouillée."),
    },
}


@require_http_methods(["GET", "POST"])
def period_action(request, pk, action):
    """Submit, validate or lock: a confirmation page (GET), then the service (POST)."""
    period = _visible_period(request, pk)
    spec = ACTIONS[action]
    _require_role_for(action, period, request.user)
    if request.method == "POST":
        try:
            spec["service"](period=period, author=request.user)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, spec["done"])
        return redirect("stats:period_detail", pk=period.pk)
    if not rules.test_rule(ACTION_RULES[action], request.user, period):
        messages.error(
            request,
            _("Cette action n'est pas possible : la période est « %(status)s ».")
            % {"status": period.get_status_display().lower()},
        )
        return redirect("stats:period_detail", pk=period.pk)
    context = {"period": period, "site": period.site, "spec": spec, "action": action}
    if action in (PeriodAction.SUBMIT, PeriodAction.VALIDATE):
        # What is handed in or validated, shown before the confirmation (with the unusual-month warning).
        context.update(_review_context(period))
    return _render(request, "confirm.html", context)


# --- Several months at once ------------------------------------------------------------------------

BULK_VALIDATE_MAX = 200


@require_http_methods(["GET", "POST"])
def period_bulk_validate(request):
    """The submitted months of every site, to validate several in one step (the coordination).

    GET lists them with a checkbox each and each one's figures one click away; a first POST asks
    for confirmation with the months chosen; the confirmed POST validates each through the same
    rule as alone (stats.validate_period, services.periods_validate) and says what happened to each.
    """
    require(
        "stats.manage_periods",
        request.user,
        None,
        _("Seule la coordination régionale peut valider les périodes."),
    )
    visible = _visible_periods(request.user).select_related("site")
    if request.method == "POST":
        ids = [value for value in request.POST.getlist("periods") if value.isdigit()]
        chosen = list(visible.filter(pk__in=ids).order_by("-month", "site__name", "pk"))
        if not chosen:
            messages.error(request, _("Cochez au moins une période à valider."))
            return redirect("stats:period_bulk_validate")
        if request.POST.get("confirm") != "1":
            return _render(request, "bulk_confirm.html", {"rows": _bulk_rows(chosen)})
        outcomes = services.periods_validate(periods=chosen, author=request.user)
        validated = sum(1 for outcome in outcomes if outcome.validated)
        if validated:
            messages.success(
                request,
                ngettext("%(count)s période validée.", "%(count)s périodes validées.", validated)
                % {"count": validated},
            )
        if validated < len(outcomes):
            messages.warning(
                request,
                ngettext(
                    "%(count)s période n'a pas été validée : voir le motif ci-dessous.",
                    "%(count)s périodes n'ont pas été validées : voir les motifs ci-dessous.",
                    len(outcomes) - validated,
                )
                % {"count": len(outcomes) - validated},
            )
        totals = visit_totals((o.period.site_id, o.period.month) for o in outcomes)
        return _render(
            request,
            "bulk_result.html",
            {
                "outcomes": [
                    {"outcome": o, "visits": totals.get((o.period.site_id, o.period.month), 0)}
                    for o in outcomes
                ]
            },
        )
    submitted = list(
        visible.filter(status=PeriodStatus.SUBMITTED).order_by("-month", "site__name", "pk")[
            :BULK_VALIDATE_MAX
        ]
    )
    return _render(request, "bulk_validate.html", {"rows": _bulk_rows(submitted)})


def _bulk_rows(periods: list[Period]) -> list[dict]:
    """Each period with its visits, the same month a year earlier and its unusual-month warning."""
    keys = [(p.site_id, p.month) for p in periods]
    keys += [(p.site_id, p.month.replace(year=p.month.year - 1)) for p in periods]
    totals = visit_totals(keys)
    return [
        {
            "period": period,
            "visits": totals.get((period.site_id, period.month), 0),
            "year_before": totals.get((period.site_id, period.month.replace(year=period.month.year - 1))),
            "warning": services.period_unusual_warning(period=period),
        }
        for period in periods
    ]


@require_http_methods(["GET", "POST"])
def period_reopen(request, pk):
    """Give a handed-in month back to the site, with a reason kept in the history."""
    period = _visible_period(request, pk)
    require(
        "stats.manage_periods",
        request.user,
        period,
        _("Seule la coordination régionale peut rouvrir une période."),
    )
    form = ReopenForm(data=request.POST if request.method == "POST" else None)
    if request.method == "GET" and not rules.test_rule("stats.reopen_period", request.user, period):
        messages.error(request, _("La période est déjà ouverte."))
        return redirect("stats:period_detail", pk=period.pk)
    if form.is_valid():
        try:
            services.period_reopen(period=period, author=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for errors in error.error_dict.values():
                    form.add_error("reason", errors)
            else:
                for message in error.messages:
                    messages.error(request, message)
                return redirect("stats:period_detail", pk=period.pk)
        else:
            messages.success(
                request, _("La période a été rouverte : le site peut de nouveau saisir ses données.")
            )
            return redirect("stats:period_detail", pk=period.pk)
    return _render(request, "reopen.html", {"period": period, "site": period.site, "form": form})


# --- A site's year -------------------------------------------------------------------------------


@require_safe
def site_periods(request, slug, year):
    """The twelve months of a year for one site: what is entered, handed in, due or late."""
    site = get_object_or_404(Site.objects.data_visible_to(request.user), slug=slug)
    today = timezone.localdate()
    if not 2000 <= year <= today.year + 1:
        raise Http404(_("Aucune statistique pour cette année."))
    months = months_between(datetime.date(year, 1, 1), datetime.date(year, 12, 1))
    periods = {p.month: p for p in Period.objects.filter(site=site, month__year=year)}
    totals = visit_totals((site.pk, month) for month in months)
    expected = expected_months(site, months)
    can_enter = rules.test_rule("stats.enter_data", request.user, site)
    rows = [_site_month_row(site, month, periods, totals, expected, today) for month in months]
    return _render(
        request,
        "site_year.html",
        {
            "site": site,
            "year": year,
            "rows": rows,
            "can_enter": can_enter,
            "previous_year": year - 1,
            "next_year": year + 1 if year < today.year else None,
            "late_count": sum(1 for row in rows if row["late"]),
        },
    )


# What comes next for a month handed in (the "Que faire ?" column of a site's year).
NEXT_STEPS = {
    PeriodStatus.SUBMITTED: gettext_lazy("En attente de validation"),
    PeriodStatus.VALIDATED: gettext_lazy("Validée, à verrouiller"),
    PeriodStatus.LOCKED: gettext_lazy("Terminé"),
}


def _site_month_row(
    site: Site, month: datetime.date, periods: dict, totals: dict, expected: set, today
) -> dict:
    """One month of a site's year: its period (unsaved when nothing was entered), visits and state."""
    period = periods.get(month) or Period(site=site, month=month)
    started = month <= first_of_month(today)
    ended = month < first_of_month(today)
    return {
        "month": month,
        "period": period,
        "exists": period.pk is not None,
        "visits": totals.get((site.pk, month), 0),
        "started": started,
        "current": month == first_of_month(today),
        "expected": month in expected,
        "due": ended and period.is_open and month in expected,
        "late": month in expected and period.is_late,
        "next_step": NEXT_STEPS.get(period.status),
    }


urlpatterns = [
    path("periodes/", period_list, name="period_list"),
    path("periodes/<int:pk>/", period_detail, name="period_detail"),
    path("periodes/a-valider/", period_bulk_validate, name="period_bulk_validate"),
    path(
        "periodes/<int:pk>/soumettre/", period_action, {"action": PeriodAction.SUBMIT}, name="period_submit"
    ),
    path(
        "periodes/<int:pk>/valider/", period_action, {"action": PeriodAction.VALIDATE}, name="period_validate"
    ),
    path("periodes/<int:pk>/verrouiller/", period_action, {"action": PeriodAction.LOCK}, name="period_lock"),
    path("periodes/<int:pk>/rouvrir/", period_reopen, name="period_reopen"),
    path("sites/<slug:slug>/periodes/<year:year>/", site_periods, name="site_periods"),
]
