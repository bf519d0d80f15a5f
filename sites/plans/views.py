"""Pages of the annual action plans.

Every page fetches its plan through `ActionPlan.objects.visible_to(user)`: a stranger (another
site's coordinator, a partner) gets a 404 and learns nothing. What a reader may then do is stated
by the rules of sites/plans/rules.py, asked here, in the templates and in sites.plans.services,
which refuse with PermissionDenied (403: observers, a site coordinator trying a coordination step)
or with a French ValidationError message (the plan's state forbids it).
"""

import rules
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Sum
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from spro.web.access import require
from spro.web.forms import attach_service_errors
from spro.web.views import page_renderer

from ..enums import Arbitration
from ..models import Site
from ..models.plans import ActionIndicator, ActionPlan, PlanAction
from . import services
from .forms import (
    ArbitrationForm,
    IndicatorFormSet,
    PlanActionForm,
    PlanCreateForm,
    PlanFilterForm,
    PlanSummaryForm,
    ProgressRuleForm,
    ResultsForm,
    TransitionForm,
)
from .progress import kept_actions, plan_progress

LIST_PAGE_SIZE = 25


_render = page_renderer("sites/plans", nav="plans")


def _visible_plan(request, pk: int, queryset=None) -> ActionPlan:
    queryset = queryset if queryset is not None else ActionPlan.objects.select_related("site")
    return get_object_or_404(queryset.visible_to(request.user), pk=pk)


def _visible_action(request, pk: int) -> PlanAction:
    return get_object_or_404(
        PlanAction.objects.select_related("plan__site").filter(
            plan__in=ActionPlan.objects.visible_to(request.user)
        ),
        pk=pk,
    )


def _require_draft_editor(user, plan: ActionPlan, rule: str = "plans.edit_actions") -> None:
    """Action pages (and the orientations: plans.edit_plan) exist only for a draft plan, and only for
    those who may edit the site."""
    require("plans.write", user, plan, _("Vous ne pouvez pas modifier ce plan."))
    require(
        rule,
        user,
        plan,
        _(
            "Le plan est au statut « %(status)s » : ses actions ne se modifient plus, "
            "seuls les résultats se saisissent."
        )
        % {"status": plan.get_status_display()},
    )


def _actions_with_details(plan):
    return (
        plan.actions.select_related("regional_axis")
        .prefetch_related("partners", Prefetch("indicators", queryset=ActionIndicator.objects.order_by("pk")))
        .order_by("order", "pk")
    )


# Reads.


@require_safe
def plan_list(request):
    """Plans the user may read, filtered by site, year and state, paginated."""
    user = request.user
    form = PlanFilterForm(request.GET or None, sites=Site.objects.data_visible_to(user).order_by("name"))
    plans = ActionPlan.objects.visible_to(user)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        if data["site"]:
            plans = plans.filter(site=data["site"])
        if data["year"]:
            plans = plans.filter(year=data["year"])
        if data["status"]:
            plans = plans.filter(status=data["status"])
    plans = (
        plans.select_related("site")
        .annotate(action_count=Count("actions", distinct=True), granted=Sum("actions__budget_granted"))
        .order_by("-year", "site__name", "pk")
    )
    page = Paginator(plans, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    return _render(
        request,
        "list.html",
        {
            "form": form,
            "page": page,
            "is_filtered": any(request.GET.get(name) for name in form.fields),
            "can_create": rules.test_rule("plans.create_plan", user),
        },
    )


@require_safe
def plan_detail(request, pk):
    user = request.user
    plan = _visible_plan(request, pk)
    actions = list(_actions_with_details(plan))
    kept = kept_actions(actions)
    can_set_rule = rules.test_rule("plans.set_rule", user, plan)
    return _render(
        request,
        "detail.html",
        {
            "plan": plan,
            "actions": actions,
            "progress": plan_progress(plan, actions),
            "total_requested": sum((a.budget_requested or 0) for a in actions),
            "total_granted": sum((a.budget_granted or 0) for a in kept),
            "transitions": plan.transitions.select_related("author"),
            # The steps the rules allow (plans.propose_plan…), and the other buttons in the template.
            "steps": services.allowed_steps(plan, user),
            "transition_form": TransitionForm(),
            "rule_form": ProgressRuleForm(instance=plan) if can_set_rule else None,
            "rejected": Arbitration.REJECTED,
        },
    )


# The plan.


@require_http_methods(["GET", "POST"])
def plan_create(request):
    user = request.user
    require(
        "plans.create_plan",
        user,
        message=_("Seules la coordination d'un site et la coordination régionale créent des plans."),
    )
    sites = Site.objects.editable_by(user).order_by("name")
    initial = {"site": request.GET.get("site")} if request.GET.get("site") else None
    form = PlanCreateForm(request.POST if request.method == "POST" else None, sites=sites, initial=initial)
    if form.is_valid():
        data = form.cleaned_data
        try:
            plan = services.plan_create(
                site=data["site"], year=data["year"], summary=data["summary"], author=user
            )
        except ValidationError as error:
            attach_service_errors(form, error)
        else:
            messages.success(request, _("Le plan d'actions %(year)s a été créé.") % {"year": plan.year})
            return redirect("plans:detail", pk=plan.pk)
    return _render(request, "plan_form.html", {"form": form, "plan": None})


@require_http_methods(["GET", "POST"])
def plan_edit(request, pk):
    plan = _visible_plan(request, pk)
    _require_draft_editor(request.user, plan, "plans.edit_plan")
    form = PlanSummaryForm(request.POST if request.method == "POST" else None, instance=plan)
    if form.is_valid():
        try:
            services.plan_update_summary(plan=plan, summary=form.cleaned_data["summary"], author=request.user)
        except ValidationError as error:
            attach_service_errors(form, error)
        else:
            messages.success(request, _("Les orientations du plan ont été enregistrées."))
            return redirect("plans:detail", pk=plan.pk)
    return _render(request, "plan_form.html", {"form": form, "plan": plan})


@require_POST
def plan_progress_rule(request, pk):
    plan = _visible_plan(request, pk)
    form = ProgressRuleForm(
        request.POST, instance=ActionPlan.objects.visible_to(request.user).get(pk=plan.pk)
    )
    require(
        "plans.set_rule",
        request.user,
        plan,
        _("Le calcul de l'avancement est choisi par la coordination régionale."),
    )
    if form.is_valid():
        services.plan_set_progress_rule(
            plan=plan, progress_rule=form.cleaned_data["progress_rule"], author=request.user
        )
        messages.success(request, _("Le calcul de l'avancement a été changé."))
    else:
        messages.error(request, _("Calcul de l'avancement inconnu."))
    return redirect("plans:detail", pk=plan.pk)


@require_POST
def plan_step(request, pk, step):
    """One workflow step (propose, back to draft, transmit, validate, review), with its comment."""
    plan = _visible_plan(request, pk)
    service = services.STEPS.get(step)
    if service is None:
        raise PermissionDenied
    form = TransitionForm(request.POST)
    form.is_valid()
    try:
        plan = service(plan=plan, author=request.user, comment=form.cleaned_data.get("comment", ""))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("Le plan est désormais au statut « %(status)s ».") % {"status": plan.get_status_display()},
        )
    return redirect("plans:detail", pk=plan.pk)


@require_http_methods(["GET", "POST"])
def plan_arbitrate(request, pk):
    plan = _visible_plan(request, pk)
    require(
        "plans.coordinate", request.user, plan, _("L'arbitrage est enregistré par la coordination régionale.")
    )
    if not rules.test_rule("plans.arbitrate_plan", request.user, plan):
        messages.error(request, _("Seul un plan proposé s'arbitre."))
        return redirect("plans:detail", pk=plan.pk)
    actions = list(_actions_with_details(plan))
    form = ArbitrationForm(request.POST if request.method == "POST" else None, actions=actions)
    if form.is_valid():
        try:
            services.plan_arbitrate(
                plan=plan,
                author=request.user,
                decisions=form.decisions(),
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as error:
            attach_service_errors(form, error)
        else:
            messages.success(request, _("L'arbitrage du comité de pilotage a été enregistré."))
            return redirect("plans:detail", pk=plan.pk)
    return _render(request, "arbitration_form.html", {"form": form, "plan": plan})


@require_http_methods(["GET", "POST"])
def plan_results(request, pk):
    """Saisir les résultats: realisation of each kept action and result of each indicator, nothing else."""
    plan = _visible_plan(request, pk)
    require("plans.write", request.user, plan, _("Vous ne pouvez pas saisir les résultats de ce plan."))
    if not rules.test_rule("plans.enter_results", request.user, plan):
        messages.error(request, _("Les résultats se saisissent une fois le plan validé par la Région."))
        return redirect("plans:detail", pk=plan.pk)
    actions = kept_actions(_actions_with_details(plan))
    form = ResultsForm(request.POST if request.method == "POST" else None, actions=actions)
    if form.is_valid():
        try:
            services.results_record(
                plan=plan,
                author=request.user,
                action_statuses=form.action_statuses(),
                indicator_results=form.indicator_results(),
            )
        except ValidationError as error:
            attach_service_errors(form, error)
        else:
            messages.success(request, _("Les résultats ont été enregistrés."))
            return redirect("plans:detail", pk=plan.pk)
    return _render(request, "results_form.html", {"form": form, "plan": plan})


# Actions of a draft plan.


def _action_form_page(request, plan: ActionPlan, action: PlanAction):
    data = request.POST if request.method == "POST" else None
    form = PlanActionForm(data, instance=action)
    formset = IndicatorFormSet(data, instance=action, prefix="indicators")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            indicators = formset.save(commit=False)
            services.plan_action_save(
                action=form.instance,
                author=request.user,
                partners=form.cleaned_data["partners"],
                indicators=indicators,
                deleted_indicators=formset.deleted_objects,
            )
        except ValidationError as error:
            attach_service_errors(form, error)
        else:
            messages.success(
                request, _("L'action « %(title)s » a été enregistrée.") % {"title": form.instance.title}
            )
            return redirect("plans:detail", pk=plan.pk)
    return _render(
        request, "action_form.html", {"form": form, "formset": formset, "plan": plan, "action": action}
    )


@require_http_methods(["GET", "POST"])
def action_create(request, pk):
    plan = _visible_plan(request, pk)
    _require_draft_editor(request.user, plan)
    return _action_form_page(request, plan, PlanAction(plan=plan))


@require_http_methods(["GET", "POST"])
def action_edit(request, pk):
    action = _visible_action(request, pk)
    _require_draft_editor(request.user, action.plan)
    return _action_form_page(request, action.plan, action)


@require_http_methods(["GET", "POST"])
def action_delete(request, pk):
    action = _visible_action(request, pk)
    plan = action.plan
    _require_draft_editor(request.user, plan)
    if request.method == "POST":
        try:
            services.plan_action_delete(action=action, author=request.user)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("L'action « %(title)s » a été supprimée.") % {"title": action.title})
        return redirect("plans:detail", pk=plan.pk)
    return _render(request, "action_delete.html", {"action": action, "plan": plan})
