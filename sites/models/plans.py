"""Annual action plans: actions, indicators, arbitration and the approval workflow."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from spro.models import TimeStampedModel

from ..enums import ActionStatus, Arbitration, PlanStatus, ProgressRule
from .core import Site


class ActionPlanQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Plans of the sites whose data the user reads."""
        return self.filter(site__in=Site.objects.data_visible_to(user))


class ActionPlan(TimeStampedModel):
    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="action_plans", verbose_name=_("site")
    )
    year = models.PositiveSmallIntegerField(_("année"))
    status = models.CharField(_("état"), max_length=10, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    progress_rule = models.CharField(
        _("calcul de l'avancement"),
        max_length=25,
        choices=ProgressRule.choices,
        default=ProgressRule.ACTIONS_DONE,
    )
    summary = models.TextField(_("orientations de l'année"), blank=True)

    objects = ActionPlanQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("plan d'actions")
        verbose_name_plural = _("plans d'actions")
        ordering = ["-year", "site__name"]
        constraints = [models.UniqueConstraint(fields=["site", "year"], name="one_plan_per_site_and_year")]

    def __str__(self):
        return f"{_('Plan d’actions')} {self.year} — {self.site}"


class PlanAction(TimeStampedModel):
    plan = models.ForeignKey(
        ActionPlan, on_delete=models.CASCADE, related_name="actions", verbose_name=_("plan")
    )
    order = models.PositiveSmallIntegerField(_("ordre"), default=0)
    title = models.CharField(_("intitulé"), max_length=250)
    regional_axis = models.ForeignKey(
        "network.Challenge",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="site_actions",
        verbose_name=_("axe régional"),
    )
    description = models.TextField(_("description"), blank=True)
    target_publics = models.CharField(_("publics visés"), max_length=250, blank=True)
    partners = models.ManyToManyField(
        "network.Organisation", blank=True, related_name="plan_actions", verbose_name=_("partenaires")
    )
    start_date = models.DateField(_("début"), null=True, blank=True)
    end_date = models.DateField(_("fin"), null=True, blank=True)
    budget_requested = models.DecimalField(
        _("budget demandé (€)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    budget_granted = models.DecimalField(
        _("budget accordé (€)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    status = models.CharField(
        _("réalisation"), max_length=10, choices=ActionStatus.choices, default=ActionStatus.PLANNED
    )
    arbitration = models.CharField(_("arbitrage"), max_length=10, choices=Arbitration.choices, blank=True)
    arbitration_comment = models.TextField(_("commentaire d'arbitrage"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("action")
        verbose_name_plural = _("actions")
        ordering = ["order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
                name="plan_action_dates_ordered",
            ),
            models.CheckConstraint(
                condition=Q(budget_requested__isnull=True) | Q(budget_requested__gte=0),
                name="budget_requested_positive",
            ),
            models.CheckConstraint(
                condition=Q(budget_granted__isnull=True) | Q(budget_granted__gte=0),
                name="budget_granted_positive",
            ),
        ]

    def __str__(self):
        return self.title


class ActionIndicator(models.Model):
    action = models.ForeignKey(PlanAction, on_delete=models.CASCADE, related_name="indicators")
    label = models.CharField(_("indicateur"), max_length=250)
    unit = models.CharField(_("unité"), max_length=40, blank=True)
    target = models.DecimalField(_("cible"), max_digits=12, decimal_places=2)
    result = models.DecimalField(_("résultat"), max_digits=12, decimal_places=2, null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("indicateur d'action")
        verbose_name_plural = _("indicateurs d'action")
        ordering = ["pk"]

    def __str__(self):
        return self.label


class PlanTransition(models.Model):
    """Every step of a plan's workflow: who, when, from what to what, and why."""

    plan = models.ForeignKey(ActionPlan, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=10, choices=PlanStatus.choices)
    to_status = models.CharField(max_length=10, choices=PlanStatus.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    comment = models.TextField(_("commentaire"), blank=True)
    created_at = models.DateTimeField(_("le"), auto_now_add=True)

    class Meta:
        verbose_name = _("étape du plan")
        verbose_name_plural = _("étapes du plan")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.plan} : {self.get_from_status_display()} → {self.get_to_status_display()}"
