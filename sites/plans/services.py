"""Writes on annual action plans, each in one transaction, each workflow step logged.

Who may do what, and in which state of the plan, is stated in sites/plans/rules.py: the pages
show a button under the same rule the service asks here. A refusal for lack of rights raises
PermissionDenied (403 in the pages); a refusal because of the plan's state raises ValidationError
with a French message.
"""

import datetime
from decimal import Decimal

import rules
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from spro.web.access import require

from ..enums import ActionStatus, Arbitration, PlanStatus
from ..models import Site
from ..models.plans import ActionIndicator, ActionPlan, PlanAction, PlanTransition
from .rules import STEP_RULES, in_state, is_validated, judged_on


def _require_site_editor(user, plan: ActionPlan) -> None:
    require(
        "plans.write",
        user,
        plan,
        _("Seules la coordination du site et la coordination régionale peuvent modifier ce plan."),
    )


def _require_coordination(user, plan: ActionPlan) -> None:
    require("plans.coordinate", user, plan, _("Cette étape est réservée à la coordination régionale."))


def _require_draft(user, plan: ActionPlan, rule: str = "plans.edit_actions") -> None:
    """The editor's refusal being already said, what the rule (plans.edit_actions, plans.edit_plan)
    still refuses is the plan's state."""
    if not rules.test_rule(rule, user, plan):
        raise ValidationError(
            _("Le plan est au statut « %(status)s » : ses actions ne se modifient plus.")
            % {"status": plan.get_status_display()}
        )


def _locked(plan: ActionPlan) -> ActionPlan:
    # Lock the plan row: two people moving the same plan at once must not both succeed.
    return ActionPlan.objects.select_for_update().select_related("site").get(pk=plan.pk)


def allowed_steps(plan: ActionPlan, user, today: datetime.date | None = None) -> list[str]:
    """The workflow steps the user may take on the plan now (or on `today`), for the page's buttons."""
    with judged_on(today):
        return [step for step, rule in STEP_RULES.items() if rules.test_rule(rule, user, plan)]


def _move(*, plan: ActionPlan, to_status: str, author, comment: str = "") -> ActionPlan:
    PlanTransition.objects.create(
        plan=plan, from_status=plan.status, to_status=to_status, author=author, comment=comment
    )
    plan.status = to_status
    plan._history_user = author
    plan.save(update_fields=["status", "updated_at"])
    return plan


def _cannot_move(plan: ActionPlan, target: str) -> ValidationError:
    return ValidationError(
        _("Un plan au statut « %(current)s » ne peut pas passer au statut « %(new)s ».")
        % {"current": plan.get_status_display(), "new": PlanStatus(target).label}
    )


def _require_step(user, plan: ActionPlan, rule: str, target: str) -> None:
    """Who may take the step being already checked, what the step's rule still refuses is the state."""
    if not rules.test_rule(rule, user, plan):
        raise _cannot_move(plan, target)


# The plan itself.


@transaction.atomic
def plan_create(*, site: Site, year: int, author, summary: str = "") -> ActionPlan:
    """Open a site's plan for a year, as a draft: one plan per site and year."""
    require(
        "plans.create_plan",
        author,
        site,
        _("Seules la coordination du site et la coordination régionale peuvent créer son plan."),
    )
    if ActionPlan.objects.filter(site=site, year=year).exists():
        raise ValidationError({"year": _("Ce site a déjà un plan d'actions pour %(year)s.") % {"year": year}})
    plan = ActionPlan(site=site, year=year, summary=summary)
    plan._history_user = author
    plan.full_clean()
    plan.save()
    return plan


@transaction.atomic
def plan_update_summary(*, plan: ActionPlan, summary: str, author) -> ActionPlan:
    """Rewrite the year's orientations while the plan is a draft."""
    plan = _locked(plan)
    _require_site_editor(author, plan)
    _require_draft(author, plan, "plans.edit_plan")
    plan.summary = summary
    plan._history_user = author
    plan.save(update_fields=["summary", "updated_at"])
    return plan


@transaction.atomic
def plan_set_progress_rule(*, plan: ActionPlan, progress_rule: str, author) -> ActionPlan:
    """Choose how the plan's progress is computed: the coordination's choice, at any stage."""
    require("plans.set_rule", author, plan, _("Cette étape est réservée à la coordination régionale."))
    plan = _locked(plan)
    plan.progress_rule = progress_rule
    plan._history_user = author
    plan.full_clean()
    plan.save(update_fields=["progress_rule", "updated_at"])
    return plan


# Actions and indicators, while the plan is a draft.


@transaction.atomic
def plan_action_save(
    *,
    action: PlanAction,
    author,
    partners=None,
    indicators: list[ActionIndicator] | None = None,
    deleted_indicators: list[ActionIndicator] | None = None,
) -> PlanAction:
    """Create or update a draft plan's action, its partners and its indicators."""
    plan = _locked(action.plan)
    _require_site_editor(author, plan)
    _require_draft(author, plan)
    if action.pk is None and not action.order:
        action.order = plan.actions.count() + 1
    action._history_user = author
    action.full_clean(exclude=["partners"])
    action.save()
    if partners is not None:
        action.partners.set(partners)
    for indicator in deleted_indicators or []:
        if indicator.pk and indicator.action_id == action.pk:
            indicator.delete()
    for indicator in indicators or []:
        indicator.action = action
        indicator.full_clean()
        indicator.save()
    return action


@transaction.atomic
def plan_action_delete(*, action: PlanAction, author) -> None:
    plan = _locked(action.plan)
    _require_site_editor(author, plan)
    _require_draft(author, plan)
    action.delete()


# Results, once the plan is validated.


@transaction.atomic
def results_record(
    *,
    plan: ActionPlan,
    author,
    action_statuses: dict[int, str],
    indicator_results: dict[int, Decimal | None],
) -> ActionPlan:
    """Record the realisation of the kept actions and their indicators' results; nothing else moves."""
    plan = _locked(plan)
    _require_site_editor(author, plan)
    if not rules.test_rule("plans.enter_results", author, plan):
        raise ValidationError(_("Les résultats se saisissent une fois le plan validé par la Région."))
    actions = {action.pk: action for action in plan.actions.exclude(arbitration=Arbitration.REJECTED)}
    for action_id, status in action_statuses.items():
        action = actions.get(action_id)
        if action is None:
            raise ValidationError(_("Cette action n'appartient pas au plan ou a été rejetée."))
        if status not in ActionStatus.values:
            raise ValidationError(_("Statut de réalisation inconnu."))
        if action.status != status:
            action.status = status
            action._history_user = author
            action.save(update_fields=["status", "updated_at"])
    indicators = {i.pk: i for i in ActionIndicator.objects.filter(action__in=list(actions))}
    for indicator_id, result in indicator_results.items():
        indicator = indicators.get(indicator_id)
        if indicator is None:
            raise ValidationError(_("Cet indicateur n'appartient pas au plan."))
        if result is not None and result < 0:
            raise ValidationError(_("Un résultat ne peut pas être négatif."))
        if indicator.result != result:
            indicator.result = result
            indicator._history_user = author
            indicator.save(update_fields=["result"])
    return plan


# The workflow.


@transaction.atomic
def plan_propose(*, plan: ActionPlan, author, comment: str = "") -> ActionPlan:
    """Brouillon → proposé: the draft goes to the technical committee."""
    plan = _locked(plan)
    _require_site_editor(author, plan)
    _require_step(author, plan, "plans.propose_plan", PlanStatus.PROPOSED)
    if not plan.actions.exists():
        raise ValidationError(_("Ajoutez au moins une action avant de proposer le plan."))
    return _move(plan=plan, to_status=PlanStatus.PROPOSED, author=author, comment=comment)


@transaction.atomic
def plan_back_to_draft(*, plan: ActionPlan, author, comment: str) -> ActionPlan:
    """Proposé → brouillon: the coordination sends the plan back, saying why."""
    _require_coordination(author, plan)
    plan = _locked(plan)
    _require_step(author, plan, "plans.send_back_plan", PlanStatus.DRAFT)
    if not (comment or "").strip():
        raise ValidationError({"comment": _("Expliquez pourquoi le plan revient en brouillon.")})
    return _move(plan=plan, to_status=PlanStatus.DRAFT, author=author, comment=comment)


@transaction.atomic
def plan_arbitrate(*, plan: ActionPlan, author, decisions: dict[int, dict], comment: str = "") -> ActionPlan:
    """Proposé → arbitré: the steering committee's decision on every action.

    `decisions` maps each action id to {"arbitration", "comment", "budget_granted"}. A kept action
    is granted what it asked for; a modified one may get another amount (and needs a comment); a
    rejected one (comment required too) gets nothing.
    """
    _require_coordination(author, plan)
    plan = _locked(plan)
    _require_step(author, plan, "plans.arbitrate_plan", PlanStatus.ARBITRATED)
    actions = list(plan.actions.all())
    missing = [action.title for action in actions if action.pk not in decisions]
    if missing or set(decisions) - {action.pk for action in actions}:
        raise ValidationError(_("Chaque action du plan doit être arbitrée, et elles seules."))
    for action in actions:
        decision = decisions[action.pk]
        arbitration = decision.get("arbitration")
        action_comment = (decision.get("comment") or "").strip()
        if arbitration not in Arbitration.values:
            raise ValidationError(
                _("Indiquez l'arbitrage de l'action « %(title)s ».") % {"title": action.title}
            )
        if arbitration != Arbitration.KEPT and not action_comment:
            raise ValidationError(
                _("Expliquez l'arbitrage de l'action « %(title)s ».") % {"title": action.title}
            )
        if arbitration == Arbitration.KEPT:
            granted = action.budget_requested
        elif arbitration == Arbitration.MODIFIED:
            granted = decision.get("budget_granted")
            if granted is None:
                granted = action.budget_requested
        else:
            granted = Decimal(0) if action.budget_requested is not None else None
        if granted is not None and granted < 0:
            raise ValidationError(_("Un budget accordé ne peut pas être négatif."))
        action.arbitration = arbitration
        action.arbitration_comment = action_comment
        action.budget_granted = granted
        action._history_user = author
        action.save(update_fields=["arbitration", "arbitration_comment", "budget_granted", "updated_at"])
    return _move(plan=plan, to_status=PlanStatus.ARBITRATED, author=author, comment=comment)


@transaction.atomic
def plan_transmit(*, plan: ActionPlan, author, comment: str = "") -> ActionPlan:
    """Arbitré → transmis à la Région."""
    _require_coordination(author, plan)
    plan = _locked(plan)
    _require_step(author, plan, "plans.transmit_plan", PlanStatus.SENT_TO_REGION)
    return _move(plan=plan, to_status=PlanStatus.SENT_TO_REGION, author=author, comment=comment)


@transaction.atomic
def plan_validate(*, plan: ActionPlan, author, comment: str = "") -> ActionPlan:
    """Transmis → validé: the coordination records the Région's validation (the Région reads only)."""
    _require_coordination(author, plan)
    plan = _locked(plan)
    _require_step(author, plan, "plans.validate_plan", PlanStatus.VALIDATED)
    return _move(plan=plan, to_status=PlanStatus.VALIDATED, author=author, comment=comment)


@transaction.atomic
def plan_review(
    *, plan: ActionPlan, author, comment: str = "", today: datetime.date | None = None
) -> ActionPlan:
    """Validé → bilan: once the year has ended, or every kept action is done or cancelled."""
    plan = _locked(plan)
    _require_site_editor(author, plan)
    if not in_state(is_validated, plan):
        raise _cannot_move(plan, PlanStatus.REVIEWED)
    with judged_on(today):
        if not rules.test_rule("plans.review_plan", author, plan):
            raise ValidationError(
                _("Le bilan se fait une fois l'année terminée ou toutes les actions réalisées ou annulées.")
            )
    return _move(plan=plan, to_status=PlanStatus.REVIEWED, author=author, comment=comment)


STEPS = {
    "propose": plan_propose,
    "back_to_draft": plan_back_to_draft,
    "transmit": plan_transmit,
    "validate": plan_validate,
    "review": plan_review,
}
