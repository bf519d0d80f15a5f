"""Pages of the regional strategy (the professionalisation sessions have theirs in network/sessions)."""

import rules
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from spro.http import query_year
from spro.web.access import rule_required
from spro.web.forms import attach_service_errors

from ..models.strategy import (
    Challenge,
    Indicator,
    IndicatorValue,
    Milestone,
    Priority,
    StrategicAction,
    Strategy,
    StrategyReview,
)
from . import indicators, services
from .forms import (
    ChallengeForm,
    IndicatorForm,
    IndicatorValueForm,
    MilestoneForm,
    PriorityForm,
    StrategicActionForm,
    StrategyForm,
    StrategyReviewForm,
)

MEMBERS_ONLY = gettext_lazy("Cette page est réservée aux membres du réseau.")
COORDINATION_ONLY = gettext_lazy("Cette page est réservée à la coordination régionale.")


def _form_page(request, form, *, service, template_context: dict, success_message: str, redirect_to):
    """POST handling shared by the simple edit forms: validate, call the service, redirect."""
    if request.method == "POST" and form.is_valid():
        try:
            obj = service(form)
        except ValidationError as error:
            attach_service_errors(form, error)
        else:
            messages.success(request, success_message % {"name": obj})
            return redirect(redirect_to(obj))
    return render(
        request, "network/strategy/form.html", {"nav": "strategy", "form": form, **template_context}
    )


# The strategy


def _chosen_strategy(request) -> Strategy | None:
    """The strategy asked for in ?strategie=, else the current one."""
    pk = request.GET.get("strategie", "")
    if pk.isdigit():
        return get_object_or_404(Strategy.objects.visible_to(request.user), pk=int(pk))
    return indicators.current_strategy()


@rule_required("strategy.read", MEMBERS_ONLY)
def overview(request):
    strategies = list(Strategy.objects.order_by("-start_year", "-pk"))
    strategy = _chosen_strategy(request)
    today = timezone.localdate()
    priorities = list(indicators.strategy_tree(strategy)) if strategy else []
    return render(
        request,
        "network/strategy/overview.html",
        {
            "nav": "strategy",
            "strategy": strategy,
            "strategies": strategies,
            "priorities": priorities,
            "reviews": strategy.reviews.all() if strategy else [],
            "today": today,
            "can_edit": rules.test_rule("strategy.manage", request.user),
        },
    )


@rule_required("strategy.read", MEMBERS_ONLY)
def action_detail(request, pk):
    action = get_object_or_404(
        StrategicAction.objects.visible_to(request.user)
        .select_related("challenge__priority__strategy", "pilot")
        .prefetch_related(
            "partners",
            "milestones",
            Prefetch(
                "indicators",
                queryset=Indicator.objects.order_by("code").prefetch_related(
                    Prefetch("values", queryset=IndicatorValue.objects.order_by("year"))
                ),
            ),
        ),
        pk=pk,
    )
    return render(
        request,
        "network/strategy/action_detail.html",
        {
            "nav": "strategy",
            "action": action,
            "strategy": action.challenge.priority.strategy,
            "indicator_rows": [indicators.indicator_status(i) for i in action.indicators.all()],
            "today": timezone.localdate(),
            "can_edit": rules.test_rule("strategy.manage", request.user),
        },
    )


@rule_required("strategy.read", MEMBERS_ONLY)
def dashboard(request):
    strategy = _chosen_strategy(request)
    today = timezone.localdate()
    default_year = min(max(today.year, strategy.start_year), strategy.end_year) if strategy else today.year
    year = query_year(request, "year", default=default_year)
    return render(
        request,
        "network/strategy/dashboard.html",
        {
            "nav": "strategy",
            "strategy": strategy,
            "year": year,
            "years": range(strategy.start_year, strategy.end_year + 1) if strategy else [],
            "rows": indicators.strategy_progress(strategy, year, request.user, today) if strategy else [],
            # Partners read no site plan: the column would only show zeros.
            "shows_site_actions": rules.test_rule("strategy.read_site_actions", request.user),
        },
    )


@rule_required("strategy.manage", COORDINATION_ONLY)
def strategy_create(request):
    return _strategy_form(request, Strategy())


@rule_required("strategy.manage", COORDINATION_ONLY)
def strategy_edit(request, pk):
    return _strategy_form(request, get_object_or_404(Strategy.objects.editable_by(request.user), pk=pk))


def _strategy_form(request, strategy):
    creating = strategy.pk is None
    form = StrategyForm(request.POST or None, instance=strategy)
    return _form_page(
        request,
        form,
        service=lambda f: services.strategy_save(strategy=f.instance),
        template_context={
            "title": _("Nouvelle stratégie régionale") if creating else _("Modifier la stratégie"),
            "cancel_url": reverse("strategy:overview"),
        },
        success_message=_("La stratégie « %(name)s » est enregistrée."),
        redirect_to=lambda s: f"{reverse('strategy:overview')}?strategie={s.pk}",
    )


def _overview_url(strategy) -> str:
    return f"{reverse('strategy:overview')}?strategie={strategy.pk}"


@rule_required("strategy.manage", COORDINATION_ONLY)
def priority_create(request, strategy_pk):
    strategy = get_object_or_404(Strategy.objects.editable_by(request.user), pk=strategy_pk)
    return _priority_form(request, Priority(strategy=strategy, order=strategy.priorities.count() + 1))


@rule_required("strategy.manage", COORDINATION_ONLY)
def priority_edit(request, pk):
    return _priority_form(
        request,
        get_object_or_404(Priority.objects.editable_by(request.user).select_related("strategy"), pk=pk),
    )


def _priority_form(request, priority):
    form = PriorityForm(request.POST or None, instance=priority)
    return _form_page(
        request,
        form,
        service=lambda f: services.priority_save(priority=f.instance),
        template_context={
            "title": _("Priorité de la stratégie"),
            "context_line": str(priority.strategy),
            "cancel_url": _overview_url(priority.strategy),
        },
        success_message=_("La priorité « %(name)s » est enregistrée."),
        redirect_to=lambda p: _overview_url(p.strategy),
    )


@rule_required("strategy.manage", COORDINATION_ONLY)
def challenge_create(request, priority_pk):
    priority = get_object_or_404(
        Priority.objects.editable_by(request.user).select_related("strategy"), pk=priority_pk
    )
    return _challenge_form(request, Challenge(priority=priority, order=priority.challenges.count() + 1))


@rule_required("strategy.manage", COORDINATION_ONLY)
def challenge_edit(request, pk):
    return _challenge_form(
        request,
        get_object_or_404(
            Challenge.objects.editable_by(request.user).select_related("priority__strategy"), pk=pk
        ),
    )


def _challenge_form(request, challenge):
    form = ChallengeForm(request.POST or None, instance=challenge)
    return _form_page(
        request,
        form,
        service=lambda f: services.challenge_save(challenge=f.instance),
        template_context={
            "title": _("Défi"),
            "context_line": str(challenge.priority),
            "cancel_url": _overview_url(challenge.priority.strategy),
        },
        success_message=_("Le défi « %(name)s » est enregistré."),
        redirect_to=lambda c: _overview_url(c.priority.strategy),
    )


@rule_required("strategy.manage", COORDINATION_ONLY)
def action_create(request, challenge_pk):
    challenge = get_object_or_404(
        Challenge.objects.editable_by(request.user).select_related("priority__strategy"), pk=challenge_pk
    )
    return _action_form(request, StrategicAction(challenge=challenge))


@rule_required("strategy.manage", COORDINATION_ONLY)
def action_edit(request, pk):
    return _action_form(
        request,
        get_object_or_404(
            StrategicAction.objects.editable_by(request.user).select_related("challenge__priority__strategy"),
            pk=pk,
        ),
    )


def _action_form(request, action):
    form = StrategicActionForm(request.POST or None, instance=action)
    cancel = (
        reverse("strategy:action_detail", kwargs={"pk": action.pk})
        if action.pk
        else _overview_url(action.challenge.priority.strategy)
    )
    return _form_page(
        request,
        form,
        service=lambda f: services.strategic_action_save(
            action=f.instance, partners=list(f.cleaned_data["partners"])
        ),
        template_context={
            "title": _("Fiche-action"),
            "context_line": str(action.challenge),
            "cancel_url": cancel,
        },
        success_message=_("La fiche-action « %(name)s » est enregistrée."),
        redirect_to=lambda a: reverse("strategy:action_detail", kwargs={"pk": a.pk}),
    )


def _action_url(action_id) -> str:
    return reverse("strategy:action_detail", kwargs={"pk": action_id})


@rule_required("strategy.manage", COORDINATION_ONLY)
def milestone_create(request, action_pk):
    action = get_object_or_404(StrategicAction.objects.editable_by(request.user), pk=action_pk)
    return _milestone_form(request, Milestone(action=action))


@rule_required("strategy.manage", COORDINATION_ONLY)
def milestone_edit(request, pk):
    return _milestone_form(
        request,
        get_object_or_404(Milestone.objects.editable_by(request.user).select_related("action"), pk=pk),
    )


def _milestone_form(request, milestone):
    form = MilestoneForm(request.POST or None, instance=milestone)
    return _form_page(
        request,
        form,
        service=lambda f: services.milestone_save(milestone=f.instance),
        template_context={
            "title": _("Jalon de l'échéancier"),
            "context_line": str(milestone.action),
            "cancel_url": _action_url(milestone.action_id),
        },
        success_message=_("Le jalon « %(name)s » est enregistré."),
        redirect_to=lambda m: _action_url(m.action_id),
    )


@rule_required("strategy.manage", COORDINATION_ONLY)
def indicator_create(request, action_pk):
    action = get_object_or_404(StrategicAction.objects.editable_by(request.user), pk=action_pk)
    return _indicator_form(request, Indicator(action=action))


@rule_required("strategy.manage", COORDINATION_ONLY)
def indicator_edit(request, pk):
    return _indicator_form(
        request,
        get_object_or_404(Indicator.objects.editable_by(request.user).select_related("action"), pk=pk),
    )


def _indicator_form(request, indicator):
    form = IndicatorForm(request.POST or None, instance=indicator)
    return _form_page(
        request,
        form,
        service=lambda f: services.indicator_save(indicator=f.instance),
        template_context={
            "title": _("Indicateur de résultat"),
            "context_line": str(indicator.action) if indicator.action_id else "",
            "cancel_url": _action_url(indicator.action_id)
            if indicator.action_id
            else reverse("strategy:overview"),
        },
        success_message=_("L'indicateur « %(name)s » est enregistré."),
        redirect_to=lambda i: _action_url(i.action_id) if i.action_id else reverse("strategy:overview"),
    )


@rule_required("strategy.manage", COORDINATION_ONLY)
def indicator_value(request, pk):
    indicator = get_object_or_404(
        Indicator.objects.editable_by(request.user).select_related("action__challenge__priority__strategy"),
        pk=pk,
    )
    form = IndicatorValueForm(request.POST or None, initial={"year": timezone.localdate().year - 1})
    back = _action_url(indicator.action_id) if indicator.action_id else reverse("strategy:overview")
    if request.method == "POST" and form.is_valid():
        try:
            services.indicator_value_set(
                indicator=indicator,
                year=form.cleaned_data["year"],
                value=form.cleaned_data["value"],
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as error:
            attach_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Valeur %(year)s de « %(name)s » enregistrée.")
                % {"year": form.cleaned_data["year"], "name": indicator},
            )
            return redirect(back)
    return render(
        request,
        "network/strategy/form.html",
        {
            "nav": "strategy",
            "form": form,
            "title": _("Saisir une valeur annuelle"),
            "context_line": str(indicator),
            "help": _("Si une valeur existe déjà pour cette année, elle est remplacée."),
            "existing_values": indicator.values.order_by("year"),
            "cancel_url": back,
        },
    )


@rule_required("strategy.manage", COORDINATION_ONLY)
def review_create(request, strategy_pk):
    strategy = get_object_or_404(Strategy.objects.editable_by(request.user), pk=strategy_pk)
    return _review_form(request, StrategyReview(strategy=strategy, year=timezone.localdate().year))


@rule_required("strategy.manage", COORDINATION_ONLY)
def review_edit(request, pk):
    return _review_form(
        request,
        get_object_or_404(StrategyReview.objects.editable_by(request.user).select_related("strategy"), pk=pk),
    )


def _review_form(request, review):
    form = StrategyReviewForm(request.POST or None, instance=review)
    return _form_page(
        request,
        form,
        service=lambda f: services.review_save(review=f.instance),
        template_context={
            "title": _("Bilan de la stratégie"),
            "context_line": str(review.strategy),
            "cancel_url": _overview_url(review.strategy),
        },
        success_message=_("Le bilan « %(name)s » est enregistré."),
        redirect_to=lambda r: f"{_overview_url(r.strategy)}#bilans",
    )
